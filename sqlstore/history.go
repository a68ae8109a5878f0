package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/coftkit/coft"
)

// The order's attempts' cards, tokens and customers, as subqueries: the
// statements stay the same whatever the number of attempts, so they are
// prepared once.
const (
	orderTxnUUIDs    = `SELECT uuid FROM txns WHERE merchant_id = ? AND order_id = ?`
	orderCardRefs    = `SELECT card_reference FROM txns WHERE merchant_id = ? AND order_id = ? AND card_reference <> ''`
	orderTokenRefs   = `SELECT token_reference FROM txns WHERE merchant_id = ? AND order_id = ? AND token_reference <> ''`
	orderCustomerIDs = `SELECT customer_id FROM txns WHERE merchant_id = ? AND order_id = ? AND customer_id <> ''`
)

// orderEvents are the order's events and its tokens' events (read by the
// partial index events_token, whose condition the query repeats).
var orderEvents = `SELECT ` + eventColumns + ` FROM events WHERE merchant_id = ? AND order_id = ?
	UNION ALL SELECT ` + eventColumns + ` FROM events WHERE merchant_id = ? AND token_reference <> ''
	AND token_reference IN (` + orderTokenRefs + `)`

// OrderHistory reads an order and everything stored about it in one
// read-only transaction, so that the story is of one moment: each part by
// an index that starts with the merchant (or a key).
func (db *DB) OrderHistory(ctx context.Context, merchantID, orderID string) (_ *coft.OrderHistory, err error) {
	defer failed(&err, "OrderHistory", merchantID, orderID)
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	tx := &dbTx{Tx: sqlTx, db: db, pool: db.r}
	defer tx.end(ctx)
	q := func(query string) string { return db.rebind(query) }
	mo := []any{merchantID, orderID}

	h := &coft.OrderHistory{Deliveries: map[string][]*coft.DeliveryAttempt{}}
	if h.Order, err = scanOrder(tx.QueryRowContext(ctx, q(`SELECT `+orderColumns+` FROM orders
		WHERE merchant_id = ? AND order_id = ?`), mo...)); err != nil {
		return nil, err
	}
	if h.Txns, err = queryAll(ctx, tx, q(`SELECT `+txnColumns+` FROM txns WHERE merchant_id = ? AND order_id = ?
		ORDER BY attempt`), scanTxn, mo...); err != nil {
		return nil, err
	}
	for _, t := range h.Txns {
		t.PANCiphertext, t.KeyID = nil, ""
	}
	if h.Consents, err = queryAll(ctx, tx, q(`SELECT `+consentColumns+` FROM consents WHERE merchant_id = ?
		AND txn_uuid IN (`+orderTxnUUIDs+`) ORDER BY decided_at, id`), scanConsent, merchantID, merchantID, orderID); err != nil {
		return nil, err
	}
	if h.PageConsents, err = queryAll(ctx, tx, q(`SELECT `+pageConsentColumns+` FROM page_consents
		WHERE merchant_id = ? AND order_id = ? ORDER BY decided_at, id`), scanPageConsent, mo...); err != nil {
		return nil, err
	}
	if h.Cards, err = queryAll(ctx, tx, q(`SELECT `+cardColumns+cardFrom+` WHERE c.merchant_id = ?
		AND c.reference IN (`+orderCardRefs+`) ORDER BY c.created_at, c.reference`), scanCard,
		merchantID, merchantID, orderID); err != nil {
		return nil, err
	}
	for _, c := range h.Cards {
		c.PANCiphertext, c.KeyID = nil, ""
		if c.Token != nil {
			c.Token.Ciphertext, c.Token.KeyID = nil, ""
		}
	}
	if h.Withdrawals, err = queryAll(ctx, tx, q(`SELECT `+withdrawalColumns+` FROM withdrawals WHERE merchant_id = ?
		AND customer_id IN (`+orderCustomerIDs+`) AND card_reference IN (`+orderCardRefs+`) ORDER BY at, id`),
		scanWithdrawal, merchantID, merchantID, orderID, merchantID, orderID); err != nil {
		return nil, err
	}
	if h.Events, err = queryAll(ctx, tx, q(`SELECT * FROM (`+orderEvents+`) e ORDER BY created_at, id LIMIT ?`),
		scanEvent, merchantID, orderID, merchantID, merchantID, orderID, coft.MaxHistoryEvents); err != nil {
		return nil, err
	}
	if len(h.Events) > 0 {
		kept := map[string]bool{}
		for _, e := range h.Events {
			kept[e.ID] = true
		}
		attempts, err := queryAll(ctx, tx, q(`SELECT event_id, n, at, url, http_status, error, duration_ms
			FROM event_attempts WHERE event_id IN (SELECT id FROM (`+orderEvents+`) e) ORDER BY event_id, n`),
			scanDeliveryAttempt, merchantID, orderID, merchantID, merchantID, orderID)
		if err != nil {
			return nil, err
		}
		for _, a := range attempts {
			if kept[a.EventID] {
				h.Deliveries[a.EventID] = append(h.Deliveries[a.EventID], a)
			}
		}
	}
	if h.Refunds, err = queryAll(ctx, tx, q(`SELECT `+refundColumns+` FROM refunds WHERE merchant_id = ? AND order_id = ?
		ORDER BY created_at, id`), scanRefund, mo...); err != nil {
		return nil, err
	}
	return h, tx.Commit()
}

func scanDeliveryAttempt(s scanner) (*coft.DeliveryAttempt, error) {
	var a coft.DeliveryAttempt
	var ms int64
	if err := s.Scan(&a.EventID, &a.N, &a.At, &a.URL, &a.HTTPStatus, &a.Error, &ms); err != nil {
		return nil, err
	}
	a.Duration = time.Duration(ms) * time.Millisecond
	return &a, nil
}

// queryAll runs a query in tx and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *dbTx, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

var _ coft.OrderHistoryStore = (*DB)(nil)
