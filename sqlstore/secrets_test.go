package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/locker"
	"github.com/coftkit/coft/sqlstore"
)

func testLocker(t *testing.T, keys map[string][]byte, active string) *locker.Locker {
	t.Helper()
	k := &locker.Keys{Active: active, Encryption: keys, Fingerprint: bytes.Repeat([]byte{1}, 32), Signing: bytes.Repeat([]byte{2}, 32)}
	lk, err := locker.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return lk
}

func randomKey() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// TestMerchantSecretsSealed: merchants' response keys and webhook passwords
// are stored sealed under the locker's key, bound to their merchant and
// column, and read back in the clear; ones stored in plain text before
// are sealed by SealMerchantSecrets; after a key rotation the old ones
// still open, and a value moved to another merchant does not.
func TestMerchantSecretsSealed(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		legacy := mustMerchant(t, db, "old") // written without a locker: plain text
		k1 := randomKey()
		db.Secrets = testLocker(t, map[string][]byte{"k1": k1}, "k1")
		m := &coft.Merchant{ID: "m", Name: "M", APIKeyHash: []byte("hash-m"), ResponseKey: "RESPONSEKEY123",
			WebhookURL: "https://hooks.example/h", WebhookUsername: "u", WebhookPassword: "hunter2-password"}
		if err := db.CreateMerchant(ctx, m); err != nil {
			t.Fatal(err)
		}
		raw := func(id string) (rk, wp string) {
			t.Helper()
			if err := db.RawRow(ctx, `SELECT response_key, webhook_password FROM merchants WHERE id = ?`, id).Scan(&rk, &wp); err != nil {
				t.Fatal(err)
			}
			return rk, wp
		}
		if rk, wp := raw("m"); rk == "RESPONSEKEY123" || wp == "hunter2-password" || rk[:10] != "sealed:k1:" {
			t.Fatalf("stored: %q %q", rk, wp)
		}
		if got, err := db.FindMerchantByID(ctx, "m"); err != nil || got.ResponseKey != "RESPONSEKEY123" || got.WebhookPassword != "hunter2-password" {
			t.Fatalf("read back: %+v %v", got, err)
		}

		if rk, _ := raw("old"); rk != legacy.ResponseKey {
			t.Fatalf("legacy row: %q", rk)
		}
		if n, err := db.SealMerchantSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("SealMerchantSecrets = %d, %v", n, err)
		}
		if rk, _ := raw("old"); rk == legacy.ResponseKey {
			t.Fatal("the legacy response key is still in plain text")
		}
		if got, err := db.FindMerchantByID(ctx, "old"); err != nil || got.ResponseKey != legacy.ResponseKey {
			t.Fatalf("legacy read back: %+v %v", got, err)
		}

		// Rotation: k2 seals, k1 still opens.
		db.Secrets = testLocker(t, map[string][]byte{"k1": k1, "k2": randomKey()}, "k2")
		if got, err := db.FindMerchantByID(ctx, "m"); err != nil || got.ResponseKey != "RESPONSEKEY123" {
			t.Fatalf("after rotation: %+v %v", got, err)
		}
		// A sealed value moved to another merchant does not open.
		rk, _ := raw("m")
		if _, err := db.RawExec(ctx, `UPDATE merchants SET response_key = ? WHERE id = ?`, rk, "old"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindMerchantByID(ctx, "old"); err == nil {
			t.Fatal("another merchant's sealed key opened")
		}
	})
}
