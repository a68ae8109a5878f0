package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestConsentsCommand: consents export writes a merchant's chain, signed
// to its end, that consents verify accepts with no database; after an
// entry is changed in the database, the new export fails verification,
// naming the entry.
func TestConsentsCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir}
	if _, err := merchantsCmd(t, env, "create", "-id", "shop1"); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOrder(ctx, &coft.Order{MerchantID: "shop1", OrderID: "o1", Amount: 100, Currency: "INR", Status: coft.StatusNew}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "shop1", OrderID: "o1", Decision: true,
			TextID: "tokenize-en-v1", Locale: "en"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	consents := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"consents"}, args...), func(k string) string { return env[k] }, &out, &errOut)
		return out.String(), err
	}
	exportTo := func(name string) string {
		t.Helper()
		out, err := consents("export", "-merchant", "shop1")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := exportTo("good.jsonl")
	out, err := consents("verify", good)
	if err != nil || !strings.Contains(out, "verified: merchant shop1, 5 entries (1 to 5), 1 checkpoints") || strings.Contains(out, "warning") {
		t.Fatalf("verify = %q, %v", out, err)
	}
	if _, err := consents("export", "-merchant", "ghost"); err == nil {
		t.Fatal("export of an unknown merchant succeeded")
	}

	// A correction is a new entry that refers to the old one; a correction
	// of an entry the chain does not have is refused, as one without a
	// reason.
	out, err = consents("correct", "-merchant", "shop1", "-seq", "2", "-reason", "Recorded as yes; the customer said no.")
	if err != nil || !strings.Contains(out, `"seq": 6`) || !strings.Contains(out, `"corrects": 2`) || !strings.Contains(out, `"kind": "correction"`) {
		t.Fatalf("correct = %q, %v", out, err)
	}
	if _, err := consents("correct", "-merchant", "shop1", "-seq", "99", "-reason", "x"); err == nil || !strings.Contains(err.Error(), "no entry 99") {
		t.Fatalf("correct of a missing entry = %v", err)
	}
	if _, err := consents("correct", "-merchant", "shop1", "-seq", "1", "-reason", " "); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("correct without a reason = %v", err)
	}
	out, err = consents("verify", exportTo("corrected.jsonl"))
	if err != nil || !strings.Contains(out, "6 entries (1 to 6)") ||
		!strings.Contains(out, "correction: entry 6 corrects entry 2: Recorded as yes; the customer said no.") {
		t.Fatalf("verify with a correction = %q, %v", out, err)
	}

	// One customer's entries, with their inclusion proofs.
	db, err = sqlstore.Open(ctx, filepath.Join(dir, "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	cst := &coft.Customer{MerchantID: "shop1", ObjectReferenceID: "asha"}
	if err := db.CreateCustomer(ctx, cst); err != nil {
		t.Fatal(err)
	}
	card := &coft.Card{Reference: coft.RandomHex(16), MerchantID: "shop1", CustomerID: cst.ID, Fingerprint: "fp", ISIN: "424242",
		Last4: "4242", ExpMonth: "12", ExpYear: "2031", Brand: "VISA"}
	if err := db.SaveCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCard(ctx, "shop1", card.Reference, &coft.Withdrawal{Channel: coft.ChannelManagementPage}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err = consents("export", "-merchant", "shop1", "-customer", "asha")
	if err != nil || strings.Contains(out, `\"seq\":1,`) {
		t.Fatalf("export -customer = %q, %v", out, err)
	}
	path := filepath.Join(t.TempDir(), "asha.jsonl")
	os.WriteFile(path, []byte(out), 0o600)
	if out, err := consents("verify", path); err != nil || !strings.Contains(out, "customer "+cst.ID+", 1 entries (7 to 7)") {
		t.Fatalf("verify of a customer's file = %q, %v", out, err)
	}
	if _, err := consents("export", "-merchant", "shop1", "-customer", "nobody"); err == nil {
		t.Fatal("export of an unknown customer succeeded")
	}

	raw, err := sql.Open("sqlite", filepath.Join(dir, "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE ledger_entries SET record = replace(record, '"decision":true', '"decision":false') WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := consents("verify", exportTo("bad.jsonl")); err == nil || !strings.Contains(err.Error(), "entry 3 ") {
		t.Fatalf("verify of a changed entry = %v", err)
	}
}
