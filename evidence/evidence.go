// Package evidence writes a merchant's consent ledger (coft.LedgerExport)
// as a file that proves itself, and verifies such a file offline, with no
// database: JSON Lines, a header with the ledger's public keys, the
// entries in sequence, then the checkpoints that cover them. See
// docs/EVIDENCE.md.
package evidence

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coftkit/coft"
)

// Format names the file format in its header: a range of a merchant's
// chain.
const Format = "coft-consent-ledger/v1"

// CustomerFormat names the format of one customer's entries, each with
// its inclusion proof in the Merkle tree a checkpoint signed.
const CustomerFormat = "coft-consent-ledger-customer/v1"

// Header is a file's first line.
type Header struct {
	Type       string `json:"type"` // "header"
	Format     string `json:"format"`
	MerchantID string `json:"merchant_id"`
	CustomerID string `json:"customer_id,omitempty"` // CustomerFormat: whose entries
	From       string `json:"from,omitempty"`        // the range asked for, RFC 3339
	To         string `json:"to,omitempty"`
	// FirstSeq and PrevHash are where the file's entries join the chain:
	// 1 and coft.GenesisHash for a file from the chain's start, else the
	// first entry's number and the hash of the one before it. A
	// customer's file has neither.
	FirstSeq int64  `json:"first_seq,omitempty"`
	PrevHash string `json:"prev_hash,omitempty"`
	Keys     []Key  `json:"keys"`
}

// Key is a ledger public key as the header lists it.
type Key struct {
	ID        string `json:"key_id"`
	Ed25519   string `json:"ed25519"`        // the raw 32-byte key, standard base64
	PEM       string `json:"public_key_pem"` // the same as SubjectPublicKeyInfo PEM, for openssl
	CreatedAt string `json:"created_at"`
}

// Entry is one entry's line.
type Entry struct {
	Type     string `json:"type"` // "entry"
	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
	Record   string `json:"record"` // the canonical JSON that is hashed, as a string
	// TreeSize and Proof, in a customer's file: the entry's inclusion
	// proof (hex hashes, from the leaf up) in the Merkle tree of the first
	// TreeSize entries, whose root checkpoint TreeSize signed.
	TreeSize int64    `json:"tree_size,omitempty"`
	Proof    []string `json:"proof,omitempty"`
}

// Checkpoint is one checkpoint's line.
type Checkpoint struct {
	Type      string `json:"type"` // "checkpoint"
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Root      string `json:"root,omitempty"` // the Merkle tree's root, hex; none in checkpoints signed before the tree existed
	KeyID     string `json:"key_id"`
	SignedAt  string `json:"signed_at"`
	Signature string `json:"signature"` // Ed25519 over coft.CheckpointMessageV2 (coft.CheckpointMessage without a root), standard base64
}

// message is what the checkpoint signs.
func (c *Checkpoint) message(merchantID string, at time.Time) []byte {
	cp := coft.LedgerCheckpoint{MerchantID: merchantID, Seq: c.Seq, Hash: c.Hash, Root: c.Root, SignedAt: at}
	return cp.Message()
}

// spkiPrefix is the DER of an Ed25519 SubjectPublicKeyInfo before its 32
// key bytes (RFC 8410).
var spkiPrefix = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

// PublicKeyPEM returns an Ed25519 public key as SubjectPublicKeyInfo PEM.
func PublicKeyPEM(pub []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: append(append([]byte{}, spkiPrefix...), pub...)}))
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Write writes an export as JSON Lines.
func Write(w io.Writer, x *coft.LedgerExport) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	h := Header{Type: "header", Format: Format, MerchantID: x.MerchantID, From: rfc3339(x.From), To: rfc3339(x.To),
		FirstSeq: 1, PrevHash: coft.GenesisHash, Keys: []Key{}}
	switch {
	case x.CustomerID != "":
		h.Format, h.CustomerID, h.FirstSeq, h.PrevHash = CustomerFormat, x.CustomerID, 0, ""
	case len(x.Entries) > 0 && !x.From.IsZero():
		h.FirstSeq, h.PrevHash = x.Entries[0].Seq, x.Entries[0].PrevHash
	}
	for _, k := range x.Keys {
		h.Keys = append(h.Keys, Key{ID: k.ID, Ed25519: base64.StdEncoding.EncodeToString(k.PublicKey),
			PEM: PublicKeyPEM(k.PublicKey), CreatedAt: rfc3339(k.CreatedAt)})
	}
	if err := enc.Encode(h); err != nil {
		return err
	}
	for i, e := range x.Entries {
		line := Entry{Type: "entry", Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash, Record: e.Record}
		if i < len(x.Proofs) && x.Proofs[i].TreeSize > 0 {
			line.TreeSize, line.Proof = x.Proofs[i].TreeSize, make([]string, len(x.Proofs[i].Hashes))
			for j, p := range x.Proofs[i].Hashes {
				line.Proof[j] = p.String()
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	for _, c := range x.Checkpoints {
		if err := enc.Encode(Checkpoint{Type: "checkpoint", Seq: c.Seq, Hash: c.Hash, Root: c.Root, KeyID: c.KeyID,
			SignedAt: rfc3339(c.SignedAt), Signature: base64.StdEncoding.EncodeToString(c.Signature)}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Failure is a file that does not verify: the first entry (by sequence
// number) found altered, missing or out of place, or the checkpoint that
// does not hold.
type Failure struct {
	Seq     int64 // the entry named; 0 when the file is malformed before any
	Line    int   // the file's line, from 1
	Problem string
}

func (f *Failure) Error() string {
	if f.Seq == 0 {
		return fmt.Sprintf("line %d: %s", f.Line, f.Problem)
	}
	return fmt.Sprintf("entry %d (line %d): %s", f.Seq, f.Line, f.Problem)
}

// Report is what a file that verifies proves.
type Report struct {
	MerchantID     string
	Entries        int
	FirstSeq       int64
	LastSeq        int64 // FirstSeq-1 when the file has no entries
	LastHash       string
	Checkpoints    int
	LastCheckpoint int64 // the last entry a signature covers; 0: none
	KeyIDs         []string
	// Corrections are the file's correction entries, in sequence.
	Corrections []Correction
	// CustomerID is the customer of a customer's file (CustomerFormat);
	// Unproven lists its entries that no checkpoint in it covers yet.
	CustomerID string
	Unproven   []int64
	// RootsChecked counts the checkpoints whose Merkle root was recomputed
	// from the file's entries (a file from the chain's start) or from an
	// entry's inclusion proof (a customer's file).
	RootsChecked int
}

// Correction is a correction entry: entry Seq corrects entry Corrects
// (whose hash it names), for Reason. InFile says whether the corrected
// entry is in the file (then its hash was checked).
type Correction struct {
	Seq, Corrects int64
	Reason        string
	InFile        bool
}

// Verify checks a file: every entry's hash against its record and the
// hash before it, the sequence without gaps or repeats, each record's own
// merchant and number, and each checkpoint's hash and signature against
// the keys in the header. It returns the report, or a *Failure naming the
// first entry that does not hold (or another error if the file cannot be
// read).
//
// Entries are parsed and hashed in batches on every CPU; their links are
// then checked in order.
func Verify(r io.Reader) (*Report, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	line := 0
	next := func() ([]byte, error) {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // a line longer than the buffer
			long := append([]byte{}, b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if len(b) == 0 && err != nil {
			return nil, err
		}
		line++
		return b, nil
	}

	b, err := next()
	if err == io.EOF {
		return nil, &Failure{Line: 1, Problem: "empty file"}
	} else if err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(b, &h); err != nil || h.Type != "header" {
		return nil, &Failure{Line: 1, Problem: "the first line is not a header"}
	}
	if h.Format != Format && h.Format != CustomerFormat {
		return nil, &Failure{Line: 1, Problem: fmt.Sprintf("unknown format %q", h.Format)}
	}
	keys, keyIDs, err := headerKeys(&h)
	if err != nil {
		return nil, err
	}
	if h.Format == CustomerFormat {
		return verifyCustomer(&h, keys, keyIDs, next)
	}
	if h.FirstSeq < 1 {
		return nil, &Failure{Line: 1, Problem: fmt.Sprintf("first_seq %d: sequence numbers start at 1", h.FirstSeq)}
	}
	rep := &Report{MerchantID: h.MerchantID, FirstSeq: h.FirstSeq, LastSeq: h.FirstSeq - 1, LastHash: h.PrevHash, KeyIDs: keyIDs}

	// Entries: read in batches, each checked alone by a worker, then
	// linked in order here.
	const batchSize = 2048
	type job struct {
		first   int // the line of lines[0]
		lines   [][]byte
		results []entryResult
		done    chan struct{}
	}
	jobs := make(chan *job, 2*runtime.GOMAXPROCS(0))
	inOrder := make(chan *job, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.results = make([]entryResult, len(j.lines))
				for i, l := range j.lines {
					j.results[i] = checkEntry(l, h.MerchantID)
				}
				close(j.done)
			}
		}()
	}
	stop := make(chan struct{})
	var tail [][]byte // the lines after the entries, from tailLine
	var tailLine int
	var readErr error
	go func() {
		defer close(inOrder)
		defer close(jobs)
		j := &job{first: line + 1, done: make(chan struct{})}
		send := func() bool {
			select {
			case jobs <- j:
			case <-stop:
				return false
			}
			select {
			case inOrder <- j:
			case <-stop:
				return false
			}
			return true
		}
		for {
			b, err := next()
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				break
			}
			if !isEntryLine(b) {
				tailLine = line
				tail = append(tail, append([]byte{}, b...))
				for {
					b, err := next()
					if err != nil {
						if err != io.EOF {
							readErr = err
						}
						break
					}
					tail = append(tail, append([]byte{}, b...))
				}
				break
			}
			j.lines = append(j.lines, append([]byte{}, b...))
			if len(j.lines) == batchSize {
				if !send() {
					return
				}
				j = &job{first: line + 1, done: make(chan struct{})}
			}
		}
		if len(j.lines) > 0 {
			send()
		}
	}()
	finish := func() {
		close(stop)
		for range inOrder { // let the reader end
		}
		wg.Wait()
	}

	var hashes []string // hashes[i] is entry FirstSeq+i's
	// leaves[i] is entry i+1's Merkle leaf, kept for a file from the
	// chain's start, so that the checkpoints' roots can be recomputed.
	var leaves []coft.MerkleHash
	var failure *Failure
	for j := range inOrder {
		<-j.done
		for i, e := range j.results {
			want := rep.LastSeq + 1
			fail := func(seq int64, format string, args ...any) {
				failure = &Failure{Seq: seq, Line: j.first + i, Problem: fmt.Sprintf(format, args...)}
			}
			switch {
			case e.malformed != "":
				fail(want, "%s", e.malformed)
			case e.seq > want:
				fail(want, "missing (the next entry in the file is %d)", e.seq)
			case e.seq < want:
				fail(e.seq, "out of order or repeated (it comes after entry %d)", want-1)
			case e.prev != rep.LastHash:
				fail(want, "its prev_hash does not link to the entry before it (this entry or the one before was altered, removed or moved)")
			case e.problem != "":
				fail(want, "%s", e.problem)
			case e.correction != nil && e.correction.Corrects >= want:
				fail(want, "a correction of entry %d, which does not come before it", e.correction.Corrects)
			case e.correction != nil && e.correction.Corrects >= rep.FirstSeq &&
				hashes[e.correction.Corrects-rep.FirstSeq] != e.correctsHash:
				fail(want, "a correction of entry %d that names another hash than that entry's (altered)", e.correction.Corrects)
			}
			if failure != nil {
				break
			}
			hashes = append(hashes, e.hash)
			if rep.FirstSeq == 1 {
				leaves = append(leaves, e.leaf)
			}
			rep.LastSeq, rep.LastHash = want, e.hash
			if c := e.correction; c != nil {
				c.Seq, c.InFile = want, c.Corrects >= rep.FirstSeq
				rep.Corrections = append(rep.Corrections, *c)
			}
			rep.Entries++
		}
		if failure != nil {
			finish()
			return nil, failure
		}
	}
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}

	// Checkpoints.
	roots := map[int64]string{} // checkpoint seq → its signed root, to recompute
	for i, b := range tail {
		line := tailLine + i
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(b, &c); err != nil || c.Type != "checkpoint" {
			return nil, &Failure{Seq: rep.LastSeq + 1, Line: line, Problem: "a line that is neither an entry in sequence nor a checkpoint"}
		}
		fail := func(seq int64, format string, args ...any) error {
			return &Failure{Seq: seq, Line: line, Problem: fmt.Sprintf(format, args...)}
		}
		switch {
		case c.Seq > rep.LastSeq:
			return nil, fail(rep.LastSeq+1, "missing: a checkpoint signs the chain up to entry %d, the file ends at %d", c.Seq, rep.LastSeq)
		case c.Seq < rep.FirstSeq:
			return nil, fail(c.Seq, "checkpoint before the file's first entry")
		}
		pub, ok := keys[c.KeyID]
		if !ok {
			return nil, fail(c.Seq, "checkpoint signed with key %q, which the header does not list", c.KeyID)
		}
		sig, err := base64.StdEncoding.DecodeString(c.Signature)
		at, terr := time.Parse(time.RFC3339Nano, c.SignedAt)
		if err != nil || terr != nil || !ed25519.Verify(pub, c.message(h.MerchantID, at), sig) {
			return nil, fail(c.Seq, "checkpoint's signature does not verify with key %s (forged or altered checkpoint)", c.KeyID)
		}
		if hashes[c.Seq-rep.FirstSeq] != c.Hash {
			return nil, fail(c.Seq, "the signed checkpoint's hash differs from the chain's: entries up to %d were altered and rehashed", c.Seq)
		}
		if c.Root != "" && leaves != nil {
			roots[c.Seq] = c.Root
		}
		rep.Checkpoints++
		rep.LastCheckpoint = max(rep.LastCheckpoint, c.Seq)
	}
	// The signed roots, against the tree of the file's records (one pass).
	if len(roots) > 0 {
		var p coft.MerklePeaks
		for i, leaf := range leaves {
			p.Append(leaf)
			if root, ok := roots[int64(i+1)]; ok {
				if p.Root().String() != root {
					return nil, &Failure{Seq: int64(i + 1), Line: tailLine, Problem: fmt.Sprintf(
						"the signed checkpoint's Merkle root differs from the tree of the file's records up to entry %d", i+1)}
				}
				rep.RootsChecked++
			}
		}
	}
	return rep, nil
}

// headerKeys reads the header's public keys.
func headerKeys(h *Header) (map[string]ed25519.PublicKey, []string, error) {
	keys := map[string]ed25519.PublicKey{}
	var ids []string
	for _, k := range h.Keys {
		pub, err := base64.StdEncoding.DecodeString(k.Ed25519)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, nil, &Failure{Line: 1, Problem: fmt.Sprintf("key %s: not an Ed25519 public key", k.ID)}
		}
		keys[k.ID] = pub
		ids = append(ids, k.ID)
	}
	return keys, ids, nil
}

// verifyCustomer checks a customer's file (CustomerFormat), line by line
// after its header: each entry is the customer's, in order, its hash its
// record's, and its inclusion proof leads to the root of the checkpoint
// it names, which the file holds and whose signature verifies.
func verifyCustomer(h *Header, keys map[string]ed25519.PublicKey, keyIDs []string, next func() ([]byte, error)) (*Report, error) {
	if h.CustomerID == "" {
		return nil, &Failure{Line: 1, Problem: "a customer's file that names no customer"}
	}
	rep := &Report{MerchantID: h.MerchantID, CustomerID: h.CustomerID, KeyIDs: keyIDs}
	type claim struct {
		seq  int64
		line int
		root string
	}
	claims := map[int64][]claim{} // tree size → the entries proved against it
	hashes := map[int64]string{}
	line := 1
	for {
		b, err := next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		line++
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if isEntryLine(b) {
			if rep.Checkpoints > 0 {
				return nil, &Failure{Seq: rep.LastSeq + 1, Line: line, Problem: "an entry after the checkpoints"}
			}
			var e Entry
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, &Failure{Seq: rep.LastSeq + 1, Line: line, Problem: "malformed entry: " + err.Error()}
			}
			fail := func(format string, args ...any) error {
				return &Failure{Seq: e.Seq, Line: line, Problem: fmt.Sprintf(format, args...)}
			}
			r := checkEntry(b, h.MerchantID)
			var rec struct {
				CustomerID string `json:"customer_id"`
			}
			switch {
			case r.malformed != "":
				return nil, fail("%s", r.malformed)
			case e.Seq <= rep.LastSeq:
				return nil, fail("out of order or repeated (it comes after entry %d)", rep.LastSeq)
			case r.problem != "":
				return nil, fail("%s", r.problem)
			case json.Unmarshal([]byte(e.Record), &rec) != nil || rec.CustomerID != h.CustomerID:
				return nil, fail("not customer %s's entry", h.CustomerID)
			}
			if c := r.correction; c != nil {
				prev, in := hashes[c.Corrects]
				switch {
				case c.Corrects >= e.Seq:
					return nil, fail("a correction of entry %d, which does not come before it", c.Corrects)
				case in && prev != r.correctsHash:
					return nil, fail("a correction of entry %d that names another hash than that entry's (altered)", c.Corrects)
				}
				c.Seq, c.InFile = e.Seq, in
				rep.Corrections = append(rep.Corrections, *c)
			}
			if e.TreeSize == 0 {
				rep.Unproven = append(rep.Unproven, e.Seq)
			} else {
				proof := make([]coft.MerkleHash, len(e.Proof))
				for i, p := range e.Proof {
					var ok bool
					if proof[i], ok = coft.ParseMerkleHash(p); !ok {
						return nil, fail("its inclusion proof holds %q, not a hash", p)
					}
				}
				root, ok := coft.RootFromInclusion(e.Seq-1, e.TreeSize, r.leaf, proof)
				if !ok {
					return nil, fail("its inclusion proof is not one for entry %d of %d", e.Seq, e.TreeSize)
				}
				claims[e.TreeSize] = append(claims[e.TreeSize], claim{e.Seq, line, root.String()})
			}
			if rep.Entries == 0 {
				rep.FirstSeq = e.Seq
			}
			hashes[e.Seq] = e.Hash
			rep.Entries++
			rep.LastSeq, rep.LastHash = e.Seq, e.Hash
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(b, &c); err != nil || c.Type != "checkpoint" {
			return nil, &Failure{Line: line, Problem: "a line that is neither an entry nor a checkpoint"}
		}
		fail := func(format string, args ...any) error {
			return &Failure{Seq: c.Seq, Line: line, Problem: fmt.Sprintf(format, args...)}
		}
		pub, ok := keys[c.KeyID]
		if !ok {
			return nil, fail("checkpoint signed with key %q, which the header does not list", c.KeyID)
		}
		sig, err := base64.StdEncoding.DecodeString(c.Signature)
		at, terr := time.Parse(time.RFC3339Nano, c.SignedAt)
		if err != nil || terr != nil || !ed25519.Verify(pub, c.message(h.MerchantID, at), sig) {
			return nil, fail("checkpoint's signature does not verify with key %s (forged or altered checkpoint)", c.KeyID)
		}
		for _, cl := range claims[c.Seq] {
			if cl.root != c.Root {
				return nil, &Failure{Seq: cl.seq, Line: cl.line, Problem: fmt.Sprintf(
					"altered: its inclusion proof does not lead to the root checkpoint %d signed", c.Seq)}
			}
			if hash, in := hashes[c.Seq]; cl.seq == c.Seq && in && hash != c.Hash {
				return nil, fail("the signed checkpoint's hash differs from entry %d's", c.Seq)
			}
		}
		if len(claims[c.Seq]) > 0 {
			rep.RootsChecked++
		}
		delete(claims, c.Seq)
		rep.Checkpoints++
		rep.LastCheckpoint = max(rep.LastCheckpoint, c.Seq)
	}
	var first *claim
	var size int64
	for s, cls := range claims {
		if first == nil || cls[0].seq < first.seq {
			first, size = &cls[0], s
		}
	}
	if first != nil {
		return nil, &Failure{Seq: first.seq, Line: first.line, Problem: fmt.Sprintf(
			"its inclusion proof names checkpoint %d, which the file does not hold", size)}
	}
	return rep, nil
}

// entryPrefix starts every entry line Write writes.
var entryPrefix = []byte(`{"type":"entry",`)

// isEntryLine reports whether a line is an entry.
func isEntryLine(b []byte) bool {
	if bytes.HasPrefix(b, entryPrefix) {
		return true
	}
	var typ struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &typ) == nil && typ.Type == "entry"
}

// entryResult is what an entry line says, checked alone.
type entryResult struct {
	seq        int64
	prev, hash string
	malformed  string // the line is not an entry
	problem    string // the entry does not hold
	// correction and correctsHash: a correction entry's reference.
	correction   *Correction
	correctsHash string
	leaf         coft.MerkleHash // the record's Merkle leaf
}

// checkEntry parses an entry line and checks what needs no other entry:
// its record is its own (its seq and merchant_id members) and its hash is
// LedgerHash(prev_hash, record).
func checkEntry(b []byte, merchantID string) entryResult {
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return entryResult{malformed: "malformed entry: " + err.Error()}
	}
	out := entryResult{seq: e.Seq, prev: e.PrevHash, hash: e.Hash, leaf: coft.MerkleLeafHash([]byte(e.Record))}
	seq, ok1 := recordSeq(e.Record)
	merchant, ok2 := recordMerchant(e.Record)
	switch {
	case !ok1 || !ok2:
		out.problem = "altered: its record is not a ledger record"
	case seq != e.Seq:
		out.problem = fmt.Sprintf("out of place: it holds the record of entry %d", seq)
	case merchant != merchantID:
		out.problem = fmt.Sprintf("its record is merchant %q's, not %q's", merchant, merchantID)
	case coft.LedgerHash(e.PrevHash, []byte(e.Record)) != e.Hash:
		out.problem = "altered: its hash does not match its record"
	case strings.Contains(e.Record, `"kind":"`+coft.LedgerCorrection+`"`):
		// A correction's reference, read once its record is known to be
		// the one hashed.
		var c struct {
			Corrects     int64  `json:"corrects"`
			CorrectsHash string `json:"corrects_hash"`
			Reason       string `json:"reason"`
		}
		if err := json.Unmarshal([]byte(e.Record), &c); err != nil || c.Corrects < 1 || c.CorrectsHash == "" {
			out.problem = "a correction that names no entry"
			break
		}
		out.correction = &Correction{Corrects: c.Corrects, Reason: c.Reason}
		out.correctsHash = c.CorrectsHash
	}
	return out
}

// recordSeq and recordMerchant read a record's seq and merchant_id
// members. In JSON, a quote inside a string is escaped, so `"seq":` can
// only be a member's name; a record that is not what it says fails its
// hash anyway.
func recordSeq(rec string) (int64, bool) {
	i := strings.Index(rec, `"seq":`)
	if i < 0 {
		return 0, false
	}
	rest := rec[i+len(`"seq":`):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(rest[:n], 10, 64)
	return v, err == nil
}

func recordMerchant(rec string) (string, bool) {
	i := strings.Index(rec, `"merchant_id":"`)
	if i < 0 {
		return "", false
	}
	rest := rec[i+len(`"merchant_id":"`):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	if strings.IndexByte(rest[:j], '\\') >= 0 { // escaped: let encoding/json read it
		var r struct {
			MerchantID string `json:"merchant_id"`
		}
		if json.Unmarshal([]byte(rec), &r) != nil {
			return "", false
		}
		return r.MerchantID, true
	}
	return rest[:j], true
}

// IsFailure reports whether err is a file that does not verify (rather
// than one that could not be read).
func IsFailure(err error) bool {
	var f *Failure
	return errors.As(err, &f)
}
