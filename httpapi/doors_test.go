package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/coftkit/coft/httpapi"
)

// TestManageNoticeTakesCodesOnly: the saved-cards screen shows no text a
// link chooses. The notice is a code ("removed"), with the card's network
// and last four digits when both are valid; anything else shows nothing.
func TestManageNoticeTakesCodesOnly(t *testing.T) {
	h := newHarness(t, "sqlite")
	_, link := h.manageLink(h.keyA, "noticed")
	b := h.browser(false)
	notice := func(query string) string {
		t.Helper()
		status, _, page := b.visit(link + "&" + query)
		if status != 200 {
			t.Fatalf("%s: %d", query, status)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(page, "Call") || strings.Contains(page, "evil.example") {
			t.Fatalf("%s: the page shows the link's text:\n%s", query, page)
		}
		return strings.TrimSpace(doc.Find("#notice").Text())
	}
	for query, want := range map[string]string{
		"notice=" + url.QueryEscape("Call +91 1800 000 now: evil.example"):    "",
		"notice=removed&brand=" + url.QueryEscape("Call evil.example"):        "Your card was removed.",
		"notice=removed&brand=VISA&last4=4242":                                "Your Visa card ending 4242 was removed.",
		"notice=removed&brand=MASTERCARD&last4=" + url.QueryEscape("Call me"): "Your card was removed.",
		"notice=removed&brand=VISA&last4=42424":                               "Your card was removed.",
		"notice=removed":                                                      "Your card was removed.",
		"notice=Removed":                                                      "",
		"notice=secured":                                                      "",
	} {
		if got := notice(query); got != want {
			t.Errorf("%s: notice %q, want %q", query, got, want)
		}
	}
}

// TestStaticListsNothing: /static/ serves its files and lists nothing.
func TestStaticListsNothing(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.must(200, request{method: "GET", path: "/static/site.css"})
	for _, p := range []string{"/static/", "/static/site.css/", "/static/nope.css", "/static/.", "/static/%2e"} {
		if res := h.do(request{method: "GET", path: p}); res.status != 404 || strings.Contains(res.raw, "favicon.svg") {
			t.Errorf("%s: %d %s", p, res.status, res.raw)
		}
	}
}

// TestMetricsNeedToken: without METRICS_TOKEN the public handler has no
// /metrics; with it, only its bearers read them; MetricsHandler serves
// them on a listener of their own.
func TestMetricsNeedToken(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.must(404, request{method: "GET", path: "/metrics"})
	h.must(404, request{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer "}})
	own := httptest.NewServer(h.api.MetricsHandler())
	defer own.Close()
	res, err := http.Get(own.URL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("metrics on their own listener: %v %v", res, err)
	}
	res.Body.Close()

	const token = "metrics-token-0123456789"
	h = newHarness(t, "sqlite", func(c *httpapi.Config) { c.MetricsToken = token })
	for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + token + "x"},
		{"Authorization": "Basic " + token}, {"Authorization": token}, {"Authorization": "Bearer"}} {
		res := h.must(401, request{method: "GET", path: "/metrics", header: hdr})
		if res.header.Get("WWW-Authenticate") == "" || strings.Contains(res.raw, "http_requests_total") {
			t.Errorf("%v: %s", hdr, res.raw)
		}
	}
	m := h.must(200, request{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer " + token}})
	if !strings.Contains(m.raw, `http_requests_total{code="401",route="GET /metrics"}`) {
		t.Fatalf("metrics:\n%s", m.raw)
	}
}

// TestAnonymousCardBinsHideMerchants: an anonymous lookup naming an unknown
// merchant is answered exactly as one naming a merchant with no
// eligibility, and an anonymous caller cannot ask about a sub-merchant.
func TestAnonymousCardBinsHideMerchants(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.newMerchant("notok", false) // tokenization off
	h.newMerchant("bare", true)   // on, onboarded to no network
	requestID := regexp.MustCompile(`"request_id":"[^"]*"`)
	for _, q := range []string{
		"/cardbins/541919?options.check_tokenize_support=true&options.check_cvv_less_support=true",
		"/cardbins/541919?options.check_mandate_support=true",
		"/cardbins/433587",
		"/cardbins/999999?options.check_tokenize_support=true",
		"/cardbins/12345?options.check_tokenize_support=true",
		"/cardbins/541919?options.check_tokenize_support=maybe",
		"/cardbins/541919?options.check_tokenize_support=true&submerchant_id=sub1",
		"/cardbins/541919?options.check_tokenize_support=true&submerchant_id=alpha",
		"/cardbins/541919?nope=1",
	} {
		var first response
		for i, m := range []string{"notok", "bare", "ghost", "ghost2"} {
			res := h.do(request{method: "GET", path: q + "&merchant_id=" + m})
			res.raw = requestID.ReplaceAllString(res.raw, "")
			if i == 0 {
				first = res
				continue
			}
			if res.status != first.status || res.raw != first.raw {
				t.Errorf("%s: merchant %s answers %d %s; notok %d %s", q, m, res.status, res.raw, first.status, first.raw)
			}
		}
	}
	// The documented anonymous call still works, for a real merchant's
	// eligibility; sub-merchants are asked with the key.
	if res := h.must(200, request{method: "GET", path: "/cardbins/541919?merchant_id=alpha&options.check_tokenize_support=true"}); res.get("tokenize_support") != true {
		t.Fatalf("anonymous lookup: %s", res.raw)
	}
	sub := h.must(401, request{method: "GET", path: "/cardbins/541919?merchant_id=alpha&submerchant_id=alpha&options.check_tokenize_support=true"})
	if sub.errorField() != "submerchant_id" {
		t.Fatalf("anonymous sub-merchant: %s", sub.raw)
	}
	if res := h.must(200, request{method: "GET", path: "/cardbins/541919?submerchant_id=alpha&options.check_tokenize_support=true", key: h.keyA}); res.get("tokenize_support") != true {
		t.Fatalf("sub-merchant with the key: %s", res.raw)
	}
}
