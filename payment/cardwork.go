package payment

import (
	"context"
	"errors"
	"time"

	"github.com/coftkit/coft"
)

// exclusive runs work on the payment unless this process is already at
// it: one authorization or card work per payment at a time (the
// reconciler may pick a payment whose request is still at it, and the two
// at once provisioned two network tokens, kept one and announced the other
// with TOKEN_CREATED: the crash suite found it). Without wait (the
// reconciler) a busy payment is left as it is; with it (a request) the
// second waits for the first, then works on the payment as stored then;
// t must be the payment as stored when no other was at it. Across
// instances, the reconciler's delay keeps it from card work a request is
// still doing, and the writes are conditional: a charge is recorded only
// on an AUTHORIZING payment, card work only on an unfinished one.
func (s *Service) exclusive(ctx context.Context, t *coft.Txn, wait bool, work func(*coft.Txn) *coft.Txn) *coft.Txn {
	done := make(chan struct{})
	waited := false
	for {
		busy, running := s.busy.LoadOrStore(t.UUID, done)
		if !running {
			break
		}
		if !wait {
			return t
		}
		waited = true
		select {
		case <-busy.(chan struct{}):
		case <-ctx.Done():
			return t // left for the reconciler
		}
	}
	defer func() { s.busy.Delete(t.UUID); close(done) }()
	if !waited {
		return work(t)
	}
	cur, err := s.Store.FindTxn(ctx, t.MerchantID, t.UUID) // the copy predates the work just finished
	if err != nil {
		return t // left for the reconciler
	}
	return work(cur)
}

// FinishCharges is the reconciler: it finishes payments a crash
// interrupted (last changed before before): a payment left AUTHORIZING is
// authorized (the bank's authorization is idempotent), and a charged one's
// card work is done: the card saved and tokenized as its consent said, the
// number erased. It also ends the payments their customers abandoned
// (PENDING_VBV past AuthWindow, and last changed before before) as
// AUTHENTICATION_FAILED, their card numbers erased. Payments are claimed,
// so that several instances share the work and never both do one
// payment's. It returns how many payments it finished or ended.
func (s *Service) FinishCharges(ctx context.Context, before time.Time) (int, error) {
	n, err := s.endAbandoned(ctx, before)
	if err != nil {
		return n, err
	}
	txns, err := s.Store.UnfinishedCharges(ctx, before, 100)
	if err != nil {
		return n, err
	}
	for _, t := range txns {
		m, err := s.Store.FindMerchantByID(ctx, t.MerchantID)
		if err != nil {
			return n, err
		}
		ran := false
		done := s.exclusive(ctx, t, false, func(cur *coft.Txn) *coft.Txn {
			switch {
			case cur.Status == coft.StatusAuthorizing:
				ran = true
				return s.authorize(ctx, m, cur)
			case cur.Status == coft.StatusCharged && !cur.CardDone:
				ran = true
				return s.finishCardWork(ctx, m, cur, nil)
			}
			return cur // finished meanwhile
		})
		if ran && done.Done() && (done.Status != coft.StatusCharged || done.CardDone) {
			s.Logger.InfoContext(ctx, "finished an interrupted payment", "txn_id", t.ID, "status", string(done.Status),
				"token", done.TokenReference != "")
			n++
		}
	}
	return n, nil
}

// cardPlan is what a charged payment's card work does, decided from its
// consent, save_to_locker, the card's eligibility and what is stored.
type cardPlan struct {
	card       *coft.Card // nil: nothing is saved
	isNew      bool       // card is added by this payment
	keep       bool       // the number stays in the locker (save_to_locker)
	tokenize   bool       // a network token is asked for
	token      *coft.NetworkToken
	customerID string
	tokenErr   string // why a token consented to is not made
	outOfBand  bool   // the one-rupee check of out-of-band tokenization: refunded
	saved      bool   // card is stored as planned (by the charge's write)
}

// planCard decides the card work of a charged payment. It writes only to
// create the order's customer when the merchant never did.
func (s *Service) planCard(ctx context.Context, m *coft.Merchant, t *coft.Txn) (*cardPlan, error) {
	order, err := s.Store.FindOrder(ctx, m.ID, t.OrderID)
	if err != nil {
		return nil, err
	}
	p := &cardPlan{customerID: t.CustomerID, outOfBand: order.Purpose == coft.PurposeCardTokenization}
	hasCustomer := t.CustomerID != "" || order.CustomerID != ""
	consented := t.Consent != nil && *t.Consent
	p.tokenize = consented && hasCustomer
	if p.tokenize {
		if p.tokenize, err = s.TokenizeSupport(ctx, m, order.Metadata["submerchant_id"], t.Card().Bin()); err != nil {
			return nil, err
		}
	}
	if consented && !p.tokenize {
		p.tokenErr = "The card is not eligible for tokenization."
	}
	p.keep = t.SaveToLocker && hasCustomer
	if !p.tokenize && !p.keep {
		return p, nil
	}
	if p.customerID == "" {
		c, err := s.implicitCustomer(ctx, order)
		if err != nil {
			return nil, err
		}
		p.customerID = c.ID
	}
	var card *coft.Card
	if t.CardReference != "" {
		card, err = s.Store.FindCard(ctx, m.ID, t.CardReference)
	} else {
		card, err = s.Store.FindCardByFingerprint(ctx, m.ID, p.customerID, t.Fingerprint)
	}
	switch {
	case coft.ErrorCode(err) == coft.ENOTFOUND:
		card = nil
	case err != nil:
		return nil, err
	case card.HasLiveToken() && card.Token.Status != coft.TokenInitiated: // already tokenized
		p.tokenize = false
	}
	if !p.tokenize && !p.keep {
		p.card = card // reported, not changed
		return p, nil
	}
	if len(t.PANCiphertext) == 0 && (card == nil || len(card.PANCiphertext) == 0) {
		p.tokenize, p.tokenErr = false, "The card number is no longer held, so the card cannot be tokenized."
		p.card = card
		return p, nil
	}
	p.isNew = card == nil
	if p.isNew {
		card = t.Card()
		card.CustomerID = p.customerID
		card.Reference, card.PANCiphertext = coft.RandomHex(16), []byte{}
	} else {
		card.ExpMonth, card.ExpYear = t.ExpMonth, t.ExpYear
	}
	p.card = card
	if p.keep {
		pan, err := s.pan(t, card)
		if err != nil {
			return nil, err
		}
		if card.PANCiphertext, card.KeyID, err = s.Locker.Seal(pan, card.Reference); err != nil {
			return nil, err
		}
	}
	if p.tokenize {
		p.token = &coft.NetworkToken{Reference: coft.RandomHex(16), Status: coft.TokenInitiated, Provider: card.Brand}
	}
	return p, nil
}

// pan opens the card number: the payment's, else the saved card's.
func (s *Service) pan(t *coft.Txn, card *coft.Card) (string, error) {
	if len(t.PANCiphertext) > 0 {
		return s.Locker.Open(t.PANCiphertext, t.KeyID, t.UUID)
	}
	if card != nil && len(card.PANCiphertext) > 0 {
		return s.Locker.Open(card.PANCiphertext, card.KeyID, card.Reference)
	}
	return "", coft.Errorf(coft.EINVALID, "The card number is no longer held, so the card cannot be tokenized.")
}

// charge records the bank's approval of an AUTHORIZING payment together
// with the first part of its card work, in one write: the card saved and,
// when the customer consented, its network token INITIATED, before the
// network is asked. A payment with nothing more to do (no token to ask
// for, no rupee to refund) is complete in that same write, with its
// events; otherwise finishCardWork asks the network and completes it.
func (s *Service) charge(ctx context.Context, m *coft.Merchant, t *coft.Txn, code, msg string) *coft.Txn {
	p, err := s.planCard(ctx, m, t)
	if err != nil {
		s.Logger.ErrorContext(ctx, "planning the card work failed", "txn_id", t.ID, "error", err.Error())
		p = &cardPlan{customerID: t.CustomerID} // charged all the same; the reconciler does the card work
	}
	planned := err == nil
	complete := planned && !p.tokenize && !p.outOfBand
	w := coft.CardWork{}
	if planned && (p.tokenize || p.keep) && p.card != nil {
		w.Card, w.Token = p.card, p.token
	}
	done, err := s.Store.UpdateTxnWith(ctx, m.ID, t.UUID, w, func(t *coft.Txn) error {
		if t.Status != coft.StatusAuthorizing {
			return errRecorded
		}
		t.Status, t.RespCode, t.RespMessage, t.CustomerID = coft.StatusCharged, code, msg, p.customerID
		if p.card != nil {
			t.CardReference = p.card.Reference
		}
		if complete {
			t.PANCiphertext, t.KeyID, t.CardDone, t.TokenError = nil, "", true, p.tokenErr
			if p.card != nil && p.card.Token != nil && p.card.HasLiveToken() {
				t.TokenReference = p.card.Token.Reference
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errRecorded): // by another request meanwhile, which does the card work
		return s.current(ctx, t)
	case err != nil:
		s.Logger.ErrorContext(ctx, "recording the charge failed", "txn_id", t.ID, "error", err.Error())
		return t // left AUTHORIZING: asked again, the bank answers the same
	case done.CardDone:
		return done
	case !planned:
		return s.finishCardWork(ctx, m, done, nil)
	}
	if w.Card != nil { // saved now, with its token INITIATED when one is asked for
		p.isNew, p.saved = false, true
		if p.token != nil {
			p.card.Token = p.token
		}
	}
	return s.finishCardWork(ctx, m, done, p)
}

// errRecorded aborts a write that finds the payment's step already
// recorded by another request.
var errRecorded = errors.New("recorded meanwhile")

// current returns the payment as stored, or t when it cannot be read.
func (s *Service) current(ctx context.Context, t *coft.Txn) *coft.Txn {
	if cur, err := s.Store.FindTxn(ctx, t.MerchantID, t.UUID); err == nil {
		return cur
	}
	return t
}

// finishCardWork completes a charged payment's card work: it asks the
// network for the INITIATED token (again, after a crash) and records the
// answer, the number's erasure, the payment's completion and its events in
// one write. The one-rupee check of out-of-band tokenization is refunded
// before that write, whatever became of the token, so that the reconciler
// retries the refund after a crash. p is the plan the charge carried out,
// or nil to plan from what is stored.
func (s *Service) finishCardWork(ctx context.Context, m *coft.Merchant, t *coft.Txn, p *cardPlan) *coft.Txn {
	if p == nil {
		var err error
		if p, err = s.planCard(ctx, m, t); err != nil {
			s.Logger.ErrorContext(ctx, "planning the card work failed", "txn_id", t.ID, "error", err.Error())
			return t // left for the reconciler
		}
	}
	w := coft.CardWork{}
	tokenRef, tokenErr := "", p.tokenErr
	if p.card != nil && p.card.Token != nil && p.card.HasLiveToken() && !p.tokenize {
		tokenRef = p.card.Token.Reference
	}
	if p.card != nil && p.isNew && p.tokenize { // not saved with the charge: saved before the network is asked
		p.card.Token = p.token
		if _, err := s.Store.UpdateTxnWith(ctx, m.ID, t.UUID, coft.CardWork{Card: p.card, Token: p.token},
			func(*coft.Txn) error { return nil }); err != nil {
			s.Logger.ErrorContext(ctx, "saving card failed", "txn_id", t.ID, "error", err.Error())
			return t
		}
		p.saved = true
	}
	changed := !p.saved // the card differs from the one stored
	if p.tokenize {
		if p.card.Token != nil && p.card.Token.Status == coft.TokenInitiated {
			p.token = p.card.Token // asked for again
		}
		if tok, err := s.provision(ctx, m, t, p); err != nil {
			if coft.ErrorCode(err) == coft.EINTERNAL {
				s.Logger.ErrorContext(ctx, "tokenizing card failed", "txn_id", t.ID, "error", err.Error())
			}
			tokenErr = coft.ErrorMessage(err)
			// A card without its number was saved only to carry the token.
			w.DropToken, w.DropCard = true, !p.keep && len(p.card.PANCiphertext) == 0
		} else {
			w.Token, tokenRef = tok, tok.Reference
			// RBI: once tokenized, the number is kept only on the
			// merchant's explicit save_to_locker.
			if !p.keep && len(p.card.PANCiphertext) > 0 {
				p.card.PANCiphertext, p.card.KeyID, changed = []byte{}, "", true
			}
		}
	}
	if p.outOfBand {
		if _, err := s.Refund(ctx, m, t, "auto-verification", coft.VerificationAmount, true); err != nil {
			s.Logger.ErrorContext(ctx, "automatic refund failed", "order_id", t.OrderID, "error", coft.ErrorMessage(err))
		}
	}
	if p.card != nil && (p.tokenize || p.keep) {
		if changed {
			w.Card = p.card
		} else {
			w.CardReference = p.card.Reference
		}
	}
	cardRef := ""
	if p.card != nil && !w.DropCard {
		cardRef = p.card.Reference
	}
	done, err := s.Store.UpdateTxnWith(ctx, m.ID, t.UUID, w, func(t *coft.Txn) error {
		if t.CardDone {
			return errRecorded
		}
		t.PANCiphertext, t.KeyID, t.CustomerID = nil, "", p.customerID
		if cardRef != "" {
			t.CardReference = cardRef
		}
		t.TokenReference, t.TokenError, t.CardDone = tokenRef, tokenErr, true
		return nil
	})
	switch {
	case errors.Is(err, errRecorded):
		return s.current(ctx, t)
	case err != nil:
		s.Logger.ErrorContext(ctx, "recording card outcome failed", "txn_id", t.ID, "error", err.Error())
		return t
	}
	return done
}

// provision asks the network for the card's token, recorded INITIATED
// before (by charge), and returns it ACTIVE with its number sealed.
func (s *Service) provision(ctx context.Context, m *coft.Merchant, t *coft.Txn, p *cardPlan) (*coft.NetworkToken, error) {
	pan, err := s.pan(t, p.card)
	if err != nil {
		return nil, err
	}
	tok := p.token
	if tok == nil {
		tok = &coft.NetworkToken{Reference: coft.RandomHex(16), Status: coft.TokenInitiated, Provider: p.card.Brand}
	}
	prov, err := s.Network.Provision(ctx, coft.ProvisionRequest{PAN: pan, ExpMonth: p.card.ExpMonth, ExpYear: p.card.ExpYear,
		Brand: p.card.Brand, MerchantID: m.ID, TokenReference: tok.Reference})
	if err != nil {
		return nil, err
	}
	out := *tok
	out.Last4, out.ISIN, out.ExpMonth, out.ExpYear = prov.Number[len(prov.Number)-4:], prov.Number[:6], prov.ExpMonth, prov.ExpYear
	out.PAR, out.Status = prov.PAR, prov.Status
	if out.Ciphertext, out.KeyID, err = s.Locker.Seal(prov.Number, out.Reference); err != nil {
		return nil, err
	}
	return &out, nil
}

// implicitCustomer returns the customer an order names, creating it from
// the order's customer_email and customer_phone when the merchant never
// did (Juspay's implicit customer creation): the customer_id becomes its
// object_reference_id. Values that are not a valid email or phone number
// are left out.
func (s *Service) implicitCustomer(ctx context.Context, o *coft.Order) (*coft.Customer, error) {
	c, err := s.Store.FindCustomer(ctx, o.MerchantID, o.CustomerID)
	if coft.ErrorCode(err) != coft.ENOTFOUND {
		return c, err
	}
	c = &coft.Customer{MerchantID: o.MerchantID, ObjectReferenceID: o.CustomerID, MobileNumber: o.CustomerPhone,
		MobileCountryCode: "91", EmailAddress: o.CustomerEmail, Implicit: true}
	if coft.ValidateEmail("email_address", c.EmailAddress) != nil {
		c.EmailAddress = ""
	}
	if (&coft.Customer{MobileNumber: c.MobileNumber}).Validate() != nil {
		c.MobileNumber = ""
	}
	err = s.Store.CreateCustomer(ctx, c)
	if coft.ErrorCode(err) == coft.ECONFLICT { // created meanwhile, by another payment's card work
		return s.Store.FindCustomer(ctx, o.MerchantID, o.CustomerID)
	}
	return c, err
}

// Refund returns amount of a charged payment: recorded PENDING, asked of
// the bank, then recorded SUCCESS (with its event) or FAILURE with the
// gateway's answer. Asking again with the same uniqueID finishes a refund
// a crash (or a gateway that did not answer) left pending, and otherwise
// returns the first answer. auto marks the service's own refund (the
// one-rupee check of out-of-band tokenization).
func (s *Service) Refund(ctx context.Context, m *coft.Merchant, t *coft.Txn, uniqueID string, amount coft.Amount, auto bool) (*coft.Refund, error) {
	r, existing, err := s.Store.StartRefund(ctx, &coft.Refund{MerchantID: m.ID, OrderID: t.OrderID,
		UniqueRequestID: uniqueID, Amount: amount, Auto: auto})
	if err != nil || existing && r.Status != coft.RefundPending {
		return r, err
	}
	answer, err := s.Bank.Refund(ctx, t, r.Amount)
	if err != nil {
		return r, err // left PENDING: asking again finishes it
	}
	return s.Store.FinishRefund(ctx, m.ID, r.ID, answer)
}

// RemoveCard de-registers the card's network token with the network, then
// deletes the card and its token and records the customer's withdrawal of
// consent (w: channel, IP, user agent), in one transaction. If the network
// cannot be reached the card stays: EUNAVAILABLE, try again.
func (s *Service) RemoveCard(ctx context.Context, m *coft.Merchant, c *coft.Card, w coft.Withdrawal) error {
	if t := c.Token; t != nil && t.Status != coft.TokenInitiated && t.Status != coft.TokenInactive {
		number, err := s.Locker.Open(t.Ciphertext, t.KeyID, t.Reference)
		if err != nil {
			return err
		}
		if err := s.Network.Deregister(ctx, t.Provider, number); err != nil {
			s.Logger.ErrorContext(ctx, "token de-registration failed", "token_reference", t.Reference, "error", coft.ErrorMessage(err))
			return coft.Errorf(coft.EUNAVAILABLE,
				"The card network could not be reached to de-register the token; the card was kept. Please try again.")
		}
	}
	return s.Store.DeleteCard(ctx, m.ID, c.Reference, &w)
}
