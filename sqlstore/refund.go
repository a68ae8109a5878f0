package sqlstore

import (
	"context"

	"github.com/coftkit/coft"
)

const refundColumns = `id, merchant_id, order_id, unique_request_id, amount, status, auto, error_message, created_at, updated_at,
	error_code, gateway_ref`

func scanRefund(s scanner) (*coft.Refund, error) {
	var r coft.Refund
	var amount int64
	if err := s.Scan(&r.ID, &r.MerchantID, &r.OrderID, &r.UniqueRequestID, &amount, &r.Status, &r.Auto,
		&r.ErrorMessage, &r.CreatedAt, &r.UpdatedAt, &r.ErrorCode, &r.GatewayRef); err != nil {
		return nil, mapError(err, "Refund not found.", "")
	}
	r.Amount = coft.Amount(amount)
	return &r, nil
}

// StartRefund records a PENDING refund of a CHARGED order; see
// coft.RefundStore.
func (db *DB) StartRefund(ctx context.Context, r *coft.Refund) (_ *coft.Refund, _ bool, err error) {
	defer failed(&err, "StartRefund", r.OrderID)
	var out *coft.Refund
	var existing bool
	err = db.inTx(ctx, func(tx *dbTx) error {
		o, err := scanOrder(tx.QueryRowContext(ctx, db.rebind(`SELECT `+orderColumns+` FROM orders
			WHERE merchant_id = ? AND order_id = ?`+db.forUpdate()), r.MerchantID, r.OrderID))
		if err != nil {
			return err
		}
		prev, err := scanRefund(tx.QueryRowContext(ctx, db.rebind(`SELECT `+refundColumns+` FROM refunds
			WHERE merchant_id = ? AND order_id = ? AND unique_request_id = ?`), r.MerchantID, r.OrderID, r.UniqueRequestID))
		if err == nil {
			out, existing = prev, true
			return nil
		} else if coft.ErrorCode(err) != coft.ENOTFOUND {
			return err
		}
		if o.Status != coft.StatusCharged {
			return coft.FieldError(coft.ECONFLICT, "order_id", "Only a CHARGED order can be refunded; this one is %s.", o.Status)
		}
		var refunded int64
		if err := tx.QueryRowContext(ctx, db.rebind(`SELECT COALESCE(SUM(amount), 0) FROM refunds
			WHERE merchant_id = ? AND order_id = ? AND status <> ?`), r.MerchantID, r.OrderID, coft.RefundFailure).Scan(&refunded); err != nil {
			return err
		}
		if coft.Amount(refunded)+r.Amount > o.Amount {
			return coft.FieldError(coft.ERANGE, "amount", "amount exceeds what is left to refund (%s).",
				coft.Amount(int64(o.Amount)-refunded).String())
		}
		now := db.now()
		r.ID, r.Status, r.CreatedAt, r.UpdatedAt = coft.NewID("rfd_"), coft.RefundPending, now, now
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO refunds (`+refundColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, r.MerchantID, r.OrderID, r.UniqueRequestID, int64(r.Amount), r.Status, r.Auto, r.ErrorMessage, now, now,
			r.ErrorCode, r.GatewayRef)
		out = r
		return mapError(err, "", "unique_request_id")
	})
	return out, existing, err
}

// FinishRefund records the gateway's answer; a success writes the refund
// event in the same transaction.
func (db *DB) FinishRefund(ctx context.Context, merchantID, id string, a coft.RefundAnswer) (_ *coft.Refund, err error) {
	defer failed(&err, "FinishRefund", merchantID, id)
	status := coft.RefundFailure
	if a.Approved {
		status = coft.RefundSuccess
	}
	var out *coft.Refund
	err = db.inTx(ctx, func(tx *dbTx) error {
		r, err := scanRefund(tx.QueryRowContext(ctx, db.rebind(`SELECT `+refundColumns+` FROM refunds
			WHERE merchant_id = ? AND id = ?`+db.forUpdate()), merchantID, id))
		if err != nil {
			return err
		}
		if r.Status != coft.RefundPending {
			out = r
			return nil
		}
		r.Status, r.ErrorCode, r.ErrorMessage, r.UpdatedAt = status, a.Code, a.Message, db.now()
		if a.Approved {
			r.GatewayRef = a.Reference
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE refunds SET status = ?, error_code = ?, error_message = ?,
			gateway_ref = ?, updated_at = ? WHERE id = ?`), r.Status, r.ErrorCode, r.ErrorMessage, r.GatewayRef, r.UpdatedAt, r.ID); err != nil {
			return err
		}
		out = r
		if status != coft.RefundSuccess {
			return nil
		}
		name := coft.EventOrderRefunded
		if r.Auto {
			name = coft.EventAutoRefundSucceeded
		}
		return db.insertEvent(ctx, tx, &coft.Event{MerchantID: merchantID, Name: name, OrderID: r.OrderID})
	})
	return out, err
}

// ListRefunds returns an order's refunds, oldest first.
func (db *DB) ListRefunds(ctx context.Context, merchantID, orderID string) (_ []*coft.Refund, err error) {
	defer failed(&err, "ListRefunds", merchantID, orderID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+refundColumns+` FROM refunds
		WHERE merchant_id = ? AND order_id = ? ORDER BY created_at, id`), merchantID, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*coft.Refund{}
	for rows.Next() {
		r, err := scanRefund(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

var _ coft.RefundStore = (*DB)(nil)
