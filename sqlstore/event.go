package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// insertEvent adds an event to the outbox inside the transaction of the
// change that causes it.
func (db *DB) insertEvent(ctx context.Context, tx *dbTx, e *coft.Event) error {
	if e.ID == "" {
		e.ID = coft.NewEventID()
	}
	now := db.now()
	e.CreatedAt, e.NextAttemptAt, e.Status = now, now, coft.DeliveryPending
	t := e.Token
	if t == nil {
		t = &coft.NetworkToken{}
	}
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO events (id, merchant_id, name, order_id, txn_uuid,
		customer_id, card_reference, token_reference, token_status, token_last4, token_isin, token_exp_month,
		token_exp_year, token_par, token_provider, status, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, e.MerchantID, e.Name, e.OrderID, e.TxnUUID, e.CustomerID, e.CardRef, t.Reference, t.Status, t.Last4,
		t.ISIN, t.ExpMonth, t.ExpYear, t.PAR, t.Provider, e.Status, e.NextAttemptAt, e.CreatedAt)
	return err
}

// txnEvents adds the order events a change of an attempt causes: a charge
// is announced once its card work is done (so the event carries the
// token), a failure when it happens.
func (db *DB) txnEvents(ctx context.Context, tx *dbTx, before, after *coft.Txn) error {
	var names []string
	charged := func(t *coft.Txn) bool { return t.Status == coft.StatusCharged && t.CardDone }
	failed := func(t *coft.Txn) bool { return t.Done() && t.Status != coft.StatusCharged }
	switch {
	case charged(after) && !charged(before):
		names = []string{coft.EventTxnCharged, coft.EventOrderSucceeded}
	case failed(after) && !failed(before):
		names = []string{coft.EventTxnFailed, coft.EventOrderFailed}
	}
	for _, name := range names {
		if err := db.insertEvent(ctx, tx, &coft.Event{MerchantID: after.MerchantID, Name: name,
			OrderID: after.OrderID, TxnUUID: after.UUID, CustomerID: after.CustomerID, CardRef: after.CardReference}); err != nil {
			return err
		}
	}
	return nil
}

// tokenEvent adds a token event for the card's token t.
func (db *DB) tokenEvent(ctx context.Context, tx *dbTx, name string, c *coft.Card, t *coft.NetworkToken) error {
	return db.insertEvent(ctx, tx, &coft.Event{MerchantID: c.MerchantID, Name: name, CustomerID: c.CustomerID,
		CardRef: c.Reference, Token: t})
}

const eventColumns = `id, merchant_id, name, order_id, txn_uuid, customer_id, card_reference, token_reference,
	token_status, token_last4, token_isin, token_exp_month, token_exp_year, token_par, token_provider, body,
	status, attempts, next_attempt_at, last_error, created_at, delivered_at`

func scanEvent(s scanner) (*coft.Event, error) {
	var e coft.Event
	var t coft.NetworkToken
	var delivered sql.NullTime
	err := s.Scan(&e.ID, &e.MerchantID, &e.Name, &e.OrderID, &e.TxnUUID, &e.CustomerID, &e.CardRef, &t.Reference,
		&t.Status, &t.Last4, &t.ISIN, &t.ExpMonth, &t.ExpYear, &t.PAR, &t.Provider, &e.Body, &e.Status,
		&e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &delivered)
	if err != nil {
		return nil, mapError(err, "Event not found.", "")
	}
	if t.Reference != "" {
		e.Token = &t
	}
	e.DeliveredAt = delivered.Time
	return &e, nil
}

// ClaimEvents leases up to limit due PENDING events until now+lease, at
// most perMerchant of any merchant, leaving skip's merchants. It looks at
// the 4×limit oldest due events only, so that a claim costs the same
// however long the backlog: a merchant with a backlog has events waiting
// in the worker and is skipped meanwhile, which lets the others' events
// through. On PostgreSQL, workers of several instances skip each other's
// rows (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time.
func (db *DB) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit, perMerchant int, skip []string) (_ []*coft.Event, err error) {
	defer failed(&err, "ClaimEvents")
	now = now.UTC()
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	args := []any{now.Add(lease), coft.DeliveryPending, now, now}
	notIn := ""
	if len(skip) > 0 {
		notIn = " AND merchant_id NOT IN (?" + strings.Repeat(", ?", len(skip)-1) + ")"
		for _, m := range skip {
			args = append(args, m)
		}
	}
	args = append(args, 4*limit, perMerchant, limit)
	// The candidates' events are numbered per merchant, oldest first;
	// the oldest within perMerchant are taken. (Window functions and row
	// locks cannot share a query level, hence the nesting.)
	const claim = `UPDATE events SET claimed_until = ? WHERE id IN (
		SELECT id FROM (
			SELECT id, next_attempt_at, row_number() OVER (PARTITION BY merchant_id ORDER BY next_attempt_at, id) AS n
			FROM (SELECT id, merchant_id, next_attempt_at FROM events
				WHERE status = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)%s
				ORDER BY next_attempt_at LIMIT ?%s) candidates
		) due WHERE n <= ? ORDER BY next_attempt_at LIMIT ?)
		RETURNING `
	var out []*coft.Event
	err = db.inTx(ctx, func(tx *dbTx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(fmt.Sprintf(claim, notIn, lock)+eventColumns), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// RecordDelivery stores an attempt and the event's new state, ending its
// lease.
func (db *DB) RecordDelivery(ctx context.Context, e *coft.Event, a *coft.DeliveryAttempt) (err error) {
	defer failed(&err, "RecordDelivery", e.ID)
	var delivered any
	if !e.DeliveredAt.IsZero() {
		delivered = e.DeliveredAt.UTC()
	}
	return db.inTx(ctx, func(tx *dbTx) error {
		if a != nil {
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO event_attempts (event_id, n, at, url, http_status,
				error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`), e.ID, a.N, a.At.UTC(), a.URL, a.HTTPStatus, a.Error,
				a.Duration.Milliseconds()); err != nil {
				return mapError(err, "", "attempt")
			}
		}
		_, err := tx.ExecContext(ctx, db.rebind(`UPDATE events SET body = ?, status = ?, attempts = ?,
			next_attempt_at = ?, last_error = ?, delivered_at = ?, claimed_until = NULL WHERE id = ?`),
			e.Body, e.Status, e.Attempts, e.NextAttemptAt.UTC(), e.LastError, delivered, e.ID)
		return err
	})
}

// ListEvents returns the merchant's events, newest first; for one order
// when orderID is not empty.
func (db *DB) ListEvents(ctx context.Context, merchantID, orderID string, limit int) (_ []*coft.Event, err error) {
	defer failed(&err, "ListEvents", merchantID, orderID)
	q := `SELECT ` + eventColumns + ` FROM events WHERE merchant_id = ?`
	args := []any{merchantID}
	if orderID != "" {
		q += ` AND order_id = ?`
		args = append(args, orderID)
	}
	rows, err := db.r.QueryContext(ctx, db.rebind(q+` ORDER BY created_at DESC, id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*coft.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindEvent returns an event with its delivery attempts, oldest first.
func (db *DB) FindEvent(ctx context.Context, merchantID, id string) (_ *coft.Event, _ []*coft.DeliveryAttempt, err error) {
	defer failed(&err, "FindEvent", merchantID, id)
	e, err := scanEvent(db.r.QueryRowContext(ctx, db.rebind(`SELECT `+eventColumns+` FROM events
		WHERE merchant_id = ? AND id = ?`), merchantID, id))
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT n, at, url, http_status, error, duration_ms
		FROM event_attempts WHERE event_id = ? ORDER BY n`), id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	attempts := []*coft.DeliveryAttempt{}
	for rows.Next() {
		a := &coft.DeliveryAttempt{EventID: id}
		var ms int64
		if err := rows.Scan(&a.N, &a.At, &a.URL, &a.HTTPStatus, &a.Error, &ms); err != nil {
			return nil, nil, err
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		attempts = append(attempts, a)
	}
	return e, attempts, rows.Err()
}

// RedeliverEvent makes an event due now, whatever its status.
func (db *DB) RedeliverEvent(ctx context.Context, merchantID, id string, now time.Time) (err error) {
	defer failed(&err, "RedeliverEvent", merchantID, id)
	res, err := db.exec(ctx, `UPDATE events SET status = ?, next_attempt_at = ?, claimed_until = NULL
		WHERE merchant_id = ? AND id = ?`, coft.DeliveryPending, now.UTC(), merchantID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.FieldError(coft.ENOTFOUND, "event_id", "Event not found.")
	}
	return nil
}

// PruneEvents deletes events done with before before, and their
// attempts, in one write; see coft.EventStore.
func (db *DB) PruneEvents(ctx context.Context, before time.Time, limit int) (n int, err error) {
	defer failed(&err, "PruneEvents")
	before = before.UTC()
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED" // a redelivery waits, then finds the event gone
	}
	err = db.inTx(ctx, func(tx *dbTx) error {
		// By events_due (status, next_attempt_at): an event is delivered
		// after it was due, so delivered_at < before implies
		// next_attempt_at < before. No ORDER BY: the first limit found
		// will do, without sorting a backlog.
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT id FROM events
			WHERE status IN (?, ?, ?) AND next_attempt_at < ? AND (status <> ? OR delivered_at < ?)
			LIMIT ?`+lock), coft.DeliveryDelivered, coft.DeliveryFailed, coft.DeliveryNoURL, before,
			coft.DeliveryDelivered, before, limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM event_attempts WHERE event_id = ?`), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM events WHERE id = ?`), id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

var _ coft.EventStore = (*DB)(nil)
