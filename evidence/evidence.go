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
	"time"

	"github.com/coftkit/coft"
)

// Format names the file format in its header.
const Format = "coft-consent-ledger/v1"

// Header is a file's first line.
type Header struct {
	Type       string `json:"type"` // "header"
	Format     string `json:"format"`
	MerchantID string `json:"merchant_id"`
	From       string `json:"from,omitempty"` // the range asked for, RFC 3339
	To         string `json:"to,omitempty"`
	// FirstSeq and PrevHash are where the file's entries join the chain:
	// 1 and coft.GenesisHash for a file from the chain's start, else the
	// first entry's number and the hash of the one before it.
	FirstSeq int64  `json:"first_seq"`
	PrevHash string `json:"prev_hash"`
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
}

// Checkpoint is one checkpoint's line.
type Checkpoint struct {
	Type      string `json:"type"` // "checkpoint"
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	KeyID     string `json:"key_id"`
	SignedAt  string `json:"signed_at"`
	Signature string `json:"signature"` // Ed25519 over coft.CheckpointMessage, standard base64
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
	if len(x.Entries) > 0 && !x.From.IsZero() {
		h.FirstSeq, h.PrevHash = x.Entries[0].Seq, x.Entries[0].PrevHash
	}
	for _, k := range x.Keys {
		h.Keys = append(h.Keys, Key{ID: k.ID, Ed25519: base64.StdEncoding.EncodeToString(k.PublicKey),
			PEM: PublicKeyPEM(k.PublicKey), CreatedAt: rfc3339(k.CreatedAt)})
	}
	if err := enc.Encode(h); err != nil {
		return err
	}
	for _, e := range x.Entries {
		if err := enc.Encode(Entry{Type: "entry", Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash, Record: e.Record}); err != nil {
			return err
		}
	}
	for _, c := range x.Checkpoints {
		if err := enc.Encode(Checkpoint{Type: "checkpoint", Seq: c.Seq, Hash: c.Hash, KeyID: c.KeyID, SignedAt: rfc3339(c.SignedAt),
			Signature: base64.StdEncoding.EncodeToString(c.Signature)}); err != nil {
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
}

// Verify checks a file: every entry's hash against its record and the
// hash before it, the sequence without gaps or repeats, each record's own
// merchant and number, and each checkpoint's hash and signature against
// the keys in the header. It returns the report, or a *Failure naming the
// first entry that does not hold (or another error if the file cannot be
// read).
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
	fail := func(seq int64, format string, args ...any) error {
		return &Failure{Seq: seq, Line: line, Problem: fmt.Sprintf(format, args...)}
	}

	b, err := next()
	if err == io.EOF {
		return nil, fail(0, "empty file")
	} else if err != nil {
		return nil, err
	}
	var h Header
	if err := json.Unmarshal(b, &h); err != nil || h.Type != "header" {
		return nil, fail(0, "the first line is not a header")
	}
	if h.Format != Format {
		return nil, fail(0, "unknown format %q", h.Format)
	}
	keys := map[string]ed25519.PublicKey{}
	rep := &Report{MerchantID: h.MerchantID, FirstSeq: h.FirstSeq, LastSeq: h.FirstSeq - 1, LastHash: h.PrevHash}
	for _, k := range h.Keys {
		pub, err := base64.StdEncoding.DecodeString(k.Ed25519)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fail(0, "key %s: not an Ed25519 public key", k.ID)
		}
		keys[k.ID] = pub
		rep.KeyIDs = append(rep.KeyIDs, k.ID)
	}
	if h.FirstSeq < 1 {
		return nil, fail(0, "first_seq %d: sequence numbers start at 1", h.FirstSeq)
	}

	// Entries, in sequence. hashes[i] is entry FirstSeq+i's, for the
	// checkpoints after them.
	var hashes []string
	var e Entry
	var rec struct {
		MerchantID string `json:"merchant_id"`
		Seq        int64  `json:"seq"`
	}
	for {
		b, err = next()
		if err == io.EOF {
			return rep, nil
		} else if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var typ struct {
			Type string `json:"type"`
		}
		// Most lines are entries: their type comes first, as Write puts it.
		isEntry := bytes.HasPrefix(b, []byte(`{"type":"entry",`))
		if !isEntry {
			if err := json.Unmarshal(b, &typ); err != nil {
				return nil, fail(rep.LastSeq+1, "not JSON")
			}
			if typ.Type == "entry" {
				isEntry = true
			} else if typ.Type != "checkpoint" {
				return nil, fail(rep.LastSeq+1, "unknown line type %q", typ.Type)
			}
		}
		if !isEntry {
			break
		}
		e = Entry{}
		want := rep.LastSeq + 1
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fail(want, "malformed entry: %v", err)
		}
		switch {
		case e.Seq > want:
			return nil, fail(want, "missing (the next entry in the file is %d)", e.Seq)
		case e.Seq < want:
			return nil, fail(e.Seq, "out of order or repeated (it comes after entry %d)", want-1)
		case e.PrevHash != rep.LastHash:
			return nil, fail(want, "its prev_hash does not link to the entry before it (this entry or the one before was altered, removed or moved)")
		}
		rec.MerchantID, rec.Seq = "", 0
		if err := json.Unmarshal([]byte(e.Record), &rec); err != nil {
			return nil, fail(want, "altered: its record is not JSON")
		}
		if rec.Seq != want {
			return nil, fail(want, "out of place: it holds the record of entry %d", rec.Seq)
		}
		if rec.MerchantID != h.MerchantID {
			return nil, fail(want, "its record is merchant %q's, not %q's", rec.MerchantID, h.MerchantID)
		}
		if coft.LedgerHash(e.PrevHash, []byte(e.Record)) != e.Hash {
			return nil, fail(want, "altered: its hash does not match its record")
		}
		hashes = append(hashes, e.Hash)
		rep.LastSeq, rep.LastHash = want, e.Hash
		rep.Entries++
	}

	// Checkpoints: b holds the first.
	for {
		var c Checkpoint
		if err := json.Unmarshal(b, &c); err != nil || c.Type != "checkpoint" {
			return nil, fail(rep.LastSeq+1, "a line that is not a checkpoint after the checkpoints")
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
		if err != nil || terr != nil || !ed25519.Verify(pub, coft.CheckpointMessage(h.MerchantID, c.Seq, c.Hash, at), sig) {
			return nil, fail(c.Seq, "checkpoint's signature does not verify with key %s (forged or altered checkpoint)", c.KeyID)
		}
		if hashes[c.Seq-rep.FirstSeq] != c.Hash {
			return nil, fail(c.Seq, "the signed checkpoint's hash differs from the chain's: entries up to %d were altered and rehashed", c.Seq)
		}
		rep.Checkpoints++
		rep.LastCheckpoint = max(rep.LastCheckpoint, c.Seq)
		if b, err = next(); err == io.EOF {
			return rep, nil
		} else if err != nil {
			return nil, err
		}
		for len(bytes.TrimSpace(b)) == 0 {
			if b, err = next(); err == io.EOF {
				return rep, nil
			} else if err != nil {
				return nil, err
			}
		}
	}
}

// IsFailure reports whether err is a file that does not verify (rather
// than one that could not be read).
func IsFailure(err error) bool {
	var f *Failure
	return errors.As(err, &f)
}
