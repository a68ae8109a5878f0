package coft_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

// TestCanonicalJSON: keys sorted by byte, no whitespace, only '"', '\'
// and control characters escaped, invalid UTF-8 replaced; the output is
// JSON that reads back to the same values.
func TestCanonicalJSON(t *testing.T) {
	got := string(coft.CanonicalJSON(map[string]any{
		"b": "</x>&ü\"\\\n\x01", "a": true, "seq": int64(42), "B": "\xff", "é": false,
	}))
	want := `{"B":"` + "\uFFFD" + `","a":true,"b":"</x>&ü\"\\\n\u0001","seq":42,"é":false}`
	if got != want {
		t.Fatalf("CanonicalJSON = %s\nwant %s", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil || back["b"] != "</x>&ü\"\\\n\x01" {
		t.Fatalf("read back: %v, %v", back, err)
	}
}

// TestLedgerHash: sha256 over the previous hash's hex and the record.
func TestLedgerHash(t *testing.T) {
	d := true
	r := &coft.LedgerRecord{Kind: coft.LedgerDecision, MerchantID: "m", Seq: 1, Decision: &d,
		At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), TextID: "tokenize-en-v1"}
	rec := coft.CanonicalJSON(r.Fields())
	if want := `{"at":"2026-01-02T03:04:05.000006Z","decision":true,"kind":"decision","merchant_id":"m","seq":1,"text_id":"tokenize-en-v1","too_fast":false}`; string(rec) != want {
		t.Fatalf("record = %s", rec)
	}
	sum := sha256.Sum256(append([]byte(coft.GenesisHash), rec...))
	if got := coft.LedgerHash(coft.GenesisHash, rec); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("LedgerHash = %s", got)
	}
	if coft.ConsentTextSHA256("tokenize-en-v1") == "" || coft.ConsentTextSHA256("nope") != "" {
		t.Fatal("ConsentTextSHA256")
	}
}
