package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/cardscan"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/sqlstore"
)

// withdraw appends a withdrawal entry of customer cst to merchant m's
// chain (a card saved, then removed).
func withdraw(t *testing.T, db *sqlstore.DB, m, cst string, n int) {
	t.Helper()
	card := newCard(m, cst, fmt.Sprintf("fp-%s-%d", cst, n))
	if err := db.SaveCard(context.Background(), card); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCard(context.Background(), m, card.Reference, &coft.Withdrawal{Channel: coft.ChannelManagementPage,
		ClientIP: "198.51.100.7", UserAgent: "ua"}); err != nil {
		t.Fatal(err)
	}
}

// TestCustomerLedgerExport: one customer's export holds that customer's
// entries only, each with an inclusion proof against the first
// checkpoint after it (none after the last one), and verifies with no
// database; the whole chain's export recomputes the signed roots; a
// record altered in the file, or in the database, is caught.
func TestCustomerLedgerExport(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		db.Secrets = testLocker(t, map[string][]byte{"k1": randomKey()}, "k1")
		mustMerchant(t, db, "a")
		var cst [2]string
		for i := range cst {
			c := &coft.Customer{MerchantID: "a", ObjectReferenceID: fmt.Sprintf("ref%d", i)}
			if err := db.CreateCustomer(ctx, c); err != nil {
				t.Fatal(err)
			}
			cst[i] = c.ID
		}
		checkpoint := func() {
			if _, err := db.CheckpointLedgers(ctx, "a"); err != nil {
				t.Fatal(err)
			}
		}
		// Entries 1–4 (customers 0, 1, 0, 1), signed; 5–6 (1, 0),
		// signed; 7 (0), not signed yet; 8–9 (1, 1).
		for i, c := range []int{0, 1, 0, 1, 1, 0, 0, 1, 1} {
			withdraw(t, db, "a", cst[c], i)
			if i == 3 || i == 5 {
				checkpoint()
			}
		}
		x, err := db.ExportCustomerLedger(ctx, "a", cst[0], time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := evidence.Write(&buf, x); err != nil {
			t.Fatal(err)
		}
		file := buf.Bytes()
		rep, err := evidence.Verify(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("verify: %v\n%s", err, file)
		}
		if rep.CustomerID != cst[0] || rep.Entries != 4 || rep.FirstSeq != 1 || rep.LastSeq != 7 || rep.Checkpoints != 2 ||
			rep.RootsChecked != 2 || fmt.Sprint(rep.Unproven) != "[7]" {
			t.Fatalf("report = %+v", rep)
		}
		var seqs []string
		for _, r := range records(t, file) {
			seqs = append(seqs, fmt.Sprint(r["seq"]))
			if r["customer_id"] != cst[0] {
				t.Errorf("another customer's entry: %v", r)
			}
		}
		if strings.Join(seqs, " ") != "1 3 6 7" || bytes.Contains(file, []byte(cst[1])) {
			t.Fatalf("entries %v; the file names the other customer: %v\n%s", seqs, bytes.Contains(file, []byte(cst[1])), file)
		}
		if rep := cardscan.New([]string{"4242424242424242"}, "123"); len(rep.Hits(file)) != 0 {
			t.Fatalf("card data in the export: %v", rep.Hits(file))
		}

		// The whole chain: its checkpoints' roots recomputed from its records.
		if _, rep, err := export(t, db, "a"); err != nil || rep.RootsChecked != 2 || rep.Entries != 9 {
			t.Fatalf("whole chain = %+v, %v", rep, err)
		}

		// Signed to the end (as an open export does), entry 7 is proved too.
		checkpoint()
		x, err = db.ExportCustomerLedger(ctx, "a", cst[0], time.Time{}, time.Time{})
		if err != nil || len(x.Proofs) != 4 || x.Proofs[3].TreeSize != 9 {
			t.Fatalf("after signing the head: %+v, %v", x, err)
		}

		// Altered in the file: a record, or a hash of a proof.
		for _, tc := range []struct{ name, from, to string }{
			{"record", `"channel\":\"MANAGEMENT_SCREEN\"`, `"channel\":\"MERCHANT_DECLARED\"`},
			{"proof", `"proof":["`, `"proof":["0`},
		} {
			bad := bytes.Replace(file, []byte(tc.from), []byte(tc.to), 1)
			if _, err := evidence.Verify(bytes.NewReader(bad)); err == nil || !evidence.IsFailure(err) {
				t.Errorf("%s altered in the file: verify = %v", tc.name, err)
			}
		}
		// Altered in the database (the record and its chain hash): the
		// store will not prove it.
		rec := x.Entries[1].Record
		alt := strings.Replace(rec, `"channel":"MANAGEMENT_SCREEN"`, `"channel":"MERCHANT_DECLARED"`, 1)
		if _, err := db.RawExec(ctx, `UPDATE ledger_entries SET record = ?, hash = ? WHERE seq = 3`, alt,
			coft.LedgerHash(x.Entries[1].PrevHash, []byte(alt))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExportCustomerLedger(ctx, "a", cst[0], time.Time{}, time.Time{}); err == nil ||
			!strings.Contains(err.Error(), "entry 3") {
			t.Fatalf("export of an altered entry = %v", err)
		}
	})
}

// TestLedgerTreeGrown: a chain appended before the Merkle tree existed
// (no peaks, no nodes) gets its tree on the next append, and its
// checkpoints then sign the root of every entry.
func TestLedgerTreeGrown(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		db.Secrets = testLocker(t, map[string][]byte{"k1": randomKey()}, "k1")
		mustMerchant(t, db, "a")
		c := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
		for i := range 11 {
			withdraw(t, db, "a", c.ID, i)
		}
		for _, q := range []string{`DELETE FROM ledger_tree`, `UPDATE ledger_heads SET peaks = ''`} {
			if _, err := db.RawExec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		withdraw(t, db, "a", c.ID, 11)
		if _, err := db.CheckpointLedgers(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, rep, err := export(t, db, "a"); err != nil || rep.RootsChecked != 1 || rep.Entries != 12 {
			t.Fatalf("whole chain = %+v, %v", rep, err)
		}
		x, err := db.ExportCustomerLedger(ctx, "a", c.ID, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		evidence.Write(&buf, x)
		if rep, err := evidence.Verify(&buf); err != nil || rep.Entries != 12 || len(rep.Unproven) != 0 {
			t.Fatalf("customer's file = %+v, %v", rep, err)
		}
	})
}
