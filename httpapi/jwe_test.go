package httpapi_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/jweauth"
	"github.com/coftkit/coft/jweauth/jwetest"
)

// jweClient is a merchant's server speaking JWE+JWS, as Juspay's SDKs do.
type jweClient struct {
	h       *harness
	kid     string
	priv    *rsa.PrivateKey // the merchant's
	service *rsa.PublicKey  // the service's, of the key id
}

// jweKeyFor registers a key id for a merchant, as `merchants jwt-keys
// -generate` does, and returns a client holding it.
func (h *harness) jweKeyFor(merchantID string) *jweClient {
	h.t.Helper()
	priv := testRSAKey(h.t, merchantID)
	k, err := jweauth.NewKey(merchantID, &priv.PublicKey, h.locker)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.db.CreateJWTKey(context.Background(), k); err != nil {
		h.t.Fatal(err)
	}
	pub, err := jweauth.ParsePublicKey(k.ServicePublicKey)
	if err != nil {
		h.t.Fatal(err)
	}
	return &jweClient{h: h, kid: k.ID, priv: priv, service: pub}
}

var testRSAKeys = map[string]*rsa.PrivateKey{}

// testRSAKey is one RSA key per name, shared by the tests: making one
// takes a while.
func testRSAKey(t testing.TB, name string) *rsa.PrivateKey {
	if k, ok := testRSAKeys[name]; ok {
		return k
	}
	k, err := jweauth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	testRSAKeys[name] = k
	return k
}

// seal encrypts a JSON body as the Node SDK does: signed with signer
// (unsigned when nil), encrypted with RSA-OAEP (SHA-1) and A256GCM to
// encryptTo, in the SDK's JSON-fields form, both kids kid.
func (c *jweClient) seal(payload string, signer *rsa.PrivateKey, encryptTo *rsa.PublicKey, kid string) string {
	c.h.t.Helper()
	return jwetest.Seal(c.h.t, jwetest.Body{Payload: payload, Signer: signer, JWSKid: kid, EncryptTo: encryptTo, JWEKid: kid})
}

// post sends payload encrypted and signed with the client's key, and opens
// a successful answer.
func (c *jweClient) post(want int, path, payload string) response {
	c.h.t.Helper()
	res := c.h.must(want, request{method: "POST", path: path, json: c.seal(payload, c.priv, c.service, c.kid)})
	if want == 200 {
		res = c.open(res)
	}
	return res
}

// open decrypts and verifies an answer, as the SDK's jwtDecrypt does.
func (c *jweClient) open(res response) response {
	c.h.t.Helper()
	req, err := jweauth.Parse([]byte(res.raw))
	if err != nil {
		c.h.t.Fatalf("answer is not a JWE: %v: %s", err, res.raw)
	}
	if req.KeyID() != c.kid {
		c.h.t.Fatalf("answer kid %q, want %q", req.KeyID(), c.kid)
	}
	plain, err := req.Open(c.priv, c.service)
	if err != nil {
		c.h.t.Fatalf("answer does not open: %v", err)
	}
	out := response{status: res.status, header: res.header, raw: string(plain)}
	if err := json.Unmarshal(plain, &out.body); err != nil {
		c.h.t.Fatalf("answer is not JSON: %s", plain)
	}
	return out
}

func TestJWEPayment(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		c := h.jweKeyFor("alpha")
		cst := h.customer(h.keyA, "jwe1")
		// Order and payment in one encrypted call, as payments.create sends
		// it: the classic fields, dotted keys and all, as JSON.
		res := c.post(200, "/v4/txns", `{"order.order_id":"jwe1","order.amount":"99.00","order.customer_id":"`+cst+`",
			"order.return_url":"https://shop.example/back","payment_method_type":"CARD","payment_method":"VISA",
			"card_number":"4242424242424242","card_exp_month":"12","card_exp_year":"2031","card_security_code":"123",
			"merchant_id":"alpha","format":"json","redirect_after_payment":true}`)
		if res.str("status") != "PENDING_VBV" || !strings.Contains(res.str("payment.authentication.url"), "/v2/txns/consent/alpha/") {
			t.Fatalf("/v4/txns: %s", res.raw)
		}
		h.browser(true).pay(res.str("payment.authentication.url"), "accept")

		st := c.post(200, "/v4/order-status", `{"order_id":"jwe1","options.add_full_gateway_response":"true"}`)
		if st.str("status") != "CHARGED" || st.get("card.tokenization_user_consent") != true ||
			st.str("card.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("/v4/order-status: %s", st.raw)
		}
		ref := c.post(200, "/v4/orders/jwe1/refunds", `{"unique_request_id":"r1","amount":"9.00"}`)
		if ref.str("refunds.0.status") != "SUCCESS" || ref.get("amount_refunded") != 9.0 {
			t.Fatalf("/v4/orders/jwe1/refunds: %s", ref.raw)
		}

		// Create Order, too, under JWE+JWS.
		if o := c.post(200, "/v4/orders", `{"order_id":"jwe2","amount":"5.00","options.get_client_auth_token":true}`); o.str("status") != "NEW" ||
			!strings.HasPrefix(o.str("juspay.client_auth_token"), "tkn_") {
			t.Fatalf("/v4/orders: %s", o.raw)
		}
		// Errors stay plain JSON, with their status, as the SDK expects.
		nf := c.post(404, "/v4/order-status", `{"order_id":"nosuch"}`)
		if nf.str("error_code") != "object_not_found" {
			t.Fatalf("unknown order: %s", nf.raw)
		}
		// The API key still works on the same routes, and on the old ones.
		if st := h.must(200, request{method: "POST", path: "/v4/order-status", key: h.keyA, json: `{"order_id":"jwe1"}`}); st.str("status") != "CHARGED" {
			t.Fatalf("/v4/order-status with the API key: %s", st.raw)
		}
		// Juspay's documented form: {"JWT": compact} with a compact JWS, next to
		// Basic auth of the same merchant; the answer comes back compact.
		body := jwetest.Seal(t, jwetest.Body{Payload: `{"order_id":"jwe1"}`, Signer: c.priv, JWSKid: c.kid,
			EncryptTo: c.service, JWEKid: c.kid, Alg: jose.RSA_OAEP_256, Form: jweauth.FormCompact})
		doc := h.must(200, request{method: "POST", path: "/v4/order-status", key: h.keyA, json: body})
		if !strings.HasPrefix(doc.raw, `{"JWT":"`) || c.open(doc).str("status") != "CHARGED" {
			t.Fatalf("compact form: %s", doc.raw)
		}
		// Rotating: a second key id works next to the first, each answered
		// with its own keys.
		c2 := h.jweKeyFor("alpha")
		if c2.kid == c.kid || c2.post(200, "/v4/order-status", `{"order_id":"jwe1"}`).str("status") != "CHARGED" ||
			c.post(200, "/v4/order-status", `{"order_id":"jwe1"}`).str("status") != "CHARGED" {
			t.Fatal("two live key ids")
		}
		// With another merchant's API key, it is refused.
		h.must(401, request{method: "POST", path: "/v4/order-status", key: h.keyB, json: body})
	})
}

func TestJWERefusals(t *testing.T) {
	h := newHarness(t, "sqlite")
	c := h.jweKeyFor("alpha")
	beta := h.jweKeyFor("beta")
	cst := h.customer(h.keyA, "jwe2")
	order := func(id string) string {
		return `{"order.order_id":"` + id + `","order.amount":"10.00","order.customer_id":"` + cst + `","payment_method_type":"CARD",
			"card_number":"4242424242424242","card_exp_month":"12","card_exp_year":"2031","card_security_code":"123","format":"json"}`
	}
	tampered := jwetest.Tamper(t, c.seal(order("t1"), c.priv, c.service, c.kid))
	revoked := h.jweKeyFor("alpha")
	if err := h.db.RevokeJWTKey(context.Background(), "alpha", revoked.kid, time.Now()); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, id, body string }{
		{"a tampered payload", "t1", tampered},
		{"an unknown kid", "t2", c.seal(order("t2"), c.priv, c.service, "key_0123456789abcdef0123456789abcdef")},
		{"a revoked key", "t3", revoked.seal(order("t3"), revoked.priv, revoked.service, revoked.kid)},
		{"an unsigned inner body", "t4", c.seal(order("t4"), nil, c.service, c.kid)},
		{"a body encrypted to another merchant's key", "t5", c.seal(order("t5"), c.priv, beta.service, c.kid)},
		{"another merchant's kid", "t6", c.seal(order("t6"), c.priv, beta.service, beta.kid)},
		{"signed with another merchant's key", "t7", c.seal(order("t7"), beta.priv, c.service, c.kid)},
	}
	for _, tc := range cases {
		res := h.must(401, request{method: "POST", path: "/v4/txns", json: tc.body})
		if res.str("error_code") != "access_denied" || res.str("error_info.code") != "UNAUTHORIZED" {
			t.Errorf("%s: %s", tc.name, res.raw)
		}
		// Nothing was created.
		h.must(404, request{method: "GET", path: "/orders/" + tc.id, key: h.keyA})
		h.must(404, request{method: "GET", path: "/orders/" + tc.id, key: h.keyB})
	}
	// The key works, so the refusals above were for the reasons given.
	c.post(200, "/v4/txns", order("t8"))
	// x-merchantid must name the key's merchant.
	h.must(403, request{method: "POST", path: "/v4/order-status", json: c.seal(`{"order_id":"t8"}`, c.priv, c.service, c.kid),
		header: map[string]string{"x-merchantid": "beta"}})
}
