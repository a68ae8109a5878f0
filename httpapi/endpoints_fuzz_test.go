package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fuzzRoutes are the endpoints FuzzEndpoints sends bodies to; "{}" in a
// path takes the fuzzed path argument.
var fuzzRoutes = []struct {
	method, path string
	browser      bool // a customer's page: same-origin, no API key
}{
	{"POST", "/orders", false},
	{"POST", "/orders/{}", false},
	{"POST", "/orders/{}/refunds", false},
	{"GET", "/orders/{}", false},
	{"POST", "/customers", false},
	{"POST", "/customers/{}", false},
	{"GET", "/customers/{}", false},
	{"GET", "/cardbins/{}", false},
	{"GET", "/cards?customer_id={}", false},
	{"POST", "/card/delete", false},
	{"POST", "/card/update", false},
	{"POST", "/v4/card/delete", false},
	{"POST", "/v4/card/get", false},
	{"POST", "/card/tokenize", false},
	{"POST", "/txns", false},
	{"POST", "/tokenization/onboarding", false},
	{"GET", "/tokenization/onboarding/status?submerchantId={}", false},
	{"GET", "/webhooks/events?limit={}", false},
	{"POST", "/webhooks/events/{}/redeliver", false},
	{"POST", "/get/altId", false},
	{"POST", "/v2/txns/consent/alpha/{}", true},
	{"POST", "/v2/pay/start/alpha/{}", true},
	{"POST", "/orders/{}/payment-page", true},
	{"POST", "/cards/manage/secure", true},
	{"POST", "/v2/consent/widget", true},
	{"POST", "/refunds", false},
}

// fuzzClient gives up on an answer that does not come: a hang is a failure.
var fuzzClient = &http.Client{Timeout: 10 * time.Second}

// FuzzEndpoints sends form and JSON bodies, and path arguments, to every
// endpoint that reads them, through the whole handler with a real store.
// No input may cause a 5xx, and an API refusal is always the error shape
// with a message.
func FuzzEndpoints(f *testing.F) {
	h := newHarness(f, "sqlite")
	cst := h.customer(h.keyA, "fz")
	h.order(h.keyA, "fz", false, "&customer_id="+cst)
	form, js := "application/x-www-form-urlencoded", "application/json"
	for i := range fuzzRoutes {
		f.Add(uint8(i), form, "", "fz")
		f.Add(uint8(i), js, "{}", "fz")
	}
	f.Add(uint8(0), form, "order_id=o2&amount=10.00&customer_id="+cst, "")
	f.Add(uint8(14), form, "order_id=fz&payment_method_type=CARD&card_number=4242424242424242&card_exp_month=12&card_exp_year=31&card_security_code=123&format=json", "")
	f.Add(uint8(15), js, `{"associateId":"alpha","testMode":true,"flow":"COFT","companyDetails":{"legalName":"A","tradeName":"A","websiteURL":"https://a.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`, "")
	f.Add(uint8(2), form, "unique_request_id=r1&amount=1", "fz")
	f.Add(uint8(7), form, "", "4242424242424242")
	f.Fuzz(func(t *testing.T, route uint8, contentType, body, arg string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		req, err := http.NewRequest(r.method, h.srv.URL+strings.ReplaceAll(r.path, "{}", url.PathEscape(arg)), strings.NewReader(body))
		if err != nil {
			return
		}
		if r.method == "POST" {
			req.Header.Set("Content-Type", contentType)
		}
		if r.browser {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		} else {
			req.SetBasicAuth(h.keyA, "")
			req.Header.Set("x-merchantid", "alpha")
			req.Header.Set("version", "2023-11-01")
			req.Header.Set("x-routing-id", "fz")
		}
		res, err := fuzzClient.Do(req)
		if err != nil {
			if strings.Contains(err.Error(), "invalid header field") {
				return // not sendable: the client refuses it before the server sees it
			}
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, req.URL.Path, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 && !r.browser {
			var e struct {
				Message  string `json:"error_message"`
				Message2 string `json:"errorMessage"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Message+e.Message2 == "" {
				t.Fatalf("%s %s %q: %d without the error shape: %s", r.method, req.URL.Path, body, res.StatusCode, raw)
			}
		}
	})
}
