package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

// TestLedgerAppendFailsWithItsWrite: writes committed together on SQLite
// each chain their records in their own savepoint: one that fails after
// adding a record (or whose record cannot be chained) leaves no entry and
// does not move the head; the others make one chain without gaps.
func TestLedgerAppendFailsWithItsWrite(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.inTx(ctx, func(tx *dbTx) error {
				tx.appendLedger(&coft.LedgerRecord{Kind: coft.LedgerDecision, MerchantID: "a", RecordID: "r", At: time.Now()})
				switch i % 3 {
				case 1: // fails after adding its record
					return errors.New("refused")
				case 2: // its record's chaining fails: the table is not there
					_, err := tx.ExecContext(ctx, `CREATE TEMP TABLE ledger_heads (merchant_id TEXT)`)
					return err
				}
				return nil
			})
		}()
	}
	wg.Wait()
	x, err := db.ExportLedger(ctx, "a", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Entries) != 20 {
		t.Fatalf("%d entries, want 20", len(x.Entries))
	}
	prev := coft.GenesisHash
	for i, e := range x.Entries {
		if e.Seq != int64(i+1) || e.PrevHash != prev || coft.LedgerHash(prev, []byte(e.Record)) != e.Hash {
			t.Fatalf("entry %d: %+v", i+1, e)
		}
		prev = e.Hash
	}
	var seq int64
	if err := db.RawRow(ctx, `SELECT seq FROM ledger_heads WHERE merchant_id = 'a'`).Scan(&seq); err != nil || seq != 20 {
		t.Fatalf("head = %d, %v", seq, err)
	}
}
