package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

// TestWidget covers the embedded dialog's refusals and the link from its
// recorded choice to /txns.
func TestWidget(t *testing.T) {
	h := newHarness(t, "sqlite")
	m, _ := h.db.FindMerchantByID(context.Background(), "alpha")
	m.FrameOrigins = []string{"https://shop.example"}
	h.db.UpdateMerchant(context.Background(), m)
	cst := h.customer(h.keyA, "w1")
	ord := h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
		form: "order_id=w1&amount=100&customer_id=" + cst + "&options.get_client_auth_token=true"})
	token := ord.str("juspay.client_auth_token")
	widget := func(q string) (int, http.Header, string) {
		req, _ := http.NewRequest("GET", h.srv.URL+"/v2/consent/widget?client_auth_token="+url.QueryEscape(token)+q, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, res.Header, readAll(res.Body)
	}

	// Another origin: refused, and the answer cannot be framed at all.
	status, hdr, _ := widget("&origin=https://evil.example&bin=424242&last4=4242")
	if status != 400 || !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("foreign origin: %d %q", status, hdr.Get("Content-Security-Policy"))
	}
	// An ineligible card: a page saying so, framed by the shop only.
	status, hdr, page := widget("&origin=https://shop.example&bin=411111&last4=1111")
	if status != 200 || !strings.Contains(page, `data-coft-message="eligibility"`) || !strings.Contains(page, `data-eligible="false"`) ||
		!strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors https://shop.example") || hdr.Get("X-Frame-Options") != "" {
		t.Fatalf("ineligible: %d %s", status, page)
	}
	for _, q := range []string{"&origin=https://shop.example&bin=42&last4=4242", "&origin=https://shop.example&bin=424242&last4=42x"} {
		if status, _, _ := widget(q); status != 400 {
			t.Errorf("%s: %d", q, status)
		}
	}
	// An eligible card: the dialog, then the choice.
	b := h.browser(false)
	u := h.srv.URL + "/v2/consent/widget?client_auth_token=" + url.QueryEscape(token) + "&origin=" + url.QueryEscape("https://shop.example") + "&bin=424242&last4=4242&lang=hi"
	status, _, page = b.visit(u)
	if status != 200 || !strings.Contains(page, coft.ConsentTexts["hi"].Title) {
		t.Fatalf("dialog: %d %s", status, page)
	}
	status, _, page = b.post(u, url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)},
		"text_id": {"tokenize-hi-v1"}, "locale": {"hi"}, "form_factor": {"mobile-landscape"}}, nil)
	i := strings.Index(page, `data-consent-id="`)
	if status != 200 || i < 0 || !strings.Contains(page, `data-decision="accept"`) {
		t.Fatalf("decision: %d %s", status, page)
	}
	consentID := page[i+len(`data-consent-id="`):]
	consentID = consentID[:strings.IndexByte(consentID, '"')]
	if status, _, _ := b.post(u, url.Values{"decision": {"accept"}, "form_token": {"forged"}, "text_id": {"tokenize-hi-v1"}, "locale": {"hi"}}, nil); status != 403 {
		t.Fatalf("forged form token: %d", status)
	}

	txn := func(form url.Values) response {
		return h.txn(h.keyA, form)
	}
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{with(newCardForm("w1", goodCard), "consent_id", consentID), "consent_id"},                                     // without tokenize
		{with(with(newCardForm("w1", goodCard), "tokenize", "false"), "consent_id", consentID), "tokenize"},            // another decision
		{with(with(newCardForm("w1", "5419190000000003"), "tokenize", "true"), "consent_id", consentID), "consent_id"}, // another card
		{with(with(newCardForm("w1", goodCard), "tokenize", "true"), "consent_id", "pcn_nope"), "consent_id"},
	} {
		if res := txn(tc.form); res.status/100 != 4 || res.errorField() != tc.field {
			t.Errorf("%v: %d %s", tc.form, res.status, res.raw)
		}
	}
	// The right card and decision: the payment takes the evidence, once.
	res := txn(with(with(newCardForm("w1", goodCard), "tokenize", "true"), "consent_id", consentID))
	if res.status != 200 || strings.Contains(res.str("payment.authentication.url"), "/consent/") {
		t.Fatalf("txns with the consent: %d %s", res.status, res.raw)
	}
	cs, _ := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
	if len(cs) != 1 || cs[0].Channel != coft.ChannelMerchantPage || cs[0].TextID != "tokenize-hi-v1" || cs[0].ShownAt.IsZero() ||
		cs[0].FormFactor != coft.FormFactorMobileLandscape || cs[0].FormFactorSource != coft.FormFactorFromDialog {
		t.Fatalf("evidence: %+v", cs)
	}
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=w2&amount=100&customer_id=" + cst})
	again := txn(with(with(newCardForm("w2", goodCard), "tokenize", "true"), "consent_id", consentID))
	if again.status/100 != 4 || again.errorField() != "consent_id" {
		t.Fatalf("the consent used twice: %d %s", again.status, again.raw)
	}
}
