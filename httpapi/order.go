package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
)

// orderView is the order object of Order Status, Create Order (with a
// client auth token) and webhooks.
type orderView struct {
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
	PaymentLinks    paymentLinks `json:"payment_links"`
	Refunded        bool         `json:"refunded"`
	AmountRefunded  coft.Amount  `json:"amount_refunded"`
	EffectiveAmount coft.Amount  `json:"effective_amount"`
	Juspay          *clientAuth  `json:"juspay,omitempty"`
	Refunds         []refundView `json:"refunds,omitempty"`
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
	TxnDetail              *txnDetail       `json:"txn_detail,omitempty"`
	PaymentGatewayResponse *gatewayResponse `json:"payment_gateway_response,omitempty"`
	Card                   *orderCard       `json:"card,omitempty"`
	// The gateway's decline (bank_error_*: "" unless the issuer declined),
	// and the gateway the payment went through.
	BankErrorCode    *string `json:"bank_error_code,omitempty"`
	BankErrorMessage *string `json:"bank_error_message,omitempty"`
	GatewayID        *int    `json:"gateway_id,omitempty"`
	// Juspay's keys that have no value here, null as Juspay gives them:
	// bank_pg (no separate bank gateway), gateway_reference_id (one set of
	// gateway credentials) and rewards_breakup (no rewards).
	BankPG             *jsonNull `json:"bank_pg,omitempty"`
	GatewayReferenceID *jsonNull `json:"gateway_reference_id,omitempty"`
	RewardsBreakup     *jsonNull `json:"rewards_breakup,omitempty"`
}

// jsonNull is written as null: a key Juspay shows where this service has
// nothing to put. A nil *jsonNull is null too; with omitempty, absent.
type jsonNull struct{}

// MarshalJSON writes null.
func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

var null = &jsonNull{}

type txnDetail struct {
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
	SurchargeAmount *jsonNull `json:"surcharge_amount"`
	TaxAmount       *jsonNull `json:"tax_amount"`
}

type gatewayResponse struct {
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

// orderCard is the "card" block of order status and webhooks.
type orderCard struct {
	ExpiryYear              string     `json:"expiry_year"`
	ExpiryMonth             string     `json:"expiry_month"`
	CardReference           string     `json:"card_reference,omitempty"`
	SavedToLocker           bool       `json:"saved_to_locker"`
	NameOnCard              string     `json:"name_on_card"`
	CardIssuer              string     `json:"card_issuer"`
	LastFourDigits          string     `json:"last_four_digits"`
	UsingSavedCard          bool       `json:"using_saved_card"`
	CardFingerprint         string     `json:"card_fingerprint"`
	CardISIN                string     `json:"card_isin"`
	CardType                string     `json:"card_type"`
	CardBrand               string     `json:"card_brand"`
	CardSubType             *string    `json:"card_sub_type"`
	UsingToken              bool       `json:"using_token"`
	TokenizationUserConsent *bool      `json:"tokenization_user_consent,omitempty"`
	Token                   *tokenView `json:"token,omitempty"`
}

type paymentLinks struct {
	Web    string `json:"web"`
	Mobile string `json:"mobile"`
	Iframe string `json:"iframe"`
}

type clientAuth struct {
	ClientAuthToken       string `json:"client_auth_token"`
	ClientAuthTokenExpiry string `json:"client_auth_token_expiry"`
}

func (s *Server) paymentLinks(o *coft.Order) paymentLinks {
	base := s.cfg.BaseURL + "/orders/" + o.ID + "/payment-page"
	return paymentLinks{Web: base, Mobile: base + "?mobile=true", Iframe: base + "?iframe=true"}
}

func (s *Server) orderView(o *coft.Order) *orderView {
	v := &orderView{
		ID: o.ID, OrderID: o.OrderID, MerchantID: o.MerchantID, Amount: o.Amount, Currency: o.Currency,
		Status: string(o.Status), StatusID: o.Status.ID(), CustomerID: o.CustomerID,
		CustomerEmail: o.CustomerEmail, CustomerPhone: o.CustomerPhone, ReturnURL: o.ReturnURL,
		ProductID: o.ProductID, Description: o.Description, DateCreated: timestamp(o.CreatedAt),
		UDF1: o.UDF[0], UDF2: o.UDF[1], UDF3: o.UDF[2], UDF4: o.UDF[3], UDF5: o.UDF[4],
		UDF6: o.UDF[5], UDF7: o.UDF[6], UDF8: o.UDF[7], UDF9: o.UDF[8], UDF10: o.UDF[9],
		PaymentLinks: s.paymentLinks(o), EffectiveAmount: o.Amount, Offers: []struct{}{},
	}
	v.Metadata = make(map[string]any, len(o.Metadata)+1)
	for k, val := range o.Metadata {
		v.Metadata[k] = val
	}
	v.Metadata["payment_links"] = v.PaymentLinks
	return v
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// orderFields are the fields Create Order accepts: every field Juspay
// documents for it. Those this service has no use for (gateway routing,
// UPI, offers, mutual funds, mandates) are accepted and ignored; a mandate
// that is REQUIRED is refused, since none would be made.
var orderFields = fields{"order_id", "amount", "currency", "customer_id", "customer_email", "customer_phone",
	"return_url", "description", "product_id", "udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7",
	"udf8", "udf9", "udf10", "billing_address_", "shipping_address_", "metadata.", "options.",
	"gateway_id", "mandate_max_amount", "mandate.", "mandate_id", "options_get_upi_deep_links",
	"mutual_fund_details", "order_fullfillment_threshold_in_mins", "order_type", "basket",
	"split_settlement_details", "source_object", "source_object_id"}

// handleOrderCreate serves POST /orders.
func (s *Server) handleOrderCreate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, orderFields)
	if err != nil {
		return err
	}
	o, err := s.orderFromParams(r, a.merchant, p, "")
	if err != nil {
		return err
	}
	withToken, err := p.flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.CreateOrder(r.Context(), o); err != nil {
		return err
	}
	if !withToken {
		writeJSON(w, http.StatusOK, struct {
			Status       string       `json:"status"`
			StatusID     int          `json:"status_id"`
			ID           string       `json:"id"`
			OrderID      string       `json:"order_id"`
			PaymentLinks paymentLinks `json:"payment_links"`
		}{string(coft.StatusCreated), coft.StatusCreated.ID(), o.ID, o.OrderID, s.paymentLinks(o)})
		return nil
	}
	v := s.orderView(o)
	v.Juspay = s.clientAuth(authtoken.Scope{MerchantID: o.MerchantID, OrderID: o.OrderID})
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) clientAuth(scope authtoken.Scope) *clientAuth {
	tok, exp := s.cfg.Tokens.ClientAuthToken(scope, s.cfg.ClientTokenTTL)
	return &clientAuth{ClientAuthToken: tok, ClientAuthTokenExpiry: timestamp(exp)}
}

// orderFromParams builds a new order from Create Order's fields. prefix is
// "" for POST /orders and "order." when the order comes inside /txns.
func (s *Server) orderFromParams(r *http.Request, m *coft.Merchant, p params, prefix string) (*coft.Order, error) {
	get := func(k string) string { return strings.TrimSpace(p[prefix+k]) }
	o := &coft.Order{
		MerchantID: m.ID, OrderID: get("order_id"), Currency: strings.ToUpper(get("currency")),
		Status: coft.StatusNew, CustomerID: get("customer_id"), CustomerEmail: get("customer_email"),
		CustomerPhone: get("customer_phone"), ReturnURL: get("return_url"), Description: get("description"),
		ProductID:       get("product_id"),
		BillingAddress:  p.withPrefix(prefix + "billing_address_"),
		ShippingAddress: p.withPrefix(prefix + "shipping_address_"),
		Metadata:        p.withPrefix(prefix + "metadata."),
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
	// A customer_id the merchant never created is kept as given: the
	// customer is created when a card is first saved for it. A cst_… id,
	// though, is one this service issued: it must be one of the merchant's.
	if o.CustomerID != "" && !coft.ValidReference(o.CustomerID, 128) {
		return nil, coft.Invalid(prefix+"customer_id", "customer_id must be at most 128 letters, digits or one of _-.@+:")
	}
	if strings.HasPrefix(o.CustomerID, "cst_") {
		if _, err := s.cfg.Store.FindCustomer(r.Context(), m.ID, o.CustomerID); coft.ErrorCode(err) == coft.ENOTFOUND {
			return nil, coft.FieldError(coft.EINVALID, prefix+"customer_id", "customer_id does not name a customer of this merchant.")
		} else if err != nil {
			return nil, err
		}
	}
	return o, nil
}

// orderStatusFields are the fields Order Status accepts. Juspay's
// options.add_full_gateway_response adds nothing here: the gateway
// response is always given.
var orderStatusFields = fields{"options.add_full_gateway_response"}

// handleOrderStatus serves GET /orders/{order_id}, and the forms that name
// the order in the parameters: POST /v4/order-status (the body Juspay's
// SDKs send encrypted) and the older GET /order/status?order_id= and POST
// /order/status.
func (s *Server) handleOrderStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(w, r, append(fields{"order_id"}, orderStatusFields...))
	if err != nil {
		return err
	}
	id, err := orderIDOf(r, p)
	if err != nil {
		return err
	}
	return s.writeOrderStatus(w, r, id)
}

// orderIDOf is the order a request names: in the path, or (the older
// forms /order/status, /order/update, /order/refund) in the parameters.
func orderIDOf(r *http.Request, p params) (string, error) {
	id := r.PathValue("order_id")
	if id == "" {
		if id = strings.TrimSpace(p["order_id"]); id == "" {
			return "", coft.Missing("order_id")
		}
	}
	return id, sameID(p, "order_id", id)
}

// sameID accepts an id repeated in the parameters (Juspay's SDKs repeat
// order_id and customer_id in the query or body) only when it names the
// same object as the path.
func sameID(p params, key, pathID string) error {
	if v, ok := p[key]; ok && v != "" && v != pathID {
		return coft.Invalid(key, "%s differs from the one in the path.", key)
	}
	return nil
}

func (s *Server) writeOrderStatus(w http.ResponseWriter, r *http.Request, orderID string) error {
	a := authFrom(r.Context())
	o, t, err := s.cfg.Store.FindOrderStatus(r.Context(), a.merchant.ID, orderID)
	if err != nil {
		return err
	}
	v, err := s.orderStatusView(r.Context(), o, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// orderStatusView is the order with the transaction it reports (nil when
// it has none).
func (s *Server) orderStatusView(ctx context.Context, o *coft.Order, t *coft.Txn) (*orderView, error) {
	v := s.orderView(o)
	if t == nil {
		return v, nil
	}
	v.TxnID, v.TxnUUID, v.PaymentMethodType, v.PaymentMethod, v.AuthType = t.ID, t.UUID, "CARD", t.Brand, "THREE_DS"
	v.RespCode, v.RespMessage = &t.RespCode, &t.RespMessage
	v.TxnDetail = s.txnDetailOf(o, t)
	v.PaymentGatewayResponse = s.gatewayResponseOf(t)
	bankCode, bankMessage := "", ""
	if t.Status == coft.StatusAuthorizationFailed { // the issuer declined: its code and message
		bankCode, bankMessage = t.RespCode, t.RespMessage
	}
	gatewayID := v.TxnDetail.GatewayID
	v.BankErrorCode, v.BankErrorMessage, v.GatewayID = &bankCode, &bankMessage, &gatewayID
	v.BankPG, v.GatewayReferenceID, v.RewardsBreakup = null, null, null
	c := &orderCard{ExpiryYear: t.ExpYear, ExpiryMonth: t.ExpMonth, CardReference: t.CardReference,
		NameOnCard: t.NameOnCard, CardIssuer: t.Issuer, LastFourDigits: t.Last4, UsingSavedCard: t.UsingSavedCard,
		CardFingerprint: t.Fingerprint, CardISIN: t.ISIN, CardType: t.Type, CardBrand: t.Brand,
		UsingToken: t.UsingToken, TokenizationUserConsent: t.Consent}
	if t.SubType != "" {
		c.CardSubType = &t.SubType
	}
	if t.CardReference != "" && t.Status == coft.StatusCharged {
		card, err := s.cfg.Store.FindCard(ctx, o.MerchantID, t.CardReference)
		switch {
		case err == nil:
			c.SavedToLocker = len(card.PANCiphertext) > 0
			if t.TokenReference != "" && card.Token != nil && card.Token.Reference == t.TokenReference {
				c.Token = tokenViewOf(card)
			}
		case coft.ErrorCode(err) != coft.ENOTFOUND: // a deleted card shows no token
			return nil, err
		}
	}
	v.Card = c
	if o.Status == coft.StatusCharged { // only charged orders have refunds
		rs, err := s.cfg.Store.ListRefunds(ctx, o.MerchantID, o.OrderID)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			v.Refunds, v.AmountRefunded = s.refundViews(rs)
			v.Refunded = v.AmountRefunded > 0 && v.AmountRefunded >= o.Amount
			v.EffectiveAmount = o.Amount - v.AmountRefunded
		}
		left := o.Amount
		for _, r := range rs { // as StartRefund counts: refunds that have not failed
			if r.Status != coft.RefundFailure {
				left -= r.Amount
			}
		}
		v.MaximumEligibleRefundAmount = &left
	}
	return v, nil
}

// txnDetailOf is a payment's txn_detail (and, with status_id and the
// payment method, the txn object of TXN_* webhooks).
func (s *Server) txnDetailOf(o *coft.Order, t *coft.Txn) *txnDetail {
	gw := s.cfg.Bank.Gateway()
	breakup, _ := json.Marshal([]struct {
		Name   string      `json:"name"`
		Value  coft.Amount `json:"value"`
		SNo    int         `json:"sno"`
		Method string      `json:"method"`
	}{{"BASE", t.Amount, 1, "ADD"}})
	d := &txnDetail{TxnID: t.ID, OrderID: t.OrderID, Status: string(t.Status), TxnUUID: t.UUID, TxnAmount: t.Amount,
		NetAmount: t.Amount, Currency: o.Currency, ErrorMessage: t.ErrorMessage, Created: timestamp(t.CreatedAt),
		Gateway: gw.Name, GatewayID: gw.ID, ExpressCheckout: true, Redirect: true,
		TxnAmountBreakup: string(breakup), Metadata: map[string]string{}}
	if t.Done() {
		d.ErrorCode = &t.ErrorCode
	}
	return d
}

// gatewayResponseOf is a payment's payment_gateway_response.
func (s *Server) gatewayResponseOf(t *coft.Txn) *gatewayResponse {
	return &gatewayResponse{RespCode: t.RespCode, RespMessage: t.RespMessage, EpgTxnID: t.UUID[:16],
		Created: timestamp(t.CreatedAt), TxnID: t.ID, GatewayResponse: s.cfg.Bank.GatewayResponse(t)}
}

var orderUpdateFields = fields{"order_id", "amount", "udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7", "udf8", "udf9", "udf10"}

// handleOrderUpdate serves POST /orders/{order_id}: amount and udf fields
// may change while the order is NEW.
func (s *Server) handleOrderUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, orderUpdateFields)
	if err != nil {
		return err
	}
	id, err := orderIDOf(r, p)
	if err != nil {
		return err
	}
	var amount coft.Amount
	if v, ok := p["amount"]; ok {
		if amount, err = coft.ParseAmount("amount", v); err != nil {
			return err
		}
	}
	o, err := s.cfg.Store.UpdateOrder(r.Context(), a.merchant.ID, id, func(o *coft.Order) error {
		if o.Status != coft.StatusNew {
			return coft.Errorf(coft.ECONFLICT, "Order %s is %s; it can be updated only while NEW.", o.OrderID, o.Status)
		}
		if amount != 0 {
			o.Amount = amount
		}
		for i := range coft.MaxUDF {
			if v, ok := p[coft.UDFName(i)]; ok {
				o.UDF[i] = v
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.orderView(o))
	return nil
}
