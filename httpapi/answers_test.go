package httpapi_test

import (
	"net/url"
	"testing"
)

// TestTxnAnswer: /txns answers offer_details with no offers, and the
// order's client token when the same call created the order with
// order.options.get_client_auth_token=true.
func TestTxnAnswer(t *testing.T) {
	h := newHarness(t, "sqlite")
	form := newCardForm("", goodCard)
	form.Del("order_id")
	form.Set("format", "json")
	form.Set("order.order_id", "ta1")
	form.Set("order.amount", "10.00")
	form.Set("order.options.get_client_auth_token", "true")
	res := h.txn(h.keyA, form)
	tok := res.str("juspay.client_auth_token")
	if res.status != 200 || tok == "" || res.str("juspay.client_auth_token_expiry") == "" {
		t.Fatalf("order and payment with a client token: %d %s", res.status, res.raw)
	}
	if offers, ok := res.get("offer_details.offers").([]any); !ok || len(offers) != 0 {
		t.Fatalf("offer_details: %s", res.raw)
	}
	// The token is the order's: it reads card info, and pays that order only.
	h.must(200, request{method: "GET", path: "/cardbins/424242?client_auth_token=" + url.QueryEscape(tok)})
	h.order(h.keyA, "ta2", false, "")
	other := newCardForm("ta2", goodCard)
	other.Set("client_auth_token", tok)
	if r := h.txn("", other); r.status != 403 {
		t.Fatalf("the token paid another order: %d %s", r.status, r.raw)
	}
	// Without the option, or on an existing order: no token.
	for _, f := range []url.Values{newCardForm("ta2", goodCard), func() url.Values {
		f := newCardForm("", goodCard)
		f.Del("order_id")
		f.Set("order.order_id", "ta3")
		f.Set("order.amount", "10.00")
		return f
	}()} {
		f.Set("format", "json")
		if r := h.txn(h.keyA, f); r.status != 200 || r.get("juspay") != nil {
			t.Fatalf("%v: %d %s", f, r.status, r.raw)
		}
	}
	form.Set("order.order_id", "ta4")
	form.Set("order.options.get_client_auth_token", "maybe")
	if r := h.txn(h.keyA, form); r.status != 400 || r.errorField() != "order.options.get_client_auth_token" {
		t.Fatalf("a bad option: %d %s", r.status, r.raw)
	}
}
