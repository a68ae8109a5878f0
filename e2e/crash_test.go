package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCheckoutsSurviveSIGKILL runs concurrent checkouts (tokenize=true,
// through the bank's OTP) and SIGKILLs the server twice while they run,
// restarting it on the same address. Customers retry what failed. Then:
// no 5xx, every charged order has exactly one card with one ACTIVE token
// and its consent, and every committed webhook event was delivered.
func TestCheckoutsSurviveSIGKILL(t *testing.T) {
	const checkouts = 40
	var hookMu sync.Mutex
	delivered := map[string]bool{}
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct{ ID string }
		json.NewDecoder(r.Body).Decode(&e)
		hookMu.Lock()
		delivered[e.ID] = true
		hookMu.Unlock()
	}))
	t.Cleanup(hooks.Close)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := append(os.Environ(), "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR="+addr, "LOG_LEVEL=warn",
		"RECONCILE_AFTER=1s", "WEBHOOK_RETRY_FIRST=200ms", "WEBHOOK_RETRY_MAX=500ms", "WEBHOOK_TIMEOUT=2s")
	key := createMerchant(t, env, "shop", hooks.URL)
	var procMu sync.Mutex
	p := startProc(t, env)
	base := p.base

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var fivexx atomic.Int64
	// call retries until the server answers (it may be down or restarting).
	call := func(method, path, contentType, body string, auth bool) (int, http.Header, string) {
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			if auth {
				req.SetBasicAuth(key, "")
			}
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := client.Do(req)
			if err != nil {
				time.Sleep(20 * time.Millisecond) // a customer retrying after a failed request
				continue
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				fivexx.Add(1)
				t.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
			return res.StatusCode, res.Header, string(b)
		}
		t.Errorf("%s %s: the server never came back", method, path)
		return 0, nil, ""
	}
	onboard := `{"associateId":"shop","testMode":true,"flow":"COFT","companyDetails":{"legalName":"Shop Ltd","tradeName":"Shop",` +
		`"websiteURL":"https://shop.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`
	req, _ := http.NewRequest("POST", base+"/tokenization/onboarding", strings.NewReader(onboard))
	for k, v := range map[string]string{"Content-Type": "application/json", "x-merchantid": "shop", "version": "2023-11-01", "x-routing-id": "r"} {
		req.Header.Set(k, v)
	}
	req.SetBasicAuth(key, "")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("onboarding: %v %v", res, err)
	}

	var started atomic.Int64
	checkout := func(i int) {
		ref := fmt.Sprintf("cr%d", i)
		form := "application/x-www-form-urlencoded"
		call("POST", "/customers", form, url.Values{"object_reference_id": {ref}, "mobile_number": {"9876543210"},
			"email_address": {ref + "@example.com"}}.Encode(), true) // 4xx "exists" on a retry is fine
		call("POST", "/orders", form, url.Values{"order_id": {ref}, "amount": {"10"}, "customer_id": {ref}}.Encode(), true)
		for attempt := 0; attempt < 10; attempt++ {
			status, _, body := call("POST", "/txns", form, url.Values{"order_id": {ref}, "payment_method_type": {"CARD"},
				"card_number": {"4242424242424242"}, "card_exp_month": {"12"}, "card_exp_year": {"31"},
				"card_security_code": {"123"}, "tokenize": {"true"}, "format": {"json"}}.Encode(), true)
			if status == 409 { // already paid
				return
			}
			var txn struct {
				Payment struct{ Authentication struct{ URL string } }
			}
			if status != 200 || json.Unmarshal([]byte(body), &txn) != nil {
				continue
			}
			started.Add(1)
			bank := strings.TrimPrefix(txn.Payment.Authentication.URL, base)
			status, _, page := call("GET", bank, "", "", false)
			tok := formTokenOf(page)
			if status != 200 || tok == "" {
				continue // the payment ended meanwhile (a retry will see 409) or the page did not come
			}
			status, _, _ = call("POST", bank, form, url.Values{"otp": {"123456"}, "action": {"verify"}, "form_token": {tok}}.Encode(), false)
			if status == 303 || status == 200 {
				return
			}
		}
		t.Errorf("checkout %s never finished", ref)
	}

	var wg sync.WaitGroup
	for i := range checkouts {
		wg.Add(1)
		go func() { defer wg.Done(); checkout(i) }()
	}
	for _, at := range []int64{checkouts / 3, 2 * checkouts / 3} {
		waitUntil(t, fmt.Sprintf("%d payments started", at), 60*time.Second, func() bool { return started.Load() >= at })
		procMu.Lock()
		p.cmd.Process.Kill() // SIGKILL
		p.cmd.Wait()
		p = startProc(t, env)
		procMu.Unlock()
	}
	wg.Wait()

	// Every charged order ends with its token (the reconciler finishes
	// what a kill interrupted), one card per customer, its consent.
	get := func(path string) map[string]any {
		_, _, b := call("GET", path, "", "", true)
		var m map[string]any
		json.Unmarshal([]byte(b), &m)
		return m
	}
	charged := 0
	waitUntil(t, "every charged order's token", 60*time.Second, func() bool {
		charged = 0
		for i := range checkouts {
			o := get(fmt.Sprintf("/orders/cr%d", i))
			if o["status"] != "CHARGED" {
				continue
			}
			charged++
			c, _ := o["card"].(map[string]any)
			tok, _ := c["token"].(map[string]any)
			if tok == nil || tok["tokenization_status"] != "ACTIVE" || c["tokenization_user_consent"] != true {
				return false
			}
		}
		return true
	})
	if charged != checkouts {
		t.Errorf("%d of %d checkouts charged", charged, checkouts)
	}
	for i := range checkouts {
		cards, _ := get(fmt.Sprintf("/cards?customer_id=cr%d", i))["cards"].([]any)
		if len(cards) != 1 {
			t.Errorf("customer cr%d has %d cards", i, len(cards))
			continue
		}
		if tok, _ := cards[0].(map[string]any)["token"].(map[string]any); tok == nil || tok["tokenization_status"] != "ACTIVE" {
			t.Errorf("customer cr%d's card: %v", i, cards[0])
		}
	}
	// Every committed event delivered.
	var events []any
	waitUntil(t, "every webhook event delivered", 60*time.Second, func() bool {
		events, _ = get("/webhooks/events?limit=500")["events"].([]any)
		hookMu.Lock()
		defer hookMu.Unlock()
		for _, e := range events {
			if !delivered[e.(map[string]any)["id"].(string)] {
				return false
			}
		}
		return true
	})
	if fivexx.Load() != 0 {
		t.Errorf("%d answers were 5xx", fivexx.Load())
	}
	t.Logf("%d checkouts through 2 SIGKILLs: %d charged, each with one ACTIVE token; %d webhook events, all delivered; 0 5xx",
		checkouts, charged, len(events))
}
