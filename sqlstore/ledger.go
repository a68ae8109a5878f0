package sqlstore

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"sort"
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

// runWrite runs a write's fn, then chains the ledger records it added.
func runWrite(ctx context.Context, tx *dbTx, fn func(*dbTx) error) error {
	tx.ledger = nil
	defer func() { tx.ledger = nil }()
	if err := fn(tx); err != nil {
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

// lockHead returns a merchant's chain head, its row locked until the
// transaction ends (SQLite's write transactions are exclusive already).
func (db *DB) lockHead(ctx context.Context, tx *dbTx, merchantID string) (seq int64, hash string, err error) {
	q := `SELECT seq, hash FROM ledger_heads WHERE merchant_id = ?` + db.forUpdate()
	err = tx.QueryRowContext(ctx, db.rebind(q), merchantID).Scan(&seq, &hash)
	if err == sql.ErrNoRows { // the chain's first entry: make its head, once
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_heads (merchant_id, seq, hash) VALUES (?, 0, ?)
			ON CONFLICT (merchant_id) DO NOTHING`), merchantID, coft.GenesisHash); err != nil {
			return 0, "", err
		}
		err = tx.QueryRowContext(ctx, db.rebind(q), merchantID).Scan(&seq, &hash)
	}
	return seq, hash, err
}

// appendEntry chains one record after its merchant's head.
func (db *DB) appendEntry(ctx context.Context, tx *dbTx, r *coft.LedgerRecord) error {
	seq, prev, err := db.lockHead(ctx, tx, r.MerchantID)
	if err != nil {
		return err
	}
	r.Seq = seq + 1
	record := coft.CanonicalJSON(r.Fields())
	hash := coft.LedgerHash(prev, record)
	if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_entries (merchant_id, seq, record, prev_hash, hash, created_at, customer_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), r.MerchantID, r.Seq, string(record), prev, hash, db.now(), r.CustomerID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE ledger_heads SET seq = ?, hash = ? WHERE merchant_id = ?`),
		r.Seq, hash, r.MerchantID); err != nil {
		return err
	}
	if r.Seq%coft.LedgerCheckpointEvery == 0 && db.Secrets != nil {
		return db.signCheckpoint(ctx, tx, r.MerchantID, r.Seq, hash)
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

// signCheckpoint signs a chain's head at seq, once.
func (db *DB) signCheckpoint(ctx context.Context, tx *dbTx, merchantID string, seq int64, hash string) error {
	keyID, priv, err := db.signingKey(ctx, tx)
	if err != nil {
		return err
	}
	at := db.now()
	sig := ed25519.Sign(priv, coft.CheckpointMessage(merchantID, seq, hash, at))
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO ledger_checkpoints (merchant_id, seq, hash, key_id, signed_at, signature)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, seq) DO NOTHING`), merchantID, seq, hash, keyID, at, sig)
	return err
}

// CheckpointLedgers signs the head of each chain that has grown since its
// last checkpoint (of merchantID's chain only, unless it is ""), and
// returns how many it signed. The reconciler calls it hourly; an export
// calls it so that it is covered to its end.
func (db *DB) CheckpointLedgers(ctx context.Context, merchantID string) (n int, err error) {
	defer failed(&err, "CheckpointLedgers", merchantID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT h.merchant_id, h.seq, h.hash FROM ledger_heads h
		WHERE h.seq > COALESCE((SELECT MAX(c.seq) FROM ledger_checkpoints c WHERE c.merchant_id = h.merchant_id), 0)
		AND (? = '' OR h.merchant_id = ?) ORDER BY h.merchant_id`), merchantID, merchantID)
	if err != nil {
		return 0, err
	}
	type head struct {
		merchant, hash string
		seq            int64
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.merchant, &h.seq, &h.hash); err != nil {
			rows.Close()
			return 0, err
		}
		heads = append(heads, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, h := range heads {
		if err := db.inTx(ctx, func(tx *dbTx) error { return db.signCheckpoint(ctx, tx, h.merchant, h.seq, h.hash) }); err != nil {
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
	lo, hi := time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if !from.IsZero() {
		lo = from.UTC()
	}
	if !to.IsZero() {
		hi = to.UTC()
	}
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
		rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT seq, hash, key_id, signed_at, signature FROM ledger_checkpoints
			WHERE merchant_id = ? AND seq >= ? AND signed_at < ? ORDER BY seq`), merchantID, first, hi)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := coft.LedgerCheckpoint{MerchantID: merchantID}
			if err := rows.Scan(&c.Seq, &c.Hash, &c.KeyID, &c.SignedAt, &c.Signature); err != nil {
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
	rows, err = db.r.QueryContext(ctx, `SELECT id, public_key, created_at FROM ledger_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k coft.LedgerKey
		if err := rows.Scan(&k.ID, &k.PublicKey, &k.CreatedAt); err != nil {
			return nil, err
		}
		out.Keys = append(out.Keys, k)
	}
	return out, rows.Err()
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
