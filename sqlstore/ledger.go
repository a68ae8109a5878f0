package sqlstore

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coftkit/coft"
)

// The consent ledger (see coft.LedgerRecord). A write that records a
// consent decision or a withdrawal adds its ledger record to its
// transaction (dbTx.appendLedger); the records are chained when the write
// has done everything else (appendPending), still inside its transaction
// (on SQLite, inside its savepoint): a write that fails leaves no entry,
// and no entry is written without its record. Chaining last keeps the
// chain head's lock, the one lock every consent of a merchant takes, for
// the shortest time, and always the last lock a transaction takes, so it
// cannot join a deadlock.
//
// ledger_entries and ledger_checkpoints are only ever inserted into.

// appendLedger adds a record to be chained when the write succeeds.
func (t *dbTx) appendLedger(r *coft.LedgerRecord) { t.ledger = append(t.ledger, r) }

// runWrite runs a write's fn, then counts the consent dialogs it ended
// (stats.go) and chains the ledger records it added.
func runWrite(ctx context.Context, tx *dbTx, fn func(*dbTx) error) error {
	tx.ledger, tx.outcomes = nil, nil
	defer func() { tx.ledger, tx.outcomes = nil, nil }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.db.applyOutcomes(ctx, tx); err != nil {
		return err
	}
	return tx.db.appendPending(ctx, tx)
}

// appendPending chains the transaction's ledger records, by merchant in
// id order (one transaction's records are normally one merchant's).
func (db *DB) appendPending(ctx context.Context, tx *dbTx) error {
	recs := tx.ledger
	if len(recs) == 0 {
		return nil
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].MerchantID < recs[j].MerchantID })
	for _, r := range recs {
		if err := db.appendEntry(ctx, tx, r); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return nil
}

// chainHead is a merchant's chain head: its last entry and the Merkle
// tree's peaks.
type chainHead struct {
	seq   int64
	hash  string
	peaks coft.MerklePeaks
}

// lockHead returns a merchant's chain head, its row locked until the
// transaction ends (SQLite's write transactions are exclusive already),
// with its Merkle tree grown to the chain's length (chains from before
// the tree existed grow theirs on first use; see growTree).
func (db *DB) lockHead(ctx context.Context, tx *dbTx, merchantID string) (h chainHead, err error) {
	q := `SELECT seq, hash, peaks FROM ledger_heads WHERE merchant_id = ?` + db.forUpdate()
	var peaks string
	err = tx.QueryRowContext(ctx, db.rebind(q), merchantID).Scan(&h.seq, &h.hash, &peaks)
	if err == sql.ErrNoRows { // the chain's first entry: make its head, once
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_heads (merchant_id, seq, hash) VALUES (?, 0, ?)
			ON CONFLICT (merchant_id) DO NOTHING`), merchantID, coft.GenesisHash); err != nil {
			return h, err
		}
		err = tx.QueryRowContext(ctx, db.rebind(q), merchantID).Scan(&h.seq, &h.hash, &peaks)
	}
	if err != nil {
		return h, err
	}
	var ok bool
	if h.peaks, ok = coft.ParseMerklePeaks(peaks); !ok || h.peaks.Size > h.seq {
		return h, fmt.Errorf("chain %s: malformed Merkle peaks %q", merchantID, peaks)
	}
	if h.peaks.Size < h.seq {
		err = db.growTree(ctx, tx, merchantID, &h)
	}
	return h, err
}

// growTree adds the entries a chain's Merkle tree lacks (those appended
// before the tree existed) to it, with the nodes they complete, and
// stores its peaks. The head is locked.
func (db *DB) growTree(ctx context.Context, tx *dbTx, merchantID string, h *chainHead) error {
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT seq, record FROM ledger_entries WHERE merchant_id = ? AND seq > ? AND seq <= ?
		ORDER BY seq`), merchantID, h.peaks.Size, h.seq)
	if err != nil {
		return err
	}
	var nodes []coft.MerkleNodeHashed
	for rows.Next() {
		var seq int64
		var record string
		if err := rows.Scan(&seq, &record); err != nil {
			rows.Close()
			return err
		}
		if seq != h.peaks.Size+1 {
			rows.Close()
			return fmt.Errorf("chain %s: entry %d is missing", merchantID, h.peaks.Size+1)
		}
		nodes = append(nodes, h.peaks.Append(coft.MerkleLeafHash([]byte(record)))...)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if h.peaks.Size != h.seq {
		return fmt.Errorf("chain %s: entries %d to %d are missing", merchantID, h.peaks.Size+1, h.seq)
	}
	if err := db.insertTreeNodes(ctx, tx, merchantID, nodes); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`UPDATE ledger_heads SET peaks = ? WHERE merchant_id = ?`), h.peaks.String(), merchantID)
	return err
}

// insertTreeNodes stores completed subtrees' hashes, in statements of up
// to 200 rows.
func (db *DB) insertTreeNodes(ctx context.Context, tx *dbTx, merchantID string, nodes []coft.MerkleNodeHashed) error {
	for len(nodes) > 0 {
		n := min(len(nodes), 200)
		var q strings.Builder
		q.WriteString(`INSERT INTO ledger_tree (merchant_id, level, idx, hash) VALUES `)
		args := make([]any, 0, 4*n)
		for i, nd := range nodes[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, merchantID, nd.Level, nd.Index, nd.Hash[:])
		}
		q.WriteString(` ON CONFLICT (merchant_id, level, idx) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, db.rebind(q.String()), args...); err != nil {
			return err
		}
		nodes = nodes[n:]
	}
	return nil
}

// growLedgerTrees grows the Merkle tree of every chain appended to before
// the tree existed, each in a transaction of its own. Open calls it once
// the migrations are applied; each chain is also grown on its first use.
func (db *DB) growLedgerTrees(ctx context.Context) error {
	rows, err := db.w.QueryContext(ctx, `SELECT merchant_id, seq, peaks FROM ledger_heads ORDER BY merchant_id`)
	if err != nil {
		return err
	}
	var behind []string
	for rows.Next() {
		var m, peaks string
		var seq int64
		if err := rows.Scan(&m, &seq, &peaks); err != nil {
			rows.Close()
			return err
		}
		if p, ok := coft.ParseMerklePeaks(peaks); !ok || p.Size < seq {
			behind = append(behind, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range behind {
		if err := db.tx(ctx, func(tx *dbTx) error { _, err := db.lockHead(ctx, tx, m); return err }); err != nil {
			return fmt.Errorf("growing the Merkle tree of %s's ledger: %w", m, err)
		}
	}
	return nil
}

// appendEntry chains one record after its merchant's head, and adds it to
// the chain's Merkle tree.
func (db *DB) appendEntry(ctx context.Context, tx *dbTx, r *coft.LedgerRecord) error {
	h, err := db.lockHead(ctx, tx, r.MerchantID)
	if err != nil {
		return err
	}
	r.Seq = h.seq + 1
	record := coft.CanonicalJSON(r.Fields())
	hash := coft.LedgerHash(h.hash, record)
	if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_entries (merchant_id, seq, record, prev_hash, hash, created_at, customer_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), r.MerchantID, r.Seq, string(record), h.hash, hash, db.now(), r.CustomerID); err != nil {
		return err
	}
	if err := db.insertTreeNodes(ctx, tx, r.MerchantID, h.peaks.Append(coft.MerkleLeafHash(record))); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE ledger_heads SET seq = ?, hash = ?, peaks = ? WHERE merchant_id = ?`),
		r.Seq, hash, h.peaks.String(), r.MerchantID); err != nil {
		return err
	}
	if r.Seq%coft.LedgerCheckpointEvery == 0 && db.Secrets != nil {
		return db.signCheckpoint(ctx, tx, r.MerchantID, r.Seq, hash, h.peaks.Root().String())
	}
	return nil
}

// consentRecord is the ledger record of a decision on a payment.
func consentRecord(t *coft.Txn, c *coft.Consent) *coft.LedgerRecord {
	d := c.Decision
	return &coft.LedgerRecord{Kind: coft.LedgerDecision, MerchantID: c.MerchantID, RecordID: c.ID, Channel: c.Channel,
		Decision: &d, TextID: c.TextID, TextSHA256: coft.ConsentTextSHA256(c.TextID), Language: c.Locale,
		ShownAt: c.ShownAt, At: c.DecidedAt, ClientIP: c.ClientIP, UserAgent: c.UserAgent, CardRef: t.CardReference,
		Fingerprint: c.Fingerprint, OrderID: t.OrderID, TxnUUID: c.TxnUUID, CustomerID: c.CustomerID,
		TokenRef: t.TokenReference, TooFast: c.TooFast, FormFactor: c.FormFactor, FormFactorSource: c.FormFactorSource}
}

// pageConsentRecord is the ledger record of a decision in a merchant's page.
func pageConsentRecord(c *coft.PageConsent) *coft.LedgerRecord {
	d := c.Decision
	return &coft.LedgerRecord{Kind: coft.LedgerDecision, MerchantID: c.MerchantID, RecordID: c.ID,
		Channel: coft.ChannelMerchantPage, Decision: &d, TextID: c.TextID, TextSHA256: coft.ConsentTextSHA256(c.TextID),
		Language: c.Locale, ShownAt: c.ShownAt, At: c.DecidedAt, ClientIP: c.ClientIP, UserAgent: c.UserAgent,
		Origin: c.Origin, OrderID: c.OrderID, TooFast: c.TooFast, FormFactor: c.FormFactor, FormFactorSource: c.FormFactorSource}
}

// withdrawalRecord is the ledger record of a withdrawal.
func withdrawalRecord(w *coft.Withdrawal) *coft.LedgerRecord {
	return &coft.LedgerRecord{Kind: coft.LedgerWithdrawal, MerchantID: w.MerchantID, RecordID: w.ID, Channel: w.Channel,
		At: w.At, ClientIP: w.ClientIP, UserAgent: w.UserAgent, CardRef: w.CardReference, Fingerprint: w.Fingerprint,
		CustomerID: w.CustomerID, TokenRef: w.TokenReference}
}

// ledgerKeyTTL is how long an instance signs with the key it loaded
// before it looks again (another instance may have rotated it).
const ledgerKeyTTL = 5 * time.Minute

// ledgerSigner is the active ledger key, loaded once in a while.
type ledgerSigner struct {
	mu       sync.Mutex
	id       string
	priv     ed25519.PrivateKey
	loadedAt time.Time
}

func ledgerKeyAAD(id string) string { return "ledger-key:" + id }

// signingKey returns the active ledger key, creating the deployment's
// first one (or the next, after RotateLedgerKey) when there is none.
func (db *DB) signingKey(ctx context.Context, tx *dbTx) (string, ed25519.PrivateKey, error) {
	s := &db.ledgerKey
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.priv != nil && time.Since(s.loadedAt) < ledgerKeyTTL {
		return s.id, s.priv, nil
	}
	if db.Secrets == nil {
		return "", nil, fmt.Errorf("no locker to seal the ledger key with")
	}
	var id, lockerKey string
	var sealed []byte
	err := tx.QueryRowContext(ctx, db.rebind(`SELECT id, private_sealed, locker_key FROM ledger_keys
		WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`)).Scan(&id, &sealed, &lockerKey)
	switch {
	case err == sql.ErrNoRows:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return "", nil, err
		}
		id = coft.NewID("lgk_")
		sealed, lockerKey, err = db.Secrets.Seal(string(priv.Seed()), ledgerKeyAAD(id))
		if err != nil {
			return "", nil, err
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_keys (id, public_key, private_sealed, locker_key, created_at)
			VALUES (?, ?, ?, ?, ?)`), id, []byte(pub), sealed, lockerKey, db.now()); err != nil {
			return "", nil, err
		}
		// Not kept until it is known to be committed: the next use loads it.
		return id, priv, nil
	case err != nil:
		return "", nil, err
	default:
		seed, err := db.Secrets.Open(sealed, lockerKey, ledgerKeyAAD(id))
		if err != nil {
			return "", nil, fmt.Errorf("ledger key %s: %w", id, err)
		}
		if len(seed) != ed25519.SeedSize {
			return "", nil, fmt.Errorf("ledger key %s: malformed", id)
		}
		s.id, s.priv = id, ed25519.NewKeyFromSeed([]byte(seed))
	}
	s.loadedAt = time.Now()
	return s.id, s.priv, nil
}

// signCheckpoint signs a chain's head at seq, with its Merkle tree's
// root, once.
func (db *DB) signCheckpoint(ctx context.Context, tx *dbTx, merchantID string, seq int64, hash, root string) error {
	keyID, priv, err := db.signingKey(ctx, tx)
	if err != nil {
		return err
	}
	c := coft.LedgerCheckpoint{MerchantID: merchantID, Seq: seq, Hash: hash, Root: root, SignedAt: db.now()}
	sig := ed25519.Sign(priv, c.Message())
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_checkpoints (merchant_id, seq, hash, root, key_id, signed_at, signature)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, seq) DO NOTHING`), merchantID, seq, hash, root, keyID, c.SignedAt, sig)
	return err
}

// CheckpointLedgers signs the head of each chain that has grown since its
// last checkpoint (of merchantID's chain only, unless it is ""), and
// returns how many it signed. The reconciler calls it hourly; an export
// calls it so that it is covered to its end.
func (db *DB) CheckpointLedgers(ctx context.Context, merchantID string) (n int, err error) {
	defer failed(&err, "CheckpointLedgers", merchantID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT h.merchant_id FROM ledger_heads h
		WHERE h.seq > COALESCE((SELECT MAX(c.seq) FROM ledger_checkpoints c WHERE c.merchant_id = h.merchant_id), 0)
		AND (? = '' OR h.merchant_id = ?) ORDER BY h.merchant_id`), merchantID, merchantID)
	if err != nil {
		return 0, err
	}
	var heads []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return 0, err
		}
		heads = append(heads, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, m := range heads {
		// The head as it is now, locked: it may have grown since.
		if err := db.inTx(ctx, func(tx *dbTx) error {
			h, err := db.lockHead(ctx, tx, m)
			if err != nil {
				return err
			}
			return db.signCheckpoint(ctx, tx, m, h.seq, h.hash, h.peaks.Root().String())
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RotateLedgerKey retires the active ledger key: the next checkpoint is
// signed with a new one. Retired keys stay, for verifying. Other
// instances move to the new key within ledgerKeyTTL.
func (db *DB) RotateLedgerKey(ctx context.Context) (err error) {
	defer failed(&err, "RotateLedgerKey")
	err = db.inTx(ctx, func(tx *dbTx) error {
		_, err := tx.ExecContext(ctx, db.rebind(`UPDATE ledger_keys SET retired_at = ? WHERE retired_at IS NULL`), db.now())
		return err
	})
	db.ledgerKey.mu.Lock()
	db.ledgerKey.priv = nil
	db.ledgerKey.mu.Unlock()
	return err
}

// ExportLedger returns the merchant's entries appended in [from, to)
// (zero: open), in sequence, the checkpoints that cover them and every
// ledger public key.
func (db *DB) ExportLedger(ctx context.Context, merchantID string, from, to time.Time) (_ *coft.LedgerExport, err error) {
	defer failed(&err, "ExportLedger", merchantID)
	out := &coft.LedgerExport{MerchantID: merchantID, From: from, To: to}
	lo, hi := exportBounds(from, to)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT seq, record, prev_hash, hash, created_at FROM ledger_entries
		WHERE merchant_id = ? AND created_at >= ? AND created_at < ? ORDER BY seq`), merchantID, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		e := coft.LedgerEntry{MerchantID: merchantID}
		if err := rows.Scan(&e.Seq, &e.Record, &e.PrevHash, &e.Hash, &e.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out.Entries = append(out.Entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The checkpoints that cover the entries: from the first one (the
	// chain's start for an export from its start) to the last signed
	// before the range ends, so that entries removed from the range's end
	// show as missing.
	first := int64(1)
	if len(out.Entries) > 0 {
		first = out.Entries[0].Seq
	}
	if len(out.Entries) > 0 || from.IsZero() {
		rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT seq, hash, root, key_id, signed_at, signature FROM ledger_checkpoints
			WHERE merchant_id = ? AND seq >= ? AND signed_at < ? ORDER BY seq`), merchantID, first, hi)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := coft.LedgerCheckpoint{MerchantID: merchantID}
			if err := rows.Scan(&c.Seq, &c.Hash, &c.Root, &c.KeyID, &c.SignedAt, &c.Signature); err != nil {
				rows.Close()
				return nil, err
			}
			out.Checkpoints = append(out.Checkpoints, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out.Keys, err = db.ledgerKeys(ctx)
	return out, err
}

// CustomerLedger returns the ledger entries of one of a merchant's
// customers, in chain order: the customer's consent history, each entry
// with the hashes that place it in the chain's export.
func (db *DB) CustomerLedger(ctx context.Context, merchantID, customerID string) (_ []coft.LedgerEntry, err error) {
	defer failed(&err, "CustomerLedger", merchantID, customerID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT seq, record, prev_hash, hash, created_at FROM ledger_entries
		WHERE merchant_id = ? AND customer_id = ? ORDER BY seq`), merchantID, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []coft.LedgerEntry
	for rows.Next() {
		e := coft.LedgerEntry{MerchantID: merchantID}
		if err := rows.Scan(&e.Seq, &e.Record, &e.PrevHash, &e.Hash, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CorrectLedgerEntry appends a correction of the merchant's entry seq;
// see coft.LedgerStore. The correction keeps the corrected entry's
// customer, so that it is part of the customer's history.
func (db *DB) CorrectLedgerEntry(ctx context.Context, merchantID string, seq int64, reason string) (_ *coft.LedgerEntry, err error) {
	defer failed(&err, "CorrectLedgerEntry", merchantID, fmt.Sprint(seq))
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, coft.Missing("reason")
	case len(reason) > coft.MaxCorrectionReason:
		return nil, coft.Invalid("reason", "reason is longer than %d bytes.", coft.MaxCorrectionReason)
	}
	rec := &coft.LedgerRecord{Kind: coft.LedgerCorrection, MerchantID: merchantID, Corrects: seq, Reason: reason}
	err = db.inTx(ctx, func(tx *dbTx) error {
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT hash, customer_id FROM ledger_entries WHERE merchant_id = ? AND seq = ?`),
			merchantID, seq).Scan(&rec.CorrectsHash, &rec.CustomerID)
		if err == sql.ErrNoRows {
			return coft.FieldError(coft.ENOTFOUND, "seq", "The consent ledger has no entry %d.", seq)
		} else if err != nil {
			return err
		}
		rec.At = db.now()
		tx.appendLedger(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e := coft.LedgerEntry{MerchantID: merchantID, Seq: rec.Seq}
	if err := db.queryRow(ctx, `SELECT record, prev_hash, hash, created_at FROM ledger_entries WHERE merchant_id = ? AND seq = ?`,
		merchantID, rec.Seq).Scan(&e.Record, &e.PrevHash, &e.Hash, &e.CreatedAt); err != nil {
		return nil, err
	}
	return &e, nil
}

// ExportCustomerLedger returns one customer's entries appended in
// [from, to), each with its inclusion proof in the Merkle tree of the
// first checkpoint with a root at or after it; see coft.LedgerStore.
func (db *DB) ExportCustomerLedger(ctx context.Context, merchantID, customerID string, from, to time.Time) (_ *coft.LedgerExport, err error) {
	defer failed(&err, "ExportCustomerLedger", merchantID, customerID)
	lo, hi := exportBounds(from, to)
	out := &coft.LedgerExport{MerchantID: merchantID, CustomerID: customerID, From: from, To: to}
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT seq, record, prev_hash, hash, created_at FROM ledger_entries
		WHERE merchant_id = ? AND customer_id = ? AND created_at >= ? AND created_at < ? ORDER BY seq`), merchantID, customerID, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		e := coft.LedgerEntry{MerchantID: merchantID}
		if err := rows.Scan(&e.Seq, &e.Record, &e.PrevHash, &e.Hash, &e.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out.Entries = append(out.Entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if out.Keys, err = db.ledgerKeys(ctx); err != nil {
		return nil, err
	}
	out.Proofs = make([]coft.LedgerProof, len(out.Entries))
	if len(out.Entries) == 0 {
		return out, nil
	}

	// The checkpoints with a root from the first entry on: each entry is
	// proved by the first one at or after it, signed nearest its time.
	rows, err = db.r.QueryContext(ctx, db.rebind(`SELECT seq, hash, root, key_id, signed_at, signature FROM ledger_checkpoints
		WHERE merchant_id = ? AND seq >= ? AND root <> '' ORDER BY seq`), merchantID, out.Entries[0].Seq)
	if err != nil {
		return nil, err
	}
	var cps []coft.LedgerCheckpoint
	for rows.Next() {
		c := coft.LedgerCheckpoint{MerchantID: merchantID}
		if err := rows.Scan(&c.Seq, &c.Hash, &c.Root, &c.KeyID, &c.SignedAt, &c.Signature); err != nil {
			rows.Close()
			return nil, err
		}
		cps = append(cps, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// The nodes the proofs are made of, fetched by level.
	type want struct {
		entry  int
		ranges [][2]int64
	}
	var wants []want
	need := map[coft.MerkleNode]coft.MerkleHash{}
	used := map[int64]bool{}
	ci := 0
	for i, e := range out.Entries {
		for ci < len(cps) && cps[ci].Seq < e.Seq {
			ci++
		}
		if ci == len(cps) {
			break // after the last checkpoint with a root: no proof yet
		}
		size := cps[ci].Seq
		out.Proofs[i].TreeSize = size
		if !used[size] {
			used[size] = true
			out.Checkpoints = append(out.Checkpoints, cps[ci])
		}
		w := want{entry: i, ranges: coft.InclusionRanges(e.Seq-1, size)}
		for _, r := range w.ranges {
			for _, n := range coft.MerkleRange(r[0], r[1]) {
				need[n] = coft.MerkleHash{}
			}
		}
		wants = append(wants, w)
	}
	if err := db.treeNodes(ctx, merchantID, need); err != nil {
		return nil, err
	}
	for _, w := range wants {
		p := &out.Proofs[w.entry]
		for _, r := range w.ranges {
			ns := coft.MerkleRange(r[0], r[1])
			hs := make([]coft.MerkleHash, len(ns))
			for j, n := range ns {
				hs[j] = need[n]
			}
			p.Hashes = append(p.Hashes, coft.MerkleFold(hs))
		}
		// A proof that does not lead to its checkpoint's root is a fault
		// of the store, not an export to hand out.
		e := out.Entries[w.entry]
		root, ok := coft.RootFromInclusion(e.Seq-1, p.TreeSize, coft.MerkleLeafHash([]byte(e.Record)), p.Hashes)
		for _, c := range out.Checkpoints {
			if c.Seq == p.TreeSize && (!ok || root.String() != c.Root) {
				return nil, fmt.Errorf("entry %d: its inclusion proof does not lead to checkpoint %d's root", e.Seq, c.Seq)
			}
		}
	}
	return out, nil
}

// treeNodes fills in the hashes of the Merkle tree nodes need names:
// leaves hashed from their entries' records, inner nodes from
// ledger_tree.
func (db *DB) treeNodes(ctx context.Context, merchantID string, need map[coft.MerkleNode]coft.MerkleHash) error {
	byLevel := map[int][]int64{}
	for n := range need {
		byLevel[n.Level] = append(byLevel[n.Level], n.Index)
	}
	for level, idxs := range byLevel {
		for len(idxs) > 0 {
			chunk := idxs[:min(len(idxs), 500)]
			idxs = idxs[len(chunk):]
			args := []any{merchantID}
			marks := make([]string, len(chunk))
			for i, x := range chunk {
				marks[i] = "?"
				if level == 0 {
					x++ // leaf x is entry x+1
				}
				args = append(args, x)
			}
			q := `SELECT idx, hash FROM ledger_tree WHERE merchant_id = ? AND level = ` + strconv.Itoa(level) + ` AND idx IN (` + strings.Join(marks, ", ") + `)`
			if level == 0 {
				q = `SELECT seq - 1, record FROM ledger_entries WHERE merchant_id = ? AND seq IN (` + strings.Join(marks, ", ") + `)`
			}
			rows, err := db.r.QueryContext(ctx, db.rebind(q), args...)
			if err != nil {
				return err
			}
			found := 0
			for rows.Next() {
				var idx int64
				var b []byte
				if err := rows.Scan(&idx, &b); err != nil {
					rows.Close()
					return err
				}
				n := coft.MerkleNode{Level: level, Index: idx}
				if level == 0 {
					need[n] = coft.MerkleLeafHash(b)
				} else {
					var h coft.MerkleHash
					if len(b) != len(h) {
						rows.Close()
						return fmt.Errorf("ledger %s: Merkle node %+v is malformed", merchantID, n)
					}
					copy(h[:], b)
					need[n] = h
				}
				found++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if found != len(chunk) {
				return fmt.Errorf("ledger %s: %d of %d Merkle nodes of level %d are missing", merchantID, len(chunk)-found, len(chunk), level)
			}
		}
	}
	return nil
}

// ledgerKeys returns every ledger public key, oldest first.
func (db *DB) ledgerKeys(ctx context.Context) ([]coft.LedgerKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, public_key, created_at FROM ledger_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []coft.LedgerKey
	for rows.Next() {
		var k coft.LedgerKey
		if err := rows.Scan(&k.ID, &k.PublicKey, &k.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// exportBounds are an export's [from, to) as stored times: open ends
// become the beginning and the end of time.
func exportBounds(from, to time.Time) (lo, hi time.Time) {
	lo, hi = time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if !from.IsZero() {
		lo = from.UTC()
	}
	if !to.IsZero() {
		hi = to.UTC()
	}
	return lo, hi
}
