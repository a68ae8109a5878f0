package console

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/payment"
)

// Causal ranks: steps stored at the same instant (one write records a
// charge, its card and its token INITIATED; a clock that does not move in
// tests records everything at once) are told in the order one caused the
// other. An attempt's steps rank from its number × rankAttempt.
const (
	rankAttempt       = 1000
	rankUnusedPage    = 100 // the base of a decision on the merchant's page no attempt used
	rankPageShown     = -40 // the dialog on the merchant's page comes before /txns
	rankPageDecided   = -30
	rankStarted       = 0
	rankCreatedHook   = 1
	rankDeclared      = 5
	rankShown         = 10
	rankDecided       = 20
	rankBank          = 30
	rankOutcome       = 40
	rankFailedHooks   = 45
	rankCard          = 50
	rankTokenAsked    = 60
	rankTokenActive   = 70
	rankTokenHook     = 75
	rankChargedHooks  = 80
	rankLifecycle     = 100 // + 3 for each token event
	rankWithdrawal    = 900 // when no token deletion goes with it
	rankRefunds       = 1 << 30
	rankUnknownEvents = 1<<30 - 1
)

type rankedStep struct {
	components.TimelineStep
	rank int
}

// story is the order's timeline being told.
type story struct {
	h         *coft.OrderHistory
	redeliver bool
	steps     []rankedStep
	cards     map[string]*coft.Card
	// eventRank is the rank of each event's webhook step, set as its cause
	// is told.
	eventRank map[string]int
}

// timeline tells an order's whole story from its history: created, each
// attempt (consent shown and decided, the bank step, charge or decline,
// card saved, network token INITIATED then ACTIVE and its later
// lifecycle), the webhooks sent with their delivery attempts, refunds.
// Steps are sorted by time; those at the same time in causal order.
// redeliver lets the viewer have webhooks sent again.
func timeline(h *coft.OrderHistory, redeliver bool) []components.TimelineStep {
	s := &story{h: h, redeliver: redeliver, cards: map[string]*coft.Card{}, eventRank: map[string]int{}}
	for _, c := range h.Cards {
		s.cards[c.Reference] = c
	}
	o := h.Order
	s.add(0, components.TimelineStep{ID: "created", Kind: "order", Title: "Order created", Time: o.CreatedAt,
		Facts: []components.Fact{{Label: "Amount", Value: coft.DisplayAmount(o.Amount)}}})
	for _, pc := range h.PageConsents {
		if pc.TxnUUID == "" {
			s.pageConsent(pc) // before any attempt: it was taken before /txns
		}
	}
	for _, t := range h.Txns {
		s.attempt(t)
	}
	s.refunds()
	s.webhooks()
	for i := range s.steps { // the order comes first, whatever a clock said
		s.steps[i].Time = notBefore(s.steps[i].Time, o.CreatedAt)
	}
	sort.SliceStable(s.steps, func(i, j int) bool {
		a, b := s.steps[i], s.steps[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.rank < b.rank
	})
	out := make([]components.TimelineStep, len(s.steps))
	for i, st := range s.steps {
		st.At = st.Time.In(india).Format("2 Jan 2006, 15:04:05")
		out[i] = st.TimelineStep
	}
	return out
}

func (s *story) add(rank int, st components.TimelineStep) {
	s.steps = append(s.steps, rankedStep{st, rank})
}

// pageConsent tells a decision taken in the dialog on the merchant's page
// that no payment used.
func (s *story) pageConsent(pc *coft.PageConsent) {
	c := &coft.Consent{ID: pc.ID, Decision: pc.Decision, TextID: pc.TextID, Locale: pc.Locale,
		Channel: coft.ChannelMerchantPage, ShownAt: pc.ShownAt, DecidedAt: pc.DecidedAt, TooFast: pc.TooFast}
	s.consent(rankUnusedPage, c, pc, s.h.Order.CreatedAt, "Not used for a payment")
}

// attempt tells one payment attempt, from its start to its token's
// lifecycle.
func (s *story) attempt(t *coft.Txn) {
	base := t.Attempt * rankAttempt
	id := "attempt-" + strconv.Itoa(t.Attempt)
	started := components.TimelineStep{ID: id, Kind: "attempt", Title: "Payment attempt " + strconv.Itoa(t.Attempt) + " started",
		Time: t.CreatedAt, Facts: []components.Fact{
			{Label: "Transaction", Value: t.ID},
			{Label: "Card", Value: maskedCard(t.Brand, t.Last4)},
			{Label: "Card used", Value: cardUsed(t)},
			{Label: "tokenize", Value: tokenizeChoice(t)},
			{Label: "Save to locker", Value: yesNo(t.SaveToLocker)},
		}}
	if !t.Done() {
		started.Status = string(t.Status)
	}
	s.add(base+rankStarted, started)
	s.eventRanks(t.UUID, map[string]int{coft.EventTxnCreated: base + rankCreatedHook,
		coft.EventTxnFailed: base + rankFailedHooks, coft.EventOrderFailed: base + rankFailedHooks + 1,
		coft.EventTxnCharged: base + rankChargedHooks, coft.EventOrderSucceeded: base + rankChargedHooks + 1})

	for _, c := range s.h.Consents {
		if c.TxnUUID != t.UUID {
			continue
		}
		var pc *coft.PageConsent
		if c.Channel == coft.ChannelMerchantPage {
			for _, p := range s.h.PageConsents {
				if p.TxnUUID == t.UUID {
					pc = p
				}
			}
		}
		// The service's own pages are served for the attempt; the
		// merchant's, for the order (its client token).
		after := t.CreatedAt
		if pc != nil {
			after = s.h.Order.CreatedAt
		}
		s.consent(base, c, pc, after, "")
	}

	answered := s.answeredAt(t)
	s.bank(base, id, t, answered)
	switch t.Status {
	case coft.StatusCharged:
		s.add(base+rankOutcome, components.TimelineStep{ID: id + "-charged", Kind: "charge", Title: "Charged",
			Status: string(t.Status), Time: answered, Facts: []components.Fact{
				{Label: "Amount", Value: coft.DisplayAmount(t.Amount)},
				{Label: "Bank's response code", Value: orNone(t.RespCode)},
				{Label: "Bank's response message", Value: orNone(t.RespMessage)},
			}})
		s.card(base, id, t, answered)
	case coft.StatusAuthorizationFailed:
		s.add(base+rankOutcome, components.TimelineStep{ID: id + "-declined", Kind: "decline", Title: "Declined by the bank",
			Status: string(t.Status), Time: answered, Facts: []components.Fact{
				{Label: "Bank's response code", Value: orNone(t.RespCode)},
				{Label: "Bank's response message", Value: orNone(t.RespMessage)},
			}})
	case coft.StatusJuspayDeclined:
		s.add(base+rankOutcome, components.TimelineStep{ID: id + "-declined", Kind: "decline", Title: "Payment declined",
			Status: string(t.Status), Time: answered, Facts: []components.Fact{
				{Label: "Error code", Value: orNone(t.ErrorCode)}, {Label: "Error message", Value: orNone(t.ErrorMessage)},
			}})
	}
}

// answeredAt is when the attempt's bank answer was recorded, as closely as
// the history tells: the earliest of what that write (or a later one)
// stored. A charge is written with the card and its token INITIATED; its
// events come with the card work's end; a failure's events with it.
func (s *story) answeredAt(t *coft.Txn) time.Time {
	at := t.UpdatedAt
	earlier := func(x time.Time) {
		if !x.IsZero() && !x.Before(t.CreatedAt) && x.Before(at) {
			at = x
		}
	}
	for _, e := range s.h.Events {
		if e.TxnUUID == t.UUID && (e.Name == coft.EventTxnCharged || e.Name == coft.EventTxnFailed) {
			earlier(e.CreatedAt)
		}
	}
	if c := s.cards[t.CardReference]; c != nil && t.Status == coft.StatusCharged && !t.UsingSavedCard {
		earlier(c.CreatedAt)
		if c.Token != nil {
			earlier(c.Token.CreatedAt)
		}
	}
	return at
}

// consent tells a decision: the dialog shown (when known), then the
// decision, with its evidence. pc, when not nil, is the decision taken on
// the merchant's page that the record carries (its own times: the record
// was written when the payment started). The steps are placed no earlier
// than after, which caused them: a dialog's showing is recorded to the
// second below (the form token carries it), so it can read as before the
// attempt that served it.
func (s *story) consent(base int, c *coft.Consent, pc *coft.PageConsent, after time.Time, note string) {
	shown, decided, tooFast := c.ShownAt, c.DecidedAt, c.TooFast
	rankShow, rankDecide := base+rankShown, base+rankDecided
	channel := channelName(c.Channel)
	var facts []components.Fact
	text := []components.Fact{{Label: "Text version", Value: orNone(c.TextID)}, {Label: "Language", Value: orNone(c.Locale)},
		{Label: "Channel", Value: channel}}
	if pc != nil {
		shown, decided, tooFast = pc.ShownAt, pc.DecidedAt, pc.TooFast
		rankShow, rankDecide = base+rankPageShown, base+rankPageDecided
		text = append(text, components.Fact{Label: "Merchant's page", Value: orNone(pc.Origin)})
	}
	if c.Channel == coft.ChannelMerchantDeclared {
		s.add(base+rankDeclared, components.TimelineStep{ID: "consent-" + c.ID, Kind: "consent",
			Title: "The merchant declared the customer's decision: tokenize=" + strconv.FormatBool(c.Decision),
			Time:  decided, Facts: []components.Fact{{Label: "Channel", Value: channel}, {Label: "Evidence record", Value: c.ID}}})
		return
	}
	if !shown.IsZero() {
		s.add(rankShow, components.TimelineStep{ID: "consent-" + c.ID + "-shown", Kind: "consent", Title: "Consent dialog shown",
			Time: notBefore(shown, after), Facts: text})
	}
	title := "Consent decided: declined to save the card"
	if c.Decision {
		title = "Consent decided: agreed to save the card"
	}
	facts = append(facts, components.Fact{Label: "Decision", Value: map[bool]string{true: "Agreed", false: "Declined"}[c.Decision]})
	facts = append(facts, text...)
	facts = append(facts, components.Fact{Label: "Time to decide", Value: timeToDecide(shown, decided)},
		components.Fact{Label: "Too fast", Value: tooFastText(tooFast), Warn: tooFast},
		components.Fact{Label: "Evidence record", Value: c.ID})
	if pc != nil && pc.ID != c.ID {
		facts = append(facts, components.Fact{Label: "Decision on the merchant's page", Value: pc.ID})
	}
	if note != "" {
		facts = append(facts, components.Fact{Label: "Note", Value: note})
	}
	s.add(rankDecide, components.TimelineStep{ID: "consent-" + c.ID, Kind: "consent", Title: title, Time: notBefore(decided, after), Facts: facts})
}

// notBefore is t, or after when t is earlier.
func notBefore(t, after time.Time) time.Time {
	if t.Before(after) {
		return after
	}
	return t
}

// bank tells the attempt's bank step: the one-time password checked,
// failed or the payment cancelled (or never reached).
func (s *story) bank(base int, id string, t *coft.Txn, answered time.Time) {
	st := components.TimelineStep{ID: id + "-bank", Kind: "bank", Time: answered}
	wrong := components.Fact{Label: "Wrong one-time passwords", Value: strconv.Itoa(t.OTPAttempts)}
	switch {
	case t.Status == coft.StatusCharged || t.Status == coft.StatusAuthorizationFailed || t.Status == coft.StatusAuthorizing:
		st.Title = "Bank step: one-time password verified"
		if t.OTPAttempts > 0 {
			st.Facts = append(st.Facts, wrong)
		}
		if t.Status == coft.StatusAuthorizing {
			st.Status, st.Facts = string(t.Status), append(st.Facts, components.Fact{Label: "Bank's answer", Value: "Waiting"})
		}
	case t.Status == coft.StatusAuthenticationFailed:
		st.Status = string(t.Status)
		switch {
		case t.ErrorMessage == payment.AbandonedMessage:
			st.Title = "Bank step not completed in time"
		case t.AuthStarted && t.OTPAttempts >= payment.MaxOTPAttempts:
			st.Title = "Bank step: one-time password failed"
		case t.AuthStarted:
			st.Title = "Bank step: cancelled by the customer"
		default:
			st.Title = "Ended before the bank step"
		}
		if t.OTPAttempts > 0 {
			st.Facts = append(st.Facts, wrong)
		}
		st.Facts = append(st.Facts, components.Fact{Label: "Error code", Value: orNone(t.ErrorCode)},
			components.Fact{Label: "Error message", Value: orNone(t.ErrorMessage)})
	case t.AuthStarted:
		st.Title, st.Status = "Bank step: waiting for the one-time password", string(t.Status)
		st.Facts = append(st.Facts, wrong)
	default:
		return
	}
	s.add(base+rankBank, st)
}

// card tells what a charged attempt did with its card: saved, its network
// token asked for (INITIATED) and issued (ACTIVE) or refused, and the
// token's life since, until the customer withdrew consent.
func (s *story) card(base int, id string, t *coft.Txn, answered time.Time) {
	c := s.cards[t.CardReference]
	var withdrawal *coft.Withdrawal
	for _, w := range s.h.Withdrawals {
		if w.CardReference == t.CardReference {
			withdrawal = w
		}
	}
	savedHere := t.CardReference != "" && !t.UsingSavedCard &&
		(c != nil && !c.CreatedAt.Before(t.CreatedAt) || c == nil && (withdrawal != nil || t.TokenReference != ""))
	if savedHere {
		at := answered
		if c != nil {
			at = c.CreatedAt
		}
		s.add(base+rankCard, components.TimelineStep{ID: id + "-card", Kind: "card", Title: "Card saved", Time: at,
			Facts: []components.Fact{{Label: "Card", Value: maskedCard(t.Brand, t.Last4)},
				{Label: "Card reference", Value: t.CardReference},
				{Label: "Customer", Value: orNone(t.CustomerID)},
				{Label: "Card number kept (save_to_locker)", Value: yesNo(t.SaveToLocker)}}})
	}

	ref := t.TokenReference
	var tok *coft.NetworkToken
	if c != nil && c.Token != nil && (ref == "" && savedHere && c.Token.Status == coft.TokenInitiated || ref != "" && c.Token.Reference == ref) {
		tok, ref = c.Token, c.Token.Reference
	}
	var created *coft.Event
	for _, e := range s.h.Events {
		if e.Name == coft.EventTokenCreated && e.Token != nil && ref != "" && e.Token.Reference == ref {
			created = e
			break
		}
	}
	if ref != "" {
		asked := answered
		switch {
		case tok != nil && !tok.CreatedAt.IsZero():
			asked = tok.CreatedAt
		case created != nil:
			asked = created.CreatedAt
		}
		provider := t.Brand
		if tok != nil && tok.Provider != "" {
			provider = tok.Provider
		}
		s.add(base+rankTokenAsked, components.TimelineStep{ID: id + "-token-initiated", Kind: "token",
			Title: "Network token asked for", Status: coft.TokenInitiated, Time: asked,
			Facts: []components.Fact{{Label: "Token reference", Value: ref}, {Label: "Network", Value: coft.BrandName(provider)}}})
		activeAt, active := time.Time{}, created != nil
		var shown *coft.NetworkToken
		if created != nil {
			activeAt, shown = created.CreatedAt, created.Token
		} else if tok != nil && tok.Status != coft.TokenInitiated {
			activeAt, active, shown = asked, true, tok // its event is gone (pruned): its time is not known better
		}
		if active {
			s.add(base+rankTokenActive, components.TimelineStep{ID: id + "-token-active", Kind: "token",
				Title: "Network token issued", Status: coft.TokenActive, Time: activeAt, Facts: tokenFacts(ref, shown)})
		}
		if created != nil {
			s.eventRank[created.ID] = base + rankTokenHook
		}
		s.lifecycle(base, ref, created)
	}
	if t.TokenError != "" {
		s.add(base+rankTokenActive, components.TimelineStep{ID: id + "-token-error", Kind: "token", Title: "Not tokenized",
			Time: answered, Facts: []components.Fact{{Label: "Why", Value: t.TokenError}}})
	}
	if withdrawal != nil && (savedHere || t.TokenReference != "") {
		rank := base + rankWithdrawal
		for _, st := range s.steps {
			if st.ID == "token-deleted-"+withdrawal.TokenReference && st.Time.Equal(withdrawal.At) {
				rank = st.rank - 1
			}
		}
		facts := []components.Fact{{Label: "Channel", Value: channelName(withdrawal.Channel)},
			{Label: "Card reference", Value: withdrawal.CardReference}, {Label: "Evidence record", Value: withdrawal.ID}}
		if withdrawal.TokenReference != "" {
			facts = append(facts, components.Fact{Label: "Token reference", Value: withdrawal.TokenReference})
		}
		s.add(rank, components.TimelineStep{ID: "withdrawal-" + withdrawal.ID, Kind: "withdrawal",
			Title: "Consent withdrawn: card removed", Time: withdrawal.At, Facts: facts})
	}
}

// lifecycle tells a token's changes after it was issued, from its events:
// suspended, resumed, deactivated, replaced (the card reissued), deleted.
func (s *story) lifecycle(base int, ref string, created *coft.Event) {
	status := coft.TokenActive
	i := 0
	for _, e := range s.h.Events {
		if e.Token == nil || e.Token.Reference != ref || e == created || e.Name == coft.EventTokenCreated {
			continue
		}
		rank := base + rankLifecycle + 3*i
		i++
		st := components.TimelineStep{ID: "token-" + e.ID, Kind: "token", Time: e.CreatedAt, Status: e.Token.Status,
			Facts: tokenFacts(ref, e.Token)}
		switch e.Name {
		case coft.EventTokenStatusUpdated:
			switch {
			case e.Token.Status == coft.TokenSuspended:
				st.Title = "Network token suspended"
			case e.Token.Status == coft.TokenActive && status == coft.TokenSuspended:
				st.Title = "Network token resumed"
			case e.Token.Status == coft.TokenInactive:
				st.Title = "Network token deactivated"
			default:
				st.Title = "Network token's status changed"
			}
			status = e.Token.Status
		case coft.EventTokenUpdated:
			st.Title = "Network token updated: the card was reissued"
		case coft.EventTokenDeleted:
			st.ID, st.Title, st.Status = "token-deleted-"+ref, "Network token deleted", "DELETED"
		default:
			st.Title = e.Name
		}
		s.add(rank, st)
		s.eventRank[e.ID] = rank + 1
	}
}

// refunds tells the order's refunds, each with the gateway's answer.
func (s *story) refunds() {
	n := map[string]int{} // refund events matched, by name
	for i, r := range s.h.Refunds {
		rank := rankRefunds + 10*i
		title := "Refund of " + coft.DisplayAmount(r.Amount)
		if r.Auto {
			title = "Automatic refund of " + coft.DisplayAmount(r.Amount) + " (the card check)"
		}
		facts := []components.Fact{{Label: "Amount", Value: coft.DisplayAmount(r.Amount)},
			{Label: "unique_request_id", Value: r.UniqueRequestID}, {Label: "Refund id", Value: r.ID}}
		if r.Status != coft.RefundPending {
			facts = append(facts, components.Fact{Label: "Gateway's answer", Value: orNone(joinNonEmpty(r.ErrorCode, r.ErrorMessage))},
				components.Fact{Label: "Answered", Value: r.UpdatedAt.In(india).Format("2 Jan 2006, 15:04:05")})
		}
		if r.GatewayRef != "" {
			facts = append(facts, components.Fact{Label: "Gateway's reference", Value: r.GatewayRef})
		}
		s.add(rank, components.TimelineStep{ID: "refund-" + r.ID, Kind: "refund", Title: title, Status: r.Status,
			Time: r.CreatedAt, Facts: facts})
		if r.Status != coft.RefundSuccess {
			continue
		}
		// Its event: the next unmatched one of its name (one per success).
		name := coft.EventOrderRefunded
		if r.Auto {
			name = coft.EventAutoRefundSucceeded
		}
		k := 0
		for _, e := range s.h.Events {
			if e.Name != name {
				continue
			}
			if k == n[name] {
				s.eventRank[e.ID] = rank + 5
				break
			}
			k++
		}
		n[name]++
	}
}

// webhooks tells each event sent to the merchant, with its delivery
// attempts, right after what caused it.
func (s *story) webhooks() {
	for _, e := range s.h.Events {
		rank, ok := s.eventRank[e.ID]
		if !ok {
			rank = rankUnknownEvents
		}
		st := components.TimelineStep{ID: "event-" + e.ID, Kind: "webhook", Title: "Webhook " + e.Name, Time: e.CreatedAt,
			Status: e.Status, EventID: e.ID, Redeliver: s.redeliver,
			Facts: []components.Fact{{Label: "Event id", Value: e.ID}, {Label: "Delivery", Value: deliveryText(e.Status)},
				{Label: "Tries", Value: strconv.Itoa(e.Attempts)}}}
		if e.LastError != "" {
			st.Facts = append(st.Facts, components.Fact{Label: "Last error", Value: e.LastError, Warn: true})
		}
		for _, a := range s.h.Deliveries[e.ID] {
			status := "no answer"
			if a.HTTPStatus != 0 {
				status = strconv.Itoa(a.HTTPStatus)
			}
			st.Deliveries = append(st.Deliveries, components.Delivery{N: a.N, At: a.At.In(india).Format("2 Jan 2006, 15:04:05"),
				Status: status, Error: orNone(a.Error), Took: took(a.Duration)})
		}
		s.add(rank, st)
	}
}

// eventRanks ranks the webhook steps of an attempt's events by name.
func (s *story) eventRanks(txnUUID string, ranks map[string]int) {
	for _, e := range s.h.Events {
		if r, ok := ranks[e.Name]; ok && e.TxnUUID == txnUUID {
			s.eventRank[e.ID] = r
		}
	}
}

func tokenFacts(ref string, t *coft.NetworkToken) []components.Fact {
	facts := []components.Fact{{Label: "Token reference", Value: ref}}
	if t == nil {
		return facts
	}
	if t.Provider != "" {
		facts = append(facts, components.Fact{Label: "Network", Value: coft.BrandName(t.Provider)})
	}
	if t.ExpMonth != "" {
		facts = append(facts, components.Fact{Label: "Token expiry", Value: t.ExpMonth + "/" + t.ExpYear})
	}
	return facts
}

// maskedCard is how the console names a card: its network and last four
// digits, nothing more.
func maskedCard(brand, last4 string) string {
	if brand == "" {
		return "•••• " + last4
	}
	return coft.BrandName(brand) + " •••• " + last4
}

func cardUsed(t *coft.Txn) string {
	switch {
	case t.UsingToken:
		return "A saved card, paid with its network token"
	case t.UsingSavedCard:
		return "A saved card"
	}
	return "A new card"
}

func tokenizeChoice(t *coft.Txn) string {
	switch t.Tokenize {
	case coft.TokenizeTrue:
		return "true: the customer consented on the merchant's page"
	case coft.TokenizeFalse:
		return "false: never tokenize"
	}
	if t.ConsentAsked {
		return "not sent: the customer is asked on the hosted consent page"
	}
	return "not sent: the customer is not asked"
}

// timeToDecide is decided − shown, for people; "Not known" when the
// dialog's showing was not recorded.
func timeToDecide(shown, decided time.Time) string {
	if shown.IsZero() || decided.Before(shown) {
		return "Not known"
	}
	d := decided.Sub(shown)
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
}

func tooFastText(tooFast bool) string {
	if tooFast {
		return "Yes: decided less than " + coft.MinDecisionTime.String() + " after the dialog was shown"
	}
	return "No"
}

func deliveryText(status string) string {
	switch status {
	case coft.DeliveryDelivered:
		return "Delivered"
	case coft.DeliveryPending:
		return "Waiting to be sent"
	case coft.DeliveryFailed:
		return "Failed: every try of the schedule failed"
	case coft.DeliveryNoURL:
		return "Not sent: the merchant has no webhook URL"
	}
	return status
}

// took is how long a delivery attempt took, for people.
func took(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}
