package sqlstore_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// TestLedgerTampered: whoever changes the ledger's tables with SQL (a
// field of an entry, an entry removed, two swapped, a chain rewritten
// with new hashes, a checkpoint's signature forged) gets an export that
// fails verification, naming the entry; an untouched export verifies.
func TestLedgerTampered(t *testing.T) {
	exec := func(t *testing.T, db *sqlstore.DB, q string, args ...any) {
		t.Helper()
		if _, err := db.RawExec(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, db *sqlstore.DB)
		wantSeq int64 // 0: verifies
		want    string
	}{
		{name: "untouched", tamper: func(*testing.T, *sqlstore.DB) {}},
		{name: "field changed", wantSeq: 4, want: "altered", tamper: func(t *testing.T, db *sqlstore.DB) {
			exec(t, db, `UPDATE ledger_entries SET record = REPLACE(record, '"decision":true', '"decision":false') WHERE seq = 4`)
		}},
		{name: "entry deleted", wantSeq: 6, want: "missing", tamper: func(t *testing.T, db *sqlstore.DB) {
			exec(t, db, `DELETE FROM ledger_entries WHERE seq = 6`)
		}},
		{name: "last entry deleted", wantSeq: 10, want: "missing", tamper: func(t *testing.T, db *sqlstore.DB) {
			exec(t, db, `DELETE FROM ledger_entries WHERE seq = 10`)
		}},
		{name: "two swapped", wantSeq: 3, want: "does not link", tamper: func(t *testing.T, db *sqlstore.DB) {
			exec(t, db, `UPDATE ledger_entries SET seq = CASE seq WHEN 3 THEN -7 ELSE -3 END WHERE seq IN (3, 7)`)
			exec(t, db, `UPDATE ledger_entries SET seq = -seq WHERE seq < 0`)
		}},
		{name: "swapped with their numbers", wantSeq: 3, want: "out of place", tamper: func(t *testing.T, db *sqlstore.DB) {
			// Records, links and hashes swapped, the numbers left: entry 3
			// holds entry 7's record.
			exec(t, db, `UPDATE ledger_entries SET seq = CASE seq WHEN 3 THEN -7 ELSE -3 END WHERE seq IN (3, 7)`)
			exec(t, db, `UPDATE ledger_entries SET seq = -seq WHERE seq < 0`)
			exec(t, db, `UPDATE ledger_entries SET prev_hash = (SELECT hash FROM ledger_entries WHERE seq = 2) WHERE seq = 3`)
		}},
		{name: "chain rewritten", wantSeq: 10, want: "rehashed", tamper: func(t *testing.T, db *sqlstore.DB) {
			// Entry 4 changed and every hash after it recomputed: only
			// the signed checkpoint shows it.
			x, err := db.ExportLedger(context.Background(), "a", zero, zero)
			if err != nil {
				t.Fatal(err)
			}
			prev := x.Entries[2].Hash
			for _, e := range x.Entries[3:] {
				rec := e.Record
				if e.Seq == 4 {
					rec = strings.Replace(rec, `"decision":true`, `"decision":false`, 1)
				}
				h := coft.LedgerHash(prev, []byte(rec))
				exec(t, db, `UPDATE ledger_entries SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?`, rec, prev, h, e.Seq)
				prev = h
			}
		}},
		{name: "checkpoint forged", wantSeq: 10, want: "signature", tamper: func(t *testing.T, db *sqlstore.DB) {
			sig := make([]byte, 64)
			rand.Read(sig)
			exec(t, db, `UPDATE ledger_checkpoints SET signature = ? WHERE seq = 10`, sig)
		}},
	} {
		for _, d := range sqltest.Dialects {
			t.Run(tc.name+"/"+string(d), func(t *testing.T) {
				t.Parallel()
				db := MustOpenDB(t, d)
				ctx := context.Background()
				db.Secrets = testLocker(t, map[string][]byte{"k1": randomKey()}, "k1")
				mustMerchant(t, db, "a")
				if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
					t.Fatal(err)
				}
				for range 10 {
					if err := db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: "o1", Decision: true,
						TextID: "tokenize-en-v1", Locale: "en", ClientIP: "203.0.113.9"}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.CheckpointLedgers(ctx, "a"); err != nil {
					t.Fatal(err)
				}
				tc.tamper(t, db)
				file, rep, err := export(t, db, "a")
				if tc.wantSeq == 0 {
					if err != nil || rep.Entries != 10 || rep.LastCheckpoint != 10 {
						t.Fatalf("untouched export: %+v, %v", rep, err)
					}
					return
				}
				f, ok := err.(*evidence.Failure)
				if !ok || f.Seq != tc.wantSeq || !strings.Contains(f.Problem, tc.want) {
					t.Fatalf("verify = %v, want a failure of entry %d (%s)\n%s", err, tc.wantSeq, tc.want, file)
				}
			})
		}
	}
}
