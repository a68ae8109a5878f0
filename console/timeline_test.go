package console

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func stepTitles(steps []components.TimelineStep) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Title)
	}
	return out
}

// paidWithConsent is the history of an order paid with consent on the
// hosted page, its card saved and tokenized, each event delivered, every
// step stored at the instant at (a clock that does not move) or, with
// step, a moment apart.
func paidWithConsent(at time.Time, step time.Duration) *coft.OrderHistory {
	next := func() time.Time { at = at.Add(step); return at }
	yes := true
	o := &coft.Order{MerchantID: "m", OrderID: "o1", Amount: 125000, Status: coft.StatusCharged, CustomerID: "cst_1", CreatedAt: at}
	started := next()
	shown, decided := next(), next()
	charged := next()
	active := next()
	tok := &coft.NetworkToken{Reference: "tok1", Status: coft.TokenActive, Provider: coft.BrandVisa, ExpMonth: "11",
		ExpYear: "2029", CreatedAt: charged}
	t := &coft.Txn{UUID: "u1", ID: "m-o1-1", MerchantID: "m", OrderID: "o1", Attempt: 1, Amount: 125000,
		Status: coft.StatusCharged, CustomerID: "cst_1", CardReference: "card1", ISIN: "424242", Last4: "4242",
		Brand: coft.BrandVisa, ConsentAsked: true, Consent: &yes, AuthStarted: true, RespCode: "00",
		RespMessage: "Approved", TokenReference: "tok1", CardDone: true, CreatedAt: started, UpdatedAt: active}
	ev := func(id, name string, at time.Time, tok *coft.NetworkToken) *coft.Event {
		e := &coft.Event{ID: id, MerchantID: "m", Name: name, Status: coft.DeliveryDelivered, Attempts: 1, CreatedAt: at}
		if tok == nil {
			e.OrderID, e.TxnUUID = "o1", "u1"
		} else {
			e.Token, e.CardRef = tok, "card1"
		}
		return e
	}
	h := &coft.OrderHistory{Order: o, Txns: []*coft.Txn{t},
		Consents: []*coft.Consent{{ID: "cns_1", TxnUUID: "u1", Decision: true, TextID: "tokenize-en-v1", Locale: "en",
			Channel: coft.ChannelHostedPage, ShownAt: shown, DecidedAt: decided, TooFast: decided.Sub(shown) < time.Second}},
		Cards: []*coft.Card{{Reference: "card1", CustomerID: "cst_1", Last4: "4242", Brand: coft.BrandVisa,
			Token: tok, CreatedAt: charged}},
		Events: []*coft.Event{ev("evt_a", coft.EventTxnCreated, started, nil),
			ev("evt_b", coft.EventTokenCreated, active, tok),
			ev("evt_c", coft.EventTxnCharged, active, nil), ev("evt_d", coft.EventOrderSucceeded, active, nil)},
		Deliveries: map[string][]*coft.DeliveryAttempt{}}
	for _, e := range h.Events {
		h.Deliveries[e.ID] = []*coft.DeliveryAttempt{{EventID: e.ID, N: 1, At: e.CreatedAt, HTTPStatus: 200}}
	}
	return h
}

var paidStory = []string{"Order created", "Payment attempt 1 started", "Webhook TXN_CREATED", "Consent dialog shown",
	"Consent decided: agreed to save the card", "Bank step: one-time password verified", "Charged", "Card saved",
	"Network token asked for", "Network token issued", "Webhook TOKEN_CREATED", "Webhook TXN_CHARGED",
	"Webhook ORDER_SUCCEEDED"}

// TestTimelinePaidWithConsent: the steps come in time order; those stored
// at the same instant in causal order, whatever order the store read the
// events in.
func TestTimelinePaidWithConsent(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration
	}{{"one instant", 0}, {"a moment apart", 1500 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			h := paidWithConsent(t0, tc.step)
			got := stepTitles(timeline(h, true))
			if !slices.Equal(got, paidStory) {
				t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(paidStory, "\n"))
			}
			slices.Reverse(h.Events)
			if got := stepTitles(timeline(h, true)); !slices.Equal(got, paidStory) {
				t.Fatalf("with the events read the other way round:\n%s", strings.Join(got, "\n"))
			}
		})
	}
	steps := timeline(paidWithConsent(t0, 1500*time.Millisecond), false)
	for i := 1; i < len(steps); i++ {
		if steps[i].Time.Before(steps[i-1].Time) {
			t.Errorf("%q at %v comes after %q at %v", steps[i].Title, steps[i].Time, steps[i-1].Title, steps[i-1].Time)
		}
	}
	decided := steps[4]
	facts := map[string]components.Fact{}
	for _, f := range decided.Facts {
		facts[f.Label] = f
	}
	if facts["Time to decide"].Value != "1.5 s" || facts["Too fast"].Value != "No" || facts["Text version"].Value != "tokenize-en-v1" ||
		facts["Channel"].Value != "The service's consent page (HOSTED_PAGE)" || facts["Evidence record"].Value != "cns_1" {
		t.Errorf("decision facts: %+v", decided.Facts)
	}
	if steps[0].At != "22 Nov 2026, 15:30:00" {
		t.Errorf("time shown %q, want India's", steps[0].At)
	}
	for _, s := range steps {
		if s.Redeliver {
			t.Errorf("%s: a redeliver button for a viewer without the permission", s.Title)
		}
		for _, f := range s.Facts {
			if strings.Contains(f.Value, "424242") {
				t.Errorf("%s shows the card's first digits: %s", s.Title, f.Value)
			}
		}
	}
	// Decided at the instant shown: flagged.
	fast := paidWithConsent(t0, 0)
	for _, s := range timeline(fast, true) {
		for _, f := range s.Facts {
			if f.Label == "Too fast" && (!f.Warn || !strings.HasPrefix(f.Value, "Yes")) {
				t.Errorf("a decision taken at once: %+v", f)
			}
		}
	}
}

// TestTimelineLifecycle: the token's later life (suspended, resumed,
// the card reissued, the consent withdrawn and the token deleted) follows
// its issue, each with its webhook; a refund comes last with its own.
func TestTimelineLifecycle(t *testing.T) {
	h := paidWithConsent(t0, 0)
	later := t0.Add(time.Hour)
	tok := func(status string) *coft.NetworkToken {
		return &coft.NetworkToken{Reference: "tok1", Status: status, Provider: coft.BrandVisa}
	}
	add := func(id, name string, at time.Time, tk *coft.NetworkToken) {
		e := &coft.Event{ID: id, Name: name, Status: coft.DeliveryFailed, Attempts: 2, LastError: "HTTP 500", CreatedAt: at, Token: tk}
		if tk == nil {
			e.OrderID = "o1"
		}
		h.Events = append(h.Events, e)
	}
	add("evt_s", coft.EventTokenStatusUpdated, later, tok(coft.TokenSuspended))
	add("evt_r", coft.EventTokenStatusUpdated, later, tok(coft.TokenActive))
	add("evt_u", coft.EventTokenUpdated, later, tok(coft.TokenActive))
	add("evt_x", coft.EventTokenDeleted, later, tok(coft.TokenActive))
	h.Withdrawals = []*coft.Withdrawal{{ID: "wdr_1", CardReference: "card1", TokenReference: "tok1",
		Channel: coft.ChannelManagementPage, At: later}}
	h.Cards = nil // removed
	h.Refunds = []*coft.Refund{{ID: "rfd_1", OrderID: "o1", UniqueRequestID: "console-1", Amount: 10000,
		Status: coft.RefundSuccess, CreatedAt: later, UpdatedAt: later}}
	add("evt_f", coft.EventOrderRefunded, later, nil)
	got := stepTitles(timeline(h, true))
	want := append(slices.Clone(paidStory), "Network token suspended", "Webhook TOKEN_STATUS_UPDATED",
		"Network token resumed", "Webhook TOKEN_STATUS_UPDATED", "Network token updated: the card was reissued",
		"Webhook TOKEN_UPDATED", "Consent withdrawn: card removed", "Network token deleted", "Webhook TOKEN_DELETED",
		"Refund of ₹100.00", "Webhook ORDER_REFUNDED")
	if !slices.Equal(got, want) {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range timeline(h, true) {
		if s.Title == "Webhook TOKEN_DELETED" && (s.Status != coft.DeliveryFailed || !s.Redeliver) {
			t.Errorf("failed webhook: %+v", s)
		}
	}
}

// TestTimelineDeclined: an attempt cancelled at the bank, then one the
// bank declines; neither saves a card.
func TestTimelineDeclined(t *testing.T) {
	o := &coft.Order{OrderID: "o2", Amount: 5000, Status: coft.StatusAuthorizationFailed, CreatedAt: t0}
	h := &coft.OrderHistory{Order: o, Txns: []*coft.Txn{
		{UUID: "u1", Attempt: 1, Status: coft.StatusAuthenticationFailed, AuthStarted: true, Brand: coft.BrandVisa,
			Last4: "4242", ErrorCode: "AUTHENTICATION_FAILED", ErrorMessage: "The customer cancelled the payment.",
			CreatedAt: t0, UpdatedAt: t0},
		{UUID: "u2", Attempt: 2, Status: coft.StatusAuthorizationFailed, AuthStarted: true, OTPAttempts: 1,
			Brand: coft.BrandMastercard, Last4: "0059", RespCode: "05", RespMessage: "Do not honour", CreatedAt: t0, UpdatedAt: t0},
	}}
	// All at one instant, read in no useful order.
	for _, n := range []string{coft.EventTxnFailed, coft.EventOrderFailed, coft.EventTxnCreated} {
		for _, u := range []string{"u2", "u1"} {
			h.Events = append(h.Events, &coft.Event{ID: "evt_" + u + n, Name: n, TxnUUID: u, OrderID: "o2",
				Status: coft.DeliveryNoURL, CreatedAt: t0})
		}
	}
	want := []string{"Order created", "Payment attempt 1 started", "Webhook TXN_CREATED", "Bank step: cancelled by the customer",
		"Webhook TXN_FAILED", "Webhook ORDER_FAILED", "Payment attempt 2 started", "Webhook TXN_CREATED",
		"Bank step: one-time password verified", "Declined by the bank", "Webhook TXN_FAILED", "Webhook ORDER_FAILED"}
	steps := timeline(h, false)
	if got := stepTitles(steps); !slices.Equal(got, want) {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range steps {
		if s.Title == "Declined by the bank" && (s.Status != "AUTHORIZATION_FAILED" || s.Facts[0].Value != "05" || s.Facts[1].Value != "Do not honour") {
			t.Errorf("decline: %+v", s)
		}
		if s.Title == "Payment attempt 2 started" && s.Facts[1].Value != "Mastercard •••• 0059" {
			t.Errorf("card: %+v", s.Facts)
		}
	}
}

// TestTimelineMerchantPage: a decision taken in the dialog on the
// merchant's page comes before the attempt that used it, with its own
// times; one no attempt used is told too.
func TestTimelineMerchantPage(t *testing.T) {
	yes := true
	o := &coft.Order{OrderID: "o3", Amount: 5000, Status: coft.StatusPendingVBV, CreatedAt: t0}
	shown, decided, started := t0.Add(time.Second), t0.Add(5*time.Second), t0.Add(6*time.Second)
	h := &coft.OrderHistory{Order: o,
		Txns: []*coft.Txn{{UUID: "u1", Attempt: 1, Status: coft.StatusPendingVBV, Tokenize: coft.TokenizeTrue, Consent: &yes,
			Brand: coft.BrandRuPay, Last4: "1111", CreatedAt: started, UpdatedAt: started}},
		Consents: []*coft.Consent{{ID: "cns_1", TxnUUID: "u1", Decision: true, TextID: "tokenize-hi-v1", Locale: "hi",
			Channel: coft.ChannelMerchantPage, ShownAt: shown, DecidedAt: started}},
		PageConsents: []*coft.PageConsent{
			{ID: "pcn_0", OrderID: "o3", Decision: false, TextID: "tokenize-en-v1", Locale: "en", Origin: "https://shop.example",
				ShownAt: t0, DecidedAt: t0.Add(200 * time.Millisecond), TooFast: true},
			{ID: "pcn_1", OrderID: "o3", Decision: true, TextID: "tokenize-hi-v1", Locale: "hi", Origin: "https://shop.example",
				ShownAt: shown, DecidedAt: decided, TxnUUID: "u1"}}}
	want := []string{"Order created", "Consent dialog shown", "Consent decided: declined to save the card",
		"Consent dialog shown", "Consent decided: agreed to save the card", "Payment attempt 1 started"}
	steps := timeline(h, false)
	if got := stepTitles(steps); !slices.Equal(got, want) {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	facts := map[string]string{}
	for _, f := range steps[4].Facts {
		facts[f.Label] = f.Value
	}
	if facts["Time to decide"] != "4.0 s" || facts["Channel"] != "The dialog in the merchant's page (MERCHANT_PAGE)" ||
		facts["Merchant's page"] != "https://shop.example" || facts["Language"] != "hi" ||
		facts["Decision on the merchant's page"] != "pcn_1" {
		t.Errorf("decision: %v", facts)
	}
	if steps[1].Facts[3].Value != "https://shop.example" || steps[5].Status != "PENDING_VBV" {
		t.Errorf("unused decision %v; attempt status %q", steps[1].Facts, steps[5].Status)
	}
}

// TestTimelineShownToTheSecond: the hosted dialog's showing is recorded to
// the second below (its form token carries it), so it can precede the
// attempt that served it, even the order; it is still told after them.
func TestTimelineShownToTheSecond(t *testing.T) {
	h := paidWithConsent(t0.Add(700*time.Millisecond), 100*time.Millisecond)
	h.Consents[0].ShownAt = t0
	if got := stepTitles(timeline(h, true)); !slices.Equal(got, paidStory) {
		t.Fatalf("timeline:\n%s", strings.Join(got, "\n"))
	}
}
