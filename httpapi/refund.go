package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
)

// refundView is one refund in order status, as Juspay shows it: id is
// the unique_request_id (Juspay maps it there when the gateway gives no
// reference of its own), ref the gateway's id for the refund.
type refundView struct {
	ID              string      `json:"id"`
	Ref             *string     `json:"ref"`
	UniqueRequestID string      `json:"unique_request_id"`
	Amount          coft.Amount `json:"amount"`
	Status          string      `json:"status"`
	Created         string      `json:"created"`
	ErrorCode       *string     `json:"error_code"`
	ErrorMessage    string      `json:"error_message"`
	SentToGateway   bool        `json:"sent_to_gateway"`
	InitiatedBy     string      `json:"initiated_by"`
	RefundType      string      `json:"refund_type"`
	RefundSource    string      `json:"refund_source"`
	PGProcessedAt   string      `json:"pg_processed_at,omitempty"`
}

// Juspay's initiated_by: "API" for refunds the merchant asked for through
// the API, AUTO_REFUNDED for the service's own (the one-rupee check).
const (
	initiatedByAPI  = "API"
	initiatedByAuto = "AUTO_REFUNDED"
)

// refundTypeStandard is the only refund type served: to the card, through
// the gateway that charged it.
const refundTypeStandard = "STANDARD"

func initiatedBy(r *coft.Refund) string {
	if r.Auto {
		return initiatedByAuto
	}
	return initiatedByAPI
}

// refundViews shows an order's refunds and sums those that succeeded.
func (s *Server) refundViews(rs []*coft.Refund) (views []refundView, refunded coft.Amount) {
	views = make([]refundView, len(rs))
	gw := s.cfg.Bank.Gateway()
	for i, r := range rs {
		v := refundView{ID: r.UniqueRequestID, UniqueRequestID: r.UniqueRequestID, Amount: r.Amount,
			Status: r.Status, Created: timestamp(r.CreatedAt), ErrorMessage: r.ErrorMessage,
			SentToGateway: r.Status != coft.RefundPending, InitiatedBy: initiatedBy(r),
			RefundType: refundTypeStandard, RefundSource: gw.Name}
		if r.GatewayRef != "" {
			v.Ref = &r.GatewayRef
		}
		if r.Status != coft.RefundPending {
			v.ErrorCode = &r.ErrorCode
		}
		if r.Status == coft.RefundSuccess {
			v.PGProcessedAt = timestamp(r.UpdatedAt)
			refunded += r.Amount
		}
		views[i] = v
	}
	return views, refunded
}

// refundFields are what a refund request may carry. order_id repeats the
// path's (Juspay's .NET and PHP SDKs send it) or names the order (POST
// /order/refund); refund_type is accepted, and every refund of the
// sandbox's issuer is STANDARD.
var refundFields = fields{"order_id", "unique_request_id", "amount", "refund_type", "order_type", "metadata."}

// refundable is what a refund without an amount returns: what is left of
// the order after the refunds that have not failed, or the amount of the
// refund already asked for with uid (so that asking again answers it).
func (s *Server) refundable(ctx context.Context, o *coft.Order, uid string) (coft.Amount, error) {
	rs, err := s.cfg.Store.ListRefunds(ctx, o.MerchantID, o.OrderID)
	if err != nil {
		return 0, err
	}
	left := o.Amount
	for _, r := range rs {
		if r.UniqueRequestID == uid {
			return r.Amount, nil
		}
		if r.Status != coft.RefundFailure {
			left -= r.Amount
		}
	}
	if left <= 0 {
		return 0, coft.FieldError(coft.ERANGE, "amount", "Nothing is left to refund on order %s.", o.OrderID)
	}
	return left, nil
}

// refundOrder refunds the charged payment of order id as the request p
// asks (unique_request_id, amount, refund_type); field names the request's
// field that named the order, for errors.
func (s *Server) refundOrder(ctx context.Context, m *coft.Merchant, p params, id, field string) (*coft.Order, *coft.Txn, *coft.Refund, error) {
	switch rt := strings.ToUpper(p["refund_type"]); rt {
	case "", "STANDARD", "INSTANT", "INSTANT_WITH_FALLBACK", "GATEWAY":
	default:
		return nil, nil, nil, coft.Invalid("refund_type", "refund_type must be STANDARD, INSTANT, INSTANT_WITH_FALLBACK or GATEWAY.")
	}
	uid := strings.TrimSpace(p["unique_request_id"])
	if uid == "" {
		return nil, nil, nil, coft.Missing("unique_request_id")
	}
	if !coft.IsIdentifier(uid, 64) {
		return nil, nil, nil, coft.Invalid("unique_request_id", "unique_request_id must be 1 to 64 letters, digits, '_' or '-'.")
	}
	var amount coft.Amount
	if v := p["amount"]; v != "" {
		var err error
		if amount, err = coft.ParseAmount("amount", v); err != nil {
			return nil, nil, nil, err
		}
	}
	o, t, err := s.cfg.Store.FindOrderStatus(ctx, m.ID, id)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, nil, nil, coft.FieldError(coft.ENOTFOUND, field, "Order not found.")
	} else if err != nil {
		return nil, nil, nil, err
	}
	if o.Status != coft.StatusCharged || t == nil {
		return nil, nil, nil, coft.FieldError(coft.ECONFLICT, field, "Only a CHARGED order can be refunded; this one is %s.", o.Status)
	}
	if amount == 0 { // Juspay: without an amount, the whole order is refunded
		if amount, err = s.refundable(ctx, o, uid); err != nil {
			return nil, nil, nil, err
		}
	}
	rf, err := s.payments.Refund(ctx, m, t, uid, amount, false)
	return o, t, rf, err
}

// handleRefund serves POST /orders/{order_id}/refunds: unique_request_id
// and amount; it answers the order status with its refunds.
func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := readParams(w, r, refundFields)
	if err != nil {
		return err
	}
	id, err := orderIDOf(r, p)
	if err != nil {
		return err
	}
	o, t, _, err := s.refundOrder(ctx, a.merchant, p, id, "order_id")
	if err != nil {
		return err
	}
	v, err := s.orderStatusView(ctx, o, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// refundByTxnFields are what POST /refunds takes: the refund's fields,
// with the order named by order_id or txn_id (or both, agreeing).
// beneficiary_details is read only to refuse it: it sends an instant
// refund to a bank account or UPI id, and refunds here go back to the card.
var refundByTxnFields = append(fields{"txn_id", "beneficiary_details", "beneficiary_details."}, refundFields...)

// refundObject is POST /refunds' answer: one refund, as Juspay's
// "Transaction ID based and Instant refund" API answers it.
type refundObject struct {
	UniqueRequestID string      `json:"unique_request_id"`
	OrderID         string      `json:"order_id"`
	TxnID           string      `json:"txn_id"`
	Amount          coft.Amount `json:"amount"`
	Created         string      `json:"created"`
	Status          string      `json:"status"`
	SentToGateway   bool        `json:"sent_to_gateway"`
	InitiatedBy     string      `json:"initiated_by"`
	RefundType      string      `json:"refund_type"`
	RefundSource    string      `json:"refund_source"`
	Gateway         string      `json:"gateway"`
	// The gateway's answer: its id for the refund, response code and
	// message; null until it answers.
	EpgTxnID     *string `json:"epg_txn_id"`
	ResponseCode *string `json:"response_code"`
	ErrorMessage *string `json:"error_message"`
	// What the sandbox gateway does not give: a reference number other
	// than its refund id, the acquirer's reference (ARN) and the issuer's
	// authorization code for the refund. null, as Juspay gives them when
	// a gateway has none.
	ReferenceID     *jsonNull `json:"reference_id"`
	RefundARN       *jsonNull `json:"refund_arn"`
	AuthorizationID *jsonNull `json:"authorization_id"`
}

// handleRefundByTxn serves POST /refunds: a refund of a charged payment
// named by txn_id or order_id, answered with the refund alone. It is the
// refund of POST /orders/{order_id}/refunds, with the same idempotency by
// unique_request_id.
func (s *Server) handleRefundByTxn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := readParams(w, r, refundByTxnFields)
	if err != nil {
		return err
	}
	if len(p.withPrefix("beneficiary_details.")) > 0 || p["beneficiary_details"] != "" {
		return coft.Invalid("beneficiary_details", "beneficiary_details is for instant refunds to a bank account or UPI id; refunds here go back to the card paid with.")
	}
	txnID, orderID := strings.TrimSpace(p["txn_id"]), strings.TrimSpace(p["order_id"])
	id, field := orderID, "order_id"
	if txnID != "" {
		field = "txn_id"
		if id = orderOfTxnID(a.merchant.ID, txnID); id == "" {
			return coft.FieldError(coft.ENOTFOUND, "txn_id", "Transaction not found.")
		}
		if orderID != "" && orderID != id {
			return coft.Invalid("txn_id", "txn_id is not a transaction of order %s.", orderID)
		}
	}
	if id == "" {
		return coft.Missing("order_id")
	}
	if txnID != "" {
		// Only the order's charged attempt can be refunded.
		_, t, err := s.cfg.Store.FindOrderStatus(ctx, a.merchant.ID, id)
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			return coft.FieldError(coft.ENOTFOUND, "txn_id", "Transaction not found.")
		} else if err != nil {
			return err
		}
		if t == nil || t.ID != txnID {
			return coft.FieldError(coft.ECONFLICT, "txn_id", "Only a CHARGED transaction can be refunded; %s is not the order's charged one.", txnID)
		}
	}
	_, t, rf, err := s.refundOrder(ctx, a.merchant, p, id, field)
	if err != nil {
		return err
	}
	gw := s.cfg.Bank.Gateway()
	v := refundObject{UniqueRequestID: rf.UniqueRequestID, OrderID: rf.OrderID, TxnID: t.ID, Amount: rf.Amount,
		Created: timestamp(rf.CreatedAt), Status: rf.Status, SentToGateway: rf.Status != coft.RefundPending,
		InitiatedBy: initiatedBy(rf), RefundType: refundTypeStandard, RefundSource: gw.Name, Gateway: gw.Name}
	if rf.Status != coft.RefundPending {
		v.ResponseCode, v.ErrorMessage = &rf.ErrorCode, &rf.ErrorMessage
	}
	if rf.GatewayRef != "" {
		v.EpgTxnID = &rf.GatewayRef
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// orderOfTxnID is the order_id in a txn_id of the merchant
// (<merchant_id>-<order_id>-<attempt>), or "" when it is not one.
func orderOfTxnID(merchantID, txnID string) string {
	rest, ok := strings.CutPrefix(txnID, merchantID+"-")
	i := strings.LastIndexByte(rest, '-')
	if !ok || i <= 0 || !allDigitsASCII(rest[i+1:]) {
		return ""
	}
	return rest[:i]
}
