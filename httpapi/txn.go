package httpapi

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
)

// txnFields are the fields /txns accepts, besides "order." ones: every
// card field Juspay documents. Offers, SDK parameters and the transaction
// type are accepted and ignored (this service has no offers and one way to
// pay: an authenticated card payment); what it cannot do is refused by
// unsupportedTxn, naming the field.
var txnFields = fields{"order_id", "payment_method_type", "payment_method", "card_number", "card_exp_month",
	"card_exp_year", "name_on_card", "card_security_code", "card_token", "save_to_locker", "tokenize",
	"redirect_after_payment", "auth_type", "consent_id", "order.", "is_emi", "emi_bank", "emi_tenure", "emi_type",
	"offers", "offer_id", "sdk_params", "sdk_pg_params", "txn_type", "should_create_mandate", "mandate_type",
	"card_encoding_version", "client_enc_key_id", "tavv", "token.", "cryptogram"}

// unsupportedTxn refuses, with the field named, the documented ways to pay
// that this service does not offer.
func unsupportedTxn(p params) error {
	for _, k := range []string{"is_emi", "should_create_mandate"} {
		if b, err := p.bool(k); err != nil {
			return err
		} else if b != nil && *b {
			return coft.Invalid(k, "%s=true is not offered: this service takes full card payments, without EMI or mandates.", k)
		}
	}
	if p["card_encoding_version"] != "" || p["client_enc_key_id"] != "" {
		return coft.Invalid("card_encoding_version", "Encrypted card fields are not offered: send the card's fields over TLS, or save it and pay with card_token.")
	}
	if p["tavv"] != "" || p["cryptogram"] != "" || p.withPrefix("token.") != nil {
		return coft.Invalid("tavv", "Paying with your own network token and cryptogram is not offered: pay with the card, or a saved card's card_token.")
	}
	return nil
}

// txnResponse is /txns' answer.
type txnResponse struct {
	OrderID string `json:"order_id"`
	TxnID   string `json:"txn_id"`
	TxnUUID string `json:"txn_uuid"`
	Status  string `json:"status"`
	Payment struct {
		Authentication struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"authentication"`
	} `json:"payment"`
	// OfferDetails.Offers is always empty: no offers are served.
	OfferDetails struct {
		Offers []struct{} `json:"offers"`
	} `json:"offer_details"`
	// Juspay is the order's client token, when this call created the order
	// with order.options.get_client_auth_token=true (as Create Order gives it).
	Juspay *clientAuth `json:"juspay,omitempty"`
}

// handleTxnCreate serves POST /txns: a card payment on an order, with the
// hosted consent page first when the customer must still be asked.
func (s *Server) handleTxnCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(w, r, txnFields)
	if err != nil {
		return err
	}
	withToken, err := p.flag("order.options.get_client_auth_token")
	if err != nil {
		return err
	}
	txn, err := s.startPayment(r, authFrom(r.Context()), p, false)
	if err != nil {
		return err
	}
	res := s.txnResponseOf(txn)
	if withToken && p.withPrefix("order.") != nil { // the order was created by this call
		res.Juspay = s.clientAuth(authtoken.Scope{MerchantID: txn.MerchantID, OrderID: txn.OrderID})
	}
	if !strings.EqualFold(p["format"], "json") {
		http.Redirect(w, r, res.Payment.Authentication.URL, http.StatusFound)
		return nil
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// txnResponseOf is /txns' answer for a payment just started.
func (s *Server) txnResponseOf(txn *coft.Txn) txnResponse {
	var res txnResponse
	res.OrderID, res.TxnID, res.TxnUUID, res.Status = txn.OrderID, txn.ID, txn.UUID, string(txn.Status)
	res.Payment.Authentication.Method = "GET"
	res.Payment.Authentication.URL = s.authenticationURL(txn)
	res.OfferDetails.Offers = []struct{}{}
	return res
}

// startPayment starts a card payment from /txns' fields, for a merchant
// (API key) or a browser holding the order's client token. askConsent
// shows the consent page when tokenize is absent even if the merchant has
// hosted consent off (the management screen is the service's own).
func (s *Server) startPayment(r *http.Request, a *auth, p params, askConsent bool) (*coft.Txn, error) {
	ctx := r.Context()
	m := a.merchant
	if err := unsupportedTxn(p); err != nil {
		return nil, err
	}
	if pmt := p["payment_method_type"]; pmt == "" {
		return nil, coft.Missing("payment_method_type")
	} else if !strings.EqualFold(pmt, "CARD") {
		return nil, coft.Invalid("payment_method_type", "payment_method_type must be CARD.")
	}
	if at := p["auth_type"]; at != "" && !strings.EqualFold(at, "THREE_DS") {
		return nil, coft.Invalid("auth_type", "auth_type must be THREE_DS.")
	}
	tokenize, err := p.bool("tokenize")
	if err != nil {
		return nil, err
	}
	saveToLocker, err := p.flag("save_to_locker")
	if err != nil {
		return nil, err
	}
	if _, err := p.bool("redirect_after_payment"); err != nil {
		return nil, err
	}

	// The order: named, or created in the same call with order.* fields.
	var order *coft.Order
	if p.withPrefix("order.") != nil {
		if a.client != nil {
			return nil, coft.Errorf(coft.EFORBIDDEN, "A client_auth_token cannot create orders.")
		}
		if order, err = s.orderFromParams(r, m, p, "order."); err != nil {
			return nil, err
		}
		if id := p["order_id"]; id != "" && id != order.OrderID {
			return nil, coft.Invalid("order_id", "order_id and order.order_id differ.")
		}
	} else {
		id := strings.TrimSpace(p["order_id"])
		if id == "" {
			return nil, coft.Missing("order_id")
		}
		if a.client != nil && a.client.OrderID != id {
			return nil, coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this order.")
		}
		if order, err = s.Store.FindOrder(ctx, m.ID, id); coft.ErrorCode(err) == coft.ENOTFOUND {
			return nil, coft.FieldError(coft.ENOTFOUND, "order_id", "Order not found.")
		} else if err != nil {
			return nil, err
		}
	}
	if order.Status == coft.StatusCharged {
		return nil, coft.FieldError(coft.ECONFLICT, "order_id", "Order %s is already paid.", order.OrderID)
	}
	if order.Expired(s.Now()) {
		return nil, coft.FieldError(coft.ECONFLICT, "order_id", "Order %s expired at %s.", order.OrderID, timestamp(order.ExpiresAt))
	}
	// The order's customer; nil also when the order names a customer the
	// merchant never created, until a card is saved for it (afterCharge).
	hasCustomer := order.CustomerID != ""
	var customer *coft.Customer
	if hasCustomer {
		if customer, err = s.Store.FindCustomer(ctx, m.ID, order.CustomerID); coft.ErrorCode(err) == coft.ENOTFOUND {
			customer = nil
		} else if err != nil {
			return nil, err
		}
	}

	t := &coft.Txn{UUID: coft.RandomHex(16), MerchantID: m.ID, OrderID: order.OrderID, Status: coft.StatusPendingVBV,
		SaveToLocker: saveToLocker, ReturnURL: order.ReturnURL}
	if customer != nil {
		t.CustomerID = customer.ID
	}
	var saved *coft.Card
	if tok := p["card_token"]; tok != "" {
		if saved, err = s.savedCardForTxn(r, m, customer, p, !askConsent); err != nil {
			return nil, err
		}
		c := saved
		t.CardReference, t.Fingerprint, t.ISIN, t.Last4 = c.Reference, c.Fingerprint, c.ISIN, c.Last4
		t.ExpMonth, t.ExpYear, t.NameOnCard, t.Brand, t.Type = c.ExpMonth, c.ExpYear, c.NameOnCard, c.Brand, c.Type
		t.SubType, t.Issuer, t.BankCode, t.IssuerCountry, t.IssuerTokenizes = c.SubType, c.Issuer, c.BankCode, c.IssuerCountry, c.IssuerTokenizes
		t.UsingSavedCard = true
		t.UsingToken = c.Token != nil && c.Token.Status == coft.TokenActive
	} else if err := s.newCardForTxn(t, p); err != nil {
		return nil, err
	}

	// Who decides about tokenization (the decision table of the README).
	support, err := s.payments.TokenizeSupport(ctx, m, order.Metadata["submerchant_id"], t.Card().Bin())
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
	var declared *coft.Consent
	if p["consent_id"] != "" && tokenize == nil {
		return nil, coft.Invalid("consent_id", "consent_id needs tokenize=true|false.")
	}
	var pageConsent string
	switch {
	case tokenize != nil:
		t.Tokenize = coft.TokenizeFalse
		if *tokenize {
			t.Tokenize = coft.TokenizeTrue
		}
		d := *tokenize
		t.Consent = &d
		declared = &coft.Consent{Decision: d, Channel: coft.ChannelMerchantDeclared, Locale: "",
			ClientIP: clientIP(r), UserAgent: truncate(r.UserAgent(), 512)}
		if id := strings.TrimSpace(p["consent_id"]); id != "" {
			// The decision taken in the dialog on the merchant's page:
			// its evidence becomes this payment's, once.
			pc, err := s.Store.FindPageConsent(ctx, m.ID, id)
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
				ClientIP: pc.ClientIP, UserAgent: pc.UserAgent, ShownAt: pc.ShownAt}
			pageConsent = pc.ID
		}
	case (m.HostedConsent || askConsent) && support && hasCustomer && !tokenized:
		t.ConsentAsked = true
	}
	if (t.Tokenize == coft.TokenizeTrue || saveToLocker) && !hasCustomer {
		return nil, coft.FieldError(coft.EINVALID, "customer_id", "Saving or tokenizing a card needs an order with a customer_id.")
	}

	if order.ID == "" { // created by this call
		if err := s.Store.CreateOrder(ctx, order); err != nil {
			return nil, prefixField(err, "order.")
		}
	}
	txn, reused, err := s.Store.StartTxn(ctx, t, s.Now().Add(-s.AuthWindow), declared)
	if err == nil && pageConsent != "" && !reused {
		// The decision is this payment's now, and no other's.
		_, err = s.Store.UsePageConsent(ctx, m.ID, pageConsent, txn.UUID)
	}
	return txn, err
}

// authenticationURL is where the customer goes next: the consent page
// while consent is pending, else the bank page.
func (s *Server) authenticationURL(t *coft.Txn) string {
	if t.ConsentPending() {
		return s.BaseURL + "/v2/txns/consent/" + t.MerchantID + "/" + t.UUID
	}
	return s.BaseURL + "/v2/pay/start/" + t.MerchantID + "/" + t.UUID
}

// cardInput is the card fields of a payment request.
func cardInput(p params) coft.CardInput {
	return coft.CardInput{Number: p["card_number"], ExpMonth: p["card_exp_month"], ExpYear: p["card_exp_year"],
		CVV: p["card_security_code"], Name: p["name_on_card"]}
}

// newCardForTxn checks a new card's fields and puts what may be kept on t,
// the number sealed.
func (s *Server) newCardForTxn(t *coft.Txn, p params) error {
	in := cardInput(p)
	if err := in.Validate(s.Now()); err != nil {
		return err
	}
	bin, ok := s.Bins.Lookup(in.Number)
	if !ok {
		return coft.Invalid("card_number", "The card's network is not supported.")
	}
	if pm := p["payment_method"]; pm != "" && !strings.EqualFold(pm, bin.Brand) {
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

// savedCardForTxn resolves card_token to a card of the order's customer.
// Its security code is needed unless the card may pay without one
// (cvvLess) or cvvNeeded is false: the service's own one-rupee check of
// out-of-band tokenization, which the bank's OTP authenticates.
func (s *Server) savedCardForTxn(r *http.Request, m *coft.Merchant, customer *coft.Customer, p params, cvvNeeded bool) (*coft.Card, error) {
	c, err := s.cardByToken(r, m, p["card_token"])
	if err != nil {
		return nil, err
	}
	if customer == nil || customer.ID != c.CustomerID {
		return nil, coft.Invalid("card_token", "The card does not belong to the order's customer.")
	}
	if err := c.ValidatePayment(cardInput(p), s.Now(), cvvNeeded, s.payments.CVVLess(c)); err != nil {
		return nil, err
	}
	return c, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
