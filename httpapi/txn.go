package httpapi

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/payment"
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

// startPayment decodes /txns' fields and starts the card payment, for a
// merchant (API key) or a browser holding the order's client token. own is
// the service's own one-rupee check of out-of-band tokenization (see
// payment.StartRequest).
func (s *Server) startPayment(r *http.Request, a *auth, p params, own bool) (*coft.Txn, error) {
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
	req := payment.StartRequest{Merchant: m, Card: cardInput(p), CardToken: p["card_token"], PaymentMethod: p["payment_method"],
		Tokenize: tokenize, ConsentID: strings.TrimSpace(p["consent_id"]), SaveToLocker: saveToLocker, Own: own,
		ClientIP: clientIP(r), UserAgent: truncate(r.UserAgent(), 512)}
	if p.withPrefix("order.") != nil {
		if a.client != nil {
			return nil, coft.Errorf(coft.EFORBIDDEN, "A client_auth_token cannot create orders.")
		}
		if req.NewOrder, err = s.orderFromParams(r, m, p, "order."); err != nil {
			return nil, err
		}
		if id := p["order_id"]; id != "" && id != req.NewOrder.OrderID {
			return nil, coft.Invalid("order_id", "order_id and order.order_id differ.")
		}
	} else {
		if req.OrderID = strings.TrimSpace(p["order_id"]); req.OrderID == "" {
			return nil, coft.Missing("order_id")
		}
		if a.client != nil && a.client.OrderID != req.OrderID {
			return nil, coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this order.")
		}
	}
	return s.payments.Start(r.Context(), req, s.cfg.AuthWindow)
}

// authenticationURL is where the customer goes next: the consent page
// while consent is pending, else the bank page.
func (s *Server) authenticationURL(t *coft.Txn) string {
	if t.ConsentPending() {
		return s.cfg.BaseURL + "/v2/txns/consent/" + t.MerchantID + "/" + t.UUID
	}
	return s.cfg.BaseURL + "/v2/pay/start/" + t.MerchantID + "/" + t.UUID
}

// cardInput is the card fields of a payment request.
func cardInput(p params) coft.CardInput {
	return coft.CardInput{Number: p["card_number"], ExpMonth: p["card_exp_month"], ExpYear: p["card_exp_year"],
		CVV: p["card_security_code"], Name: p["name_on_card"]}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
