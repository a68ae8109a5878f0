package coft

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The consent ledger is an append-only, hash-chained record of every
// consent decision and withdrawal, one chain per merchant. Each entry holds
// its record as canonical JSON (see CanonicalJSON), the previous entry's
// hash and its own: LedgerHash(prev, record). Changing, removing or
// reordering an entry breaks the links after it; checkpoints (the chain's
// head signed with the service's Ed25519 ledger key) make a rewritten
// chain show too. docs/EVIDENCE.md describes it for auditors.

// Ledger entry kinds.
const (
	LedgerDecision   = "decision"   // a customer's (or the merchant's declared) decision
	LedgerWithdrawal = "withdrawal" // a card removed, its token de-registered
	// LedgerCorrection is a statement about an earlier entry (Corrects),
	// with the reason: entries are never changed, a mistake in one is
	// corrected by a new entry that refers to it.
	LedgerCorrection = "correction"
)

// MaxCorrectionReason bounds a correction's reason, in bytes.
const MaxCorrectionReason = 2000

// LedgerCheckpointEvery is how many entries a chain grows between
// checkpoints signed as it grows.
const LedgerCheckpointEvery = 1000

// GenesisHash is the prev_hash of a chain's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// LedgerRecord is what one ledger entry proves. It never holds card data:
// the card is named by its reference and fingerprint only.
type LedgerRecord struct {
	Kind        string // LedgerDecision, LedgerWithdrawal or LedgerCorrection
	MerchantID  string
	Seq         int64  // the entry's number in the merchant's chain, from 1
	RecordID    string // the record it proves: cns_…, pcn_… or wdr_…
	Channel     string
	Decision    *bool  // decisions only
	TextID      string // the ConsentText shown
	TextSHA256  string // hex SHA-256 of that text's words (ConsentText.Words)
	Language    string
	ShownAt     time.Time // zero: unknown
	At          time.Time // when the decision or the withdrawal was recorded
	ClientIP    string
	UserAgent   string
	Origin      string // the merchant page of a drop-in decision
	CardRef     string
	Fingerprint string
	OrderID     string
	TxnUUID     string
	CustomerID  string
	TokenRef    string
	TooFast     bool
	// FormFactor and FormFactorSource: the screen the decision was taken
	// on and how it is known (see Consent.FormFactor). Entries from
	// before they were recorded have neither.
	FormFactor       string
	FormFactorSource string
	// Corrects, CorrectsHash and Reason: a correction's entry refers to the
	// entry it corrects by its number and hash, and says why.
	Corrects     int64
	CorrectsHash string
	Reason       string
}

// Fields returns the record as the flat JSON object that is hashed: empty
// strings and zero times are left out; times are RFC 3339 in UTC, to the
// microsecond the databases keep, with as many fraction digits as needed
// (time.RFC3339Nano).
func (r *LedgerRecord) Fields() map[string]any {
	f := map[string]any{"kind": r.Kind, "merchant_id": r.MerchantID, "seq": r.Seq, "too_fast": r.TooFast}
	str := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	str("record_id", r.RecordID)
	str("channel", r.Channel)
	if r.Decision != nil {
		f["decision"] = *r.Decision
	}
	str("text_id", r.TextID)
	str("text_sha256", r.TextSHA256)
	str("language", r.Language)
	if !r.ShownAt.IsZero() {
		f["shown_at"] = r.ShownAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	if !r.At.IsZero() {
		f["at"] = r.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	str("client_ip", r.ClientIP)
	str("user_agent", r.UserAgent)
	str("origin", r.Origin)
	str("card_reference", r.CardRef)
	str("fingerprint", r.Fingerprint)
	str("order_id", r.OrderID)
	str("txn_uuid", r.TxnUUID)
	str("customer_id", r.CustomerID)
	str("token_reference", r.TokenRef)
	str("form_factor", r.FormFactor)
	str("form_factor_source", r.FormFactorSource)
	if r.Corrects > 0 {
		f["corrects"] = r.Corrects
	}
	str("corrects_hash", r.CorrectsHash)
	str("reason", r.Reason)
	return f
}

// CanonicalJSON encodes a flat object of strings, booleans and integers
// canonically, so that the same record always gives the same bytes:
//
//   - one object, members sorted by key in byte order, no whitespace
//     anywhere ({"a":1,"b":"x"});
//   - strings are UTF-8 (an invalid byte becomes U+FFFD), with only '"',
//     '\' and control characters escaped: \b \f \n \r \t, others below
//     U+0020 as \u00xx (lowercase hex); every other character, '/', '<'
//     and non-ASCII included, is written as it is;
//   - booleans are true or false; integers are decimal without a sign
//     for positives, leading zeros or exponent.
//
// This is RFC 8785 (JSON Canonicalization Scheme) restricted to those
// types. It panics on a value of another type: records hold none.
func CanonicalJSON(fields map[string]any) []byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := make([]byte, 0, 512)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := fields[k].(type) {
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		default:
			panic("CanonicalJSON: unsupported value for " + k)
		}
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r) // RuneError for an invalid byte
		i += size
	}
	return append(b, '"')
}

// LedgerHash is an entry's hash: the lowercase hex SHA-256 of the previous
// entry's hash (its 64 hex characters, GenesisHash for the first entry)
// followed by the entry's canonical JSON.
func LedgerHash(prevHash string, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write(canonical)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// Words is a text's words as hashed in a ledger entry: the title, the
// lead, each point, the accept and the decline button, each followed by a
// newline, with their {merchant}, {card} and {network} placeholders as
// published (the text id and these words say what was shown; the names
// filled in are the merchant's and the card's of the same entry).
func (t ConsentText) Words() string {
	var b strings.Builder
	for _, s := range append(append([]string{t.Title, t.Lead}, t.Points...), t.Accept, t.Decline) {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

// ConsentTextSHA256 returns the hex SHA-256 of the words of the published
// text with that id, or "" if no published text has it.
func ConsentTextSHA256(textID string) string {
	for _, t := range ConsentTexts {
		if t.ID == textID {
			sum := sha256.Sum256([]byte(t.Words()))
			return hex.EncodeToString(sum[:])
		}
	}
	return ""
}

// LedgerEntry is one link of a merchant's chain.
type LedgerEntry struct {
	MerchantID string
	Seq        int64
	Record     string // the record's canonical JSON
	PrevHash   string
	Hash       string // LedgerHash(PrevHash, Record)
	CreatedAt  time.Time
}

// LedgerCheckpoint is a chain's head at Seq, signed with a ledger key.
type LedgerCheckpoint struct {
	MerchantID string
	Seq        int64
	Hash       string // the hash of entry Seq
	// Root is the hex root of the Merkle tree of entries 1 to Seq;
	// checkpoints signed before the tree existed have none.
	Root      string
	KeyID     string
	SignedAt  time.Time
	Signature []byte // Ed25519 over Message()
}

// Message is what the checkpoint signs: CheckpointMessageV2 with its
// root, CheckpointMessage without.
func (c *LedgerCheckpoint) Message() []byte {
	if c.Root != "" {
		return CheckpointMessageV2(c.MerchantID, c.Seq, c.Hash, c.Root, c.SignedAt)
	}
	return CheckpointMessage(c.MerchantID, c.Seq, c.Hash, c.SignedAt)
}

// CheckpointMessage is the message a checkpoint signs: five lines, each
// ended by a newline: "coft-ledger-checkpoint/v1", the merchant id, the
// sequence number in decimal, the entry's hash, and the signing time in
// RFC 3339 (UTC, nanoseconds as needed).
func CheckpointMessage(merchantID string, seq int64, hash string, signedAt time.Time) []byte {
	return []byte("coft-ledger-checkpoint/v1\n" + merchantID + "\n" + strconv.FormatInt(seq, 10) + "\n" + hash + "\n" +
		signedAt.UTC().Format(time.RFC3339Nano) + "\n")
}

// CheckpointMessageV2 is the message a checkpoint with a Merkle root
// signs: six lines, each ended by a newline: "coft-ledger-checkpoint/v2",
// the merchant id, the sequence number in decimal, the entry's hash, the
// hex root of the Merkle tree of entries 1 to seq (see MerklePeaks), and
// the signing time in RFC 3339 (UTC, nanoseconds as needed).
func CheckpointMessageV2(merchantID string, seq int64, hash, root string, signedAt time.Time) []byte {
	return []byte("coft-ledger-checkpoint/v2\n" + merchantID + "\n" + strconv.FormatInt(seq, 10) + "\n" + hash + "\n" + root + "\n" +
		signedAt.UTC().Format(time.RFC3339Nano) + "\n")
}

// LedgerKey is a public ledger key: checkpoints signed with its private
// half verify with it. Keys rotate; retired ones are kept for verifying.
type LedgerKey struct {
	ID        string
	PublicKey []byte // Ed25519, 32 bytes
	CreatedAt time.Time
}

// LedgerExport is a range of one merchant's chain with what proves it:
// all its entries, or one customer's (CustomerID), each then with the
// inclusion proof that places it in the Merkle tree a checkpoint signed.
type LedgerExport struct {
	MerchantID  string
	CustomerID  string    // set: only this customer's entries, with Proofs
	From, To    time.Time // the range asked for; zero: open
	Keys        []LedgerKey
	Entries     []LedgerEntry // in sequence
	Proofs      []LedgerProof // a customer's export: Proofs[i] proves Entries[i]
	Checkpoints []LedgerCheckpoint
}

// LedgerProof is an inclusion proof of an entry (leaf Seq-1) in the
// Merkle tree of the first TreeSize entries, whose root the checkpoint of
// entry TreeSize signed. TreeSize 0: no checkpoint with a root covers the
// entry yet.
type LedgerProof struct {
	TreeSize int64
	Hashes   []MerkleHash
}

// LedgerStore keeps the consent ledger. Entries are appended by the
// store, in the transaction of the record they prove; nothing updates or
// deletes them.
type LedgerStore interface {
	// CheckpointLedgers signs the head of every chain (merchantID's only,
	// unless it is "") that has grown since its last checkpoint, and
	// returns how many it signed.
	CheckpointLedgers(ctx context.Context, merchantID string) (int, error)
	// ExportLedger returns the merchant's entries appended in [from, to)
	// (zero: open), the checkpoints among them and the ledger's public
	// keys.
	ExportLedger(ctx context.Context, merchantID string, from, to time.Time) (*LedgerExport, error)
	// CustomerLedger returns the entries of one of the merchant's
	// customers, in sequence: the customer's consent history.
	CustomerLedger(ctx context.Context, merchantID, customerID string) ([]LedgerEntry, error)
	// ExportCustomerLedger returns one customer's entries appended in
	// [from, to) (zero: open), each with its inclusion proof against the
	// first checkpoint with a Merkle root that covers it, those
	// checkpoints and the ledger's public keys: no other customer's entry.
	ExportCustomerLedger(ctx context.Context, merchantID, customerID string, from, to time.Time) (*LedgerExport, error)
	// CorrectLedgerEntry appends a correction of the merchant's entry seq,
	// with its reason (LedgerCorrection; the entry itself never changes),
	// and returns the new entry. Returns ENOTFOUND if the chain has no
	// entry seq, EMISSING or EINVALID (field "reason") without a reason
	// or with one longer than MaxCorrectionReason.
	CorrectLedgerEntry(ctx context.Context, merchantID string, seq int64, reason string) (*LedgerEntry, error)
}
