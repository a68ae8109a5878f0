package payment

import (
	"context"
	"time"

	"github.com/coftkit/coft"
)

// FinishCard does the card work of a charged payment (saving and
// tokenizing its card, the one-rupee refund) unless it is done, and reports
// whether it did it. One card work per payment runs at a time in this
// process: the reconciler may pick a payment whose request is still at it
// (slower than RECONCILE_AFTER under load), and the two at once
// provisioned two network tokens, kept one and announced the other with
// TOKEN_CREATED (the crash suite found it). Without wait (the reconciler)
// a payment busy here is left to the next round; with it (the request)
// the second waits for the first, then reads what it did. Across
// instances, RECONCILE_AFTER is what keeps another instance's reconciler
// away.
func (s *Service) FinishCard(ctx context.Context, m *coft.Merchant, t *coft.Txn, wait bool) (*coft.Txn, bool) {
	done := make(chan struct{})
	for {
		busy, running := s.cardWork.LoadOrStore(t.UUID, done)
		if !running {
			break
		}
		if !wait {
			return t, false
		}
		select {
		case <-busy.(chan struct{}):
		case <-ctx.Done():
			return t, false // left for the reconciler
		}
	}
	defer func() { s.cardWork.Delete(t.UUID); close(done) }()
	// The reconciler's copy may predate the request's finished work.
	cur, err := s.Store.FindTxn(ctx, m.ID, t.UUID)
	if err != nil {
		return t, false // left for the reconciler
	}
	if cur.CardDone {
		return cur, false
	}
	return s.afterCharge(ctx, m, cur), true
}

// FinishCharges is the reconciler: it completes the card work of charged
// payments that a crash interrupted (last changed before before). The card
// is saved and tokenized as the payment's consent said, and the number
// erased. It returns how many payments it finished.
func (s *Service) FinishCharges(ctx context.Context, before time.Time) (int, error) {
	txns, err := s.Store.UnfinishedCharges(ctx, before, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range txns {
		m, err := s.Store.FindMerchantByID(ctx, t.MerchantID)
		if err != nil {
			return n, err
		}
		if done, worked := s.FinishCard(ctx, m, t, false); worked && done.CardDone {
			s.Logger.InfoContext(ctx, "finished an interrupted payment", "txn_uuid", t.UUID, "token", done.TokenReference != "")
			n++
		}
	}
	return n, nil
}

// afterCharge saves and tokenizes the card of a charged payment, as its
// consent and save_to_locker say, then erases the number from the payment.
// A failure here never fails the payment: it is recorded on it.
func (s *Service) afterCharge(ctx context.Context, m *coft.Merchant, t *coft.Txn) *coft.Txn {
	var cardRef, tokenRef, tokenErr string
	order, err := s.Store.FindOrder(ctx, m.ID, t.OrderID)
	if err != nil {
		return t // left for the reconciler
	}
	hasCustomer := t.CustomerID != "" || order.CustomerID != ""
	tokenize := t.Consent != nil && *t.Consent && hasCustomer
	if tokenize {
		support, err := s.TokenizeSupport(ctx, m, order.Metadata["submerchant_id"], t.Card().Bin())
		if err != nil {
			return t
		}
		tokenize = support
	}
	keep := t.SaveToLocker && hasCustomer
	if (tokenize || keep) && t.CustomerID == "" {
		c, err := s.implicitCustomer(ctx, order)
		if err != nil {
			s.Logger.ErrorContext(ctx, "creating the order's customer failed", "order_id", t.OrderID, "error", err.Error())
			return t // left for the reconciler
		}
		t.CustomerID = c.ID
	}
	if tokenize || keep {
		var err error
		cardRef, tokenRef, err = s.saveCard(ctx, m, t, tokenize, keep)
		if err != nil {
			if coft.ErrorCode(err) == coft.EINTERNAL {
				s.Logger.ErrorContext(ctx, "saving card failed", "txn_uuid", t.UUID, "error", err.Error())
			}
			tokenErr = coft.ErrorMessage(err)
		}
	} else if t.Consent != nil && *t.Consent {
		tokenErr = "The card is not eligible for tokenization."
	}
	if order.Purpose == coft.PurposeCardTokenization {
		// The rupee that authenticated the customer goes back, whatever
		// became of the token; before the card work is marked done, so
		// that the reconciler retries it after a crash.
		if _, err := s.Refund(ctx, m, t, "auto-verification", coft.VerificationAmount, true); err != nil {
			s.Logger.ErrorContext(ctx, "automatic refund failed", "order_id", t.OrderID, "error", coft.ErrorMessage(err))
		}
	}
	customerID := t.CustomerID
	done, err := s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		t.PANCiphertext, t.KeyID, t.CustomerID = nil, "", customerID
		if cardRef != "" {
			t.CardReference = cardRef
		}
		t.TokenReference, t.TokenError, t.CardDone = tokenRef, tokenErr, true
		return nil
	})
	if err != nil {
		s.Logger.ErrorContext(ctx, "recording card outcome failed", "txn_uuid", t.UUID, "error", err.Error())
		return t
	}
	return done
}

// saveCard puts the payment's card in the locker (keeping the number only
// when keep) and, when tokenize, provisions its network token: recorded
// INITIATED before the network is asked, ACTIVE once it answers. A refusal
// leaves the card as it was. Run again after a crash, it finishes the work
// (an INITIATED token is asked for again) without saving the card twice.
func (s *Service) saveCard(ctx context.Context, m *coft.Merchant, t *coft.Txn, tokenize, keep bool) (cardRef, tokenRef string, err error) {
	var card *coft.Card
	if t.CardReference != "" {
		card, err = s.Store.FindCard(ctx, m.ID, t.CardReference)
	} else {
		card, err = s.Store.FindCardByFingerprint(ctx, m.ID, t.CustomerID, t.Fingerprint)
	}
	switch {
	case coft.ErrorCode(err) == coft.ENOTFOUND:
		card = nil
	case err != nil:
		return "", "", err
	case card.HasLiveToken() && card.Token.Status != coft.TokenInitiated: // already tokenized
		tokenize, tokenRef = false, card.Token.Reference
	}
	if !tokenize && !keep {
		if card != nil {
			return card.Reference, tokenRef, nil
		}
		return "", "", nil
	}
	var pan string
	switch {
	case len(t.PANCiphertext) > 0:
		pan, err = s.Locker.Open(t.PANCiphertext, t.KeyID, t.UUID)
	case card != nil && len(card.PANCiphertext) > 0:
		pan, err = s.Locker.Open(card.PANCiphertext, card.KeyID, card.Reference)
	default:
		return "", "", coft.Errorf(coft.EINVALID, "The card number is no longer held, so the card cannot be tokenized.")
	}
	if err != nil {
		return "", "", err
	}
	isNew := card == nil
	if isNew {
		card = t.Card()
		card.Reference, card.PANCiphertext = coft.RandomHex(16), []byte{}
	} else {
		card.ExpMonth, card.ExpYear = t.ExpMonth, t.ExpYear
	}
	if keep {
		if card.PANCiphertext, card.KeyID, err = s.Locker.Seal(pan, card.Reference); err != nil {
			return "", "", err
		}
	}
	if err := s.Store.SaveCard(ctx, card); err != nil {
		return "", "", err
	}
	if !tokenize {
		return card.Reference, tokenRef, nil
	}

	tok := &coft.NetworkToken{Reference: coft.RandomHex(16), Status: coft.TokenInitiated, Provider: card.Brand}
	if err := s.Store.SaveNetworkToken(ctx, m.ID, card.Reference, tok); err != nil {
		return "", "", err
	}
	prov, err := s.Network.Provision(ctx, coft.ProvisionRequest{PAN: pan, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear,
		Brand: card.Brand, MerchantID: m.ID, TokenReference: tok.Reference})
	if err != nil {
		if derr := s.Store.DeleteNetworkToken(ctx, m.ID, card.Reference); derr != nil {
			return "", "", derr
		}
		if isNew && !keep { // saved only to carry the token
			if derr := s.Store.DeleteCard(ctx, m.ID, card.Reference, nil); derr != nil {
				return "", "", derr
			}
			return "", "", err
		}
		return card.Reference, "", err
	}
	tok.Last4, tok.ISIN, tok.ExpMonth, tok.ExpYear = prov.Number[len(prov.Number)-4:], prov.Number[:6], prov.ExpMonth, prov.ExpYear
	tok.PAR, tok.Status = prov.PAR, prov.Status
	if tok.Ciphertext, tok.KeyID, err = s.Locker.Seal(prov.Number, tok.Reference); err != nil {
		return "", "", err
	}
	if err := s.Store.SaveNetworkToken(ctx, m.ID, card.Reference, tok); err != nil {
		return "", "", err
	}
	// RBI: once tokenized, the number is kept only on the merchant's
	// explicit save_to_locker.
	if !keep && len(card.PANCiphertext) > 0 {
		card.PANCiphertext, card.KeyID = []byte{}, ""
		if err := s.Store.SaveCard(ctx, card); err != nil {
			return "", "", err
		}
	}
	return card.Reference, tok.Reference, nil
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
