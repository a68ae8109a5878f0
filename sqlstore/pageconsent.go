package sqlstore

import (
	"context"
	"database/sql"

	"github.com/coftkit/coft"
)

// RecordPageConsent stores a decision taken in a merchant's page, once per
// dialog shown: the same dialog (order, card and ShownAt, which its form
// token carries) decided again leaves the first record, copied into c, or
// is ECONFLICT when the decision differs.
func (db *DB) RecordPageConsent(ctx context.Context, c *coft.PageConsent) (err error) {
	defer failed(&err, "RecordPageConsent", c.OrderID)
	return db.inTx(ctx, func(tx *dbTx) error {
		// The order's row serializes the decisions taken about it.
		var one int
		if err := tx.QueryRowContext(ctx, db.rebind(`SELECT 1 FROM orders WHERE merchant_id = ? AND order_id = ?`+db.forUpdate()),
			c.MerchantID, c.OrderID).Scan(&one); err != nil {
			return mapError(err, "Order not found.", "")
		}
		if !c.ShownAt.IsZero() {
			rows, err := tx.QueryContext(ctx, db.rebind(`SELECT `+pageConsentColumns+` FROM page_consents
				WHERE merchant_id = ? AND order_id = ? AND isin = ? AND last4 = ?`), c.MerchantID, c.OrderID, c.ISIN, c.Last4)
			if err != nil {
				return err
			}
			var prev *coft.PageConsent
			for rows.Next() {
				p, err := scanPageConsent(rows)
				if err != nil {
					rows.Close()
					return err
				}
				if p.ShownAt.Equal(c.ShownAt) {
					prev = p
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			switch {
			case prev != nil && prev.Decision == c.Decision:
				*c = *prev // the same answer again: harmless
				return nil
			case prev != nil:
				return coft.FieldError(coft.ECONFLICT, "decision", "A different choice was already recorded in this dialog.")
			}
		}
		c.ID, c.DecidedAt = coft.NewID("pcn_"), db.now()
		c.TooFast = coft.DecidedTooFast(c.ShownAt, c.DecidedAt)
		var shown any
		if !c.ShownAt.IsZero() {
			shown = c.ShownAt.UTC()
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO page_consents (id, merchant_id, order_id, isin, last4, brand, decision,
			text_id, locale, origin, client_ip, user_agent, shown_at, decided_at, too_fast, form_factor, form_factor_source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.MerchantID, c.OrderID, c.ISIN, c.Last4, c.Brand, c.Decision, c.TextID, c.Locale, c.Origin,
			c.ClientIP, c.UserAgent, shown, c.DecidedAt, c.TooFast, c.FormFactor, c.FormFactorSource)
		if err != nil {
			return err
		}
		tx.countOutcome(pageOutcome(c))
		tx.appendLedger(pageConsentRecord(c))
		return nil
	})
}

const pageConsentColumns = `id, merchant_id, order_id, isin, last4, brand, decision, text_id,
	locale, origin, client_ip, user_agent, shown_at, decided_at, txn_uuid, too_fast, form_factor, form_factor_source`

func scanPageConsent(s scanner) (*coft.PageConsent, error) {
	var c coft.PageConsent
	var shown sql.NullTime
	err := s.Scan(&c.ID, &c.MerchantID, &c.OrderID, &c.ISIN, &c.Last4, &c.Brand, &c.Decision, &c.TextID, &c.Locale,
		&c.Origin, &c.ClientIP, &c.UserAgent, &shown, &c.DecidedAt, &c.TxnUUID, &c.TooFast, &c.FormFactor, &c.FormFactorSource)
	if err != nil {
		return nil, mapError(err, "Consent not found.", "")
	}
	c.ShownAt = shown.Time
	return &c, nil
}

// FindPageConsent returns ENOTFOUND if the merchant has no such decision.
func (db *DB) FindPageConsent(ctx context.Context, merchantID, id string) (_ *coft.PageConsent, err error) {
	defer failed(&err, "FindPageConsent", merchantID, id)
	return scanPageConsent(db.queryRow(ctx, `SELECT `+pageConsentColumns+` FROM page_consents WHERE merchant_id = ? AND id = ?`, merchantID, id))
}

// UsePageConsent links a decision to a payment, once.
func (db *DB) UsePageConsent(ctx context.Context, merchantID, id, txnUUID string) (_ *coft.PageConsent, err error) {
	defer failed(&err, "UsePageConsent", merchantID, id, txnUUID)
	var out *coft.PageConsent
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		out, err = scanPageConsent(tx.QueryRowContext(ctx, db.rebind(`SELECT `+pageConsentColumns+` FROM page_consents
			WHERE merchant_id = ? AND id = ?`+db.forUpdate()), merchantID, id))
		if err != nil {
			return err
		}
		if out.TxnUUID != "" {
			return coft.FieldError(coft.ECONFLICT, "consent_id", "This consent was already used for a payment.")
		}
		out.TxnUUID = txnUUID
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE page_consents SET txn_uuid = ? WHERE id = ?`), txnUUID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ coft.PageConsentStore = (*DB)(nil)
