package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// export exports a merchant's whole chain as a file, and verifies it.
var zero time.Time

func export(t *testing.T, db *sqlstore.DB, merchantID string) ([]byte, *evidence.Report, error) {
	t.Helper()
	x, err := db.ExportLedger(context.Background(), merchantID, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.Verify(bytes.NewReader(buf.Bytes()))
	return buf.Bytes(), rep, err
}

// records returns the records of a file's entries, in its order.
func records(t *testing.T, file []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(file), []byte("\n")) {
		var e evidence.Entry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		if e.Type != "entry" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(e.Record), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestLedgerRecordsEveryDecision: a decision on the hosted page, a
// merchant-declared one, a drop-in one and a withdrawal each append one
// entry, in the transaction of their record; a refused decision appends
// none; the chain verifies and holds no card data.
func TestLedgerRecordsEveryDecision(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		for _, o := range []string{"o1", "o2"} {
			if err := db.CreateOrder(ctx, newOrder("a", o)); err != nil {
				t.Fatal(err)
			}
		}
		long := time.Now().Add(-time.Hour)
		t1, _, err := db.StartTxn(ctx, newTxn("a", "o1", "fp1"), long, nil)
		if err != nil {
			t.Fatal(err)
		}
		shown := time.Now().Add(-5 * time.Second)
		if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t1.UUID, Decision: true, TextID: "tokenize-hi-v1",
			Locale: "hi", Channel: coft.ChannelHostedPage, ClientIP: "203.0.113.9", UserAgent: "Mozilla/5.0 <test>", ShownAt: shown,
			FormFactor: coft.FormFactorMobileLandscape, FormFactorSource: coft.FormFactorFromDialog}); err != nil {
			t.Fatal(err)
		}
		// Refused: another answer on the same payment. No entry.
		_, err = db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t1.UUID, Decision: false, Channel: coft.ChannelHostedPage})
		wantCode(t, err, coft.ECONFLICT)
		declared := newTxn("a", "o2", "fp2")
		no := false
		declared.Consent, declared.ConsentAsked = &no, false
		if _, _, err := db.StartTxn(ctx, declared, long, &coft.Consent{Decision: false, Channel: coft.ChannelMerchantDeclared}); err != nil {
			t.Fatal(err)
		}
		pc := &coft.PageConsent{MerchantID: "a", OrderID: "o2", ISIN: "424242", Last4: "4242", Brand: "VISA", Decision: true,
			TextID: "tokenize-en-v1", Locale: "en", Origin: "https://shop.example", ShownAt: shown,
			FormFactor: coft.FormFactorDesktop, FormFactorSource: coft.FormFactorFromHints}
		if err := db.RecordPageConsent(ctx, pc); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindPageConsent(ctx, "a", pc.ID); err != nil || got.FormFactor != coft.FormFactorDesktop ||
			got.FormFactorSource != coft.FormFactorFromHints {
			t.Fatalf("page consent = %+v, %v", got, err)
		}
		if cs, err := db.ListConsents(ctx, "a", t1.UUID); err != nil || len(cs) != 1 || cs[0].FormFactor != coft.FormFactorMobileLandscape ||
			cs[0].FormFactorSource != coft.FormFactorFromDialog {
			t.Fatalf("consents = %+v, %v", cs, err)
		}
		cust := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		card := newCard("a", cust.ID, "fp3")
		if err := db.SaveCard(ctx, card); err != nil {
			t.Fatal(err)
		}
		w := &coft.Withdrawal{Channel: coft.ChannelManagementPage, ClientIP: "198.51.100.1", UserAgent: "ua"}
		if err := db.DeleteCard(ctx, "a", card.Reference, w); err != nil {
			t.Fatal(err)
		}
		// Refused: the card is gone. No entry.
		wantCode(t, db.DeleteCard(ctx, "a", card.Reference, &coft.Withdrawal{Channel: coft.ChannelManagementPage}), coft.ENOTFOUND)

		file, rep, err := export(t, db, "a")
		if err != nil {
			t.Fatalf("verify: %v\n%s", err, file)
		}
		if rep.Entries != 4 || rep.FirstSeq != 1 || rep.LastSeq != 4 {
			t.Fatalf("report = %+v", rep)
		}
		recs := records(t, file)
		var got []string
		for _, r := range recs {
			got = append(got, fmt.Sprintf("%v/%v/%v", r["kind"], r["channel"], r["decision"]))
		}
		want := "decision/HOSTED_PAGE/true decision/MERCHANT_DECLARED/false decision/MERCHANT_PAGE/true withdrawal/MANAGEMENT_SCREEN/<nil>"
		if strings.Join(got, " ") != want {
			t.Fatalf("entries = %s, want %s", strings.Join(got, " "), want)
		}
		if r := recs[0]; r["text_sha256"] != coft.ConsentTextSHA256("tokenize-hi-v1") || r["language"] != "hi" ||
			r["txn_uuid"] != t1.UUID || r["order_id"] != "o1" || r["client_ip"] != "203.0.113.9" || r["shown_at"] == nil || r["fingerprint"] != "fp1" {
			t.Fatalf("hosted decision's record = %v", r)
		}
		// The form factor and its source; none for a decision no dialog of
		// ours showed.
		for i, want := range []string{"mobile-landscape/dialog", "<nil>/<nil>", "desktop/hints", "<nil>/<nil>"} {
			if got := fmt.Sprintf("%v/%v", recs[i]["form_factor"], recs[i]["form_factor_source"]); got != want {
				t.Errorf("entry %d's form factor = %s, want %s", i+1, got, want)
			}
		}
		if r := recs[3]; r["card_reference"] != card.Reference || r["customer_id"] != cust.ID || r["record_id"] != w.ID {
			t.Fatalf("withdrawal's record = %v", r)
		}
		// The last four as a value, the BINs anywhere (a bare "4242" may be
		// part of a random hash).
		if bytes.Contains(file, []byte(`\"4242\"`)) || bytes.Contains(file, []byte("424242")) || bytes.Contains(file, []byte("541919")) {
			t.Fatalf("card data in the export:\n%s", file)
		}
		if _, rep, err := export(t, db, "b"); err != nil || rep.Entries != 0 {
			t.Fatalf("merchant b's chain = %+v, %v", rep, err)
		}
	})
}

// TestLedgerFailedWriteLeavesNoEntry: on SQLite, writes committed
// together each run in a savepoint; one that fails after its record is
// added leaves no entry, and the others' chain stays whole.
func TestLedgerFailedWriteLeavesNoEntry(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		// Page consents on an order that does not exist fail, at once with
		// ones that succeed.
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				order := "o1"
				if i%2 == 1 {
					order = "none"
				}
				db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: order, Decision: true, TextID: "tokenize-en-v1", Locale: "en"})
			}()
		}
		wg.Wait()
		if _, rep, err := export(t, db, "a"); err != nil || rep.Entries != 20 {
			t.Fatalf("report = %+v, %v; want 20 entries", rep, err)
		}
	})
}

// TestLedgerConcurrentInstances: 200 consents at once through two store
// handles on one database (two instances) make one chain, without forks
// or gaps.
func TestLedgerConcurrentInstances(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dbs := sqltest.MustOpenDBs(t, d, 2)
			ctx := context.Background()
			mustMerchant(t, dbs[0], "a")
			const n = 200
			txns := make([]*coft.Txn, n)
			for i := range txns {
				id := fmt.Sprintf("o%d", i)
				if err := dbs[0].CreateOrder(ctx, newOrder("a", id)); err != nil {
					t.Fatal(err)
				}
				var err error
				if txns[i], _, err = dbs[0].StartTxn(ctx, newTxn("a", id, "fp"), time.Now(), nil); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			for i, txn := range txns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := dbs[i%2].RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: txn.UUID, Decision: i%3 != 0,
						TextID: "tokenize-en-v1", Locale: "en", Channel: coft.ChannelHostedPage}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			file, rep, err := export(t, dbs[1], "a")
			if err != nil || rep.Entries != n || rep.LastSeq != n {
				t.Fatalf("report = %+v, %v", rep, err)
			}
			seen := map[any]bool{}
			for _, r := range records(t, file) {
				seen[r["txn_uuid"]] = true
			}
			if len(seen) != n {
				t.Fatalf("%d payments in the chain, want %d", len(seen), n)
			}
		})
	}
}

// TestLedgerCheckpoints: a checkpoint is signed every
// coft.LedgerCheckpointEvery entries and when asked, with a ledger key
// made on first use and sealed by the locker; after a rotation the old
// key's checkpoints still verify.
func TestLedgerCheckpoints(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		db.Secrets = testLocker(t, map[string][]byte{"k1": randomKey()}, "k1")
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		decide := func(n int) {
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			for range n {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					if err := db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: "o1", Decision: true,
						TextID: "tokenize-en-v1", Locale: "en"}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		decide(coft.LedgerCheckpointEvery + 5)
		_, rep, err := export(t, db, "a")
		if err != nil || rep.Checkpoints != 1 || rep.LastCheckpoint != coft.LedgerCheckpointEvery {
			t.Fatalf("report = %+v, %v", rep, err)
		}
		var sealed []byte
		if err := db.RawRow(ctx, `SELECT private_sealed FROM ledger_keys`).Scan(&sealed); err != nil || len(sealed) < 32 {
			t.Fatalf("sealed key = %x, %v", sealed, err)
		}
		// Asked: the head is signed; asked again with nothing new: nothing.
		if n, err := db.CheckpointLedgers(ctx, ""); err != nil || n != 1 {
			t.Fatalf("CheckpointLedgers = %d, %v", n, err)
		}
		if n, err := db.CheckpointLedgers(ctx, ""); err != nil || n != 0 {
			t.Fatalf("CheckpointLedgers again = %d, %v", n, err)
		}
		if err := db.RotateLedgerKey(ctx); err != nil {
			t.Fatal(err)
		}
		decide(3)
		if n, err := db.CheckpointLedgers(ctx, "a"); err != nil || n != 1 {
			t.Fatalf("CheckpointLedgers = %d, %v", n, err)
		}
		_, rep, err = export(t, db, "a")
		if err != nil || rep.Checkpoints != 3 || rep.LastCheckpoint != coft.LedgerCheckpointEvery+8 || len(rep.KeyIDs) != 2 {
			t.Fatalf("report after rotation = %+v, %v", rep, err)
		}
	})
}

// TestLedgerRange: an export of a range that starts mid-chain carries
// the hash before it and verifies alone.
func TestLedgerRange(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { now = now.Add(time.Minute); return now }
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if err := db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: "o1", Decision: true}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := db.ExportLedger(ctx, "a", time.Time{}, time.Time{})
		if err != nil || len(all.Entries) != 10 {
			t.Fatalf("export = %v, %v", all, err)
		}
		x, err := db.ExportLedger(ctx, "a", all.Entries[3].CreatedAt, all.Entries[7].CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		evidence.Write(&buf, x)
		rep, err := evidence.Verify(&buf)
		if err != nil || rep.FirstSeq != 4 || rep.LastSeq != 7 {
			t.Fatalf("range report = %+v, %v", rep, err)
		}
	})
}

// TestLedgerCorrection: a correction is a new entry naming the corrected
// entry's number and hash, in the corrected entry's customer's history;
// the corrected entry is unchanged; a correction of an entry the chain
// does not have, or without a reason, appends nothing.
func TestLedgerCorrection(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		cust := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		card := newCard("a", cust.ID, "fp1")
		if err := db.SaveCard(ctx, card); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteCard(ctx, "a", card.Reference, &coft.Withdrawal{Channel: coft.ChannelManagementPage}); err != nil {
			t.Fatal(err)
		}
		before, _, _ := export(t, db, "a")
		_, err := db.CorrectLedgerEntry(ctx, "a", 2, "no such entry")
		wantCode(t, err, coft.ENOTFOUND)
		_, err = db.CorrectLedgerEntry(ctx, "b", 1, "another merchant's chain")
		wantCode(t, err, coft.ENOTFOUND)
		_, err = db.CorrectLedgerEntry(ctx, "a", 1, "  ")
		wantCode(t, err, coft.EMISSING)
		_, err = db.CorrectLedgerEntry(ctx, "a", 1, strings.Repeat("x", coft.MaxCorrectionReason+1))
		wantCode(t, err, coft.EINVALID)

		e, err := db.CorrectLedgerEntry(ctx, "a", 1, "The withdrawal was made by the merchant's support desk, not the customer.")
		if err != nil || e.Seq != 2 {
			t.Fatalf("correction = %+v, %v", e, err)
		}
		file, rep, err := export(t, db, "a")
		if err != nil || rep.Entries != 2 || len(rep.Corrections) != 1 || rep.Corrections[0].Corrects != 1 || !rep.Corrections[0].InFile {
			t.Fatalf("report = %+v, %v", rep, err)
		}
		if !bytes.HasPrefix(file, before[:bytes.LastIndex(before, []byte(`{"type":"entry"`))]) {
			t.Fatal("the corrected entry changed")
		}
		recs := records(t, file)
		first, _ := db.ExportLedger(ctx, "a", time.Time{}, time.Time{})
		if r := recs[1]; r["kind"] != "correction" || r["corrects"] != 1.0 || r["corrects_hash"] != first.Entries[0].Hash ||
			r["customer_id"] != cust.ID || r["reason"] != "The withdrawal was made by the merchant's support desk, not the customer." {
			t.Fatalf("correction's record = %v", r)
		}
		hist, err := db.CustomerLedger(ctx, "a", cust.ID)
		if err != nil || len(hist) != 2 || hist[1].Seq != 2 {
			t.Fatalf("customer's history = %+v, %v", hist, err)
		}
	})
}
