package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/coftkit/coft"
)

const txnColumns = `uuid, txn_id, merchant_id, order_id, attempt, amount, status, customer_id, card_reference,
	fingerprint, isin, last4, exp_month, exp_year, name_on_card, brand, card_type, sub_type, issuer, bank_code,
	issuer_country, issuer_tokenizes, pan_ciphertext, key_id, using_saved_card, using_token, save_to_locker,
	tokenize, consent_asked, consent, auth_started, otp_attempts, resp_code, resp_message, error_code,
	error_message, token_reference, token_error, return_url, created_at, updated_at, card_done`

func txnValues(t *coft.Txn) []any {
	var consent sql.NullBool
	if t.Consent != nil {
		consent = sql.NullBool{Bool: *t.Consent, Valid: true}
	}
	return []any{t.UUID, t.ID, t.MerchantID, t.OrderID, t.Attempt, int64(t.Amount), string(t.Status), t.CustomerID,
		t.CardReference, t.Fingerprint, t.ISIN, t.Last4, t.ExpMonth, t.ExpYear, t.NameOnCard, t.Brand, t.Type,
		t.SubType, t.Issuer, t.BankCode, t.IssuerCountry, t.IssuerTokenizes, t.PANCiphertext, t.KeyID,
		t.UsingSavedCard, t.UsingToken, t.SaveToLocker, string(t.Tokenize), t.ConsentAsked, consent, t.AuthStarted,
		t.OTPAttempts, t.RespCode, t.RespMessage, t.ErrorCode, t.ErrorMessage, t.TokenReference, t.TokenError,
		t.ReturnURL, t.CreatedAt, t.UpdatedAt, t.CardDone}
}

func scanTxn(s scanner) (*coft.Txn, error) {
	var t txnRow
	if err := s.Scan(t.dest()...); err != nil {
		return nil, mapError(err, "Transaction not found.", "")
	}
	return t.txn(), nil
}

// txnRow is a txn as scanned, before conversion to the domain's type.
type txnRow struct {
	coft.Txn
	amount           int64
	status, tokenize string
	consent          sql.NullBool
	created, updated sql.NullTime
}

// dest lists the scan destinations of txnColumns.
func (t *txnRow) dest() []any {
	return []any{&t.UUID, &t.ID, &t.MerchantID, &t.OrderID, &t.Attempt, &t.amount, &t.status, &t.CustomerID,
		&t.CardReference, &t.Fingerprint, &t.ISIN, &t.Last4, &t.ExpMonth, &t.ExpYear, &t.NameOnCard, &t.Brand,
		&t.Type, &t.SubType, &t.Issuer, &t.BankCode, &t.IssuerCountry, &t.IssuerTokenizes, &t.PANCiphertext,
		&t.KeyID, &t.UsingSavedCard, &t.UsingToken, &t.SaveToLocker, &t.tokenize, &t.ConsentAsked, &t.consent,
		&t.AuthStarted, &t.OTPAttempts, &t.RespCode, &t.RespMessage, &t.ErrorCode, &t.ErrorMessage,
		&t.TokenReference, &t.TokenError, &t.ReturnURL, &t.created, &t.updated, &t.CardDone}
}

func (t *txnRow) txn() *coft.Txn {
	out := t.Txn
	out.Amount, out.Status, out.Tokenize = coft.Amount(t.amount), coft.OrderStatus(t.status), coft.Tokenize(t.tokenize)
	out.CreatedAt, out.UpdatedAt = t.created.Time, t.updated.Time
	if t.consent.Valid {
		b := t.consent.Bool
		out.Consent = &b
	}
	return &out
}

const txnPlaceholders = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

// StartTxn stores a new attempt on its order, or returns a pending one for
// the same card; see coft.TxnStore.
func (db *DB) StartTxn(ctx context.Context, t *coft.Txn, reuseAfter time.Time, declared *coft.Consent) (_ *coft.Txn, _ bool, err error) {
	defer failed(&err, "StartTxn", t.OrderID, t.UUID)
	var out *coft.Txn
	var reused bool
	err = db.inTx(ctx, func(tx *dbTx) error {
		o, err := scanOrder(tx.QueryRowContext(ctx, db.rebind(`SELECT `+orderColumns+` FROM orders
			WHERE merchant_id = ? AND order_id = ?`+db.forUpdate()), t.MerchantID, t.OrderID))
		if err != nil {
			return err
		}
		if o.Status == coft.StatusCharged {
			return coft.FieldError(coft.ECONFLICT, "order_id", "Order %s is already paid.", o.OrderID)
		}
		prev, err := scanTxn(tx.QueryRowContext(ctx, db.rebind(`SELECT `+txnColumns+` FROM txns
			WHERE merchant_id = ? AND order_id = ? AND fingerprint = ? AND status = ? AND auth_started = ?
			AND created_at > ? ORDER BY attempt DESC LIMIT 1`),
			t.MerchantID, t.OrderID, t.Fingerprint, string(coft.StatusPendingVBV), false, reuseAfter.UTC()))
		if err == nil {
			out, reused = prev, true
			return nil
		} else if coft.ErrorCode(err) != coft.ENOTFOUND {
			return err
		}
		if err := tx.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM txns WHERE merchant_id = ? AND order_id = ?`),
			t.MerchantID, t.OrderID).Scan(&t.Attempt); err != nil {
			return err
		}
		t.Attempt++
		t.ID = fmt.Sprintf("%s-%s-%d", t.MerchantID, t.OrderID, t.Attempt)
		t.Amount = o.Amount
		t.CreatedAt = db.now()
		t.UpdatedAt = t.CreatedAt
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO txns (`+txnColumns+`) VALUES (`+txnPlaceholders+`)`),
			txnValues(t)...); err != nil {
			return mapError(err, "", "txn_id")
		}
		out = t
		if err := db.insertEvent(ctx, tx, &coft.Event{MerchantID: t.MerchantID, Name: coft.EventTxnCreated,
			OrderID: t.OrderID, TxnUUID: t.UUID, CustomerID: t.CustomerID, CardRef: t.CardReference}); err != nil {
			return err
		}
		if declared != nil {
			declared.TxnUUID, declared.MerchantID = t.UUID, t.MerchantID
			if err := db.insertConsent(ctx, tx, t, declared); err != nil {
				return err
			}
		}
		return db.syncOrderStatus(ctx, tx, t.MerchantID, t.OrderID)
	})
	return out, reused, err
}

// syncOrderStatus sets an order's status, and the attempt it reports
// (the charged one, else the latest), from its attempts.
func (db *DB) syncOrderStatus(ctx context.Context, tx *dbTx, merchantID, orderID string) error {
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT uuid, status FROM txns WHERE merchant_id = ? AND order_id = ?
		ORDER BY attempt`), merchantID, orderID)
	if err != nil {
		return err
	}
	var statuses []coft.OrderStatus
	var reported string
	for rows.Next() {
		var uuid, status string
		if err := rows.Scan(&uuid, &status); err != nil {
			rows.Close()
			return err
		}
		if coft.OrderStatus(status) == coft.StatusCharged || coft.OrderStatusOf(statuses) != coft.StatusCharged {
			reported = uuid
		}
		statuses = append(statuses, coft.OrderStatus(status))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`UPDATE orders SET status = ?, txn_uuid = ?, updated_at = ?
		WHERE merchant_id = ? AND order_id = ?`),
		string(coft.OrderStatusOf(statuses)), reported, db.now(), merchantID, orderID)
	return err
}

// FindTxn returns ENOTFOUND if the merchant has no such transaction.
func (db *DB) FindTxn(ctx context.Context, merchantID, uuid string) (_ *coft.Txn, err error) {
	defer failed(&err, "FindTxn", merchantID, uuid)
	return scanTxn(db.queryRow(ctx, `SELECT `+txnColumns+` FROM txns WHERE merchant_id = ? AND uuid = ?`, merchantID, uuid))
}

// FindOrderStatus returns an order with the attempt it reports, nil when
// it has none: a read by key of each.
func (db *DB) FindOrderStatus(ctx context.Context, merchantID, orderID string) (_ *coft.Order, _ *coft.Txn, err error) {
	defer failed(&err, "FindOrderStatus", merchantID, orderID)
	o, err := db.FindOrder(ctx, merchantID, orderID)
	if err != nil || o.TxnUUID == "" {
		return o, nil, err
	}
	t, err := db.FindTxn(ctx, merchantID, o.TxnUUID)
	if err != nil {
		return nil, nil, err
	}
	return o, t, nil
}

// UpdateTxn reads the attempt, applies fn and writes it back with the
// order's status, in one transaction.
func (db *DB) UpdateTxn(ctx context.Context, merchantID, uuid string, fn func(*coft.Txn) error) (_ *coft.Txn, err error) {
	defer failed(&err, "UpdateTxn", merchantID, uuid)
	var t *coft.Txn
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		t, err = db.lockTxn(ctx, tx, merchantID, uuid)
		if err != nil {
			return err
		}
		before := *t
		if err := fn(t); err != nil {
			return err
		}
		if err := db.writeTxn(ctx, tx, t, before.Status); err != nil {
			return err
		}
		return db.txnEvents(ctx, tx, &before, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTxnWith is UpdateTxn with the card work w written in the same
// transaction; see coft.TxnStore.
func (db *DB) UpdateTxnWith(ctx context.Context, merchantID, uuid string, w coft.CardWork, fn func(*coft.Txn) error) (_ *coft.Txn, err error) {
	defer failed(&err, "UpdateTxnWith", merchantID, uuid)
	var t *coft.Txn
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		if t, err = db.lockTxn(ctx, tx, merchantID, uuid); err != nil {
			return err
		}
		before := *t
		if err := fn(t); err != nil {
			return err
		}
		ref := w.Ref()
		switch {
		case ref != "" && w.DropCard:
			err = db.deleteCard(ctx, tx, merchantID, ref, nil)
		case ref != "" && w.DropToken:
			err = db.deleteNetworkToken(ctx, tx, merchantID, ref)
		case w.Card != nil:
			err = db.saveCard(ctx, tx, w.Card)
		}
		if err != nil {
			return err
		}
		if w.Token != nil {
			if err := db.saveNetworkToken(ctx, tx, merchantID, ref, w.Token); err != nil {
				return err
			}
		}
		if err := db.writeTxn(ctx, tx, t, before.Status); err != nil {
			return err
		}
		return db.txnEvents(ctx, tx, &before, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (db *DB) lockTxn(ctx context.Context, tx *dbTx, merchantID, uuid string) (*coft.Txn, error) {
	return scanTxn(tx.QueryRowContext(ctx, db.rebind(`SELECT `+txnColumns+` FROM txns
		WHERE merchant_id = ? AND uuid = ?`+db.forUpdate()), merchantID, uuid))
}

// writeTxn stores t; the order's status too when t's changed from was.
func (db *DB) writeTxn(ctx context.Context, tx *dbTx, t *coft.Txn, was coft.OrderStatus) error {
	t.UpdatedAt = db.now()
	var consent sql.NullBool
	if t.Consent != nil {
		consent = sql.NullBool{Bool: *t.Consent, Valid: true}
	}
	_, err := tx.ExecContext(ctx, db.rebind(`UPDATE txns SET status = ?, customer_id = ?, card_reference = ?,
		pan_ciphertext = ?, key_id = ?, using_token = ?, consent = ?, auth_started = ?, otp_attempts = ?, resp_code = ?,
		resp_message = ?, error_code = ?, error_message = ?, token_reference = ?, token_error = ?, card_done = ?,
		updated_at = ? WHERE uuid = ?`),
		string(t.Status), t.CustomerID, t.CardReference, t.PANCiphertext, t.KeyID, t.UsingToken, consent, t.AuthStarted,
		t.OTPAttempts, t.RespCode, t.RespMessage, t.ErrorCode, t.ErrorMessage, t.TokenReference, t.TokenError,
		t.CardDone, t.UpdatedAt, t.UUID)
	if err != nil || t.Status == was {
		return err
	}
	if err := db.countAbandoned(ctx, tx, t, was); err != nil {
		return err
	}
	return db.syncOrderStatus(ctx, tx, t.MerchantID, t.OrderID)
}

// UnfinishedCharges returns attempts a crash interrupted, charged without
// their card work or waiting on the bank; see coft.TxnStore.
func (db *DB) UnfinishedCharges(ctx context.Context, before time.Time, limit int) (_ []*coft.Txn, err error) {
	defer failed(&err, "UnfinishedCharges")
	return db.claimTxns(ctx, `(status = ? AND card_done = ? OR status = ?) AND updated_at < ?`, limit,
		string(coft.StatusCharged), false, string(coft.StatusAuthorizing), before.UTC())
}

// AbandonedTxns returns PENDING_VBV attempts whose authentication window
// has passed; see coft.TxnStore.
func (db *DB) AbandonedTxns(ctx context.Context, createdBefore, before time.Time, limit int) (_ []*coft.Txn, err error) {
	defer failed(&err, "AbandonedTxns")
	return db.claimTxns(ctx, `status = ? AND created_at < ? AND updated_at < ?`, limit,
		string(coft.StatusPendingVBV), createdBefore.UTC(), before.UTC())
}

// claimTxns claims up to limit attempts that where selects (with args),
// least recently changed first, by moving their updated_at to now: no
// other instance selects them again before the same delay has passed (row
// locks, skipped, keep two instances from claiming one at the same moment
// on PostgreSQL).
func (db *DB) claimTxns(ctx context.Context, where string, limit int, args ...any) ([]*coft.Txn, error) {
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []*coft.Txn
	err := db.inTx(ctx, func(tx *dbTx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(`UPDATE txns SET updated_at = ? WHERE uuid IN (
			SELECT uuid FROM txns WHERE `+where+` ORDER BY updated_at LIMIT ?`+lock+`) RETURNING `+txnColumns),
			append(append([]any{db.now()}, args...), limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTxn(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

const consentColumns = `id, merchant_id, txn_uuid, customer_id, fingerprint, decision, text_id, locale, channel,
	client_ip, user_agent, shown_at, decided_at, too_fast, form_factor, form_factor_source`

// RecordConsent stores a decision and its evidence once; see coft.TxnStore.
func (db *DB) RecordConsent(ctx context.Context, c *coft.Consent) (_ *coft.Txn, err error) {
	defer failed(&err, "RecordConsent", c.TxnUUID)
	var t *coft.Txn
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		if t, err = db.lockTxn(ctx, tx, c.MerchantID, c.TxnUUID); err != nil {
			return err
		}
		switch {
		case t.Consent != nil && *t.Consent == c.Decision:
			return nil // the same answer again: harmless
		case t.Consent != nil:
			return coft.FieldError(coft.ECONFLICT, "decision", "A different choice was already recorded for this payment.")
		case c.Channel == coft.ChannelHostedPage && !t.ConsentAsked:
			return coft.FieldError(coft.ECONFLICT, "decision", "This payment does not ask for consent.")
		case t.AuthStarted || t.Done():
			return coft.FieldError(coft.ECONFLICT, "decision", "The payment has moved on to the bank; the choice can no longer be made.")
		}
		if err := db.insertConsent(ctx, tx, t, c); err != nil {
			return err
		}
		d := c.Decision
		t.Consent = &d
		return db.writeTxn(ctx, tx, t, t.Status)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// insertConsent stores the evidence of a decision on t.
func (db *DB) insertConsent(ctx context.Context, tx *dbTx, t *coft.Txn, c *coft.Consent) error {
	c.ID = coft.NewID("cns_")
	c.CustomerID, c.Fingerprint = t.CustomerID, t.Fingerprint
	c.DecidedAt = db.now()
	c.TooFast = coft.DecidedTooFast(c.ShownAt, c.DecidedAt)
	var shown sql.NullTime
	if !c.ShownAt.IsZero() {
		shown = sql.NullTime{Time: c.ShownAt.UTC().Truncate(time.Microsecond), Valid: true}
	}
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO consents (`+consentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.ID, c.MerchantID, c.TxnUUID, c.CustomerID, c.Fingerprint, c.Decision, c.TextID, c.Locale, c.Channel,
		c.ClientIP, c.UserAgent, shown, c.DecidedAt, c.TooFast, c.FormFactor, c.FormFactorSource)
	if err != nil {
		return err
	}
	if o, ok := decisionOutcome(t, c); ok {
		tx.countOutcome(o)
	}
	tx.appendLedger(consentRecord(t, c))
	return nil
}

// ListConsents returns the consent records of a transaction, oldest first.
func (db *DB) ListConsents(ctx context.Context, merchantID, txnUUID string) (_ []*coft.Consent, err error) {
	defer failed(&err, "ListConsents", merchantID, txnUUID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+consentColumns+` FROM consents
		WHERE merchant_id = ? AND txn_uuid = ? ORDER BY decided_at, id`), merchantID, txnUUID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coft.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanConsent(s scanner) (*coft.Consent, error) {
	var c coft.Consent
	var shown sql.NullTime
	if err := s.Scan(&c.ID, &c.MerchantID, &c.TxnUUID, &c.CustomerID, &c.Fingerprint, &c.Decision, &c.TextID,
		&c.Locale, &c.Channel, &c.ClientIP, &c.UserAgent, &shown, &c.DecidedAt, &c.TooFast, &c.FormFactor,
		&c.FormFactorSource); err != nil {
		return nil, err
	}
	c.ShownAt = shown.Time
	return &c, nil
}

var (
	_ coft.TxnStore          = (*DB)(nil)
	_ coft.ConsentStore      = (*DB)(nil)
	_ coft.ConsentStatsStore = (*DB)(nil)
)
