package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestFraming: a merchant's allowed origins, and only they, may frame its
// customer pages (the iframe checkout and the saved-cards screen); other
// merchants' pages and the API are never framed.
func TestFraming(t *testing.T) {
	h := newHarness(t, "sqlite")
	m, _ := h.db.FindMerchantByID(context.Background(), "alpha")
	m.FrameOrigins = []string{"https://shop.example", "https://m.shop.example:8443"}
	if err := h.db.UpdateMerchant(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	framed := func(what string, res response) {
		t.Helper()
		csp := res.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors https://shop.example https://m.shop.example:8443") ||
			res.header.Get("X-Frame-Options") != "" || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q, X-Frame-Options %q", what, csp, res.header.Get("X-Frame-Options"))
		}
	}
	notFramed := func(what string, res response) {
		t.Helper()
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
			res.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q", what, csp, res.header.Get("X-Frame-Options"))
		}
	}
	get := func(u string) response {
		return h.do(request{method: "GET", path: strings.TrimPrefix(u, h.srv.URL)})
	}

	cst := h.order(h.keyA, "fr1", true, "")
	order := h.must(200, request{method: "GET", path: "/orders/fr1", key: h.keyA})
	iframe := order.str("payment_links.iframe")
	framed("payment page", get(iframe))
	res := h.txn(h.keyA, newCardForm("fr1", goodCard))
	consent := res.str("payment.authentication.url")
	framed("consent page", get(consent))
	b := h.browser(false)
	_, _, page := b.visit(consent)
	_, bank, _ := b.post(consent, url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
	framed("bank page", get(bank))
	_, link := h.manageLink(h.keyA, "fr2")
	framed("saved-cards screen", get(link))
	notFramed("orders API", h.do(request{method: "GET", path: "/orders/fr1", key: h.keyA}))
	_ = cst

	// Beta allows no framing.
	h.order(h.keyB, "fr3", false, "")
	notFramed("beta's payment page", get(h.must(200, request{method: "GET", path: "/orders/fr3", key: h.keyB}).str("payment_links.iframe")))
	bres := h.txn(h.keyB, newCardForm("fr3", goodCard))
	notFramed("beta's bank page", get(bres.str("payment.authentication.url")))
	_, blink := h.manageLink(h.keyB, "fr4")
	notFramed("beta's saved-cards screen", get(blink))

	if js := h.do(request{method: "GET", path: "/static/frame.js"}); js.status != 200 || !strings.Contains(js.raw, "coft:resize") ||
		!strings.Contains(js.header.Get("Content-Type"), "javascript") {
		t.Errorf("frame.js: %d %q", js.status, js.header.Get("Content-Type"))
	}
	for _, bad := range [][]string{{"https://shop.example/path"}, {"shop.example"}, {"https://*.shop.example"}, {"javascript:alert(1)"}, {"https://a b"}} {
		m.FrameOrigins = bad
		if err := h.db.UpdateMerchant(context.Background(), m); err == nil {
			t.Errorf("frame origin %q accepted", bad)
		}
	}
}
