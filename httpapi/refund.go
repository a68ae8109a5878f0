package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/payment"
)

// refundOrder refunds the charged payment of order id as the request p
// asks (unique_request_id, amount, refund_type); field names the request's
// field that named the order, for errors. The refund itself is the use
// case's (payment.RefundOrder), which the console calls too.
func (s *Server) refundOrder(ctx context.Context, m *coft.Merchant, p juspay.Params, id, field string) (*coft.Order, *coft.Txn, *coft.Refund, error) {
	switch rt := strings.ToUpper(p["refund_type"]); rt {
	case "", "STANDARD", "INSTANT", "INSTANT_WITH_FALLBACK", "GATEWAY":
	default:
		return nil, nil, nil, coft.Invalid("refund_type", "refund_type must be STANDARD, INSTANT, INSTANT_WITH_FALLBACK or GATEWAY.")
	}
	req := payment.RefundRequest{OrderID: id, Field: field, UniqueRequestID: strings.TrimSpace(p["unique_request_id"])}
	if err := payment.CheckUniqueRequestID(req.UniqueRequestID); err != nil {
		return nil, nil, nil, err
	}
	if v := p["amount"]; v != "" {
		var err error
		if req.Amount, err = coft.ParseAmount("amount", v); err != nil {
			return nil, nil, nil, err
		}
	}
	return s.payments.RefundOrder(ctx, m, req)
}

// handleRefund serves POST /orders/{order_id}/refunds: unique_request_id
// and amount; it answers the order status with its refunds.
func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := juspay.ReadParams(w, r, juspay.RefundFields)
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
	v, err := s.orderStatus(ctx, o, t)
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// refundByTxnFields are what POST /refunds takes: the refund's fields,
// with the order named by order_id or txn_id (or both, agreeing).
// beneficiary_details is read only to refuse it: it sends an instant
// refund to a bank account or UPI id, and refunds here go back to the card.
var refundByTxnFields = append(juspay.Fields{"txn_id", "beneficiary_details", "beneficiary_details."}, juspay.RefundFields...)

// handleRefundByTxn serves POST /refunds: a refund of a charged payment
// named by txn_id or order_id, answered with the refund alone. It is the
// refund of POST /orders/{order_id}/refunds, with the same idempotency by
// unique_request_id.
func (s *Server) handleRefundByTxn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := juspay.ReadParams(w, r, refundByTxnFields)
	if err != nil {
		return err
	}
	if len(p.WithPrefix("beneficiary_details.")) > 0 || p["beneficiary_details"] != "" {
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
	v := s.views.RefundObject(t, rf)
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// orderOfTxnID is the order_id in a txn_id of the merchant
// (<merchant_id>-<order_id>-<attempt>), or "" when it is not one.
func orderOfTxnID(merchantID, txnID string) string {
	rest, ok := strings.CutPrefix(txnID, merchantID+"-")
	i := strings.LastIndexByte(rest, '-')
	if !ok || i <= 0 || !coft.AllDigits(rest[i+1:]) {
		return ""
	}
	return rest[:i]
}
