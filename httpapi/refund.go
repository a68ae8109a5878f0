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
	gw := s.Bank.Gateway()
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

// refund returns amount of a charged payment: recorded PENDING, asked of
// the bank, then recorded SUCCESS (with its event) or FAILURE with the
// gateway's answer. Asking again with the same uniqueID finishes a refund
// a crash (or a gateway that did not answer) left pending, and otherwise
// returns the first answer.
func (s *Server) refund(ctx context.Context, m *coft.Merchant, t *coft.Txn, uniqueID string, amount coft.Amount, auto bool) (*coft.Refund, error) {
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

// refundFields are what a refund request may carry. order_id repeats the
// path's (Juspay's .NET and PHP SDKs send it) or names the order (POST
// /order/refund); refund_type is accepted, and every refund of the
// sandbox's issuer is STANDARD.
var refundFields = fields{"order_id", "unique_request_id", "amount", "refund_type", "order_type", "metadata."}

// refundable is what a refund without an amount returns: what is left of
// the order after the refunds that have not failed, or the amount of the
// refund already asked for with uid (so that asking again answers it).
func (s *Server) refundable(ctx context.Context, o *coft.Order, uid string) (coft.Amount, error) {
	rs, err := s.Store.ListRefunds(ctx, o.MerchantID, o.OrderID)
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
	switch rt := strings.ToUpper(p["refund_type"]); rt {
	case "", "STANDARD", "INSTANT", "INSTANT_WITH_FALLBACK", "GATEWAY":
	default:
		return coft.Invalid("refund_type", "refund_type must be STANDARD, INSTANT, INSTANT_WITH_FALLBACK or GATEWAY.")
	}
	uid := strings.TrimSpace(p["unique_request_id"])
	if uid == "" {
		return coft.Missing("unique_request_id")
	}
	if !coft.IsIdentifier(uid, 64) {
		return coft.Invalid("unique_request_id", "unique_request_id must be 1 to 64 letters, digits, '_' or '-'.")
	}
	var amount coft.Amount
	if v := p["amount"]; v != "" {
		if amount, err = coft.ParseAmount("amount", v); err != nil {
			return err
		}
	}
	o, t, err := s.Store.FindOrderStatus(ctx, a.merchant.ID, id)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.ENOTFOUND, "order_id", "Order not found.")
	} else if err != nil {
		return err
	}
	if o.Status != coft.StatusCharged || t == nil {
		return coft.FieldError(coft.ECONFLICT, "order_id", "Only a CHARGED order can be refunded; this one is %s.", o.Status)
	}
	if amount == 0 { // Juspay: without an amount, the whole order is refunded
		if amount, err = s.refundable(ctx, o, uid); err != nil {
			return err
		}
	}
	if _, err := s.refund(ctx, a.merchant, t, uid, amount, false); err != nil {
		return err
	}
	v, err := s.orderStatusView(ctx, o, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
