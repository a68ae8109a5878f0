package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sandbox"
)

// manageLink returns the management screen's URL for a customer, with a
// customer-scoped client_auth_token.
func (h *harness) manageLink(key, ref string) (customerID, link string) {
	h.t.Helper()
	res := h.must(200, request{method: "POST", path: "/customers", key: key,
		form: "object_reference_id=" + ref + "&mobile_number=9876543210&email_address=" + ref + "@example.com&options.get_client_auth_token=true"})
	tok := res.str("juspay.client_auth_token")
	if tok == "" {
		h.t.Fatalf("no client_auth_token: %s", res.raw)
	}
	return res.str("id"), h.srv.URL + "/cards/manage?client_auth_token=" + url.QueryEscape(tok)
}

// secure presses "Secure this card" on the screen and returns where it
// leads.
func (b *browser) secure(link, cardRef string) string {
	b.h.t.Helper()
	u, _ := url.Parse(link)
	status, loc, page := b.post(b.h.srv.URL+"/cards/manage/secure", url.Values{
		"client_auth_token": {u.Query().Get("client_auth_token")}, "card_reference": {cardRef}}, nil)
	if status != 303 {
		b.h.t.Fatalf("secure: %d %s", status, page)
	}
	return loc
}

// TestOutOfBandTokenization: the management screen secures a saved card
// with fresh consent and a one-rupee authenticated payment, refunded; then
// removes it.
func TestOutOfBandTokenization(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		k := h.webhooks("alpha")
		cst, link := h.manageLink(h.keyA, "oob1")
		card := h.saveCard("alpha", cst, goodCard)
		b := h.browser(true)
		status, _, page := b.visit(link)
		if status != 200 || !strings.Contains(page, "Secure this card") || !strings.Contains(page, "4242-XXXXXXXX-4242") ||
			!strings.Contains(page, "Not secured") {
			t.Fatalf("screen: %d %s", status, page)
		}
		consent := b.secure(link, card.Reference)
		if !strings.Contains(consent, "/v2/txns/consent/") {
			t.Fatalf("secure led to %s, want the consent page", consent)
		}
		back := b.pay(consent, "accept")
		if !strings.HasPrefix(back, h.srv.URL+"/cards/manage?") {
			t.Fatalf("came back to %s", back)
		}
		_, _, page = b.visit(back)
		if !strings.Contains(page, "Your card is secured") || !strings.Contains(page, "Secured with a Visa token") ||
			strings.Contains(page, "Secure this card") {
			t.Fatalf("screen after securing: %s", page)
		}
		orderID, _ := url.Parse(back)
		oid := orderID.Query().Get("order_id")
		st := h.must(200, request{method: "GET", path: "/orders/" + oid, key: h.keyA})
		if st.get("amount") != 1.0 || st.str("status") != "CHARGED" || st.get("refunded") != true || st.get("amount_refunded") != 1.0 ||
			st.str("refunds.0.status") != "SUCCESS" || st.str("refunds.0.initiated_by") != "AUTO_REFUNDED" ||
			st.str("card.token.tokenization_status") != "ACTIVE" || st.get("card.using_saved_card") != true {
			t.Fatalf("the one-rupee order: %s", st.raw)
		}
		got, _ := h.db.FindCard(context.Background(), "alpha", card.Reference)
		if got.Token == nil || got.Token.Status != coft.TokenActive || len(got.PANCiphertext) != 0 {
			t.Fatalf("card after securing: %+v", got)
		}
		cs, _ := h.db.ListConsents(context.Background(), "alpha", st.str("txn_uuid"))
		if len(cs) != 1 || !cs[0].Decision || cs[0].Channel != coft.ChannelManagementPage {
			t.Fatalf("consent evidence: %+v", cs)
		}
		if ev := h.waitEvent(k, coft.EventAutoRefundSucceeded, 1)[0]; get(ev, "content", "order", "order_id") != oid ||
			get(ev, "content", "order", "amount_refunded") != 1.0 {
			t.Fatalf("AUTO_REFUND_SUCCEEDED: %v", ev)
		}

		// Remove: gone from the screen and the API, token de-registered,
		// withdrawal recorded, TOKEN_DELETED sent.
		u, _ := url.Parse(link)
		status, loc, _ := b.post(h.srv.URL+"/cards/manage/remove", url.Values{
			"client_auth_token": {u.Query().Get("client_auth_token")}, "card_reference": {card.Reference}}, nil)
		if status != 303 {
			t.Fatalf("remove: %d", status)
		}
		_, _, page = b.visit(loc)
		if !strings.Contains(page, "was removed") || !strings.Contains(page, "You have no saved cards") {
			t.Fatalf("screen after removing: %s", page)
		}
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		if n, _ := cards.get("cards").([]any); len(n) != 0 {
			t.Fatalf("cards after removing: %s", cards.raw)
		}
		ws, _ := h.db.ListWithdrawals(context.Background(), "alpha", cst)
		if len(ws) != 1 || ws[0].Channel != coft.ChannelManagementPage || ws[0].CardReference != card.Reference ||
			ws[0].TokenReference == "" || ws[0].UserAgent != "TestBrowser/1.0" {
			t.Fatalf("withdrawals: %+v", ws)
		}
		h.waitEvent(k, coft.EventTokenDeleted, 1)
	})
}

// TestOutOfBandFailures: each failing step leaves the card as it was.
func TestOutOfBandFailures(t *testing.T) {
	h := newHarness(t, "sqlite")
	cardState := func(ref string) (tokenStatus string, hasNumber bool) {
		c, err := h.db.FindCard(context.Background(), "alpha", ref)
		if err != nil {
			t.Fatal(err)
		}
		if c.Token != nil {
			tokenStatus = c.Token.Status
		}
		return tokenStatus, len(c.PANCiphertext) > 0
	}
	orderOf := func(loc string) response {
		u, _ := url.Parse(loc)
		return h.must(200, request{method: "GET", path: "/orders/" + u.Query().Get("order_id"), key: h.keyA})
	}

	// Wrong OTP three times: authentication fails, nothing is charged.
	cst, link := h.manageLink(h.keyA, "f1")
	c1 := h.saveCard("alpha", cst, goodCard)
	b := h.browser(true)
	consent := b.secure(link, c1.Reference)
	_, _, page := b.visit(consent)
	_, bank, _ := b.post(consent, url.Values{"decision": {"accept"}, "form_token": {formToken(t, page)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
	var loc string
	for range 3 {
		_, _, page = b.visit(bank)
		_, loc, _ = b.post(bank, url.Values{"otp": {"000000"}, "form_token": {formToken(t, page)}, "action": {"verify"}}, nil)
	}
	if st := orderOf(loc); st.str("status") != "AUTHENTICATION_FAILED" || st.get("refunds") != nil {
		t.Fatalf("after wrong OTPs: %s", st.raw)
	}
	if ts, num := cardState(c1.Reference); ts != "" || !num {
		t.Fatalf("card changed by a failed authentication: %q %v", ts, num)
	}
	if _, _, page := b.visit(loc); !strings.Contains(page, "did not confirm") || !strings.Contains(page, "Secure this card") {
		t.Fatalf("screen after the failure: %s", page)
	}

	// Declined consent: the payment ends at once, uncharged, back on the
	// screen without the bank.
	consent = b.secure(link, c1.Reference)
	_, _, page = b.visit(consent)
	status, loc, _ := b.post(consent, url.Values{"decision": {"decline"}, "form_token": {formToken(t, page)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
	if status != 303 || !strings.HasPrefix(loc, h.srv.URL+"/cards/manage?") {
		t.Fatalf("decline: %d %s", status, loc)
	}
	if st := orderOf(loc); st.str("status") != "AUTHENTICATION_FAILED" || st.get("refunds") != nil {
		t.Fatalf("after declining: %s", st.raw)
	}
	if _, _, page := b.visit(loc); !strings.Contains(page, "chose not to secure") {
		t.Fatalf("screen after declining: %s", page)
	}
	if ts, num := cardState(c1.Reference); ts != "" || !num {
		t.Fatalf("card changed by a decline: %q %v", ts, num)
	}

	// The network refuses the token: the card keeps its number, no token;
	// the rupee is refunded.
	cst2, link2 := h.manageLink(h.keyA, "f2")
	c2 := h.saveCard("alpha", cst2, sandbox.CardTokenRefused)
	loc = b.pay(b.secure(link2, c2.Reference), "accept")
	if st := orderOf(loc); st.str("status") != "CHARGED" || st.str("refunds.0.status") != "SUCCESS" || st.get("card.token") != nil {
		t.Fatalf("network refusal: %s", st.raw)
	}
	if ts, num := cardState(c2.Reference); ts != "" || !num {
		t.Fatalf("card changed by a refused token: %q %v", ts, num)
	}
	if _, _, page := b.visit(loc); !strings.Contains(page, "could not secure") {
		t.Fatalf("screen after the refusal: %s", page)
	}

	// The refund fails: the token stands, the failed refund is recorded
	// and visible.
	cst3, link3 := h.manageLink(h.keyA, "f3")
	c3 := h.saveCard("alpha", cst3, sandbox.CardRefundRefused)
	loc = b.pay(b.secure(link3, c3.Reference), "accept")
	st := orderOf(loc)
	if st.str("refunds.0.status") != "FAILURE" || st.str("refunds.0.error_message") == "" || st.get("refunded") != false ||
		st.str("card.token.tokenization_status") != "ACTIVE" {
		t.Fatalf("refund failure: %s", st.raw)
	}
}

func TestCardTokenizeAPI(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "api1")
	c := h.saveCard("alpha", cst, goodCard)
	cardToken := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}).str("cards.0.card_token")

	for _, tc := range []struct{ form, field string }{
		{"tokenize=true", "card_token"},
		{"card_token=" + cardToken + "&tokenize=false", "tokenize"},
		{"card_token=" + cardToken + "&return_url=ftp://x", "return_url"},
		{"card_token=nope", "card_token"},
	} {
		if res := h.do(request{method: "POST", path: "/card/tokenize", key: h.keyA, form: tc.form}); res.status/100 != 4 || res.errorField() != tc.field {
			t.Errorf("%s: %d %s", tc.form, res.status, res.raw)
		}
	}
	// A browser token may tokenize only its own customer's card: an order's
	// token has no customer.
	ot := h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=tk2&amount=5&customer_id=" + cst +
		"&options.get_client_auth_token=true"}).str("juspay.client_auth_token")
	if res := h.do(request{method: "POST", path: "/card/tokenize", form: "card_token=" + url.QueryEscape(cardToken),
		header: map[string]string{"x-client-auth-token": ot}}); res.status != 403 {
		t.Fatalf("an order's client token tokenized a card: %d %s", res.status, res.raw)
	}
	// The merchant took consent itself: straight to the bank.
	res := h.must(200, request{method: "POST", path: "/card/tokenize", key: h.keyA,
		form: "card_token=" + url.QueryEscape(cardToken) + "&tokenize=true&return_url=https://shop.example/cards"})
	if !strings.Contains(res.str("payment.authentication.url"), "/v2/pay/start/") || !strings.HasPrefix(res.str("order_id"), "tkn") {
		t.Fatalf("tokenize: %s", res.raw)
	}
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	cs, _ := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
	if len(cs) != 1 || cs[0].Channel != coft.ChannelMerchantDeclared {
		t.Fatalf("consent: %+v", cs)
	}
	if again := h.do(request{method: "POST", path: "/card/tokenize", key: h.keyA, form: "card_token=" + url.QueryEscape(cardToken)}); again.status != 409 {
		t.Fatalf("tokenizing a tokenized card: %d %s", again.status, again.raw)
	}
	// Beta cannot use alpha's card.
	if res := h.do(request{method: "POST", path: "/card/tokenize", key: h.keyB, form: "card_token=" + url.QueryEscape(cardToken)}); res.status/100 != 4 {
		t.Fatalf("beta: %d", res.status)
	}
	_ = c
}

func TestRefunds(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		h.order(h.keyA, "rf1", false, "")
		res := h.txn(h.keyA, newCardForm("rf1", goodCard))
		refund := func(form string) response {
			return h.do(request{method: "POST", path: "/orders/rf1/refunds", key: h.keyA, form: form})
		}
		if r := refund("unique_request_id=r1&amount=10"); r.status != 409 || r.errorField() != "order_id" {
			t.Fatalf("refund of an unpaid order: %d %s", r.status, r.raw)
		}
		h.browser(false).pay(res.str("payment.authentication.url"), "")
		r := refund("unique_request_id=r1&amount=250.50")
		if r.status != 200 || r.get("amount_refunded") != 250.5 || r.get("refunded") != false || r.str("refunds.0.status") != "SUCCESS" ||
			r.str("refunds.0.initiated_by") != "API" || r.get("effective_amount") != 999.5 {
			t.Fatalf("partial refund: %d %s", r.status, r.raw)
		}
		if again := refund("unique_request_id=r1&amount=250.50"); again.get("amount_refunded") != 250.5 {
			t.Fatalf("the same refund twice: %s", again.raw)
		}
		if over := refund("unique_request_id=r2&amount=1000"); over.status != 400 || over.errorField() != "amount" {
			t.Fatalf("over-refund: %d %s", over.status, over.raw)
		}
		for _, tc := range []struct{ form, field string }{
			{"amount=1", "unique_request_id"}, {"unique_request_id=r3&amount=-1", "amount"},
			{"unique_request_id=a%20b&amount=1", "unique_request_id"},
		} {
			if bad := refund(tc.form); bad.status != 400 || bad.errorField() != tc.field {
				t.Errorf("%s: %d %s", tc.form, bad.status, bad.raw)
			}
		}
		// Without an amount, the rest of the order is refunded (Juspay).
		full := refund("unique_request_id=r4")
		if full.get("refunded") != true || full.get("amount_refunded") != 1250.0 {
			t.Fatalf("full refund: %s", full.raw)
		}
		if res := h.do(request{method: "POST", path: "/orders/rf1/refunds", key: h.keyB, form: "unique_request_id=x&amount=1"}); res.status != 404 {
			t.Fatalf("beta refunds alpha's order: %d", res.status)
		}
		es, _ := h.db.ListEvents(context.Background(), "alpha", "rf1", 100)
		n := 0
		for _, e := range es {
			if e.Name == coft.EventOrderRefunded {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d ORDER_REFUNDED events, want 2", n)
		}
	})
}

// unreachableNetwork cannot be reached to de-register tokens.
type unreachableNetwork struct{ coft.Network }

func (unreachableNetwork) Deregister(context.Context, string, string) error {
	return coft.Errorf(coft.EINTERNAL, "connection refused")
}

// TestRemoveNeedsTheNetwork: a token the network cannot be told about is
// not silently dropped: the card stays and the caller is told to retry.
func TestRemoveNeedsTheNetwork(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.order(h.keyA, "dr1", true, "")
	res := h.txn(h.keyA, with(newCardForm("dr1", goodCard), "tokenize", "true"))
	h.browser(false).pay(res.str("payment.authentication.url"), "")
	ref := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}).str("cards.0.card_reference")
	h.setNetwork(unreachableNetwork{h.currentNetwork()})
	del := h.do(request{method: "POST", path: "/v4/card/delete", key: h.keyA,
		json: `{"card_reference":"` + ref + `","customer_id":"` + cst + `"}`})
	if del.status != 503 || !strings.Contains(del.str("errorMessage"), "try again") {
		t.Fatalf("delete with the network down: %d %s", del.status, del.raw)
	}
	if c, err := h.db.FindCard(context.Background(), "alpha", ref); err != nil || c.Token == nil {
		t.Fatalf("card or token lost: %v", err)
	}
	if ws, _ := h.db.ListWithdrawals(context.Background(), "alpha", cst); len(ws) != 0 {
		t.Fatalf("withdrawal recorded for a card that stayed: %+v", ws)
	}
}

// TestManageShowsConsent: the saved-cards screen shows, next to each card,
// the customer's last decision about it from the consent evidence: when,
// and what was agreed; a card saved without a decision shows none.
func TestManageShowsConsent(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst, link := h.manageLink(h.keyA, "shows1")
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
		form: "order_id=shows1&amount=10.00&return_url=https://shop.example/back&customer_id=" + cst})
	b := h.browser(false)
	b.pay(h.txn(h.keyA, newCardForm("shows1", goodCard)).str("payment.authentication.url"), "accept")
	h.saveCard("alpha", cst, "5419190000000003") // saved by the merchant, no decision on it
	status, _, page := b.visit(link)
	if status != 200 {
		t.Fatalf("screen: %d", status)
	}
	want := "you agreed to save this card as a secure token (consent tokenize-en-v1)"
	if n := strings.Count(page, want); n != 1 {
		t.Fatalf("the screen shows the consent %d times, want once (the paid card's):\n%s", n, page)
	}
	if !strings.Contains(page, "On "+h.clock().In(time.FixedZone("IST", 19800)).Format("2 Jan 2006")+" "+want) {
		t.Errorf("the consent's date is not the decision's, in India's time")
	}
}
