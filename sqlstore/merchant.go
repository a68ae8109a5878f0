package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/coftkit/coft"
)

const merchantColumns = `id, name, api_key_hash, response_key, tokenization_enabled, hosted_consent,
	return_url, webhook_url, webhook_username, webhook_password, frame_origins, brand_color, logo_url, created_at, updated_at,
	return_origins, require_totp`

// CreateMerchant stores a new merchant. Returns ECONFLICT if the id is taken.
func (db *DB) CreateMerchant(ctx context.Context, m *coft.Merchant) (err error) {
	defer failed(&err, "CreateMerchant", m.ID)
	if err := m.Validate(); err != nil {
		return err
	}
	m.CreatedAt = db.now()
	m.UpdatedAt = m.CreatedAt
	rk, wp, err := db.sealSecrets(m)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO merchants (`+merchantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Name, m.APIKeyHash, rk, m.TokenizationEnabled, m.HostedConsent,
		m.ReturnURL, m.WebhookURL, m.WebhookUsername, wp, strings.Join(m.FrameOrigins, " "), m.BrandColor, m.LogoURL, m.CreatedAt, m.UpdatedAt,
		strings.Join(m.ReturnOrigins, " "), m.RequireTOTP)
	return mapError(err, "", "id")
}

// UpdateMerchant replaces a merchant's settings and key hash.
// Returns ENOTFOUND if the merchant does not exist.
func (db *DB) UpdateMerchant(ctx context.Context, m *coft.Merchant) (err error) {
	defer failed(&err, "UpdateMerchant", m.ID)
	return db.inTx(ctx, func(tx *dbTx) error { return db.updateMerchant(ctx, tx, m) })
}

func (db *DB) updateMerchant(ctx context.Context, tx *dbTx, m *coft.Merchant) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m.UpdatedAt = db.now()
	rk, wp, err := db.sealSecrets(m)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, db.rebind(`UPDATE merchants SET name = ?, api_key_hash = ?, response_key = ?,
		tokenization_enabled = ?, hosted_consent = ?, return_url = ?, webhook_url = ?,
		webhook_username = ?, webhook_password = ?, frame_origins = ?, brand_color = ?, logo_url = ?, updated_at = ?,
		return_origins = ?, require_totp = ? WHERE id = ?`),
		m.Name, m.APIKeyHash, rk, m.TokenizationEnabled, m.HostedConsent, m.ReturnURL,
		m.WebhookURL, m.WebhookUsername, wp, strings.Join(m.FrameOrigins, " "), m.BrandColor, m.LogoURL, m.UpdatedAt,
		strings.Join(m.ReturnOrigins, " "), m.RequireTOTP, m.ID)
	if err != nil {
		return mapError(err, "", "api_key")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coft.Errorf(coft.ENOTFOUND, "Merchant not found.")
	}
	return nil
}

// FindMerchantByID returns ENOTFOUND if the merchant does not exist.
func (db *DB) FindMerchantByID(ctx context.Context, id string) (_ *coft.Merchant, err error) {
	defer failed(&err, "FindMerchantByID", id)
	row := db.queryRow(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?`, id)
	return db.scanMerchant(row)
}

// FindMerchantByAPIKeyHash returns ENOTFOUND if no merchant has the key.
func (db *DB) FindMerchantByAPIKeyHash(ctx context.Context, hash []byte) (_ *coft.Merchant, err error) {
	defer failed(&err, "FindMerchantByAPIKeyHash")
	row := db.queryRow(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE api_key_hash = ?`, hash)
	return db.scanMerchant(row)
}

// ListMerchants returns every merchant, ordered by id.
func (db *DB) ListMerchants(ctx context.Context) (_ []*coft.Merchant, err error) {
	defer failed(&err, "ListMerchants")
	rows, err := db.r.QueryContext(ctx, `SELECT `+merchantColumns+` FROM merchants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*coft.Merchant
	for rows.Next() {
		m, err := db.scanMerchant(rows)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func (db *DB) scanMerchant(s scanner) (*coft.Merchant, error) {
	var m coft.Merchant
	var frames, returns string
	err := s.Scan(&m.ID, &m.Name, &m.APIKeyHash, &m.ResponseKey, &m.TokenizationEnabled, &m.HostedConsent,
		&m.ReturnURL, &m.WebhookURL, &m.WebhookUsername, &m.WebhookPassword, &frames, &m.BrandColor, &m.LogoURL, &m.CreatedAt, &m.UpdatedAt,
		&returns, &m.RequireTOTP)
	if err != nil {
		return nil, mapError(err, "Merchant not found.", "")
	}
	m.FrameOrigins, m.ReturnOrigins = strings.Fields(frames), strings.Fields(returns)
	if m.ResponseKey, err = db.openSecret(m.ResponseKey, m.ID, "response_key"); err != nil {
		return nil, err
	}
	if m.WebhookPassword, err = db.openSecret(m.WebhookPassword, m.ID, "webhook_password"); err != nil {
		return nil, err
	}
	return &m, nil
}

var _ coft.MerchantStore = (*DB)(nil)
var _ scanner = (*sql.Row)(nil)
