package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// scaleSizes are the numbers of stored orders the -scale mode compares.
var scaleSizes = []int{10_000, 1_000_000}

// scaleOrderID is the order_id of the x-th bulk-inserted order. It must
// match the SQL of insertOrders.
func scaleOrderID(x int) string { return fmt.Sprintf("s%07d", x) }

// emptyDetails is the details column of an order without udf values,
// metadata or addresses.
const emptyDetails = `{"udf":["","","","","","","","","",""]}`

// insertOrders stores orders number from to number to (inclusive) of
// merchant straight into the service's database, in one transaction. The
// service must not be running, so that it sees them as it starts.
func insertOrders(ctx context.Context, l *lab, merchant string, from, to int) error {
	var query string
	if isPostgres(l.dbURL) {
		query = `INSERT INTO orders (id, merchant_id, order_id, amount, currency, status, details, created_at, updated_at)
			SELECT 'ord_' || lpad(to_hex(x), 32, '0'), $1, 's' || lpad(x::text, 7, '0'), 10000, 'INR', 'NEW', $2, now(), now()
			FROM generate_series($3::bigint, $4::bigint) AS x`
	} else {
		// The timestamps are written as modernc's driver writes time.Time
		// with _time_format=sqlite, as the service does.
		now := time.Now().UTC().Format("2006-01-02 15:04:05.000000-07:00")
		query = `WITH RECURSIVE c(x) AS (SELECT ?3 UNION ALL SELECT x+1 FROM c WHERE x < ?4)
			INSERT INTO orders (id, merchant_id, order_id, amount, currency, status, details, created_at, updated_at)
			SELECT printf('ord_%032x', x), ?1, printf('s%07d', x), 10000, 'INR', 'NEW', ?2, '` + now + `', '` + now + `'
			FROM c`
	}
	db, err := l.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, query, merchant, emptyDetails, from, to); err != nil {
		return fmt.Errorf("insert orders %d–%d: %w", from, to, err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Leave the service a database as it would find it after a while:
	// for PostgreSQL vacuumed (hint bits and visibility map set, so reads
	// write nothing) with current statistics, for SQLite with the
	// write-ahead log folded in.
	if isPostgres(l.dbURL) {
		if _, err = db.ExecContext(ctx, "VACUUM ANALYZE orders"); err == nil {
			// Write the loaded pages out now rather than during the
			// measurement. Only a superuser or pg_checkpoint may: best effort.
			db.ExecContext(ctx, "CHECKPOINT")
		}
	} else {
		_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return err
}

// runScale measures order status with each of scaleSizes orders stored:
// it stores the orders, starts the service, runs the load and stops it.
func runScale(ctx context.Context, l *lab, o options, client *http.Client, auth http.Header, merchant string) ([]result, error) {
	var results []result
	stored := 0
	for _, n := range scaleSizes {
		t := time.Now()
		if err := insertOrders(ctx, l, merchant, stored+1, n); err != nil {
			return nil, err
		}
		fmt.Fprintf(o.stderr, "stored %d orders in %v\n", n-stored, time.Since(t).Round(time.Millisecond))
		stored = n
		r, err := measureScale(ctx, l, o, client, auth, n)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// measureScale runs the service over n stored orders and measures the
// status of random ones.
func measureScale(ctx context.Context, l *lab, o options, client *http.Client, auth http.Header, n int) (result, error) {
	svc, err := l.start(ctx, "serve", []string{"serve"}, "/healthz", "/readyz")
	if err != nil {
		return result{}, err
	}
	defer svc.stop()
	base := "http://" + svc.addr

	// The service must read the inserted rows as its own.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/orders/"+scaleOrderID(n), nil)
	copyHeader(req.Header, auth)
	resp, err := client.Do(req)
	if err != nil {
		return result{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return result{}, fmt.Errorf("GET /orders/%s of the inserted orders: %s: %s", scaleOrderID(n), resp.Status, body)
	}

	sc := get(fmt.Sprintf("orders_%d", n), func(w *worker) string {
		return base + "/orders/" + scaleOrderID(1+w.rng.IntN(n))
	}, auth)
	r, err := load(ctx, client, sc, o.concurrency, o.warmup, o.duration)
	if err != nil {
		return r, err
	}
	return r, svc.alive()
}
