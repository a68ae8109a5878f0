package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coftkit/coft"
)

const orderColumns = `id, merchant_id, order_id, amount, currency, status, customer_id, customer_email,
	customer_phone, return_url, webhook_url, description, product_id, details, txn_uuid, created_at, updated_at`

// orderDetails are the order's fields that are shown but never queried,
// kept as one JSON column.
type orderDetails struct {
	UDF             [coft.MaxUDF]string `json:"udf"`
	Metadata        map[string]string   `json:"metadata,omitempty"`
	BillingAddress  map[string]string   `json:"billing_address,omitempty"`
	ShippingAddress map[string]string   `json:"shipping_address,omitempty"`
	Purpose         string              `json:"purpose,omitempty"`
	ExpiresAt       *time.Time          `json:"expires_at,omitempty"`
}

// CreateOrder stores a new order, assigning its id. Returns ECONFLICT
// (field order_id) if the merchant already has an order with that order_id.
func (db *DB) CreateOrder(ctx context.Context, o *coft.Order) (err error) {
	defer failed(&err, "CreateOrder", o.OrderID)
	if err := o.Validate(); err != nil {
		return err
	}
	o.ID = coft.NewID("ord_")
	o.CreatedAt = db.now()
	o.UpdatedAt = o.CreatedAt
	details, err := marshalDetails(o)
	if err != nil {
		return err
	}
	query := `INSERT INTO orders (` + orderColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{o.ID, o.MerchantID, o.OrderID, int64(o.Amount), o.Currency, string(o.Status), o.CustomerID,
		o.CustomerEmail, o.CustomerPhone, o.ReturnURL, o.WebhookURL, o.Description, o.ProductID,
		details, o.TxnUUID, o.CreatedAt, o.UpdatedAt}
	_, err = db.exec(ctx, query, args...)
	return mapError(err, "", "order_id")
}

// FindOrder finds an order by the merchant's order_id.
func (db *DB) FindOrder(ctx context.Context, merchantID, orderID string) (_ *coft.Order, err error) {
	defer failed(&err, "FindOrder", merchantID, orderID)
	row := db.queryRow(ctx, `SELECT `+orderColumns+` FROM orders
		WHERE merchant_id = ? AND order_id = ?`, merchantID, orderID)
	return scanOrder(row)
}

// FindOrderByID finds an order by its ord_… id.
func (db *DB) FindOrderByID(ctx context.Context, id string) (_ *coft.Order, err error) {
	defer failed(&err, "FindOrderByID", id)
	return scanOrder(db.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
}

// UpdateOrder reads the order, applies fn and writes the result in one
// transaction. fn's error aborts the update and is returned as is.
func (db *DB) UpdateOrder(ctx context.Context, merchantID, orderID string, fn func(*coft.Order) error) (_ *coft.Order, err error) {
	defer failed(&err, "UpdateOrder", merchantID, orderID)
	var o *coft.Order
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		row := tx.QueryRowContext(ctx, db.rebind(`SELECT `+orderColumns+` FROM orders
			WHERE merchant_id = ? AND order_id = ?`+db.forUpdate()), merchantID, orderID)
		if o, err = scanOrder(row); err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		o.UpdatedAt = db.now()
		details, err := marshalDetails(o)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE orders SET amount = ?, currency = ?, status = ?,
			customer_id = ?, customer_email = ?, customer_phone = ?, return_url = ?, webhook_url = ?,
			description = ?, product_id = ?, details = ?, updated_at = ? WHERE id = ?`),
			int64(o.Amount), o.Currency, string(o.Status), o.CustomerID, o.CustomerEmail, o.CustomerPhone,
			o.ReturnURL, o.WebhookURL, o.Description, o.ProductID, details, o.UpdatedAt, o.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

func marshalDetails(o *coft.Order) (string, error) {
	d := orderDetails{UDF: o.UDF, Metadata: o.Metadata,
		BillingAddress: o.BillingAddress, ShippingAddress: o.ShippingAddress, Purpose: o.Purpose}
	if !o.ExpiresAt.IsZero() {
		t := o.ExpiresAt.UTC()
		d.ExpiresAt = &t
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// emptyDetails is the details column of an order with none (no udf,
// metadata, address, purpose or expiry): most orders, read without
// decoding it.
var emptyDetails, _ = marshalDetails(&coft.Order{})

func scanOrder(s scanner) (*coft.Order, error) {
	var o coft.Order
	var amount int64
	var status, details string
	if err := s.Scan(orderDest(&o, &amount, &status, &details)...); err != nil {
		return nil, mapError(err, "Order not found.", "")
	}
	if err := fillOrder(&o, amount, status, details); err != nil {
		return nil, err
	}
	return &o, nil
}

// orderDest lists the scan destinations of orderColumns.
func orderDest(o *coft.Order, amount *int64, status, details *string) []any {
	return []any{&o.ID, &o.MerchantID, &o.OrderID, amount, &o.Currency, status, &o.CustomerID,
		&o.CustomerEmail, &o.CustomerPhone, &o.ReturnURL, &o.WebhookURL, &o.Description, &o.ProductID,
		details, &o.TxnUUID, &o.CreatedAt, &o.UpdatedAt}
}

func fillOrder(o *coft.Order, amount int64, status, details string) error {
	o.Amount, o.Status = coft.Amount(amount), coft.OrderStatus(status)
	if details == emptyDetails {
		return nil
	}
	var d orderDetails
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return err
	}
	o.UDF, o.Metadata, o.BillingAddress, o.ShippingAddress = d.UDF, d.Metadata, d.BillingAddress, d.ShippingAddress
	o.Purpose = d.Purpose
	if d.ExpiresAt != nil {
		o.ExpiresAt = *d.ExpiresAt
	}
	return nil
}

var _ coft.OrderStore = (*DB)(nil)

// ListOrders returns a merchant's orders that match the filter, newest
// first. Each filter has an index that starts with the merchant and ends
// with (created_at, id), so a page reads f.Limit rows whatever the
// merchant's number of orders.
func (db *DB) ListOrders(ctx context.Context, f coft.OrderFilter) (_ []*coft.Order, err error) {
	defer failed(&err, "ListOrders", f.MerchantID)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT ` + orderColumns + ` FROM orders WHERE merchant_id = ?`
	args := []any{f.MerchantID}
	if f.OrderID != "" {
		q += ` AND order_id = ?`
		args = append(args, f.OrderID)
	}
	if f.CustomerID != "" {
		q += ` AND customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if !f.From.IsZero() {
		q += ` AND created_at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, f.To.UTC())
	}
	if f.Before != nil {
		// created_at <= ? bounds the index's range; SQLite does not make
		// one of "created_at < ? OR (created_at = ? AND id < ?)" with
		// parameters, and read the million orders before a deep page (1.4 s).
		before := f.Before.CreatedAt.UTC()
		q += ` AND created_at <= ? AND (created_at < ? OR id < ?)`
		args = append(args, before, before, f.Before.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.r.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var os []*coft.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		os = append(os, o)
	}
	return os, rows.Err()
}
