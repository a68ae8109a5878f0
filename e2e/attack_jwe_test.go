package e2e

import (
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/coftkit/coft/jweauth"
	"github.com/coftkit/coft/jweauth/jwetest"
)

// jweParty is a merchant's server holding a JWE+JWS key id: its private
// key and the service's public key of that id.
type jweParty struct {
	kid     string
	priv    *rsa.PrivateKey
	service *rsa.PublicKey
}

func newJWEParty(t *testing.T, k jwtKeysOut) jweParty {
	t.Helper()
	priv, err := jweauth.ParsePrivateKey(k.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jweauth.ParsePublicKey(k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return jweParty{kid: k.KeyID, priv: priv, service: pub}
}

// jweBody encrypts payload as Juspay's Node SDK does (RSA-OAEP, A256GCM,
// the JSON-fields form), signed with signer (unsigned when nil) under
// jwsKid, encrypted to encryptTo under jweKid.
func jweBody(t *testing.T, payload string, signer *rsa.PrivateKey, jwsKid string, encryptTo *rsa.PublicKey, jweKid string) string {
	return jwetest.Seal(t, jwetest.Body{Payload: payload, Signer: signer, JWSKid: jwsKid, EncryptTo: encryptTo, JWEKid: jweKid})
}

// 10. Forged JWE+JWS: requests on the encrypted routes that the keys do
// not vouch for. Each is refused with 401 (or, for beta's order asked with
// alpha's own key, 404), and none creates or changes anything.
func (a *attackSuite) forgedJWE(t *testing.T) {
	const cat = "forged JWE+JWS"
	alpha := newJWEParty(t, jwtKeys(t, a.env, "alpha"))
	beta := newJWEParty(t, jwtKeys(t, a.env, "beta"))
	revoked := newJWEParty(t, jwtKeys(t, a.env, "alpha"))
	jwtKeys(t, a.env, "alpha", "-revoke", revoked.kid)
	before := a.digest(t)

	payment := `{"order.order_id":"jweforged","order.amount":"10.00","payment_method_type":"CARD","card_number":"` + attackVisa +
		`","card_exp_month":"12","card_exp_year":"2031","card_security_code":"123","format":"json"}`
	statusOf := func(id string) string { return `{"order_id":"` + id + `"}` }
	cases := []struct {
		what, path, body string
		key              string // Basic auth sent with the body
		want             int
	}{
		{"a tampered payload", "/v4/txns", jwetest.Tamper(t, jweBody(t, payment, alpha.priv, alpha.kid, alpha.service, alpha.kid)), "", 401},
		{"an unknown kid", "/v4/txns", jweBody(t, payment, alpha.priv, "key_00000000000000000000000000000000", alpha.service, "key_00000000000000000000000000000000"), "", 401},
		{"a revoked key", "/v4/txns", jweBody(t, payment, revoked.priv, revoked.kid, revoked.service, revoked.kid), "", 401},
		{"an unsigned inner body", "/v4/txns", jweBody(t, payment, nil, "", alpha.service, alpha.kid), "", 401},
		{"alpha's kid, encrypted to beta's key", "/v4/txns", jweBody(t, payment, alpha.priv, alpha.kid, beta.service, alpha.kid), "", 401},
		{"beta's kid, signed by alpha", "/v4/order-status", jweBody(t, statusOf(a.b.paidOrder), alpha.priv, beta.kid, beta.service, beta.kid), "", 401},
		{"a JWS kid other than the JWE's", "/v4/txns", jweBody(t, payment, alpha.priv, beta.kid, alpha.service, alpha.kid), "", 401},
		{"alpha's body with beta's API key", "/v4/txns", jweBody(t, payment, alpha.priv, alpha.kid, alpha.service, alpha.kid), a.keyB, 401},
		{"beta's order with alpha's own key", "/v4/order-status", jweBody(t, statusOf(a.b.paidOrder), alpha.priv, alpha.kid, alpha.service, alpha.kid), "", 404},
		{"a refund of beta's order with alpha's own key", "/v4/orders/" + a.b.paidOrder + "/refunds",
			jweBody(t, `{"unique_request_id":"jx1","amount":"1.00"}`, alpha.priv, alpha.kid, alpha.service, alpha.kid), "", 404},
		{"a JWE header naming alg none", "/v4/txns", `{"header":"eyJhbGciOiJub25lIiwiZW5jIjoiQTI1NkdDTSIsImtpZCI6ImsifQ","encryptedKey":"","iv":"AA","encryptedPayload":"AA","tag":"AA"}`, "", 401},
		{"a compact JWT that is not one", "/v4/order-status", `{"JWT":"a.b.c.d.e"}`, "", 401},
	}
	for _, c := range cases {
		res := a.do(t, attackReq{method: "POST", path: c.path, json: c.body, key: c.key})
		// A refusal is plain JSON in the classic error shape, never sealed.
		m := res.json()
		refused := res.status == c.want && attackStr(m, "error_code") != "" && attackStr(m, "encryptedPayload") == ""
		a.count(t, cat, c.what, res.code(), refused, res.body[:min(200, len(res.body))])
	}
	a.unchanged(t, "the forged JWE+JWS requests", before)
	// The same key works, so the refusals were for the reasons given.
	res := a.do(t, attackReq{method: "POST", path: "/v4/order-status", json: jweBody(t, statusOf(a.aObj.order), alpha.priv, alpha.kid, alpha.service, alpha.kid)})
	if res.status != 200 || !strings.Contains(res.body, `"encryptedPayload"`) {
		t.Fatalf("alpha's own, valid request: %d %s", res.status, res.body)
	}
}
