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

// handleRefund serves POST /orders/{order_id}/refunds: unique_request_id
// and amount; it answers the order status with its refunds.
func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := readParams(w, r, fields{"unique_request_id", "amount"})
	if err != nil {
		return err
	}
	uid := strings.TrimSpace(p["unique_request_id"])
	if uid == "" {
		return coft.Missing("unique_request_id")
	}
	if !coft.IsIdentifier(uid, 64) {
		return coft.Invalid("unique_request_id", "unique_request_id must be 1 to 64 letters, digits, '_' or '-'.")
	}
	amount, err := coft.ParseAmount("amount", p["amount"])
	if err != nil {
		return err
	}
	o, t, err := s.Store.FindOrderStatus(ctx, a.merchant.ID, r.PathValue("order_id"))
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.ENOTFOUND, "order_id", "Order not found.")
	} else if err != nil {
		return err
	}
	if o.Status != coft.StatusCharged || t == nil {
		return coft.FieldError(coft.ECONFLICT, "order_id", "Only a CHARGED order can be refunded; this one is %s.", o.Status)
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
