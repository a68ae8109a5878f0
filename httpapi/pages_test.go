package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/pages"
)

func TestHomePage(t *testing.T) {
	bins := bintable.MustNew()
	n, _ := bins.TestCard("541919")
	b, _ := bins.Lookup(n)
	h := newHarness(t, "sqlite", func(c *httpapi.Config) { c.TestCards = []components.TestCard{{Number: n, Bin: b}} })
	res := h.must(200, request{method: "GET", path: "/"})
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("CSP: %q", res.header.Get("Content-Security-Policy"))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.raw))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	doc.Find("table").First().Find("tbody tr td:nth-child(2)").Each(func(_ int, s *goquery.Selection) {
		paths = append(paths, s.Text())
	})
	if len(paths) < 11 || !strings.Contains(strings.Join(paths, " "), "/cardbins/{bin}") {
		t.Fatalf("endpoint list: %v", paths)
	}
	row := doc.Find("table").Last().Find("tbody tr").First()
	if row.Find("td").First().Text() != n || row.Find("td").Last().Text() != "yes" {
		t.Fatalf("test card row: %q", row.Text())
	}
	css := h.must(200, request{method: "GET", path: "/static/site.css"})
	if !strings.Contains(css.header.Get("Cache-Control"), "max-age") {
		t.Fatalf("static cache header: %q", css.header.Get("Cache-Control"))
	}
	h.must(404, request{method: "GET", path: "/static/nope.css"})
}

// TestCustomerPagesNeverAnswerJSON: every refusal of a customer page is a
// page, with the status of the API's code table.
func TestCustomerPagesNeverAnswerJSON(t *testing.T) {
	h := newHarness(t, "sqlite")
	b := h.browser(false)
	big := url.Values{"decision": {strings.Repeat("a", 70<<10)}}
	for _, c := range []struct {
		method, path string
		form         url.Values
		hdr          map[string]string
		status       int
		words        string
	}{
		{"GET", "/v2/txns/consent/alpha/nosuch", nil, nil, 404, "Payment link not valid"},
		{"POST", "/v2/pay/start/alpha/nosuch", url.Values{"otp": {"1"}}, nil, 404, "Payment link not valid"},
		{"GET", "/orders/ord_nosuch/payment-page", nil, nil, 404, "Payment link not valid"},
		{"POST", "/orders/ord_nosuch/payment-page", url.Values{"card_number": {"1"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "Request not accepted"},
		{"POST", "/v2/txns/consent/alpha/nosuch", big, nil, 413, "more than a payment page ever does"},
		{"GET", "/cards/manage?client_auth_token=tkn_forged", nil, nil, 401, "Link expired"},
		{"POST", "/cards/manage/remove", url.Values{"client_auth_token": {"tkn_forged"}}, nil, 401, "Link expired"},
	} {
		var status int
		var page string
		if c.method == "GET" {
			status, _, page = b.visit(h.srv.URL + c.path)
		} else {
			status, _, page = b.post(h.srv.URL+c.path, c.form, c.hdr)
		}
		if status != c.status || !strings.Contains(page, "<html") || !strings.Contains(page, c.words) || strings.HasPrefix(strings.TrimSpace(page), "{") {
			t.Errorf("%s %s: %d %.200q", c.method, c.path, status, page)
		}
	}
}

// TestPagePostsOnlyFromBrowsers: a customer page's form post with neither
// Origin nor Sec-Fetch-Site, which every browser sends, is refused: a
// merchant's server cannot post the customer's choice (consent on the
// hosted page, the drop-in or the saved-cards screen) or a password.
func TestPagePostsOnlyFromBrowsers(t *testing.T) {
	h := newHarness(t, "sqlite")
	b := h.browser(false)
	h.order(h.keyA, "script1", true, "")
	consent := h.txn(h.keyA, newCardForm("script1", goodCard)).str("payment.authentication.url")
	_, _, page := b.visit(consent)
	form := url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
	noBrowser := map[string]string{"Sec-Fetch-Site": ""}
	for _, path := range []string{strings.TrimPrefix(consent, h.srv.URL), "/v2/consent/widget", "/cards/manage/secure",
		"/cards/manage/remove", "/orders/ord_x/payment-page", "/v2/pay/start/alpha/x", "/demo/pay"} {
		if status, _, page := b.post(h.srv.URL+path, form, noBrowser); status != 403 || !strings.Contains(page, "only be sent from your browser") {
			t.Errorf("POST %s without Origin or Sec-Fetch-Site: %d %.200q", path, status, page)
		}
	}
	if status, _, _ := b.post(consent, form, map[string]string{"Sec-Fetch-Site": "", "Origin": h.srv.URL}); status != 303 {
		t.Errorf("a same-origin browser without Sec-Fetch-Site (Origin only): %d, want 303", status)
	}
}

// TestDemoLinksToConsole: after a demo payment, /demo?order_id=… links to
// that order's timeline in the console (sandbox), and without an order, or
// with an order the demo merchant does not have, there is no link.
func TestDemoLinksToConsole(t *testing.T) {
	h := newHarness(t, "sqlite")
	key := h.merchant(pages.DemoMerchant, true)
	h.must(200, request{method: "POST", path: "/orders", key: key, form: "order_id=demo_story-1&amount=10"})
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=alphas&amount=10"})
	for _, c := range []struct{ query, href string }{
		{"?order_id=demo_story-1", "/console/demo/orders/demo_story-1"},
		{"", ""},
		{"?order_id=nosuchorder", ""},
		{"?order_id=alphas", ""}, // alpha's order: not the demo's
	} {
		res := h.must(200, request{method: "GET", path: "/demo" + c.query})
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.raw))
		if err != nil {
			t.Fatal(err)
		}
		link := doc.Find("#demo-notice a#demo-console")
		href, _ := link.Attr("href")
		if href != c.href {
			t.Errorf("/demo%s: console link %q, want %q", c.query, href, c.href)
		}
		if c.href != "" && strings.TrimSpace(link.Text()) != "See this payment's story in the console" {
			t.Errorf("/demo%s: link text %q", c.query, link.Text())
		}
	}
	if got := pages.DemoConsolePath("a/b c"); got != "/console/demo/orders/a%2Fb%20c" {
		t.Errorf("DemoConsolePath escapes to %q", got)
	}
}

// TestDemoConsoleNotInProduction: production never links to an open
// console, even if its configuration served the demo (the server command
// serves none there).
func TestDemoConsoleNotInProduction(t *testing.T) {
	h := newHarness(t, "sqlite", func(c *httpapi.Config) { c.Production = true })
	key := h.merchant(pages.DemoMerchant, true)
	h.must(200, request{method: "POST", path: "/orders", key: key, form: "order_id=demo_prod&amount=10"})
	if res := h.do(request{method: "GET", path: "/demo?order_id=demo_prod"}); strings.Contains(res.raw, "/console/") {
		t.Fatalf("production /demo (%d) links to the console:\n%s", res.status, res.raw)
	}
}
