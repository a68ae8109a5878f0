package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/coftkit/coft"
)

const jwtKeyColumns = `id, merchant_id, merchant_public_key, service_public_key, service_key_sealed,
	service_key_locker, created_at, revoked_at`

// CreateJWTKey stores a new key. Returns ECONFLICT if the id is taken.
func (db *DB) CreateJWTKey(ctx context.Context, k *coft.JWTKey) (err error) {
	defer failed(&err, "CreateJWTKey", k.ID)
	k.CreatedAt = db.now()
	_, err = db.exec(ctx, `INSERT INTO jwt_keys (`+jwtKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
		k.ID, k.MerchantID, k.MerchantPublicKey, k.ServicePublicKey, k.ServiceKeySealed, k.ServiceKeyLocker, k.CreatedAt)
	return mapError(err, "", "key_id")
}

// FindJWTKey returns the key with the id. Returns ENOTFOUND if there is none.
func (db *DB) FindJWTKey(ctx context.Context, id string) (_ *coft.JWTKey, err error) {
	defer failed(&err, "FindJWTKey", id)
	return scanJWTKey(db.r.QueryRowContext(ctx, db.rebind(`SELECT `+jwtKeyColumns+` FROM jwt_keys WHERE id = ?`), id))
}

// ListJWTKeys returns a merchant's keys, oldest first.
func (db *DB) ListJWTKeys(ctx context.Context, merchantID string) (_ []*coft.JWTKey, err error) {
	defer failed(&err, "ListJWTKeys", merchantID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+jwtKeyColumns+` FROM jwt_keys
		WHERE merchant_id = ? ORDER BY created_at, id`), merchantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ks []*coft.JWTKey
	for rows.Next() {
		k, err := scanJWTKey(rows)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

// RevokeJWTKey ends a merchant's key. Returns ENOTFOUND if the merchant has
// no such key.
func (db *DB) RevokeJWTKey(ctx context.Context, merchantID, id string, at time.Time) (err error) {
	defer failed(&err, "RevokeJWTKey", merchantID, id)
	res, err := db.exec(ctx, `UPDATE jwt_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE merchant_id = ? AND id = ?`,
		at.UTC().Truncate(time.Microsecond), merchantID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.FieldError(coft.ENOTFOUND, "key_id", "The merchant has no key %s.", id)
	}
	return nil
}

func scanJWTKey(row scanner) (*coft.JWTKey, error) {
	var k coft.JWTKey
	var revoked sql.NullTime
	err := row.Scan(&k.ID, &k.MerchantID, &k.MerchantPublicKey, &k.ServicePublicKey, &k.ServiceKeySealed,
		&k.ServiceKeyLocker, &k.CreatedAt, &revoked)
	if err != nil {
		return nil, mapError(err, "Key not found.", "")
	}
	if revoked.Valid {
		k.RevokedAt = revoked.Time
	}
	return &k, nil
}
