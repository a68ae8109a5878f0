package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft/httpapi"
)

// TestReturnURLs: a return_url is the merchant's — on its registered
// return origins or its default return URL's — wherever it is set (orders,
// /txns creating the order, sessions, /card/tokenize), and never from a
// browser's token: the payment origin must not redirect a customer, with
// a merchant-signed result, to any URL. Orders keep the URL they were
// made with.
func TestReturnURLs(t *testing.T) {
	h := newHarness(t, "sqlite")
	for _, tc := range []struct {
		path, form, field string
	}{
		{"/orders", "order_id=r1&amount=1&return_url=https://evil.example/x", "return_url"},
		{"/orders", "order_id=r2&amount=1&return_url=https://shop.example.evil.example/x", "return_url"},
		{"/orders", "order_id=r3&amount=1&return_url=http://shop.example:8443/x", "return_url"},
		{"/session", "order_id=r4&amount=1&return_url=https://evil.example/x", "return_url"},
		{"/txns", "order.order_id=r5&order.amount=1&order.return_url=https://evil.example/x&payment_method_type=CARD" +
			"&card_number=" + goodCard + "&card_exp_month=12&card_exp_year=2031&card_security_code=123&format=json", "order.return_url"},
	} {
		if res := h.do(request{method: "POST", path: tc.path, key: h.keyA, form: tc.form}); res.status != 400 || res.errorField() != tc.field {
			t.Errorf("POST %s %s: %d %s", tc.path, tc.form, res.status, res.raw)
		}
	}
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=ok1&amount=1&return_url=https://shop.example/back?x=1"})

	// /card/tokenize: the merchant's server may name a registered origin;
	// a browser's token may name none.
	cst, _ := h.manageLink(h.keyA, "ret1")
	h.saveCard("alpha", cst, goodCard)
	cardToken := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}).str("cards.0.card_token")
	if res := h.do(request{method: "POST", path: "/card/tokenize", key: h.keyA,
		form: "card_token=" + url.QueryEscape(cardToken) + "&return_url=https://evil.example/cards"}); res.status != 400 || res.errorField() != "return_url" {
		t.Errorf("tokenize to another origin: %d %s", res.status, res.raw)
	}
	tok := h.must(200, request{method: "POST", path: "/customers/" + cst, key: h.keyA,
		form: "options.get_client_auth_token=true"}).str("juspay.client_auth_token")
	if res := h.do(request{method: "POST", path: "/card/tokenize", form: "card_token=" + url.QueryEscape(cardToken) +
		"&return_url=https://shop.example/cards", header: map[string]string{"x-client-auth-token": tok}}); res.status != 403 || res.errorField() != "return_url" {
		t.Errorf("a browser's token set return_url: %d %s", res.status, res.raw)
	}

	// An order keeps its URL when the merchant's origins change.
	m, err := h.db.FindMerchantByID(context.Background(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	m.ReturnOrigins = nil
	if err := h.db.UpdateMerchant(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute) // past the merchant cache
	if st := h.must(200, request{method: "GET", path: "/orders/ok1", key: h.keyA}); st.str("return_url") != "https://shop.example/back?x=1" {
		t.Errorf("the order's return_url: %s", st.raw)
	}
	if res := h.do(request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=r6&amount=1&return_url=https://shop.example/back"}); res.status != 400 {
		t.Errorf("an origin no longer registered: %d %s", res.status, res.raw)
	}

	// Production: https only.
	p := newHarness(t, "sqlite", func(c *httpapi.Config) { c.Production = true })
	if res := p.do(request{method: "POST", path: "/orders", key: p.keyA, form: "order_id=p1&amount=1&return_url=http://shop.example/back"}); res.status != 400 ||
		!strings.Contains(res.raw, "https") {
		t.Errorf("production took an http return_url: %d %s", res.status, res.raw)
	}
	p.must(200, request{method: "POST", path: "/orders", key: p.keyA, form: "order_id=p2&amount=1&return_url=https://shop.example/back"})
}
