package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestCheckoutAcrossInstances: two server processes on one PostgreSQL
// database, and a customer whose every request lands on the other one: the
// checkout finishes (no instance affinity: the session cookie is sealed
// with the shared keys, and nothing depends on it anyway).
func TestCheckoutAcrossInstances(t *testing.T) {
	_, serviceDB, _ := postgresSchema(t, postgresURL(t), "so")
	env := append(os.Environ(), "DATABASE_URL="+serviceDB, "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR=127.0.0.1:0")
	a := startProc(t, env)
	b := startProc(t, env)
	other := map[string]string{a.base: b.base, b.base: a.base}

	// The merchant's server talks to A.
	key := createMerchant(t, env, "shop", "")
	call := func(base, path string, form url.Values) map[string]any {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(key, "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	onboard := `{"associateId":"shop","testMode":true,"flow":"COFT","companyDetails":{"legalName":"Shop Ltd","tradeName":"Shop",` +
		`"websiteURL":"https://shop.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`
	req, _ := http.NewRequest("POST", a.base+"/tokenization/onboarding", strings.NewReader(onboard))
	for k, v := range map[string]string{"Content-Type": "application/json", "x-merchantid": "shop", "version": "2023-11-01", "x-routing-id": "r"} {
		req.Header.Set(k, v)
	}
	req.SetBasicAuth(key, "")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("onboarding: %v %v", res, err)
	}
	cst := call(a.base, "/customers", url.Values{"object_reference_id": {"c1"}, "mobile_number": {"9876543210"}, "email_address": {"c@example.com"}})
	call(a.base, "/orders", url.Values{"order_id": {"so1"}, "amount": {"10"}, "customer_id": {cst["id"].(string)}})
	txn := call(a.base, "/txns", url.Values{"order_id": {"so1"}, "payment_method_type": {"CARD"}, "card_number": {"4242424242424242"},
		"card_exp_month": {"12"}, "card_exp_year": {"31"}, "card_security_code": {"123"}, "format": {"json"}})
	next := txn["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
	if !strings.Contains(next, "/consent/") {
		t.Fatalf("no consent page: %s", next)
	}

	// The customer's browser alternates between the instances.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	swap := func(u string) string {
		for from, to := range other {
			if strings.HasPrefix(u, from) {
				return to + strings.TrimPrefix(u, from)
			}
		}
		return u
	}
	step := func(get string, form url.Values) string {
		res, err := client.Get(get)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		tok := formTokenOf(string(page))
		if res.StatusCode != 200 || tok == "" {
			t.Fatalf("GET %s: %d %s", get, res.StatusCode, page)
		}
		form.Set("form_token", tok)
		post := swap(get) // the answer goes to the other instance
		preq, _ := http.NewRequest("POST", post, strings.NewReader(form.Encode()))
		preq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		preq.Header.Set("Sec-Fetch-Site", "same-origin")
		pres, err := client.Do(preq)
		if err != nil {
			t.Fatal(err)
		}
		pres.Body.Close()
		if pres.StatusCode == 200 { // the result page: the order has no return URL
			return ""
		}
		if pres.StatusCode != 303 {
			t.Fatalf("POST %s: %d", post, pres.StatusCode)
		}
		return swap(pres.Header.Get("Location")) // and the next page to the first again
	}
	bank := step(next, url.Values{"decision": {"accept"}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}})
	step(bank, url.Values{"otp": {"123456"}, "action": {"verify"}})

	res, err := http.NewRequest("GET", b.base+"/orders/so1", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.SetBasicAuth(key, "")
	got, err := http.DefaultClient.Do(res)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !strings.Contains(string(raw), `"status":"CHARGED"`) || !strings.Contains(string(raw), `"tokenization_status":"ACTIVE"`) {
		t.Fatalf("order after the alternating checkout: %s", raw)
	}
}
