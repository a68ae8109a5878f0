package juspay

import (
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/payment"
)

// TxnFields are the Fields /txns accepts, besides "order." ones: every
// card field Juspay documents. Offers, SDK parameters and the transaction
// type are accepted and ignored (this service has no offers and one way to
// pay: an authenticated card payment); what it cannot do is refused by
// unsupportedTxn, naming the field.
var TxnFields = Fields{"order_id", "payment_method_type", "payment_method", "card_number", "card_exp_month",
	"card_exp_year", "name_on_card", "card_security_code", "card_token", "save_to_locker", "tokenize",
	"redirect_after_payment", "auth_type", "consent_id", "order.", "is_emi", "emi_bank", "emi_tenure", "emi_type",
	"offers", "offer_id", "sdk_params", "sdk_pg_params", "txn_type", "should_create_mandate", "mandate_type",
	"card_encoding_version", "client_enc_key_id", "tavv", "token.", "cryptogram"}

// unsupportedTxn refuses, with the field named, the documented ways to pay
// that this service does not offer.
func unsupportedTxn(p Params) error {
	for _, k := range []string{"is_emi", "should_create_mandate"} {
		if b, err := p.Bool(k); err != nil {
			return err
		} else if b != nil && *b {
			return coft.Invalid(k, "%s=true is not offered: this service takes full card payments, without EMI or mandates.", k)
		}
	}
	if p["card_encoding_version"] != "" || p["client_enc_key_id"] != "" {
		return coft.Invalid("card_encoding_version", "Encrypted card Fields are not offered: send the card's Fields over TLS, or save it and pay with card_token.")
	}
	if p["tavv"] != "" || p["cryptogram"] != "" || p.WithPrefix("token.") != nil {
		return coft.Invalid("tavv", "Paying with your own network token and cryptogram is not offered: pay with the card, or a saved card's card_token.")
	}
	return nil
}

// TxnResponse is /txns' answer.
type TxnResponse struct {
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
	Juspay *ClientAuth `json:"juspay,omitempty"`
}

// TxnResponse is /txns' answer for a payment just started.
func (v Views) TxnResponse(t *coft.Txn) *TxnResponse {
	var res TxnResponse
	res.OrderID, res.TxnID, res.TxnUUID, res.Status = t.OrderID, t.ID, t.UUID, string(t.Status)
	res.Payment.Authentication.Method = "GET"
	res.Payment.Authentication.URL = v.AuthenticationURL(t)
	res.OfferDetails.Offers = []struct{}{}
	return &res
}

// AuthenticationURL is where the customer goes next: the consent page
// while consent is pending, else the bank page.
func (v Views) AuthenticationURL(t *coft.Txn) string {
	if t.ConsentPending() {
		return v.BaseURL + "/v2/txns/consent/" + t.MerchantID + "/" + t.UUID
	}
	return v.BaseURL + "/v2/pay/start/" + t.MerchantID + "/" + t.UUID
}

// StartRequest decodes /txns' fields into the payment to start for m. The
// order is named by order_id, or created with the order.* fields. The
// caller adds who asks (client token checks) and the client's address.
func StartRequest(m *coft.Merchant, p Params) (payment.StartRequest, error) {
	var req payment.StartRequest
	if err := unsupportedTxn(p); err != nil {
		return req, err
	}
	if pmt := p["payment_method_type"]; pmt == "" {
		return req, coft.Missing("payment_method_type")
	} else if !strings.EqualFold(pmt, "CARD") {
		return req, coft.Invalid("payment_method_type", "payment_method_type must be CARD.")
	}
	if at := p["auth_type"]; at != "" && !strings.EqualFold(at, "THREE_DS") {
		return req, coft.Invalid("auth_type", "auth_type must be THREE_DS.")
	}
	tokenize, err := p.Bool("tokenize")
	if err != nil {
		return req, err
	}
	saveToLocker, err := p.Flag("save_to_locker")
	if err != nil {
		return req, err
	}
	if _, err := p.Bool("redirect_after_payment"); err != nil {
		return req, err
	}
	req = payment.StartRequest{Merchant: m, Card: coft.CardInput{Number: p["card_number"], ExpMonth: p["card_exp_month"],
		ExpYear: p["card_exp_year"], CVV: p["card_security_code"], Name: p["name_on_card"]},
		CardToken: p["card_token"], PaymentMethod: p["payment_method"], Tokenize: tokenize,
		ConsentID: strings.TrimSpace(p["consent_id"]), SaveToLocker: saveToLocker}
	if p.WithPrefix("order.") != nil {
		if req.NewOrder, err = NewOrder(m, p, "order."); err != nil {
			return req, err
		}
		if id := p["order_id"]; id != "" && id != req.NewOrder.OrderID {
			return req, coft.Invalid("order_id", "order_id and order.order_id differ.")
		}
	} else if req.OrderID = strings.TrimSpace(p["order_id"]); req.OrderID == "" {
		return req, coft.Missing("order_id")
	}
	return req, nil
}
