package payment

import (
	"context"
	"strings"

	"github.com/coftkit/coft"
)

// RefundRequest is a refund of an order's charged payment, as the API and
// the console ask for one.
type RefundRequest struct {
	OrderID string
	// Field names, in errors about the order, the request's field that
	// named it ("order_id" when empty; the API's POST /refunds may name
	// the order by txn_id).
	Field string
	// UniqueRequestID is the refund's idempotency key: asked again with it,
	// the first refund is answered (and finished, if it was left pending).
	UniqueRequestID string
	// Amount is what to refund; 0 refunds what is left (Juspay: without
	// an amount, the whole order).
	Amount coft.Amount
}

// RefundOrder refunds the charged payment of an order: ENOTFOUND if the
// merchant has no such order, ECONFLICT unless it is CHARGED, ERANGE when
// the amount exceeds what is left, EINVALID or EMISSING for a malformed
// unique_request_id; see Refund for the rest.
func (s *Service) RefundOrder(ctx context.Context, m *coft.Merchant, req RefundRequest) (*coft.Order, *coft.Txn, *coft.Refund, error) {
	field := req.Field
	if field == "" {
		field = "order_id"
	}
	uid := strings.TrimSpace(req.UniqueRequestID)
	if err := CheckUniqueRequestID(uid); err != nil {
		return nil, nil, nil, err
	}
	o, t, err := s.Store.FindOrderStatus(ctx, m.ID, req.OrderID)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, nil, nil, coft.FieldError(coft.ENOTFOUND, field, "Order not found.")
	} else if err != nil {
		return nil, nil, nil, err
	}
	if o.Status != coft.StatusCharged || t == nil {
		return nil, nil, nil, coft.FieldError(coft.ECONFLICT, field, "Only a CHARGED order can be refunded; this one is %s.", o.Status)
	}
	amount := req.Amount
	if amount == 0 {
		rs, err := s.Store.ListRefunds(ctx, o.MerchantID, o.OrderID)
		if err != nil {
			return nil, nil, nil, err
		}
		if amount, err = Refundable(o, rs, uid); err != nil {
			return nil, nil, nil, err
		}
	}
	rf, err := s.Refund(ctx, m, t, uid, amount, false)
	return o, t, rf, err
}

// Refundable is what a refund of order o without an amount returns, given
// its refunds rs: what is left of the order after the refunds that have
// not failed, or the amount of the refund already asked for with uid (so
// that asking again answers it). ERANGE when nothing is left.
func Refundable(o *coft.Order, rs []*coft.Refund, uid string) (coft.Amount, error) {
	left := o.Amount
	for _, r := range rs {
		if uid != "" && r.UniqueRequestID == uid {
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

// CheckUniqueRequestID checks a refund's idempotency key: EMISSING when
// empty, EINVALID unless it is 1 to 64 letters, digits, '_' or '-'.
func CheckUniqueRequestID(uid string) error {
	if uid == "" {
		return coft.Missing("unique_request_id")
	}
	if !coft.IsIdentifier(uid, 64) {
		return coft.Invalid("unique_request_id", "unique_request_id must be 1 to 64 letters, digits, '_' or '-'.")
	}
	return nil
}
