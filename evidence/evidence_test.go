package evidence_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
)

// generate makes a file of n entries of one merchant's chain, with a
// checkpoint every coft.LedgerCheckpointEvery entries and at its end.
func generate(tb testing.TB, n int) []byte {
	tb.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	x := &coft.LedgerExport{MerchantID: "m1", Keys: []coft.LedgerKey{{ID: "lgk_1", PublicKey: pub, CreatedAt: time.Unix(0, 0)}}}
	prev := coft.GenesisHash
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	x.Entries = make([]coft.LedgerEntry, 0, n)
	var tree coft.MerklePeaks
	for i := 1; i <= n; i++ {
		d := i%4 != 0
		r := &coft.LedgerRecord{Kind: coft.LedgerDecision, MerchantID: "m1", Seq: int64(i), RecordID: fmt.Sprintf("cns_%032x", i),
			Channel: coft.ChannelHostedPage, Decision: &d, TextID: "tokenize-en-v1", TextSHA256: coft.ConsentTextSHA256("tokenize-en-v1"),
			Language: "en", ShownAt: at, At: at.Add(3 * time.Second), ClientIP: "203.0.113.9",
			UserAgent: "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
			CardRef:   fmt.Sprintf("%032x", i*7), Fingerprint: fmt.Sprintf("%064x", i*13), OrderID: fmt.Sprintf("ord-%d", i),
			TxnUUID: fmt.Sprintf("%032x", i*3), CustomerID: fmt.Sprintf("cst_%016x", i%5000)}
		rec := coft.CanonicalJSON(r.Fields())
		h := coft.LedgerHash(prev, rec)
		x.Entries = append(x.Entries, coft.LedgerEntry{MerchantID: "m1", Seq: int64(i), Record: string(rec), PrevHash: prev, Hash: h})
		tree.Append(coft.MerkleLeafHash(rec))
		if i%coft.LedgerCheckpointEvery == 0 || i == n {
			c := coft.LedgerCheckpoint{MerchantID: "m1", Seq: int64(i), Hash: h, Root: tree.Root().String(), KeyID: "lgk_1", SignedAt: at}
			c.Signature = ed25519.Sign(priv, c.Message())
			x.Checkpoints = append(x.Checkpoints, c)
		}
		prev = h
		at = at.Add(time.Second)
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestVerify: a whole file verifies; lines moved, removed or edited in
// the file fail, naming the entry.
func TestVerify(t *testing.T) {
	file := generate(t, 2500)
	rep, err := evidence.Verify(bytes.NewReader(file))
	if err != nil || rep.Entries != 2500 || rep.Checkpoints != 3 || rep.LastCheckpoint != 2500 || rep.RootsChecked != 3 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	lines := bytes.SplitAfter(file, []byte("\n"))
	join := func(ls [][]byte) []byte { return bytes.Join(ls, nil) }
	for _, tc := range []struct {
		name string
		file []byte
		seq  int64
	}{
		{"line removed", join(append(append([][]byte{}, lines[:11]...), lines[12:]...)), 11},
		{"lines swapped", join(append(append(append([][]byte{}, lines[:11]...), lines[12], lines[11]), lines[13:]...)), 11},
		{"record edited", bytes.Replace(file, []byte(`ord-77\"`), []byte(`ord-78\"`), 1), 77},
		{"tail cut", join(append(append([][]byte{}, lines[:2400]...), lines[2501:]...)), 2400},
	} {
		_, err := evidence.Verify(bytes.NewReader(tc.file))
		if f, ok := err.(*evidence.Failure); !ok || f.Seq != tc.seq {
			t.Errorf("%s: Verify = %v, want a failure of entry %d", tc.name, err, tc.seq)
		}
	}
}

var (
	million     []byte
	millionOnce sync.Once
)

// BenchmarkVerify verifies a file of 1,000,000 entries (made once, in
// memory, before the timer starts).
func BenchmarkVerify(b *testing.B) {
	millionOnce.Do(func() { million = generate(b, 1_000_000) })
	b.SetBytes(int64(len(million)))
	b.ResetTimer()
	for b.Loop() {
		rep, err := evidence.Verify(bytes.NewReader(million))
		if err != nil || rep.Entries != 1_000_000 || rep.RootsChecked != 1000 {
			b.Fatalf("Verify = %+v, %v", rep, err)
		}
	}
}

// chain writes the file of a chain of records (their seq and merchant
// set here), with one checkpoint at its end; hashOf, when not nil, is
// called with the hashes so far before each record is hashed.
func chain(t *testing.T, recs []*coft.LedgerRecord, hashOf func(i int, hashes []string)) []byte {
	t.Helper()
	return chainRoot(t, recs, hashOf, func(r string) string { return r })
}

// chainRoot is chain with the root its checkpoint signs chosen by root
// (given the true one).
func chainRoot(t *testing.T, recs []*coft.LedgerRecord, hashOf func(i int, hashes []string), root func(string) string) []byte {
	t.Helper()
	var tree coft.MerklePeaks
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	x := &coft.LedgerExport{MerchantID: "m1", Keys: []coft.LedgerKey{{ID: "lgk_1", PublicKey: pub, CreatedAt: time.Unix(0, 0)}}}
	prev, at := coft.GenesisHash, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var hashes []string
	for i, r := range recs {
		if hashOf != nil {
			hashOf(i, hashes)
		}
		r.MerchantID, r.Seq = "m1", int64(i+1)
		rec := coft.CanonicalJSON(r.Fields())
		h := coft.LedgerHash(prev, rec)
		x.Entries = append(x.Entries, coft.LedgerEntry{MerchantID: "m1", Seq: r.Seq, Record: string(rec), PrevHash: prev, Hash: h})
		tree.Append(coft.MerkleLeafHash(rec))
		hashes = append(hashes, h)
		prev = h
	}
	c := coft.LedgerCheckpoint{MerchantID: "m1", Seq: int64(len(recs)), Hash: prev, Root: root(tree.Root().String()), KeyID: "lgk_1", SignedAt: at}
	c.Signature = ed25519.Sign(priv, c.Message())
	x.Checkpoints = []coft.LedgerCheckpoint{c}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVerifyCorrections: a correction entry refers to an earlier entry by
// number and hash; verify reports it, and fails a correction of an entry
// that does not come before it or whose hash it misnames.
func TestVerifyCorrections(t *testing.T) {
	yes := true
	decisions := func() []*coft.LedgerRecord {
		var out []*coft.LedgerRecord
		for range 3 {
			out = append(out, &coft.LedgerRecord{Kind: coft.LedgerDecision, Decision: &yes, TextID: "tokenize-en-v1"})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		corrects int64
		hashOf   int // the entry whose hash the correction names, from 1
		failSeq  int64
	}{
		{"a correction of entry 2", 2, 2, 0},
		{"a correction naming entry 1's hash", 2, 1, 4},
		{"a correction of a later entry", 9, 1, 4},
	} {
		recs := append(decisions(), &coft.LedgerRecord{Kind: coft.LedgerCorrection, Corrects: tc.corrects, Reason: "The customer's \"no\" was recorded as a yes."})
		file := chain(t, recs, func(i int, hashes []string) {
			if i == 3 {
				recs[3].CorrectsHash = hashes[tc.hashOf-1]
			}
		})
		rep, err := evidence.Verify(bytes.NewReader(file))
		if tc.failSeq != 0 {
			if f, ok := err.(*evidence.Failure); !ok || f.Seq != tc.failSeq {
				t.Errorf("%s: Verify = %v, want a failure of entry %d", tc.name, err, tc.failSeq)
			}
			continue
		}
		if err != nil || len(rep.Corrections) != 1 {
			t.Fatalf("%s: Verify = %+v, %v", tc.name, rep, err)
		}
		if c := rep.Corrections[0]; c.Seq != 4 || c.Corrects != 2 || !c.InFile || c.Reason != `The customer's "no" was recorded as a yes.` {
			t.Errorf("%s: correction = %+v", tc.name, c)
		}
	}
}

// TestVerifyRoot: a checkpoint's signed Merkle root is recomputed from a
// file's records; one that is not theirs fails (a checkpoint without a
// root, from before the tree, verifies by its hash alone).
func TestVerifyRoot(t *testing.T) {
	yes := true
	recs := func() []*coft.LedgerRecord {
		var out []*coft.LedgerRecord
		for range 5 {
			out = append(out, &coft.LedgerRecord{Kind: coft.LedgerDecision, Decision: &yes})
		}
		return out
	}
	if rep, err := evidence.Verify(bytes.NewReader(chain(t, recs(), nil))); err != nil || rep.RootsChecked != 1 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	if rep, err := evidence.Verify(bytes.NewReader(chainRoot(t, recs(), nil, func(string) string { return "" }))); err != nil ||
		rep.RootsChecked != 0 || rep.Checkpoints != 1 {
		t.Fatalf("Verify without a root = %+v, %v", rep, err)
	}
	wrong := coft.MerkleLeafHash([]byte("another record")).String()
	_, err := evidence.Verify(bytes.NewReader(chainRoot(t, recs(), nil, func(string) string { return wrong })))
	if f, ok := err.(*evidence.Failure); !ok || f.Seq != 5 || !strings.Contains(f.Problem, "Merkle root") {
		t.Fatalf("Verify of a wrong root = %v", err)
	}
}
