package sqlstore

import (
	"context"

	"github.com/coftkit/coft"
)

// UpdateMerchantAudited applies fn to the merchant and writes it with the
// audit entries fn returns, in one transaction. No entries writes nothing.
func (db *DB) UpdateMerchantAudited(ctx context.Context, merchantID string, fn func(*coft.Merchant) ([]*coft.AuditEntry, error)) (_ *coft.Merchant, err error) {
	defer failed(&err, "UpdateMerchantAudited", merchantID)
	var m *coft.Merchant
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		row := tx.QueryRowContext(ctx, db.rebind(`SELECT `+merchantColumns+` FROM merchants WHERE id = ?`+db.forUpdate()), merchantID)
		if m, err = db.scanMerchant(row); err != nil {
			return err
		}
		entries, err := fn(m)
		if err != nil || len(entries) == 0 {
			return err
		}
		if err := db.updateMerchant(ctx, tx, m); err != nil {
			return err
		}
		return db.insertAudit(ctx, tx, entries)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RecordAudit stores audit entries of a change kept elsewhere.
func (db *DB) RecordAudit(ctx context.Context, entries ...*coft.AuditEntry) (err error) {
	defer failed(&err, "RecordAudit")
	return db.inTx(ctx, func(tx *dbTx) error { return db.insertAudit(ctx, tx, entries) })
}

func (db *DB) insertAudit(ctx context.Context, tx *dbTx, entries []*coft.AuditEntry) error {
	now := db.now()
	for _, e := range entries {
		e.ID = coft.NewID("aud_")
		if e.At.IsZero() {
			e.At = now
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO audit_log (id, merchant_id, actor, setting, old_value, new_value, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), e.ID, e.MerchantID, e.Actor, e.Setting, e.Old, e.New, e.At.UTC()); err != nil {
			return err
		}
	}
	return nil
}

// ListAudit returns a merchant's audit entries, newest first, at most limit.
func (db *DB) ListAudit(ctx context.Context, merchantID string, limit int) (_ []*coft.AuditEntry, err error) {
	defer failed(&err, "ListAudit", merchantID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT id, merchant_id, actor, setting, old_value, new_value, at
		FROM audit_log WHERE merchant_id = ? ORDER BY at DESC, id DESC LIMIT ?`), merchantID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []*coft.AuditEntry
	for rows.Next() {
		var e coft.AuditEntry
		if err := rows.Scan(&e.ID, &e.MerchantID, &e.Actor, &e.Setting, &e.Old, &e.New, &e.At); err != nil {
			return nil, err
		}
		es = append(es, &e)
	}
	return es, rows.Err()
}

var _ coft.AuditStore = (*DB)(nil)
