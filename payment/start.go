package payment

import (
	"context"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// StartRequest is a card payment to start, as /txns, the hosted payment
// page and the saved-cards screen ask for one.
type StartRequest struct {
	Merchant *coft.Merchant
	// NewOrder, when set, is an order to create with the payment (the
	// order.* fields of /txns); else OrderID names the order to pay.
	NewOrder *coft.Order
	OrderID  string
	// Card is a new card's fields; CardToken names a saved card instead.
	Card      coft.CardInput
	CardToken string
	// PaymentMethod, when given, must be the card's network.
	PaymentMethod string
	// Tokenize is the merchant's declaration (tokenize=true|false); nil
	// when the customer is to be asked. ConsentID links the decision taken
	// in the dialog on the merchant's page.
	Tokenize     *bool
	ConsentID    string
	SaveToLocker bool
	// Own is the service's own payment: the one-rupee check of
	// out-of-band tokenization. The customer is asked even when the
	// merchant has hosted consent off, and the saved card's security code
	// is not needed (the bank's OTP authenticates the customer).
	Own bool
	// ClientIP and UserAgent are the evidence of a declared decision.
	ClientIP, UserAgent string
}

// Start starts a card payment: the order (found, or created with it), the
// card (new: checked and its number sealed; saved: the order's customer's),
// and who decides about tokenization (the README's decision table). An
// identical request while its payment still waits for the customer, within
// reuseWindow, returns that payment. A refused request stores nothing.
func (s *Service) Start(ctx context.Context, req StartRequest, reuseWindow time.Duration) (*coft.Txn, error) {
	m := req.Merchant
	order := req.NewOrder
	if order == nil {
		var err error
		if order, err = s.Store.FindOrder(ctx, m.ID, req.OrderID); coft.ErrorCode(err) == coft.ENOTFOUND {
			return nil, coft.FieldError(coft.ENOTFOUND, "order_id", "Order not found.")
		} else if err != nil {
			return nil, err
		}
	}
	if order.Status == coft.StatusCharged {
		return nil, coft.FieldError(coft.ECONFLICT, "order_id", "Order %s is already paid.", order.OrderID)
	}
	if order.Expired(s.Now()) {
		return nil, coft.FieldError(coft.ECONFLICT, "order_id", "Order %s expired at %s.", order.OrderID,
			order.ExpiresAt.UTC().Format(time.RFC3339))
	}
	// The order's customer; nil also when the order names a customer the
	// merchant never created, until a card is saved for it (afterCharge).
	hasCustomer := order.CustomerID != ""
	var customer *coft.Customer
	if hasCustomer {
		var err error
		if customer, err = s.Store.FindCustomer(ctx, m.ID, order.CustomerID); coft.ErrorCode(err) == coft.ENOTFOUND {
			customer = nil
		} else if err != nil {
			return nil, err
		}
	}
	if req.NewOrder != nil && customer == nil && strings.HasPrefix(order.CustomerID, "cst_") { // see CreateOrder
		return nil, coft.FieldError(coft.EINVALID, "order.customer_id", "customer_id does not name a customer of this merchant.")
	}

	t := &coft.Txn{UUID: coft.RandomHex(16), MerchantID: m.ID, OrderID: order.OrderID, Status: coft.StatusPendingVBV,
		SaveToLocker: req.SaveToLocker, ReturnURL: order.ReturnURL}
	if customer != nil {
		t.CustomerID = customer.ID
	}
	var saved *coft.Card
	if req.CardToken != "" {
		var err error
		if saved, err = s.savedCard(ctx, m, customer, req); err != nil {
			return nil, err
		}
		c := saved
		t.CardReference, t.Fingerprint, t.ISIN, t.Last4 = c.Reference, c.Fingerprint, c.ISIN, c.Last4
		t.ExpMonth, t.ExpYear, t.NameOnCard, t.Brand, t.Type = c.ExpMonth, c.ExpYear, c.NameOnCard, c.Brand, c.Type
		t.SubType, t.Issuer, t.BankCode, t.IssuerCountry, t.IssuerTokenizes = c.SubType, c.Issuer, c.BankCode, c.IssuerCountry, c.IssuerTokenizes
		t.UsingSavedCard = true
		t.UsingToken = c.Token != nil && c.Token.Status == coft.TokenActive
	} else if err := s.newCard(t, req); err != nil {
		return nil, err
	}

	// Who decides about tokenization (the decision table of the README).
	support, err := s.TokenizeSupport(ctx, m, order.Metadata["submerchant_id"], t.Card().Bin())
	if err != nil {
		return nil, err
	}
	if saved == nil && customer != nil {
		// A new card the customer already saved is that saved card.
		if saved, err = s.Store.FindCardByFingerprint(ctx, m.ID, customer.ID, t.Fingerprint); err == nil {
			t.CardReference = saved.Reference
		} else if coft.ErrorCode(err) != coft.ENOTFOUND {
			return nil, err
		}
	}
	tokenized := saved != nil && saved.HasLiveToken()
	if req.ConsentID != "" && req.Tokenize == nil {
		return nil, coft.Invalid("consent_id", "consent_id needs tokenize=true|false.")
	}
	var declared *coft.Consent
	var pageConsent string
	switch {
	case req.Tokenize != nil:
		d := *req.Tokenize
		t.Tokenize, t.Consent = coft.TokenizeFalse, &d
		if d {
			t.Tokenize = coft.TokenizeTrue
		}
		declared = &coft.Consent{Decision: d, Channel: coft.ChannelMerchantDeclared, ClientIP: req.ClientIP, UserAgent: req.UserAgent}
		if req.ConsentID != "" {
			// The decision taken in the dialog on the merchant's page:
			// its evidence becomes this payment's, once.
			pc, err := s.Store.FindPageConsent(ctx, m.ID, req.ConsentID)
			if coft.ErrorCode(err) == coft.ENOTFOUND {
				return nil, coft.FieldError(coft.ENOTFOUND, "consent_id", "No consent has this consent_id.")
			} else if err != nil {
				return nil, err
			}
			switch {
			case pc.TxnUUID != "":
				return nil, coft.FieldError(coft.ECONFLICT, "consent_id", "This consent was already used for a payment.")
			case pc.OrderID != order.OrderID:
				return nil, coft.Invalid("consent_id", "The consent was given for another order.")
			case pc.Decision != d:
				return nil, coft.Invalid("tokenize", "tokenize does not match the customer's decision (consent_id).")
			case pc.ISIN != t.ISIN || pc.Last4 != t.Last4:
				return nil, coft.Invalid("consent_id", "The consent was given for another card.")
			}
			declared = &coft.Consent{Decision: d, Channel: coft.ChannelMerchantPage, TextID: pc.TextID, Locale: pc.Locale,
				ClientIP: pc.ClientIP, UserAgent: pc.UserAgent, ShownAt: pc.ShownAt, FormFactor: pc.FormFactor,
				FormFactorSource: pc.FormFactorSource}
			pageConsent = pc.ID
		}
	case (m.HostedConsent || req.Own) && support && hasCustomer && !tokenized:
		t.ConsentAsked = true
	}
	if (t.Tokenize == coft.TokenizeTrue || req.SaveToLocker) && !hasCustomer {
		return nil, coft.FieldError(coft.EINVALID, "customer_id", "Saving or tokenizing a card needs an order with a customer_id.")
	}

	if order.ID == "" { // created by this call
		if err := s.Store.CreateOrder(ctx, order); err != nil {
			return nil, coft.PrefixField(err, "order.")
		}
	}
	txn, reused, err := s.Store.StartTxn(ctx, t, s.Now().Add(-reuseWindow), declared)
	if err == nil && pageConsent != "" && !reused {
		// The decision is this payment's now, and no other's.
		_, err = s.Store.UsePageConsent(ctx, m.ID, pageConsent, txn.UUID)
	}
	return txn, err
}

// CardByToken returns the saved card a card_token names.
func (s *Service) CardByToken(ctx context.Context, m *coft.Merchant, token string) (*coft.Card, error) {
	if token == "" {
		return nil, coft.Missing("card_token")
	}
	_, ref, err := s.CardTokens.VerifyCardToken(m.ID, token)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.FindCard(ctx, m.ID, ref)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, coft.FieldError(coft.ENOTFOUND, "card_token", "The card has been deleted.")
	}
	return c, err
}

// savedCard resolves the request's card_token to a card of the order's
// customer that may pay.
func (s *Service) savedCard(ctx context.Context, m *coft.Merchant, customer *coft.Customer, req StartRequest) (*coft.Card, error) {
	c, err := s.CardByToken(ctx, m, req.CardToken)
	if err != nil {
		return nil, err
	}
	if customer == nil || customer.ID != c.CustomerID {
		return nil, coft.Invalid("card_token", "The card does not belong to the order's customer.")
	}
	if err := c.ValidatePayment(req.Card, s.Now(), !req.Own, s.CVVLess(c)); err != nil {
		return nil, err
	}
	return c, nil
}

// newCard checks a new card's fields and puts what may be kept on t, the
// number sealed.
func (s *Service) newCard(t *coft.Txn, req StartRequest) error {
	in := req.Card
	if err := in.Validate(s.Now()); err != nil {
		return err
	}
	bin, ok := s.Bins.Lookup(in.Number)
	if !ok {
		return coft.Invalid("card_number", "The card's network is not supported.")
	}
	if pm := req.PaymentMethod; pm != "" && !strings.EqualFold(pm, bin.Brand) {
		return coft.Invalid("payment_method", "payment_method does not match the card's network (%s).", bin.Brand)
	}
	if err := coft.ValidateCVV(in.CVV, bin.Brand, true); err != nil {
		return err
	}
	ct, keyID, err := s.Locker.Seal(in.Number, t.UUID)
	if err != nil {
		return err
	}
	pan := in.Number
	t.Fingerprint, t.ISIN, t.Last4, t.ExpMonth, t.ExpYear, t.NameOnCard = s.Locker.Fingerprint(pan), pan[:6], pan[len(pan)-4:], in.ExpMonth, in.ExpYear, in.Name
	t.Brand, t.Type, t.SubType, t.Issuer, t.BankCode = bin.Brand, bin.Type, bin.SubType, bin.Bank, bin.BankCode
	t.IssuerCountry, t.IssuerTokenizes = bin.Country, bin.IssuerTokenizes
	t.PANCiphertext, t.KeyID = ct, keyID
	return nil
}

// TokenizeCardRequest is a saved card to tokenize out of band.
type TokenizeCardRequest struct {
	Merchant  *coft.Merchant
	CardToken string
	// ByClient says a browser holding a client_auth_token asks: only the
	// card of the token's customer, CustomerID, may be tokenized (an
	// order's token has none, so none).
	ByClient   bool
	CustomerID string
	// Declared says the merchant took the customer's consent itself;
	// otherwise the consent dialog asks.
	Declared  bool
	ReturnURL string
	// ClientIP and UserAgent are the evidence of a declared decision.
	ClientIP, UserAgent string
}

// TokenizeCard starts the one-rupee payment that tokenizes a saved card
// out of band (RBI: a fresh consent and an authenticated payment): an
// order of ₹1.00 for the card's customer, paid with the card; after the
// charge the card is tokenized as consented and the rupee refunded.
func (s *Service) TokenizeCard(ctx context.Context, req TokenizeCardRequest, reuseWindow time.Duration) (*coft.Txn, error) {
	m := req.Merchant
	c, err := s.CardByToken(ctx, m, req.CardToken)
	if err != nil {
		return nil, err
	}
	if req.ByClient && req.CustomerID != c.CustomerID {
		return nil, coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this customer.")
	}
	support, err := s.TokenizeSupport(ctx, m, "", c.Bin())
	switch {
	case err != nil:
		return nil, err
	case c.HasLiveToken():
		return nil, coft.FieldError(coft.ECONFLICT, "card_token", "The card already has a network token.")
	case !support:
		return nil, coft.Invalid("card_token", "This card cannot be tokenized (tokenize_support is false).")
	case len(c.PANCiphertext) == 0:
		return nil, coft.Invalid("card_token", "The card's number is not held, so it cannot be tokenized; the customer can pay with the card again instead.")
	case c.Expired(s.Now()):
		return nil, coft.Invalid("card_token", "The saved card has expired.")
	}
	o := &coft.Order{MerchantID: m.ID, OrderID: "tkn" + coft.RandomHex(8), Amount: coft.VerificationAmount,
		Currency: "INR", Status: coft.StatusNew, CustomerID: c.CustomerID, ReturnURL: req.ReturnURL,
		Description: "Card check for tokenization (refunded)", Purpose: coft.PurposeCardTokenization}
	if err := s.Store.CreateOrder(ctx, o); err != nil {
		return nil, err
	}
	start := StartRequest{Merchant: m, OrderID: o.OrderID, CardToken: req.CardToken, Own: true,
		ClientIP: req.ClientIP, UserAgent: req.UserAgent}
	if req.Declared {
		yes := true
		start.Tokenize = &yes
	}
	return s.Start(ctx, start, reuseWindow)
}
