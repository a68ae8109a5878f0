package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/coftkit/coft"
)

// Sealer seals and opens secrets under the locker's keys (key ids let the
// keys rotate: the active one seals, every one opens).
type Sealer interface {
	Seal(plaintext, aad string) (ciphertext []byte, keyID string, err error)
	Open(ciphertext []byte, keyID, aad string) (string, error)
}

// sealedPrefix marks a sealed secret in its column: sealed:KEY_ID:base64.
// A value without it is one stored before secrets were sealed, read as
// it is until SealMerchantSecrets seals it.
const sealedPrefix = "sealed:"

// secretAAD binds a sealed secret to its merchant and column, so that one
// cannot be moved to another merchant or field.
func secretAAD(merchantID, field string) string { return "merchant:" + merchantID + ":" + field }

// sealSecrets returns the merchant's response key and webhook password as
// they are stored: sealed when the store has a Sealer.
func (db *DB) sealSecrets(m *coft.Merchant) (responseKey, webhookPassword string, err error) {
	if responseKey, err = db.sealSecret(m.ResponseKey, m.ID, "response_key"); err != nil {
		return "", "", err
	}
	webhookPassword, err = db.sealSecret(m.WebhookPassword, m.ID, "webhook_password")
	return responseKey, webhookPassword, err
}

func (db *DB) sealSecret(plain, merchantID, field string) (string, error) {
	if db.Secrets == nil || plain == "" {
		return plain, nil
	}
	ct, keyID, err := db.Secrets.Seal(plain, secretAAD(merchantID, field))
	if err != nil {
		return "", err
	}
	return sealedPrefix + keyID + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

func (db *DB) openSecret(stored, merchantID, field string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	keyID, b64, ok := strings.Cut(rest, ":")
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if !ok || err != nil {
		return "", fmt.Errorf("merchant %s: %s: malformed sealed value", merchantID, field)
	}
	if db.Secrets == nil {
		return "", fmt.Errorf("merchant %s: %s is sealed and the store has no locker to open it", merchantID, field)
	}
	return db.Secrets.Open(ct, keyID, secretAAD(merchantID, field))
}

// SealMerchantSecrets seals the response keys and webhook passwords still
// stored in plain text (written before they were sealed, or without a
// Sealer). It returns how many merchants it rewrote. Secrets sealed under
// an older locker key stay readable while that key is configured.
func (db *DB) SealMerchantSecrets(ctx context.Context) (n int, err error) {
	defer failed(&err, "SealMerchantSecrets")
	if db.Secrets == nil {
		return 0, fmt.Errorf("no locker to seal with")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, response_key, webhook_password FROM merchants ORDER BY id`)
	if err != nil {
		return 0, err
	}
	type plain struct{ id, rk, wp string }
	var todo []plain
	for rows.Next() {
		var p plain
		if err := rows.Scan(&p.id, &p.rk, &p.wp); err != nil {
			rows.Close()
			return 0, err
		}
		if (p.rk != "" && !strings.HasPrefix(p.rk, sealedPrefix)) || (p.wp != "" && !strings.HasPrefix(p.wp, sealedPrefix)) {
			todo = append(todo, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range todo {
		m, err := db.FindMerchantByID(ctx, p.id) // opens what is sealed, keeps what is not
		if err != nil {
			return n, err
		}
		if err := db.UpdateMerchant(ctx, m); err != nil { // seals both
			return n, err
		}
		n++
	}
	return n, nil
}
