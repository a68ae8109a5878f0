package juspay

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// Views builds the objects of the API's answers.
type Views struct {
	// BaseURL is the service's, e.g. "https://pay.example.com", for
	// payment links.
	BaseURL string
	// Bank names the gateway payments go through and gives its answers.
	Bank coft.Bank
}

// Order is the order object of Order Status, Create Order (with a
// client auth token) and webhooks.
type Order struct {
	ID              string       `json:"id"`
	OrderID         string       `json:"order_id"`
	MerchantID      string       `json:"merchant_id"`
	Amount          coft.Amount  `json:"amount"`
	Currency        string       `json:"currency"`
	Status          string       `json:"status"`
	StatusID        int          `json:"status_id"`
	CustomerID      string       `json:"customer_id"`
	CustomerEmail   string       `json:"customer_email"`
	CustomerPhone   string       `json:"customer_phone"`
	ReturnURL       string       `json:"return_url"`
	ProductID       string       `json:"product_id"`
	Description     string       `json:"description"`
	DateCreated     string       `json:"date_created"`
	UDF1            string       `json:"udf1"`
	UDF2            string       `json:"udf2"`
	UDF3            string       `json:"udf3"`
	UDF4            string       `json:"udf4"`
	UDF5            string       `json:"udf5"`
	UDF6            string       `json:"udf6"`
	UDF7            string       `json:"udf7"`
	UDF8            string       `json:"udf8"`
	UDF9            string       `json:"udf9"`
	UDF10           string       `json:"udf10"`
	PaymentLinks    PaymentLinks `json:"payment_links"`
	Refunded        bool         `json:"refunded"`
	AmountRefunded  coft.Amount  `json:"amount_refunded"`
	EffectiveAmount coft.Amount  `json:"effective_amount"`
	Juspay          *ClientAuth  `json:"juspay,omitempty"`
	Refunds         []Refund     `json:"refunds,omitempty"`
	// Metadata is the order's metadata.* fields, with the links of its
	// payment page (Juspay's metadata.payment_links).
	Metadata map[string]any `json:"metadata"`
	// Offers is always empty: no offers are served.
	Offers []struct{} `json:"offers"`
	// MaximumEligibleRefundAmount is what may still be refunded (CHARGED
	// orders only).
	MaximumEligibleRefundAmount *coft.Amount `json:"maximum_eligible_refund_amount,omitempty"`

	// Present once the order has a transaction.
	TxnID                  string           `json:"txn_id,omitempty"`
	TxnUUID                string           `json:"txn_uuid,omitempty"`
	PaymentMethodType      string           `json:"payment_method_type,omitempty"`
	PaymentMethod          string           `json:"payment_method,omitempty"`
	AuthType               string           `json:"auth_type,omitempty"`
	RespCode               *string          `json:"resp_code,omitempty"`
	RespMessage            *string          `json:"resp_message,omitempty"`
	TxnDetail              *TxnDetail       `json:"txn_detail,omitempty"`
	PaymentGatewayResponse *GatewayResponse `json:"payment_gateway_response,omitempty"`
	Card                   *OrderCard       `json:"card,omitempty"`
	// The gateway's decline (bank_error_*: "" unless the issuer declined),
	// and the gateway the payment went through.
	BankErrorCode    *string `json:"bank_error_code,omitempty"`
	BankErrorMessage *string `json:"bank_error_message,omitempty"`
	GatewayID        *int    `json:"gateway_id,omitempty"`
	// Juspay's keys that have no value here, null as Juspay gives them:
	// bank_pg (no separate bank gateway), gateway_reference_id (one set of
	// gateway credentials) and rewards_breakup (no rewards).
	BankPG             *Null `json:"bank_pg,omitempty"`
	GatewayReferenceID *Null `json:"gateway_reference_id,omitempty"`
	RewardsBreakup     *Null `json:"rewards_breakup,omitempty"`
}

// Null is written as null: a key Juspay shows where this service has
// nothing to put. A nil *Null is null too; with omitempty, absent.
type Null struct{}

// MarshalJSON writes null.
func (Null) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

var null = &Null{}

type TxnDetail struct {
	TxnID     string      `json:"txn_id"`
	OrderID   string      `json:"order_id"`
	Status    string      `json:"status"`
	TxnUUID   string      `json:"txn_uuid"`
	TxnAmount coft.Amount `json:"txn_amount"`
	// NetAmount is what was charged: the transaction's amount (no
	// surcharge, tax or offers apply).
	NetAmount coft.Amount `json:"net_amount"`
	Currency  string      `json:"currency"`
	// ErrorCode is null while the payment is in progress, then "" or the
	// failure's code.
	ErrorCode    *string `json:"error_code"`
	ErrorMessage string  `json:"error_message"`
	Created      string  `json:"created"`
	Gateway      string  `json:"gateway"`
	GatewayID    int     `json:"gateway_id"`
	// ExpressCheckout: the payment came through the Express Checkout API
	// (/txns or the hosted page that calls it); Redirect: the customer is
	// sent to the bank's page to authenticate. Both true of every payment.
	ExpressCheckout bool `json:"express_checkout"`
	Redirect        bool `json:"redirect"`
	// TxnAmountBreakup is Juspay's JSON text of the amount's parts: here
	// the one BASE part.
	TxnAmountBreakup string `json:"txn_amount_breakup"`
	// Metadata is the transaction's own metadata: none is taken.
	Metadata map[string]string `json:"metadata"`
	// No surcharge or tax is added: null, as Juspay shows it.
	SurchargeAmount *Null `json:"surcharge_amount"`
	TaxAmount       *Null `json:"tax_amount"`
}

type GatewayResponse struct {
	RespCode    string `json:"resp_code"`
	RespMessage string `json:"resp_message"`
	RRN         string `json:"rrn"`
	EpgTxnID    string `json:"epg_txn_id"`
	AuthIDCode  string `json:"auth_id_code"`
	Created     string `json:"created"`
	TxnID       string `json:"txn_id"`
	// GatewayResponse is the gateway's own answer, in its keys (Bank.GatewayResponse).
	GatewayResponse map[string]string `json:"gateway_response,omitempty"`
}

// OrderCard is the "card" block of order status and webhooks.
type OrderCard struct {
	ExpiryYear              string  `json:"expiry_year"`
	ExpiryMonth             string  `json:"expiry_month"`
	CardReference           string  `json:"card_reference,omitempty"`
	SavedToLocker           bool    `json:"saved_to_locker"`
	NameOnCard              string  `json:"name_on_card"`
	CardIssuer              string  `json:"card_issuer"`
	LastFourDigits          string  `json:"last_four_digits"`
	UsingSavedCard          bool    `json:"using_saved_card"`
	CardFingerprint         string  `json:"card_fingerprint"`
	CardISIN                string  `json:"card_isin"`
	CardType                string  `json:"card_type"`
	CardBrand               string  `json:"card_brand"`
	CardSubType             *string `json:"card_sub_type"`
	UsingToken              bool    `json:"using_token"`
	TokenizationUserConsent *bool   `json:"tokenization_user_consent,omitempty"`
	Token                   *Token  `json:"token,omitempty"`
}

type PaymentLinks struct {
	Web    string `json:"web"`
	Mobile string `json:"mobile"`
	Iframe string `json:"iframe"`
}

type ClientAuth struct {
	ClientAuthToken       string `json:"client_auth_token"`
	ClientAuthTokenExpiry string `json:"client_auth_token_expiry"`
}

// PaymentLinks are an order's hosted payment page links.
func (v Views) PaymentLinks(o *coft.Order) PaymentLinks {
	base := v.BaseURL + "/orders/" + o.ID + "/payment-page"
	return PaymentLinks{Web: base, Mobile: base + "?mobile=true", Iframe: base + "?iframe=true"}
}

// Order is an order without its payment.
func (v Views) Order(o *coft.Order) *Order {
	ov := &Order{
		ID: o.ID, OrderID: o.OrderID, MerchantID: o.MerchantID, Amount: o.Amount, Currency: o.Currency,
		Status: string(o.Status), StatusID: o.Status.ID(), CustomerID: o.CustomerID,
		CustomerEmail: o.CustomerEmail, CustomerPhone: o.CustomerPhone, ReturnURL: o.ReturnURL,
		ProductID: o.ProductID, Description: o.Description, DateCreated: Timestamp(o.CreatedAt),
		UDF1: o.UDF[0], UDF2: o.UDF[1], UDF3: o.UDF[2], UDF4: o.UDF[3], UDF5: o.UDF[4],
		UDF6: o.UDF[5], UDF7: o.UDF[6], UDF8: o.UDF[7], UDF9: o.UDF[8], UDF10: o.UDF[9],
		PaymentLinks: v.PaymentLinks(o), EffectiveAmount: o.Amount, Offers: []struct{}{},
	}
	ov.Metadata = make(map[string]any, len(o.Metadata)+1)
	for k, val := range o.Metadata {
		ov.Metadata[k] = val
	}
	ov.Metadata["payment_links"] = ov.PaymentLinks
	return ov
}

// Timestamp is a time as the API writes it.
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// OrderFields are the fields Create Order accepts: every field Juspay
// documents for it. Those this service has no use for (gateway routing,
// UPI, offers, mutual funds, mandates) are accepted and ignored; a mandate
// that is REQUIRED is refused, since none would be made.
var OrderFields = Fields{"order_id", "amount", "currency", "customer_id", "customer_email", "customer_phone",
	"return_url", "description", "product_id", "udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7",
	"udf8", "udf9", "udf10", "billing_address_", "shipping_address_", "metadata.", "options.",
	"gateway_id", "mandate_max_amount", "mandate.", "mandate_id", "options_get_upi_deep_links",
	"mutual_fund_details", "order_fullfillment_threshold_in_mins", "order_type", "basket",
	"split_settlement_details", "source_object", "source_object_id"}

// NewOrder builds a new order of m from Create Order's fields. prefix is
// "" for POST /orders and "order." when the order comes inside /txns.
func NewOrder(m *coft.Merchant, p Params, prefix string) (*coft.Order, error) {
	get := func(k string) string { return strings.TrimSpace(p[prefix+k]) }
	o := &coft.Order{
		MerchantID: m.ID, OrderID: get("order_id"), Currency: strings.ToUpper(get("currency")),
		Status: coft.StatusNew, CustomerID: get("customer_id"), CustomerEmail: get("customer_email"),
		CustomerPhone: get("customer_phone"), ReturnURL: get("return_url"), Description: get("description"),
		ProductID:       get("product_id"),
		BillingAddress:  p.WithPrefix(prefix + "billing_address_"),
		ShippingAddress: p.WithPrefix(prefix + "shipping_address_"),
		Metadata:        p.WithPrefix(prefix + "metadata."),
	}
	if o.OrderID == "" {
		return nil, coft.Missing(prefix + "order_id")
	}
	if strings.EqualFold(get("options.create_mandate"), "REQUIRED") {
		return nil, coft.Invalid(prefix+"options.create_mandate", "Mandates are not offered: options.create_mandate can be OPTIONAL or absent.")
	}
	amount, err := coft.ParseAmount(prefix+"amount", get("amount"))
	if err != nil {
		return nil, err
	}
	o.Amount = amount
	if o.Currency == "" {
		o.Currency = "INR"
	}
	if o.ReturnURL == "" {
		o.ReturnURL = m.ReturnURL
	}
	if wh, ok := o.Metadata["webhook_url"]; ok {
		o.WebhookURL = wh
		delete(o.Metadata, "webhook_url")
	}
	for i := range coft.MaxUDF {
		o.UDF[i] = get(coft.UDFName(i))
	}
	if err := o.Validate(); err != nil {
		return nil, coft.PrefixField(err, prefix)
	}
	if o.CustomerID != "" && !coft.ValidReference(o.CustomerID, 128) {
		return nil, coft.Invalid(prefix+"customer_id", "customer_id must be at most 128 letters, digits or one of _-.@+:")
	}
	return o, nil
}

// OrderStatus is the order with the payment it reports (t, nil when it
// has none), the payment's saved card (nil when none, or deleted) and the
// order's refunds.
func (v Views) OrderStatus(o *coft.Order, t *coft.Txn, card *coft.Card, refunds []*coft.Refund) *Order {
	ov := v.Order(o)
	if t == nil {
		return ov
	}
	ov.TxnID, ov.TxnUUID, ov.PaymentMethodType, ov.PaymentMethod, ov.AuthType = t.ID, t.UUID, "CARD", t.Brand, "THREE_DS"
	ov.RespCode, ov.RespMessage = &t.RespCode, &t.RespMessage
	ov.TxnDetail = v.TxnDetail(o, t)
	ov.PaymentGatewayResponse = v.GatewayResponse(t)
	bankCode, bankMessage := "", ""
	if t.Status == coft.StatusAuthorizationFailed { // the issuer declined: its code and message
		bankCode, bankMessage = t.RespCode, t.RespMessage
	}
	gatewayID := ov.TxnDetail.GatewayID
	ov.BankErrorCode, ov.BankErrorMessage, ov.GatewayID = &bankCode, &bankMessage, &gatewayID
	ov.BankPG, ov.GatewayReferenceID, ov.RewardsBreakup = null, null, null
	c := &OrderCard{ExpiryYear: t.ExpYear, ExpiryMonth: t.ExpMonth, CardReference: t.CardReference,
		NameOnCard: t.NameOnCard, CardIssuer: t.Issuer, LastFourDigits: t.Last4, UsingSavedCard: t.UsingSavedCard,
		CardFingerprint: t.Fingerprint, CardISIN: t.ISIN, CardType: t.Type, CardBrand: t.Brand,
		UsingToken: t.UsingToken, TokenizationUserConsent: t.Consent}
	if t.SubType != "" {
		c.CardSubType = &t.SubType
	}
	if card != nil && t.Status == coft.StatusCharged {
		c.SavedToLocker = len(card.PANCiphertext) > 0
		if t.TokenReference != "" && card.Token != nil && card.Token.Reference == t.TokenReference {
			c.Token = TokenOf(card)
		}
	}
	ov.Card = c
	if o.Status == coft.StatusCharged { // only charged orders have refunds
		if len(refunds) > 0 {
			ov.Refunds, ov.AmountRefunded = v.Refunds(refunds)
			ov.Refunded = ov.AmountRefunded > 0 && ov.AmountRefunded >= o.Amount
			ov.EffectiveAmount = o.Amount - ov.AmountRefunded
		}
		left := o.Amount
		for _, r := range refunds { // as Refund counts: refunds that have not failed
			if r.Status != coft.RefundFailure {
				left -= r.Amount
			}
		}
		ov.MaximumEligibleRefundAmount = &left
	}
	return ov
}

// TxnDetail is a payment's txn_detail (and, with status_id and the
// payment method, the txn object of TXN_* webhooks).
func (v Views) TxnDetail(o *coft.Order, t *coft.Txn) *TxnDetail {
	gw := v.Bank.Gateway()
	breakup, _ := json.Marshal([]struct {
		Name   string      `json:"name"`
		Value  coft.Amount `json:"value"`
		SNo    int         `json:"sno"`
		Method string      `json:"method"`
	}{{"BASE", t.Amount, 1, "ADD"}})
	d := &TxnDetail{TxnID: t.ID, OrderID: t.OrderID, Status: string(t.Status), TxnUUID: t.UUID, TxnAmount: t.Amount,
		NetAmount: t.Amount, Currency: o.Currency, ErrorMessage: t.ErrorMessage, Created: Timestamp(t.CreatedAt),
		Gateway: gw.Name, GatewayID: gw.ID, ExpressCheckout: true, Redirect: true,
		TxnAmountBreakup: string(breakup), Metadata: map[string]string{}}
	if t.Done() {
		d.ErrorCode = &t.ErrorCode
	}
	return d
}

// GatewayResponse is a payment's payment_gateway_response.
func (v Views) GatewayResponse(t *coft.Txn) *GatewayResponse {
	return &GatewayResponse{RespCode: t.RespCode, RespMessage: t.RespMessage, EpgTxnID: t.UUID[:16],
		Created: Timestamp(t.CreatedAt), TxnID: t.ID, GatewayResponse: v.Bank.GatewayResponse(t)}
}
