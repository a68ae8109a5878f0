package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// The parts of an order's history that its attempts name (their cards,
// customers, tokens' events) are read through subqueries of the order's
// attempts, so that a statement stays the same whatever their number (it
// is prepared once), and through joins or keys where SQLite's planner,
// without statistics, would otherwise pick an index on the merchant alone
// and read all its rows (a million orders' events took 3.4 s).
const (
	orderTxnUUIDs    = `SELECT uuid FROM txns WHERE merchant_id = ? AND order_id = ?`
	orderCardRefs    = `SELECT card_reference FROM txns WHERE merchant_id = ? AND order_id = ? AND card_reference <> ''`
	orderCustomerIDs = `SELECT customer_id FROM txns WHERE merchant_id = ? AND order_id = ? AND customer_id <> ''`
	// orderTokenEventIDs are the events of the tokens the order's attempts
	// created, by the partial index events_token (whose condition the
	// query repeats).
	orderTokenEventIDs = `SELECT e.id FROM txns t JOIN events e ON e.merchant_id = t.merchant_id
		AND e.token_reference = t.token_reference
		WHERE t.merchant_id = ? AND t.order_id = ? AND t.token_reference <> '' AND e.token_reference <> ''`
	orderEventIDs = `SELECT id FROM events WHERE merchant_id = ? AND order_id = ? UNION ALL ` + orderTokenEventIDs
)

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
	if h.Cards, err = queryAll(ctx, tx, q(`SELECT `+cardColumns+cardFrom+` WHERE c.reference IN (`+orderCardRefs+`)
		ORDER BY c.created_at, c.reference`), scanCard, mo...); err != nil {
		return nil, err
	}
	h.Cards = slices.DeleteFunc(h.Cards, func(c *coft.Card) bool { return c.MerchantID != merchantID })
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
	// The order's events, then its tokens', each by its index, merged.
	if h.Events, err = queryAll(ctx, tx, q(`SELECT `+eventColumns+` FROM events WHERE merchant_id = ? AND order_id = ?
		ORDER BY created_at, id LIMIT ?`), scanEvent, merchantID, orderID, coft.MaxHistoryEvents); err != nil {
		return nil, err
	}
	tokenEvents, err := queryAll(ctx, tx, q(`SELECT `+eventColumns+` FROM events WHERE id IN (`+orderTokenEventIDs+`)
		ORDER BY created_at, id LIMIT ?`), scanEvent, merchantID, orderID, coft.MaxHistoryEvents)
	if err != nil {
		return nil, err
	}
	h.Events = append(h.Events, tokenEvents...)
	slices.SortStableFunc(h.Events, func(a, b *coft.Event) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	h.Events = h.Events[:min(len(h.Events), coft.MaxHistoryEvents)]
	if len(h.Events) > 0 {
		kept := map[string]bool{}
		for _, e := range h.Events {
			kept[e.ID] = true
		}
		attempts, err := queryAll(ctx, tx, q(`SELECT event_id, n, at, url, http_status, error, duration_ms
			FROM event_attempts WHERE event_id IN (`+orderEventIDs+`) ORDER BY event_id, n`),
			scanDeliveryAttempt, merchantID, orderID, merchantID, orderID)
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
