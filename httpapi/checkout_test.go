package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/sandbox"
)

const goodCard = "4242424242424242" // Sandbox Bank, tokenizable

// browser follows a payment's pages the way a browser does, without
// following redirects by itself.
type browser struct {
	h      *harness
	client *http.Client
}

func (h *harness) browser(withCookies bool) *browser {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if withCookies {
		c.Jar = newJar()
	}
	return &browser{h: h, client: c}
}

// visit GETs a URL and returns status, Location and body.
func (b *browser) visit(u string) (int, string, string) {
	b.h.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	body := readAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), body
}

// post submits a form as a same-origin browser page would.
func (b *browser) post(u string, form url.Values, header map[string]string) (int, string, string) {
	b.h.t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", "TestBrowser/1.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), readAll(res.Body)
}

// formToken reads the form token of a page's form. (go-app writes
// attributes in no fixed order, so the page is parsed, not matched.)
func formToken(t testing.TB, page string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := doc.Find(`input[name="form_token"]`).First().Attr("value")
	if !ok || tok == "" {
		t.Fatalf("no form token in page:\n%s", page)
	}
	return tok
}

// checkout creates a customer and an order and starts a payment.
type checkout struct {
	order, customer string
	form            url.Values
}

func (h *harness) order(key, id string, withCustomer bool, extra string) string {
	h.t.Helper()
	form := "order_id=" + id + "&amount=1250.00&return_url=https://shop.example/back" + extra
	var cst string
	if withCustomer {
		cst = h.customer(key, "c"+id)
		form += "&customer_id=" + cst
	}
	h.must(200, request{method: "POST", path: "/orders", key: key, form: form})
	return cst
}

func (h *harness) txn(key string, form url.Values) response {
	h.t.Helper()
	form.Set("format", "json")
	if form.Get("payment_method_type") == "" {
		form.Set("payment_method_type", "CARD")
	}
	return h.do(request{method: "POST", path: "/txns", key: key, form: form.Encode()})
}

func newCardForm(order, pan string) url.Values {
	return url.Values{"order_id": {order}, "card_number": {pan}, "card_exp_month": {"12"}, "card_exp_year": {"31"},
		"name_on_card": {"Asha Rao"}, "card_security_code": {"123"}}
}

// pay goes through consent (when asked) and the bank with the right OTP,
// and returns the final redirect.
func (b *browser) pay(authURL, decision string) string {
	b.h.t.Helper()
	u := authURL
	if strings.Contains(u, "/v2/txns/consent/") {
		status, _, page := b.visit(u)
		if status != 200 || !strings.Contains(page, "form_token") {
			b.h.t.Fatalf("consent page: %d %q\nlogs:\n%s", status, page, b.h.logs.String())
		}
		status, loc, page := b.post(u, url.Values{"decision": {decision}, "form_token": {formToken(b.h.t, page)},
			"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
		if status != 303 || !strings.Contains(loc, "/v2/pay/start/") {
			b.h.t.Fatalf("consent post: %d %s %s", status, loc, page)
		}
		u = loc
	}
	status, _, page := b.visit(u)
	if status != 200 || !strings.Contains(page, "Verify your payment") {
		b.h.t.Fatalf("bank page: %d %s", status, page)
	}
	// With cookies the bank page confirms the choice; without, it cannot.
	if note := strings.Contains(page, `id="consent-note"`); note != (b.client.Jar != nil && decision != "") {
		b.h.t.Fatalf("bank page confirmation shown: %v (cookies: %v, decision %q)", note, b.client.Jar != nil, decision)
	}
	status, loc, page := b.post(u, url.Values{"otp": {sandbox.OTP}, "form_token": {formToken(b.h.t, page)}, "action": {"verify"}}, nil)
	// Back to the return URL, or a result page for orders without one.
	if status != 303 && !(status == 200 && strings.Contains(page, "result-title")) {
		b.h.t.Fatalf("otp post: %d %s", status, page)
	}
	return loc
}

func TestDecisionTable(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.merchant("nohosted", true)
	keyNoHosted := h.merchantKey("nohosted", false)
	for _, tc := range []struct {
		name        string
		key         string
		customer    bool
		pan         string
		tokenize    string
		wantConsent bool // the consent page comes first
		wantDecided any  // tokenization_user_consent before any page: nil, true or false
	}{
		{"absent, hosted, eligible", h.keyA, true, goodCard, "", true, nil},
		{"absent, hosted, issuer not tokenizing", h.keyA, true, "4111111111111111", "", false, nil},
		{"absent, hosted, international", h.keyA, true, "4147200000000002", "", false, nil},
		{"absent, hosted, no customer", h.keyA, false, goodCard, "", false, nil},
		{"absent, merchant takes consent itself", keyNoHosted, true, goodCard, "", false, nil},
		{"true", h.keyA, true, goodCard, "true", false, true},
		{"false", h.keyA, true, goodCard, "false", false, false},
		{"true, not eligible", h.keyA, true, "4111111111111111", "true", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "dt" + coft.RandomHex(4)
			h.order(tc.key, id, tc.customer, "")
			form := newCardForm(id, tc.pan)
			if tc.tokenize != "" {
				form.Set("tokenize", tc.tokenize)
			}
			res := h.txn(tc.key, form)
			if res.status != 200 || res.str("status") != "PENDING_VBV" || res.str("txn_id") != "-"+id+"-1" && !strings.HasSuffix(res.str("txn_id"), "-"+id+"-1") {
				t.Fatalf("txn: %d %s", res.status, res.raw)
			}
			u := res.str("payment.authentication.url")
			if got := strings.Contains(u, "/v2/txns/consent/"); got != tc.wantConsent || res.str("payment.authentication.method") != "GET" {
				t.Fatalf("authentication url %s, want consent page: %v", u, tc.wantConsent)
			}
			if !strings.HasSuffix(u, res.str("txn_uuid")) {
				t.Fatalf("url %s does not end with txn_uuid %s", u, res.str("txn_uuid"))
			}
			st := h.must(200, request{method: "GET", path: "/orders/" + id, key: tc.key})
			if st.str("status") != "PENDING_VBV" || st.get("card.tokenization_user_consent") != tc.wantDecided {
				t.Fatalf("order status: %s", st.raw)
			}
		})
	}
}

// merchantKey rotates a merchant's key and sets hosted consent.
func (h *harness) merchantKey(id string, hosted bool) string {
	m, err := h.db.FindMerchantByID(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	key := "KEY" + strings.ToUpper(coft.RandomHex(8))
	m.APIKeyHash, m.HostedConsent = coft.HashAPIKey(key), hosted
	if err := h.db.UpdateMerchant(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	return key
}

func TestCheckoutAcceptTokenizes(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.order(h.keyA, "buy1", true, "")
		res := h.txn(h.keyA, newCardForm("buy1", goodCard))
		b := h.browser(true)
		loc := b.pay(res.str("payment.authentication.url"), "accept")

		// Back to the merchant with a signature it can check.
		u, err := url.Parse(loc)
		if err != nil || u.Host != "shop.example" || u.Path != "/back" {
			t.Fatalf("return redirect %q", loc)
		}
		q := u.Query()
		if q.Get("order_id") != "buy1" || q.Get("status") != "CHARGED" || q.Get("status_id") != "21" || q.Get("signature_algorithm") != "HMAC-SHA256" {
			t.Fatalf("return params %v", q)
		}
		want := juspay.Signature("rk", map[string]string{"order_id": "buy1", "status": "CHARGED", "status_id": "21"})
		if q.Get("signature") != want {
			t.Fatalf("signature %q, want %q", q.Get("signature"), want)
		}

		st := h.must(200, request{method: "GET", path: "/orders/buy1", key: h.keyA})
		for path, want := range map[string]any{
			"status": "CHARGED", "status_id": 21.0, "txn_uuid": res.str("txn_uuid"), "payment_method_type": "CARD",
			"payment_method": "VISA", "card.tokenization_user_consent": true, "card.token.tokenization_status": "ACTIVE",
			"card.last_four_digits": "4242", "card.card_isin": "424242", "card.using_saved_card": false,
			"card.saved_to_locker": false, "card.card_brand": "VISA", "txn_detail.status": "CHARGED",
			"card.card_fingerprint": h.locker.Fingerprint(goodCard), "card.token.par": h.locker.PAR(goodCard),
		} {
			if got := st.get(path); got != want {
				t.Errorf("order status %s = %v, want %v", path, got, want)
			}
		}
		tokLast4 := st.str("card.token.last_four_digits")
		if len(tokLast4) != 4 || !strings.HasPrefix(st.str("card.token.card_isin"), "489537") || strings.Contains(st.raw, goodCard) {
			t.Fatalf("token block: %s", st.raw)
		}
		// The card lists as a network token; its number was not kept.
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		if cards.str("cards.0.provider_category") != "NETWORK" || cards.get("cards.0.tokenize_support") != false ||
			cards.str("cards.0.token.card_reference") != st.str("card.token.card_reference") {
			t.Fatalf("cards: %s", cards.raw)
		}
		card, err := h.db.FindCard(context.Background(), "alpha", cards.str("cards.0.card_reference"))
		if err != nil || len(card.PANCiphertext) != 0 {
			t.Fatalf("card number kept after tokenization without save_to_locker: %v", err)
		}
		txn, _ := h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid"))
		if txn.PANCiphertext != nil {
			t.Fatal("the payment still holds the card number")
		}
		// The evidence of the decision.
		cs, err := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
		if err != nil || len(cs) != 1 {
			t.Fatalf("consents: %v %v", cs, err)
		}
		c := cs[0]
		if !c.Decision || c.Channel != coft.ChannelHostedPage || c.TextID != "tokenize-en-v1" || c.Locale != "en" ||
			c.ClientIP != "127.0.0.1" || c.UserAgent != "TestBrowser/1.0" || c.ShownAt.IsZero() || c.CustomerID != cst ||
			c.FormFactor != coft.FormFactorDesktop || c.FormFactorSource != coft.FormFactorFromHints {
			t.Fatalf("evidence: %+v", c)
		}
		// A second payment with the saved, tokenized card asks nothing and uses the token.
		h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=buy2&amount=10&customer_id=" + cst})
		res2 := h.txn(h.keyA, url.Values{"order_id": {"buy2"}, "card_token": {cards.str("cards.0.card_token")}})
		if res2.status != 200 || strings.Contains(res2.str("payment.authentication.url"), "consent") {
			t.Fatalf("saved tokenized card: %s", res2.raw)
		}
		b.pay(res2.str("payment.authentication.url"), "")
		st2 := h.must(200, request{method: "GET", path: "/orders/buy2", key: h.keyA})
		if st2.get("card.using_saved_card") != true || st2.get("card.using_token") != true || st2.str("status") != "CHARGED" {
			t.Fatalf("second payment: %s", st2.raw)
		}
	})
}

func TestCheckoutDeclineAndFalse(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.order(h.keyA, "no1", true, "")
	res := h.txn(h.keyA, newCardForm("no1", goodCard))
	h.browser(false).pay(res.str("payment.authentication.url"), "decline") // no cookies at all
	st := h.must(200, request{method: "GET", path: "/orders/no1", key: h.keyA})
	if st.str("status") != "CHARGED" || st.get("card.tokenization_user_consent") != false || st.get("card.token") != nil {
		t.Fatalf("declined: %s", st.raw)
	}
	cs, _ := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
	if len(cs) != 1 || cs[0].Decision || !cs[0].ShownAt.Equal(h.clock()) {
		t.Fatalf("evidence without cookie: %+v", cs[0])
	}
	if l := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}); len(l.get("cards").([]any)) != 0 {
		t.Fatalf("a card was saved: %s", l.raw)
	}
	// tokenize=false with save_to_locker keeps the card, untokenized.
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=no2&amount=5&customer_id=" + cst})
	form := newCardForm("no2", goodCard)
	form.Set("tokenize", "false")
	form.Set("save_to_locker", "true")
	res = h.txn(h.keyA, form)
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	st = h.must(200, request{method: "GET", path: "/orders/no2", key: h.keyA})
	if st.get("card.tokenization_user_consent") != false || st.get("card.token") != nil || st.get("card.saved_to_locker") != true {
		t.Fatalf("tokenize=false: %s", st.raw)
	}
	cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
	if cards.str("cards.0.provider_category") != "CONTAINER" || cards.get("cards.0.tokenize_support") != true {
		t.Fatalf("saved card: %s", cards.raw)
	}
	// Out of band later: the saved card pays again and the customer is asked.
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=no3&amount=1&customer_id=" + cst})
	// Without a network token its security code is needed.
	if res = h.txn(h.keyA, url.Values{"order_id": {"no3"}, "card_token": {cards.str("cards.0.card_token")}}); res.status != 400 ||
		res.errorField() != "card_security_code" {
		t.Fatalf("saved untokenized card without its CVV: %s", res.raw)
	}
	res = h.txn(h.keyA, url.Values{"order_id": {"no3"}, "card_token": {cards.str("cards.0.card_token")}, "card_security_code": {"123"}})
	if !strings.Contains(res.str("payment.authentication.url"), "/v2/txns/consent/") {
		t.Fatalf("saved untokenized card skips consent: %s", res.raw)
	}
	h.browser(true).pay(res.str("payment.authentication.url"), "accept")
	st = h.must(200, request{method: "GET", path: "/orders/no3", key: h.keyA})
	// Tokenized without save_to_locker=true on this payment, the card's
	// number leaves the locker (RBI); the token stands for it.
	if st.str("card.token.tokenization_status") != "ACTIVE" || st.get("card.using_saved_card") != true || st.get("card.saved_to_locker") != false {
		t.Fatalf("saved card tokenized: %s", st.raw)
	}
}

func TestCheckoutAttacks(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.order(h.keyA, "atk", true, "")
	res := h.txn(h.keyA, newCardForm("atk", goodCard))
	u := res.str("payment.authentication.url")
	b := h.browser(true)
	_, _, page := b.visit(u)
	tok := formToken(t, page)
	good := url.Values{"decision": {"accept"}, "form_token": {tok}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}

	for name, tc := range map[string]struct {
		form   url.Values
		header map[string]string
		want   int
	}{
		"cross-site post":     {good, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		"foreign origin":      {good, map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}, 403},
		"not from a browser":  {good, map[string]string{"Sec-Fetch-Site": ""}, 403},
		"no form token":       {url.Values{"decision": {"accept"}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil, 403},
		"forged form token":   {url.Values{"decision": {"accept"}, "form_token": {"AAAA"}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil, 403},
		"no decision":         {url.Values{"form_token": {tok}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil, 400},
		"pre-filled decision": {url.Values{"decision": {"yes"}, "form_token": {tok}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil, 400},
		"unknown text":        {url.Values{"decision": {"accept"}, "form_token": {tok}, "text_id": {"made-up"}, "locale": {"en"}}, nil, 400},
	} {
		if status, _, body := b.post(u, tc.form, tc.header); status != tc.want {
			t.Errorf("%s: status %d, want %d: %s", name, status, tc.want, body)
		}
	}
	if cs, _ := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid")); len(cs) != 0 {
		t.Fatalf("a refused post was recorded: %+v", cs)
	}
	// The bank page cannot be reached around the consent page.
	if status, loc, _ := b.visit(strings.Replace(u, "/v2/txns/consent/", "/v2/pay/start/", 1)); status != 303 || !strings.Contains(loc, "/v2/txns/consent/") {
		t.Fatalf("bank before consent: %d %s", status, loc)
	}
	// The real decision, then a replay (harmless) and a change (refused).
	if status, _, _ := b.post(u, good, nil); status != 303 {
		t.Fatalf("decision: %d", status)
	}
	if status, _, _ := b.post(u, good, nil); status != 303 {
		t.Fatalf("replay of the same decision: %d", status)
	}
	flip := url.Values{"decision": {"decline"}, "form_token": {tok}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
	if status, _, _ := b.post(u, flip, nil); status != 409 {
		t.Fatalf("changed decision: %d", status)
	}
	// Once the bank page is shown, the consent page sends the customer on.
	bank := strings.Replace(u, "/v2/txns/consent/", "/v2/pay/start/", 1)
	_, _, bankPage := b.visit(bank)
	if status, loc, _ := b.visit(u); status != 303 || loc == "" {
		t.Fatalf("consent page after bank: %d", status)
	}
	// OTP brute force: three wrong answers end the payment; the right one then does nothing.
	btok := formToken(t, bankPage)
	for i, want := range []int{400, 400, 303} {
		status, _, body := b.post(bank, url.Values{"otp": {"000000"}, "form_token": {btok}}, nil)
		if status != want {
			t.Fatalf("wrong otp %d: status %d, want %d: %s", i+1, status, want, body)
		}
	}
	b.post(bank, url.Values{"otp": {sandbox.OTP}, "form_token": {btok}}, nil)
	st := h.must(200, request{method: "GET", path: "/orders/atk", key: h.keyA})
	if st.str("status") != "AUTHENTICATION_FAILED" || st.get("card.token") != nil {
		t.Fatalf("after brute force: %s", st.raw)
	}
	if txn, _ := h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid")); txn.PANCiphertext != nil {
		t.Fatal("a failed payment keeps the card number")
	}
	// Another merchant's transaction cannot be reached through this merchant's URL.
	other := strings.Replace(u, "/alpha/", "/beta/", 1)
	if status, _, _ := b.visit(other); status != 404 {
		t.Fatalf("foreign merchant url: %d", status)
	}
}

func TestCheckoutOutcomes(t *testing.T) {
	h := newHarness(t, "sqlite")
	for _, tc := range []struct {
		pan, want string
		token     bool
	}{
		{sandbox.CardDeclined, "AUTHORIZATION_FAILED", false},
		{sandbox.CardTokenRefused, "CHARGED", false},
		{goodCard, "CHARGED", true},
	} {
		id := "oc" + tc.pan[12:]
		h.order(h.keyA, id, true, "")
		form := newCardForm(id, tc.pan)
		form.Set("tokenize", "true")
		res := h.txn(h.keyA, form)
		h.browser(false).pay(res.str("payment.authentication.url"), "")
		st := h.must(200, request{method: "GET", path: "/orders/" + id, key: h.keyA})
		if st.str("status") != tc.want || (st.get("card.token") != nil) != tc.token {
			t.Errorf("%s: %s", tc.pan, st.raw)
		}
		txn, _ := h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid"))
		if tc.pan == sandbox.CardTokenRefused && !strings.Contains(txn.TokenError, "declined") {
			t.Errorf("token refusal not recorded: %q", txn.TokenError)
		}
		// A refused token leaves no card behind (it was saved only to carry one).
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=c" + id, key: h.keyA})
		if n := len(cards.get("cards").([]any)); n != map[bool]int{true: 1, false: 0}[tc.token] {
			t.Errorf("%s: %d saved cards: %s", tc.pan, n, cards.raw)
		}
	}
	// Cancel on the bank page.
	h.order(h.keyA, "cancel1", false, "")
	res := h.txn(h.keyA, newCardForm("cancel1", goodCard))
	b := h.browser(false)
	u := res.str("payment.authentication.url")
	_, _, page := b.visit(u)
	if status, loc, _ := b.post(u, url.Values{"action": {"cancel"}, "form_token": {formToken(t, page)}}, nil); status != 303 || !strings.Contains(loc, "status=AUTHENTICATION_FAILED") {
		t.Fatalf("cancel: %d %s", status, loc)
	}
	// No return URL: a result page.
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=noret&amount=3"})
	res = h.txn(h.keyA, newCardForm("noret", goodCard))
	u = res.str("payment.authentication.url")
	_, _, page = b.visit(u)
	status, _, body := b.post(u, url.Values{"otp": {sandbox.OTP}, "form_token": {formToken(t, page)}}, nil)
	if status != 200 || !strings.Contains(body, "Payment successful") || !strings.Contains(body, "noret") {
		t.Fatalf("result page: %d %s", status, body)
	}
}

func TestTxnBadInput(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.order(h.keyA, "bad", true, "")
	h.order(h.keyB, "theirs", false, "")
	for _, tc := range []struct {
		name  string
		form  url.Values
		want  int
		field string
	}{
		{"luhn", newCardForm("bad", "4242424242424241"), 400, "card_number"},
		{"short", newCardForm("bad", "42424242"), 400, "card_number"},
		{"letters", newCardForm("bad", "4242abcd42424242"), 400, "card_number"},
		{"expired", with(newCardForm("bad", goodCard), "card_exp_year", "20"), 400, "card_exp_year"},
		{"month 13", with(newCardForm("bad", goodCard), "card_exp_month", "13"), 400, "card_exp_month"},
		{"year words", with(newCardForm("bad", goodCard), "card_exp_year", "next"), 400, "card_exp_year"},
		{"cvv 4 digits on visa", with(newCardForm("bad", goodCard), "card_security_code", "1234"), 400, "card_security_code"},
		{"amex cvv 3 digits", with(newCardForm("bad", "378282246310005"), "card_security_code", "123"), 400, "card_security_code"},
		{"no cvv", with(newCardForm("bad", goodCard), "card_security_code", ""), 400, "card_security_code"},
		{"wrong network", with(newCardForm("bad", goodCard), "payment_method", "MASTERCARD"), 400, "payment_method"},
		{"tokenize maybe", with(newCardForm("bad", goodCard), "tokenize", "maybe"), 400, "tokenize"},
		{"not a card payment", with(newCardForm("bad", goodCard), "payment_method_type", "UPI"), 400, "payment_method_type"},
		{"unknown order", newCardForm("ghost", goodCard), 404, "order_id"},
		{"another merchant's order", newCardForm("theirs", goodCard), 404, "order_id"},
		{"forged card_token", url.Values{"order_id": {"bad"}, "card_token": {"tkn_x"}}, 400, "card_token"},
		{"unknown field", with(newCardForm("bad", goodCard), "cvv", "123"), 400, "cvv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.txn(h.keyA, tc.form)
			if res.status != tc.want || res.errorField() != tc.field {
				t.Fatalf("status %d field %q: %s", res.status, res.errorField(), res.raw)
			}
			if strings.Contains(res.raw, goodCard) {
				t.Fatal("card number echoed")
			}
		})
	}
	if st := h.must(200, request{method: "GET", path: "/orders/bad", key: h.keyA}); st.str("status") != "NEW" || st.get("txn_id") != nil {
		t.Fatalf("a refused payment left a transaction: %s", st.raw)
	}
	// tokenize=true needs a customer.
	h.order(h.keyA, "guest", false, "")
	if res := h.txn(h.keyA, with(newCardForm("guest", goodCard), "tokenize", "true")); res.status != 400 || res.errorField() != "customer_id" {
		t.Fatalf("tokenize without customer: %s", res.raw)
	}
	// An identical retry resumes the pending payment; a paid order takes no more.
	first := h.txn(h.keyA, newCardForm("bad", goodCard))
	again := h.txn(h.keyA, newCardForm("bad", goodCard))
	if first.str("txn_uuid") == "" || again.str("txn_uuid") != first.str("txn_uuid") {
		t.Fatalf("retry made a second transaction: %s / %s", first.raw, again.raw)
	}
	h.browser(false).pay(first.str("payment.authentication.url"), "decline")
	if res := h.txn(h.keyA, newCardForm("bad", goodCard)); res.status != 409 || res.errorField() != "order_id" {
		t.Fatalf("payment on a charged order: %s", res.raw)
	}
	if logs := h.logs.String(); strings.Contains(logs, goodCard) || strings.Contains(logs, "4242424242424241") {
		t.Fatal("a card number reached the logs")
	}
}

func TestTxnOrderInOneCall(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "one")
	form := newCardForm("", goodCard)
	form.Del("order_id")
	form.Set("order.order_id", "combo1")
	form.Set("order.amount", "99.99")
	form.Set("order.customer_id", cst)
	res := h.txn(h.keyA, form)
	if res.status != 200 || res.str("order_id") != "combo1" || !strings.Contains(res.str("payment.authentication.url"), "consent") {
		t.Fatalf("order and txn: %s", res.raw)
	}
	if st := h.must(200, request{method: "GET", path: "/orders/combo1", key: h.keyA}); st.get("amount") != 99.99 {
		t.Fatalf("order: %s", st.raw)
	}
	form.Set("order.order_id", "combo2")
	form.Set("order.amount", "1.001")
	if res := h.txn(h.keyA, form); res.status != 400 || res.errorField() != "order.amount" {
		t.Fatalf("bad order field: %s", res.raw)
	}
	h.must(404, request{method: "GET", path: "/orders/combo2", key: h.keyA})
	// The browser path: the order's client token, no API key; redirect without format=json.
	ord := h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=web1&amount=5&options.get_client_auth_token=true"})
	f := newCardForm("web1", goodCard)
	f.Set("payment_method_type", "CARD")
	f.Set("client_auth_token", ord.str("juspay.client_auth_token"))
	req, _ := http.NewRequest("POST", h.srv.URL+"/txns", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 302 || !strings.Contains(r.Header.Get("Location"), "/v2/pay/start/alpha/") {
		t.Fatalf("browser txn: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	f.Set("order_id", "combo1")
	if res := h.do(request{method: "POST", path: "/txns", form: f.Encode() + "&format=json"}); res.status != 403 {
		t.Fatalf("client token of another order: %s", res.raw)
	}
}

func with(v url.Values, k, val string) url.Values {
	c := url.Values{}
	for key, vs := range v {
		c[key] = append([]string(nil), vs...)
	}
	if val == "" {
		c.Del(k)
	} else {
		c.Set(k, val)
	}
	return c
}

// TestSessionCookieOverHTTPS checks the cookie a choice sets when the
// service is reached over HTTPS: it must work inside a merchant's
// cross-site iframe, so it is Secure, SameSite=None and Partitioned.
func TestSessionCookieOverHTTPS(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.order(h.keyA, "tls1", true, "")
	res := h.txn(h.keyA, newCardForm("tls1", goodCard))
	u, _ := url.Parse(res.str("payment.authentication.url"))
	_, _, page := h.browser(false).visit(u.String())
	form := url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
	req := httptest.NewRequest("POST", "https://pay.example"+u.Path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.api.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("decision over HTTPS: %d %s", rec.Code, rec.Body)
	}
	c := rec.Header().Get("Set-Cookie")
	for _, attr := range []string{"coft_session=", "Path=/v2/", "HttpOnly", "Secure", "SameSite=None", "Partitioned"} {
		if !strings.Contains(c, attr) {
			t.Errorf("Set-Cookie %q lacks %s", c, attr)
		}
	}
	// Over plain HTTP (development) the cookie is Lax and not Secure.
	h.order(h.keyA, "tls2", true, "")
	res = h.txn(h.keyA, newCardForm("tls2", goodCard))
	b := h.browser(false)
	u2 := res.str("payment.authentication.url")
	_, _, page = b.visit(u2)
	req2, _ := http.NewRequest("POST", u2, strings.NewReader(url.Values{"decision": {"decline"}, "form_token": {formToken(t, page)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}.Encode()))
	req2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req2.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie over HTTP: %q", c)
	}
}

func TestPaymentPage(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "payer")
	ord := h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=pp1&amount=499&customer_id=" + cst})
	link := ord.str("payment_links.web")
	b := h.browser(true)
	status, _, page := b.visit(link)
	if status != 200 || !strings.Contains(page, "Pay Shop alpha") || !strings.Contains(page, "₹499.00") {
		t.Fatalf("payment page: %d %s", status, page)
	}
	// A mistake shows the form again, naming it, without echoing the card number.
	status, _, page = b.post(link, url.Values{"card_number": {"4242424242424241"}, "card_exp_month": {"12"},
		"card_exp_year": {"31"}, "card_security_code": {"123"}, "name_on_card": {"Asha"}}, nil)
	if status != 400 || !strings.Contains(page, "not a valid card number") || strings.Contains(page, "4242424242424241") ||
		!strings.Contains(page, `value="Asha"`) {
		t.Fatalf("bad card: %d %s", status, page)
	}
	// Fields other than the card's are ignored: the page cannot say tokenize=true.
	status, loc, _ := b.post(link, url.Values{"card_number": {goodCard}, "card_exp_month": {"12"}, "card_exp_year": {"31"},
		"card_security_code": {"123"}, "tokenize": {"true"}, "order_id": {"other"}}, nil)
	if status != 303 || !strings.Contains(loc, "/v2/txns/consent/alpha/") {
		t.Fatalf("good card: %d %s", status, loc)
	}
	b.pay(loc, "accept")
	if st := h.must(200, request{method: "GET", path: "/orders/pp1", key: h.keyA}); st.str("status") != "CHARGED" || st.str("card.token.tokenization_status") != "ACTIVE" {
		t.Fatalf("after paying: %s", st.raw)
	}
	if status, _, page := b.visit(link); status != 200 || !strings.Contains(page, "Already paid") {
		t.Fatalf("paid order's page: %d", status)
	}
	if status, _, _ := b.visit(h.srv.URL + "/orders/ord_nope/payment-page"); status != 404 {
		t.Fatalf("unknown payment link: %d", status)
	}
	if status, _, _ := b.post(link, url.Values{"card_number": {goodCard}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); status != 403 {
		t.Fatalf("cross-site post: %d", status)
	}
}

// TestTokenizedCardPaysAgain pays twice with tokenize=true: the second
// payment, with the saved card whose number the locker no longer keeps,
// reuses the token rather than failing to make another.
func TestTokenizedCardPaysAgain(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.order(h.keyA, "tw1", true, "")
	res := h.txn(h.keyA, with(newCardForm("tw1", goodCard), "tokenize", "true"))
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	first := h.must(200, request{method: "GET", path: "/orders/tw1", key: h.keyA})
	cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=tw2&amount=5&customer_id=" + cst})
	res = h.txn(h.keyA, url.Values{"order_id": {"tw2"}, "card_token": {cards.str("cards.0.card_token")}, "tokenize": {"true"}})
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	second := h.must(200, request{method: "GET", path: "/orders/tw2", key: h.keyA})
	if second.str("status") != "CHARGED" || second.get("card.using_token") != true ||
		second.str("card.token.card_reference") != first.str("card.token.card_reference") {
		t.Fatalf("second payment: %s", second.raw)
	}
	txn, _ := h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid"))
	if txn.TokenError != "" {
		t.Fatalf("token error on a tokenized card: %q", txn.TokenError)
	}
}

// probeNetwork runs a check while the network is being asked for a token.
type probeNetwork struct {
	coft.Network
	during func()
}

func (p probeNetwork) Provision(ctx context.Context, req coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	p.during()
	return p.Network.Provision(ctx, req)
}

// TestTokenInitiatedThenActive checks that a token is recorded INITIATED
// while the network provisions it, and ACTIVE once it has.
func TestTokenInitiatedThenActive(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.order(h.keyA, "life1", true, "")
	var during string
	h.setNetwork(probeNetwork{h.currentNetwork(), func() {
		cards, err := h.db.ListCards(context.Background(), "alpha", cst)
		if err == nil && len(cards) == 1 && cards[0].Token != nil {
			during = cards[0].Token.Status
		}
	}})
	res := h.txn(h.keyA, with(newCardForm("life1", goodCard), "tokenize", "true"))
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	if during != coft.TokenInitiated {
		t.Fatalf("token status while provisioning = %q, want INITIATED", during)
	}
	if st := h.must(200, request{method: "GET", path: "/orders/life1", key: h.keyA}); st.str("card.token.tokenization_status") != "ACTIVE" {
		t.Fatalf("after provisioning: %s", st.raw)
	}
}

// crashingNetwork stops the request mid-provisioning, the way a killed
// process would.
type crashingNetwork struct{ coft.Network }

func (crashingNetwork) Provision(context.Context, coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	panic("the process dies here")
}

// slowNetwork holds its first provisioning until release is closed, as a
// slow network (or a loaded machine) holds a request's card work; later
// ones go through at once. It counts them all.
type slowNetwork struct {
	coft.Network
	entered, release chan struct{}
	calls            atomic.Int32
}

func (n *slowNetwork) Provision(ctx context.Context, r coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	if n.calls.Add(1) == 1 {
		close(n.entered)
		<-n.release
	}
	return n.Network.Provision(ctx, r)
}

// TestReconcilerLeavesBusyPayments: the reconciler picks a charged payment
// whose request is still tokenizing its card (slower than
// RECONCILE_AFTER). It must leave it to the request instead of doing the
// card work a second time (which provisioned a second token, kept one and
// announced the other).
func TestReconcilerLeavesBusyPayments(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.order(h.keyA, "slow1", true, "")
		res := h.txn(h.keyA, newCardForm("slow1", goodCard))
		normal := h.currentNetwork()
		slow := &slowNetwork{Network: normal, entered: make(chan struct{}), release: make(chan struct{})}
		h.setNetwork(slow)
		release := sync.OnceFunc(func() { close(slow.release) })
		defer func() { release(); h.setNetwork(normal) }() // also when the test fails midway
		b := h.browser(false)
		u := res.str("payment.authentication.url")
		_, _, page := b.visit(u)
		b.post(u, url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
		bank := strings.Replace(u, "/v2/txns/consent/", "/v2/pay/start/", 1)
		_, _, page = b.visit(bank)
		otp := url.Values{"otp": {sandbox.OTP}, "form_token": {formToken(t, page)}}.Encode()
		paid := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("POST", bank, strings.NewReader(otp))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := b.client.Do(req)
			if err != nil {
				paid <- 0
				return
			}
			res.Body.Close()
			paid <- res.StatusCode
		}()
		<-slow.entered // the request is at the network
		// The reconciler gets the payment (its delay has passed) while the
		// request holds it: it leaves it alone.
		if n, err := h.api.Payments().FinishCharges(context.Background(), h.clock().Add(time.Minute)); err != nil || n != 0 || slow.calls.Load() != 1 {
			t.Fatalf("FinishCharges during the request's card work = %d, %v; %d provisionings", n, err, slow.calls.Load())
		}
		release()
		if status := <-paid; status != 200 && status != 303 {
			t.Fatalf("the payment's request: %d", status)
		}
		// Then it finds the work done.
		if n, err := h.api.Payments().FinishCharges(context.Background(), h.clock().Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("FinishCharges after the request = %d, %v", n, err)
		}
		if slow.calls.Load() != 1 {
			t.Fatalf("%d provisionings", slow.calls.Load())
		}
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		st := h.must(200, request{method: "GET", path: "/orders/slow1", key: h.keyA})
		ref := cards.str("cards.0.token.card_reference")
		if len(cards.get("cards").([]any)) != 1 || ref == "" || st.str("card.token.card_reference") != ref {
			t.Fatalf("cards: %s\norder: %s", cards.raw, st.raw)
		}
		es, _ := h.db.ListEvents(context.Background(), "alpha", "", 100)
		created := 0
		for _, e := range es {
			if e.Name == coft.EventTokenCreated {
				created++
				if e.Token == nil || e.Token.Reference != ref {
					t.Fatalf("TOKEN_CREATED for %+v, the card's token is %s", e.Token, ref)
				}
			}
		}
		if created != 1 {
			t.Fatalf("%d TOKEN_CREATED events", created)
		}
	})
}

// TestFinishInterruptedCharge interrupts a payment after the bank charged
// it but before the card was tokenized, then lets the reconciler finish:
// one card, one ACTIVE token, the number erased from the payment.
func TestFinishInterruptedCharge(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.order(h.keyA, "crash1", true, "")
		res := h.txn(h.keyA, newCardForm("crash1", goodCard))
		normal := h.currentNetwork()
		h.setNetwork(crashingNetwork{normal})
		b := h.browser(false)
		u := res.str("payment.authentication.url")
		_, _, page := b.visit(u)
		b.post(u, url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
		bank := strings.Replace(u, "/v2/txns/consent/", "/v2/pay/start/", 1)
		_, _, page = b.visit(bank)
		if status, _, _ := b.post(bank, url.Values{"otp": {sandbox.OTP}, "form_token": {formToken(t, page)}}, nil); status != 500 {
			t.Fatalf("interrupted payment: status %d", status)
		}
		txn, _ := h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid"))
		if txn.Status != coft.StatusCharged || txn.CardDone || len(txn.PANCiphertext) == 0 {
			t.Fatalf("after the crash: %+v", txn)
		}
		// The reconciler leaves payments alone while they may still finish.
		if n, err := h.api.Payments().FinishCharges(context.Background(), h.clock().Add(-time.Minute)); err != nil || n != 0 {
			t.Fatalf("FinishCharges on a recent payment = %d, %v", n, err)
		}
		h.setNetwork(normal)
		if n, err := h.api.Payments().FinishCharges(context.Background(), h.clock().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("FinishCharges = %d, %v", n, err)
		}
		if n, _ := h.api.Payments().FinishCharges(context.Background(), h.clock().Add(time.Minute)); n != 0 {
			t.Fatalf("a finished payment was finished again (%d)", n)
		}
		txn, _ = h.db.FindTxn(context.Background(), "alpha", res.str("txn_uuid"))
		if !txn.CardDone || txn.PANCiphertext != nil || txn.TokenReference == "" {
			t.Fatalf("after reconciling: %+v\n%s", txn, h.logs.String())
		}
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		if len(cards.get("cards").([]any)) != 1 || cards.str("cards.0.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("cards: %s", cards.raw)
		}
		if st := h.must(200, request{method: "GET", path: "/orders/crash1", key: h.keyA}); st.str("card.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("order status: %s", st.raw)
		}
	})
}

// TestImplicitCustomer: an order may name a customer_id the merchant never
// created (Juspay's SDK tests do). The customer is created from the
// order's email and phone when a card is first saved for it, and marked
// implicit.
func TestImplicitCustomer(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
			form: "order_id=imp1&amount=10.00&customer_id=guest_101&customer_email=guest@example.com&customer_phone=9988665522"})
		// Nothing is created before a card is saved.
		if _, err := h.db.FindCustomer(ctx, "alpha", "guest_101"); coft.ErrorCode(err) != coft.ENOTFOUND {
			t.Fatalf("customer created with the order: %v", err)
		}
		res := h.txn(h.keyA, newCardForm("imp1", "4242424242424242"))
		if res.status != 200 || !strings.Contains(res.str("payment.authentication.url"), "/v2/txns/consent/") {
			t.Fatalf("the consent dialog is not asked for an implicit customer: %s", res.raw)
		}
		h.browser(true).pay(res.str("payment.authentication.url"), "accept")
		c, err := h.db.FindCustomer(ctx, "alpha", "guest_101")
		if err != nil || !c.Implicit || c.ObjectReferenceID != "guest_101" || c.EmailAddress != "guest@example.com" || c.MobileNumber != "9988665522" {
			t.Fatalf("implicit customer: %+v, %v", c, err)
		}
		st := h.must(200, request{method: "GET", path: "/orders/imp1", key: h.keyA})
		if st.str("customer_id") != "guest_101" || st.str("card.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("order status: %s", st.raw)
		}
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=guest_101", key: h.keyA})
		if n := len(cards.get("cards").([]any)); n != 1 {
			t.Fatalf("cards of the implicit customer: %s", cards.raw)
		}
		// A second order of the same customer uses the same customer.
		h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=imp2&amount=10.00&customer_id=guest_101"})
		form := newCardForm("imp2", "5419190000000003")
		form.Set("save_to_locker", "true")
		form.Set("tokenize", "false")
		h.browser(false).pay(h.txn(h.keyA, form).str("payment.authentication.url"), "")
		if cards := h.must(200, request{method: "GET", path: "/cards?customer_id=guest_101", key: h.keyA}); len(cards.get("cards").([]any)) != 2 {
			t.Fatalf("second card: %s", cards.raw)
		}
		// An order without a customer saves nothing and creates no one.
		h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=imp3&amount=10.00"})
		if res := h.txn(h.keyA, newCardForm("imp3", "4242424242424242")); strings.Contains(res.str("payment.authentication.url"), "/consent/") {
			t.Fatalf("consent asked without a customer: %s", res.raw)
		}
	})
}

// TestCVVLess: a saved card with an ACTIVE network token pays without its
// security code where the network allows it (the sandbox: Visa and
// Mastercard); any other saved card still needs it.
func TestCVVLess(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.customer(h.keyA, "cvvless")
		tokenize := func(order, pan string) {
			h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=" + order + "&amount=5&customer_id=" + cst})
			form := newCardForm(order, pan)
			form.Set("tokenize", "true")
			if pan == "3564120000000008" {
				form.Set("card_security_code", "123")
			}
			h.browser(false).pay(h.txn(h.keyA, form).str("payment.authentication.url"), "")
		}
		tokenize("cl1", "4242424242424242") // VISA
		tokenize("cl2", "3564120000000008") // RUPAY
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst + "&options.check_cvv_less_support=true", key: h.keyA})
		byBrand := map[string]map[string]any{}
		for _, c := range cards.get("cards").([]any) {
			c := c.(map[string]any)
			byBrand[c["card_brand"].(string)] = c
		}
		visa, rupay := byBrand["VISA"], byBrand["RUPAY"]
		vt, rt := visa["token"].(map[string]any), rupay["token"].(map[string]any)
		if vt["cvv_less_support"] != true || len(vt["cvv_less_supported_gateways"].([]any)) != 1 ||
			rt["cvv_less_support"] != false || len(rt["cvv_less_supported_gateways"].([]any)) != 0 {
			t.Fatalf("cvv_less_support: %s", cards.raw)
		}

		pay := func(order, cardToken, cvv string) response {
			h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=" + order + "&amount=5&customer_id=" + cst})
			form := url.Values{"order_id": {order}, "card_token": {cardToken}}
			if cvv != "" {
				form.Set("card_security_code", cvv)
			}
			return h.txn(h.keyA, form)
		}
		// The Visa token pays without a CVV, through the bank's page.
		res := pay("cl3", visa["card_token"].(string), "")
		if res.status != 200 {
			t.Fatalf("CVV-less payment refused: %s", res.raw)
		}
		h.browser(false).pay(res.str("payment.authentication.url"), "")
		if st := h.must(200, request{method: "GET", path: "/orders/cl3", key: h.keyA}); st.str("status") != "CHARGED" || st.get("card.using_token") != true {
			t.Fatalf("CVV-less payment: %s", st.raw)
		}
		// The RuPay token needs it: a clear 400, and nothing is started.
		if res := pay("cl4", rupay["card_token"].(string), ""); res.status != 400 || res.errorField() != "card_security_code" {
			t.Fatalf("RuPay without CVV: %s", res.raw)
		}
		if st := h.must(200, request{method: "GET", path: "/orders/cl4", key: h.keyA}); st.str("status") != "NEW" {
			t.Fatalf("refused payment left something: %s", st.raw)
		}
		if res := h.txn(h.keyA, url.Values{"order_id": {"cl4"}, "card_token": {rupay["card_token"].(string)}, "card_security_code": {"123"}}); res.status != 200 {
			t.Fatalf("RuPay with CVV: %s", res.raw)
		}
		// A suspended token no longer pays without it.
		h.must(200, request{method: "POST", path: "/sandbox/tokens/" + visa["card_reference"].(string) + "/suspend", key: h.keyA})
		if res := pay("cl5", visa["card_token"].(string), ""); res.status != 400 || res.errorField() != "card_security_code" {
			t.Fatalf("suspended token without CVV: %s", res.raw)
		}

		// Card info says the same before a card is saved.
		for bin, want := range map[string]bool{"424242": true, "356412": false} {
			info := h.must(200, request{method: "GET", path: "/cardbins/" + bin + "?options.check_cvv_less_support=true", key: h.keyA})
			if info.get("cvv_less_support") != want {
				t.Errorf("cardbins %s: %s", bin, info.raw)
			}
		}
		if info := h.must(200, request{method: "GET", path: "/cardbins/424242", key: h.keyA}); info.get("cvv_less_support") != nil {
			t.Errorf("cvv_less_support without being asked: %s", info.raw)
		}
	})
}

// crashingBank dies once, after the bank approved and before the answer
// was written, the way a killed process would.
type crashingBank struct {
	coft.Bank
	crash atomic.Bool
}

func (b *crashingBank) Authorize(ctx context.Context, t *coft.Txn) (bool, string, string) {
	ok, code, msg := b.Bank.Authorize(ctx, t)
	if b.crash.CompareAndSwap(true, false) {
		panic("the process dies here")
	}
	return ok, code, msg
}

// TestInterruptedAuthorizationPages: a crash lost the bank's answer. The
// bank page no longer asks for a password, it says the bank is
// processing; the customer's repeated post gets the answer.
func TestInterruptedAuthorizationPages(t *testing.T) {
	bank := &crashingBank{Bank: sandbox.Bank{}}
	h := newHarness(t, "sqlite", func(c *httpapi.Config) { c.Bank = bank })
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=auth1&amount=1250.00"}) // no return_url: the result page
	res := h.txn(h.keyA, with(newCardForm("auth1", goodCard), "tokenize", "false"))
	b := h.browser(false)
	bankURL := res.str("payment.authentication.url")
	_, _, page := b.visit(bankURL)
	otp := url.Values{"otp": {sandbox.OTP}, "form_token": {formToken(t, page)}}
	bank.crash.Store(true)
	if status, _, _ := b.post(bankURL, otp, nil); status != 500 {
		t.Fatalf("interrupted authorization: status %d", status)
	}
	if st := h.must(200, request{method: "GET", path: "/orders/auth1", key: h.keyA}); st.str("status") != "AUTHORIZING" {
		t.Fatalf("after the crash: %s", st.raw)
	}
	status, _, page := b.visit(bankURL)
	if status != 200 || !strings.Contains(page, "still processing") || strings.Contains(page, `name="otp"`) {
		t.Fatalf("bank page while AUTHORIZING: %d\n%s", status, page)
	}
	if status, _, page = b.post(bankURL, otp, nil); status != 200 || !strings.Contains(page, "Your payment is complete") {
		t.Fatalf("repeated post: %d\n%s", status, page)
	}
	if st := h.must(200, request{method: "GET", path: "/orders/auth1", key: h.keyA}); st.str("status") != "CHARGED" {
		t.Fatalf("after the repeated post: %s", st.raw)
	}
}

// TestConsentFormFactor: a decision records the form factor the dialog
// posted, or, without one (or with a value that is not a form factor),
// the one its request's client hints and user agent say.
func TestConsentFormFactor(t *testing.T) {
	h := newHarness(t, "sqlite")
	for i, tc := range []struct {
		posted string
		header map[string]string
		want   string
	}{
		{"mobile-landscape", nil, "mobile-landscape/dialog"},
		{"desktop", map[string]string{"Sec-CH-UA-Mobile": "?1"}, "desktop/dialog"},
		{"", map[string]string{"Sec-CH-UA-Mobile": "?1", "Sec-CH-UA-Platform": `"Android"`}, "mobile-portrait/hints"},
		{"tablet", map[string]string{"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148"}, "mobile-portrait/hints"},
		{"<script>", nil, "desktop/hints"},
	} {
		id := fmt.Sprintf("ff%d", i)
		h.order(h.keyA, id, true, "")
		res := h.txn(h.keyA, newCardForm(id, goodCard))
		u := res.str("payment.authentication.url")
		b := h.browser(false)
		_, _, page := b.visit(u)
		form := url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
		if tc.posted != "" {
			form.Set("form_factor", tc.posted)
		}
		if status, _, page := b.post(u, form, tc.header); status != 303 {
			t.Fatalf("%s: consent post %d %s", id, status, page)
		}
		cs, err := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: consents %v, %v", id, cs, err)
		}
		if got := cs[0].FormFactor + "/" + cs[0].FormFactorSource; got != tc.want {
			t.Errorf("posted %q with %v: recorded %s, want %s", tc.posted, tc.header, got, tc.want)
		}
	}
}
