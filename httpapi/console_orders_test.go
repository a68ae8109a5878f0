package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// forConsoleDialects runs fn on a console harness over each database.
func forConsoleDialects(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, newConsoleHarness(t, d)) })
	}
}

// step is a timeline step as the order's page shows it.
type step struct {
	id, title, status string
	facts             map[string]string
	redeliver         bool
	deliveries        int
}

// steps reads an order page's timeline, oldest first.
func (p consolePage) steps() []step {
	var out []step
	p.doc.Find("ol.timeline > li").Each(func(_ int, li *goquery.Selection) {
		st := step{title: strings.TrimSpace(li.Find(".what").Text()), status: strings.TrimSpace(li.Find(".status").Text()),
			facts: map[string]string{}, redeliver: li.Find("form.redeliver").Length() == 1,
			deliveries: li.Find("table.deliveries tbody tr").Length()}
		st.id, _ = li.Attr("id")
		li.Find("dl dt").Each(func(_ int, dt *goquery.Selection) {
			st.facts[strings.TrimSpace(dt.Text())] = strings.TrimSpace(dt.Next().Text())
		})
		out = append(out, st)
	})
	return out
}

func titles(steps []step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.title)
	}
	return out
}

// inOrder fails unless want are titles of steps, in this order (others
// may come between).
func inOrder(t *testing.T, steps []step, want ...string) {
	t.Helper()
	i := 0
	for _, s := range steps {
		if i < len(want) && s.title == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("timeline lacks %q after %q, in order; it is:\n%s", want[i], want[:i], strings.Join(titles(steps), "\n"))
	}
}

func find(t *testing.T, steps []step, title string) step {
	t.Helper()
	for _, s := range steps {
		if s.title == title {
			return s
		}
	}
	t.Fatalf("no step %q in:\n%s", title, strings.Join(titles(steps), "\n"))
	return step{}
}

// payPausing pays as a customer would who reads the consent dialog for
// read before deciding and takes a moment at the bank page.
func (b *browser) payPausing(authURL, decision string, read time.Duration) {
	b.h.t.Helper()
	status, _, page := b.visit(authURL)
	if status != 200 {
		b.h.t.Fatalf("consent page: %d", status)
	}
	b.h.advance(read)
	status, loc, page := b.post(authURL, url.Values{"decision": {decision}, "form_token": {formToken(b.h.t, page)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil)
	if status != 303 {
		b.h.t.Fatalf("consent post: %d %s", status, page)
	}
	b.h.advance(2 * time.Second)
	b.pay(loc, decision)
}

// paidWithConsent pays order id of merchant (key) with a new card and
// consent on the hosted page, with webhooks delivered to k, and waits
// until every event of the order was delivered.
func (h *harness) paidWithConsent(merchantID, key, id string, k *hooks) {
	h.t.Helper()
	h.order(key, id, true, "")
	h.advance(time.Second)
	res := h.txn(key, newCardForm(id, goodCard))
	if res.status != 200 {
		h.t.Fatalf("txn: %s", res.raw)
	}
	h.browser(true).payPausing(res.str("payment.authentication.url"), "accept", 3*time.Second)
	h.waitDelivered(merchantID, id, 4)
}

// waitDelivered waits until the order has n events and all are
// delivered.
func (h *harness) waitDelivered(merchantID, orderID string, n int) {
	h.t.Helper()
	waitFor(h.t, "the order's webhooks", func() bool {
		hist, err := h.db.OrderHistory(context.Background(), merchantID, orderID)
		if err != nil || len(hist.Events) < n {
			return false
		}
		for _, e := range hist.Events {
			if e.Status != coft.DeliveryDelivered {
				return false
			}
		}
		return true
	})
}

// TestConsoleOrderTimeline: a payment with consent on the hosted page is
// told in order, from the order's creation to its webhooks, with the
// evidence of the decision and each webhook's delivery; the card is named
// by its network and last four digits only.
func TestConsoleOrderTimeline(t *testing.T) {
	forConsoleDialects(t, func(t *testing.T, h *harness) {
		k := h.webhooks("alpha")
		h.paidWithConsent("alpha", h.keyA, "tl1", k)
		viewer := h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))

		list := viewer.get("/console/alpha/orders")
		if href, _ := list.doc.Find(`table.orders a:contains("tl1")`).Attr("href"); href != "/console/alpha/orders/tl1" {
			t.Fatalf("the list links the order to %q", href)
		}
		p := viewer.get("/console/alpha/orders/tl1")
		if p.status != 200 || p.text("h1") != "Order tl1" {
			t.Fatalf("order page: %d %q", p.status, p.text("h1"))
		}
		steps := p.steps()
		inOrder(t, steps, "Order created", "Payment attempt 1 started", "Webhook TXN_CREATED", "Consent dialog shown",
			"Consent decided: agreed to save the card", "Bank step: one-time password verified", "Charged", "Card saved",
			"Network token asked for", "Network token issued", "Webhook TOKEN_CREATED", "Webhook TXN_CHARGED",
			"Webhook ORDER_SUCCEEDED")
		for i := 1; i < len(steps); i++ {
			if steps[i].title == steps[i-1].title {
				t.Errorf("step %q told twice", steps[i].title)
			}
		}
		started := find(t, steps, "Payment attempt 1 started")
		if started.facts["Card"] != "Visa •••• 4242" || started.facts["tokenize"] !=
			"not sent: the customer is asked on the hosted consent page" || started.facts["Card used"] != "A new card" {
			t.Errorf("attempt: %v", started.facts)
		}
		decided := find(t, steps, "Consent decided: agreed to save the card")
		for label, want := range map[string]string{"Text version": "tokenize-en-v1", "Language": "en",
			"Channel": "The service's consent page (HOSTED_PAGE)", "Time to decide": "3.0 s", "Too fast": "No", "Decision": "Agreed"} {
			if decided.facts[label] != want {
				t.Errorf("consent %s = %q, want %q", label, decided.facts[label], want)
			}
		}
		if !strings.HasPrefix(decided.facts["Evidence record"], "cns_") {
			t.Errorf("evidence record %q", decided.facts["Evidence record"])
		}
		if c := find(t, steps, "Charged"); c.status != "CHARGED" || c.facts["Amount"] != "₹1,250.00" {
			t.Errorf("charged: %+v", c)
		}
		if tok := find(t, steps, "Network token issued"); tok.status != "ACTIVE" || tok.facts["Network"] != "Visa" {
			t.Errorf("token: %+v", tok)
		}
		if find(t, steps, "Network token asked for").status != "INITIATED" {
			t.Error("the token's first status is not INITIATED")
		}
		for _, s := range steps {
			if strings.HasPrefix(s.title, "Webhook ") && (s.status != "DELIVERED" || s.deliveries != 1 || s.redeliver) {
				t.Errorf("%s: status %s, %d deliveries, redeliver button %v (a viewer)", s.title, s.status, s.deliveries, s.redeliver)
			}
		}
		if !strings.Contains(p.doc.Find("table.deliveries td").Text(), "200") {
			t.Error("the delivery's HTTP status is not shown")
		}
		// The card is shown as its network and last four only; no
		// refund for a viewer.
		if strings.Contains(p.body, "424242") || strings.Contains(p.body, goodCard) {
			t.Error("the page shows more of the card than its last four digits")
		}
		if p.doc.Find(`form[action$="/refund"]`).Length() != 0 {
			t.Error("a viewer is offered the refund button")
		}
		if strings.Contains(p.body, "ord_") {
			t.Error("the page shows the order's payment-link id")
		}
		// Later lifecycle: the network suspends the token, resumes it, the
		// customer removes the card.
		cst := h.customerOfOrder("alpha", "tl1")
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		ref := cards.str("cards.0.card_reference")
		h.advance(5 * time.Minute)
		h.must(200, request{method: "POST", path: "/sandbox/tokens/" + ref + "/suspend", key: h.keyA})
		h.advance(5 * time.Minute)
		h.must(200, request{method: "POST", path: "/sandbox/tokens/" + ref + "/resume", key: h.keyA})
		h.advance(5 * time.Minute)
		h.must(200, request{method: "POST", path: "/v4/card/delete", key: h.keyA,
			json: `{"card_reference":"` + ref + `","customer_id":"` + cst + `"}`})
		h.waitDelivered("alpha", "tl1", 7)
		after := viewer.get("/console/alpha/orders/tl1")
		if after.status != 200 {
			t.Fatalf("after: %d %s\n%s", after.status, after.body, h.logs.String())
		}
		steps = after.steps()
		inOrder(t, steps, "Network token issued", "Network token suspended", "Webhook TOKEN_STATUS_UPDATED",
			"Network token resumed", "Webhook TOKEN_STATUS_UPDATED", "Consent withdrawn: card removed", "Network token deleted",
			"Webhook TOKEN_DELETED")
		if s := find(t, steps, "Network token suspended"); s.status != "SUSPENDED" {
			t.Errorf("suspended: %+v", s)
		}
	})
}

// customerOfOrder is the cst_… id of an order's customer.
func (h *harness) customerOfOrder(merchantID, orderID string) string {
	h.t.Helper()
	o, err := h.db.FindOrder(context.Background(), merchantID, orderID)
	if err != nil {
		h.t.Fatal(err)
	}
	return o.CustomerID
}

// TestConsoleOrderFailures: an attempt cancelled at the bank page, then
// one the bank declines, each with its webhooks after it.
func TestConsoleOrderFailures(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	h.webhooks("alpha")
	h.order(h.keyA, "dc1", false, "")
	res := h.txn(h.keyA, newCardForm("dc1", goodCard))
	b := h.browser(true)
	u := res.str("payment.authentication.url")
	_, _, page := b.visit(u)
	if status, _, body := b.post(u, url.Values{"form_token": {formToken(t, page)}, "action": {"cancel"}}, nil); status != 303 && status != 200 {
		t.Fatalf("cancel: %d %s", status, body)
	}
	h.advance(time.Minute)
	res = h.txn(h.keyA, newCardForm("dc1", "4242420000000059")) // declined by the sandbox bank
	b.pay(res.str("payment.authentication.url"), "")
	h.waitDelivered("alpha", "dc1", 6)

	admin := h.signIn(h.consoleUser("alpha", "admin@alpha.example", coft.RoleAdmin, false))
	p := admin.get("/console/alpha/orders/dc1")
	steps := p.steps()
	inOrder(t, steps, "Order created", "Payment attempt 1 started", "Webhook TXN_CREATED", "Bank step: cancelled by the customer",
		"Webhook TXN_FAILED", "Webhook ORDER_FAILED", "Payment attempt 2 started", "Webhook TXN_CREATED",
		"Bank step: one-time password verified", "Declined by the bank", "Webhook TXN_FAILED", "Webhook ORDER_FAILED")
	if c := find(t, steps, "Bank step: cancelled by the customer"); c.status != "AUTHENTICATION_FAILED" ||
		c.facts["Error message"] != "The customer cancelled the payment." {
		t.Errorf("cancelled: %+v", c)
	}
	d := find(t, steps, "Declined by the bank")
	if d.status != "AUTHORIZATION_FAILED" || d.facts["Bank's response code"] == "None" || d.facts["Bank's response message"] == "None" {
		t.Errorf("declined: %+v", d)
	}
	for _, s := range steps {
		if s.title == "Card saved" || strings.HasPrefix(s.title, "Network token") || strings.HasPrefix(s.title, "Consent") {
			t.Errorf("a failed payment without consent tells %q", s.title)
		}
	}
	if p.doc.Find(`form[action$="/refund"]`).Length() != 0 {
		t.Error("a failed order offers a refund")
	}
	// A refund posted all the same is refused, and says why.
	r := admin.submit("/console/alpha/orders/dc1/refund", url.Values{"csrf": {p.token()}, "amount": {"10.00"},
		"unique_request_id": {"console-x1"}})
	if r.status != http.StatusConflict || !strings.Contains(r.text("#order-error"), "Only a CHARGED order can be refunded") {
		t.Fatalf("refund of a failed order: %d %q", r.status, r.text("#order-error"))
	}
}

// TestConsoleRefund: the admin's refund button refunds the amount asked
// (by default what is left) with the idempotency key the page was
// rendered with, once however often the form is sent; the timeline then
// shows it. Viewers and developers have no button and are refused.
func TestConsoleRefund(t *testing.T) {
	forConsoleDialects(t, func(t *testing.T, h *harness) {
		k := h.webhooks("alpha")
		h.paidWithConsent("alpha", h.keyA, "rf1", k)
		admin := h.signIn(h.consoleUser("alpha", "admin@alpha.example", coft.RoleAdmin, false))
		p := admin.get("/console/alpha/orders/rf1")
		amount, _ := p.doc.Find("#refund-amount").Attr("value")
		key, _ := p.doc.Find(`input[name="unique_request_id"]`).Attr("value")
		if amount != "1250.00" || !strings.HasPrefix(key, "console-") || !strings.Contains(p.text("#refund-key"), key) {
			t.Fatalf("refund form: amount %q, key %q, shown %q", amount, key, p.text("#refund-key"))
		}
		form := url.Values{"csrf": {p.token()}, "amount": {"100.00"}, "unique_request_id": {key}}

		// Wrong amounts change nothing and say what is wrong.
		for _, bad := range []struct{ amount, want string }{
			{"abc", "Amount: type rupees and paise as a number"},
			{"", "Amount: type the amount to refund"},
			{"5000.00", "Amount exceeds what is left to refund"},
			{"0", "Amount must be greater than 0"},
		} {
			r := admin.submit("/console/alpha/orders/rf1/refund", with(form, "amount", bad.amount))
			if r.status != http.StatusBadRequest || !strings.Contains(r.text("#refund-error"), bad.want) {
				t.Errorf("amount %q: %d %q, want 400 %q", bad.amount, r.status, r.text("#refund-error"), bad.want)
			}
			if v, _ := r.doc.Find(`input[name="unique_request_id"]`).Attr("value"); v != key {
				t.Errorf("the form sent back has key %q, want %q", v, key)
			}
		}

		r := admin.submit("/console/alpha/orders/rf1/refund", form)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/alpha/orders/rf1?refund="+key) {
			t.Fatalf("refund: %d %q %s", r.status, r.location, r.text(".error"))
		}
		// Sent twice (a double click, a reload): refunded once.
		if again := admin.submit("/console/alpha/orders/rf1/refund", form); again.status != http.StatusSeeOther {
			t.Fatalf("the same form again: %d", again.status)
		}
		rs, err := h.db.ListRefunds(context.Background(), "alpha", "rf1")
		if err != nil || len(rs) != 1 || rs[0].Amount != 10000 || rs[0].UniqueRequestID != key || rs[0].Status != coft.RefundSuccess {
			t.Fatalf("refunds: %+v %v", rs, err)
		}
		p = admin.get(r.location)
		if !strings.Contains(p.text(".note"), "Refund "+key+" of ₹100.00: SUCCESS") {
			t.Errorf("notice %q", p.text(".note"))
		}
		steps := p.steps()
		inOrder(t, steps, "Charged", "Webhook ORDER_SUCCEEDED", "Refund of ₹100.00")
		rf := find(t, steps, "Refund of ₹100.00")
		if rf.status != "SUCCESS" || rf.facts["unique_request_id"] != key {
			t.Errorf("refund step: %+v", rf)
		}
		h.waitDelivered("alpha", "rf1", 5)
		inOrder(t, admin.get("/console/alpha/orders/rf1").steps(), "Refund of ₹100.00", "Webhook ORDER_REFUNDED")
		// The next form has a new key, and what is left.
		amount, _ = p.doc.Find("#refund-amount").Attr("value")
		next, _ := p.doc.Find(`input[name="unique_request_id"]`).Attr("value")
		if amount != "1150.00" || next == key {
			t.Errorf("after the refund: amount %q, key %q", amount, next)
		}
		// A refund through the API shows too.
		h.must(200, request{method: "POST", path: "/orders/rf1/refunds", key: h.keyA, form: "unique_request_id=api-1&amount=50.00"})
		if s := admin.get("/console/alpha/orders/rf1").steps(); find(t, s, "Refund of ₹50.00").facts["unique_request_id"] != "api-1" {
			t.Error("the API's refund is not on the timeline")
		}

		// Viewers and developers: no button, and refused.
		for _, role := range []coft.Role{coft.RoleViewer, coft.RoleDeveloper} {
			b := h.signIn(h.consoleUser("alpha", string(role)+"@alpha.example", role, false))
			page := b.get("/console/alpha/orders/rf1")
			if page.doc.Find(`form[action$="/refund"]`).Length() != 0 {
				t.Errorf("%s is offered the refund button", role)
			}
			if r := b.submit("/console/alpha/orders/rf1/refund", url.Values{"csrf": {page.token()}, "amount": {"1.00"},
				"unique_request_id": {"console-" + string(role)}}); r.status != http.StatusForbidden {
				t.Errorf("%s refunds: %d", role, r.status)
			}
		}
		// Beta's admin: alpha's order does not exist.
		beta := h.signIn(h.consoleUser("beta", "admin@beta.example", coft.RoleAdmin, false))
		bp := beta.get("/console/beta/orders")
		for _, path := range []string{"/console/alpha/orders/rf1", "/console/beta/orders/rf1"} {
			if p := beta.get(path); p.status != http.StatusNotFound {
				t.Errorf("beta's admin GET %s: %d", path, p.status)
			}
			if p := beta.submit(path+"/refund", url.Values{"csrf": {bp.token()}, "amount": {"1.00"},
				"unique_request_id": {"console-beta"}}); p.status != http.StatusNotFound {
				t.Errorf("beta's admin refunds %s: %d", path, p.status)
			}
		}
		if rs, _ := h.db.ListRefunds(context.Background(), "alpha", "rf1"); len(rs) != 2 {
			t.Errorf("%d refunds, want 2", len(rs))
		}
	})
}

// TestConsoleRedeliver: a developer has a delivered webhook sent again;
// a viewer cannot; another merchant's event or order is not found.
func TestConsoleRedeliver(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	k := h.webhooks("alpha")
	h.paidWithConsent("alpha", h.keyA, "rd1", k)
	dev := h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false))
	p := dev.get("/console/alpha/orders/rd1")
	st := find(t, p.steps(), "Webhook ORDER_SUCCEEDED")
	if !st.redeliver {
		t.Fatal("a developer has no redeliver button")
	}
	id := strings.TrimPrefix(st.id, "event-")
	action, _ := p.doc.Find("#" + st.id + " form.redeliver").Attr("action")
	if action != "/console/alpha/orders/rd1/events/"+id+"/redeliver" {
		t.Fatalf("redeliver form posts to %q", action)
	}
	n := len(k.named(coft.EventOrderSucceeded))
	r := dev.submit(action, url.Values{"csrf": {p.token()}})
	if r.status != http.StatusSeeOther || r.location != "/console/alpha/orders/rd1?redelivered="+id+"#event-"+id {
		t.Fatalf("redeliver: %d %q", r.status, r.location)
	}
	waitFor(t, "the redelivery", func() bool { return len(k.named(coft.EventOrderSucceeded)) > n })
	waitFor(t, "the second delivery recorded", func() bool {
		_, attempts, err := h.db.FindEvent(context.Background(), "alpha", id)
		return err == nil && len(attempts) == 2
	})
	if st := find(t, dev.get("/console/alpha/orders/rd1").steps(), "Webhook ORDER_SUCCEEDED"); st.deliveries != 2 {
		t.Errorf("%d deliveries shown, want 2", st.deliveries)
	}

	viewer := h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))
	vp := viewer.get("/console/alpha/orders/rd1")
	if r := viewer.submit(action, url.Values{"csrf": {vp.token()}}); r.status != http.StatusForbidden {
		t.Errorf("a viewer redelivers: %d", r.status)
	}
	// Beta's order and event, asked for on alpha's console.
	hb := h.webhooks("beta")
	h.paidWithConsent("beta", h.keyB, "rd2", hb)
	hist, err := h.db.OrderHistory(context.Background(), "beta", "rd2")
	if err != nil {
		t.Fatal(err)
	}
	betaEvent := hist.Events[0].ID
	for _, path := range []string{"/console/alpha/orders/rd1/events/" + betaEvent + "/redeliver",
		"/console/alpha/orders/rd2/events/" + betaEvent + "/redeliver", "/console/alpha/orders/rd1/events/evt_V2_nope/redeliver"} {
		if r := dev.submit(path, url.Values{"csrf": {p.token()}}); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
	if p := dev.get("/console/alpha/orders/rd2"); p.status != http.StatusNotFound {
		t.Errorf("beta's order on alpha's console: %d", p.status)
	}
}

// TestConsoleDemoOrderTimeline: in the sandbox, an order paid to the demo
// merchant tells its whole story on the demo's console, open without
// signing in.
func TestConsoleDemoOrderTimeline(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	key := h.merchant("demo", true)
	k := h.webhooks("demo")
	h.paidWithConsent("demo", key, "demo1", k)
	p := h.browser(true).get("/console/demo/orders/demo1")
	if p.status != 200 || !strings.Contains(p.text(".badge"), "Sandbox demo") {
		t.Fatalf("demo console: %d %q", p.status, p.text(".badge"))
	}
	inOrder(t, p.steps(), "Order created", "Payment attempt 1 started", "Consent dialog shown",
		"Consent decided: agreed to save the card", "Bank step: one-time password verified", "Charged", "Card saved",
		"Network token asked for", "Network token issued", "Webhook TOKEN_CREATED", "Webhook ORDER_SUCCEEDED")
	// Another merchant's console stays closed.
	if p := h.browser(true).get("/console/alpha/orders/demo1"); p.status != http.StatusSeeOther {
		t.Errorf("alpha's console without signing in: %d", p.status)
	}
}
