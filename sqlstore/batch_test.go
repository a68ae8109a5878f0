package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestBatchedWritesFailAlone: concurrent writes share commits, yet each
// is its own transaction: one that fails after writing leaves nothing,
// one that panics panics in its own caller, one whose caller gave up
// still runs, and the others are all stored.
func TestBatchedWritesFailAlone(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "batch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	errRefused := errors.New("refused")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	const n = 300
	var wg sync.WaitGroup
	errs := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			c := ctx
			if i%7 == 3 {
				c = cancelled
			}
			errs[i] = db.inTx(c, func(tx *dbTx) error {
				for j := range 2 {
					if _, err := tx.ExecContext(c, `INSERT INTO kv (k) VALUES (?)`, fmt.Sprintf("%d.%d", i, j)); err != nil {
						return err
					}
				}
				switch i % 5 {
				case 1:
					return errRefused // after writing
				case 2:
					if i%10 == 2 {
						panic(fmt.Sprint("write ", i))
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i := range n {
		var rows int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM kv WHERE k IN (?, ?)`,
			fmt.Sprintf("%d.0", i), fmt.Sprintf("%d.1", i)).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		switch {
		case i%5 == 1:
			if !errors.Is(errs[i], errRefused) || rows != 0 {
				t.Errorf("write %d: %v, %d rows left", i, errs[i], rows)
			}
		case i%10 == 2:
			if panics[i] != fmt.Sprint("write ", i) || rows != 0 {
				t.Errorf("write %d: panic %v, %d rows left", i, panics[i], rows)
			}
		default:
			if errs[i] != nil || panics[i] != nil || rows != 2 {
				t.Errorf("write %d: %v %v, %d rows", i, errs[i], panics[i], rows)
			}
		}
	}
	if c := db.batch.commits.Load(); c >= n-n/10 {
		t.Errorf("%d commits for %d writes: hardly any shared", c, n)
	}
}
