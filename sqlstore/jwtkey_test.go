package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

func TestJWTKeys(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "m1")
		mustMerchant(t, db, "m2")
		k1 := &coft.JWTKey{ID: "key_1", MerchantID: "m1", MerchantPublicKey: "PEM1", ServicePublicKey: "SPEM1",
			ServiceKeySealed: []byte{1, 2, 3}, ServiceKeyLocker: "k1"}
		if err := db.CreateJWTKey(ctx, k1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CreateJWTKey(ctx, &coft.JWTKey{ID: "key_1", MerchantID: "m2", ServiceKeySealed: []byte{1}}), coft.ECONFLICT)
		if err := db.CreateJWTKey(ctx, &coft.JWTKey{ID: "key_2", MerchantID: "m1", ServiceKeySealed: []byte{4}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindJWTKey(ctx, "key_1")
		if err != nil || got.MerchantID != "m1" || got.MerchantPublicKey != "PEM1" || string(got.ServiceKeySealed) != "\x01\x02\x03" ||
			got.ServiceKeyLocker != "k1" || got.Revoked() || got.CreatedAt.IsZero() {
			t.Fatalf("%+v, %v", got, err)
		}
		_, err = db.FindJWTKey(ctx, "key_none")
		wantCode(t, err, coft.ENOTFOUND)

		// Another merchant cannot revoke the key; its owner can, once.
		wantCode(t, db.RevokeJWTKey(ctx, "m2", "key_1", time.Now()), coft.ENOTFOUND)
		first := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		if err := db.RevokeJWTKey(ctx, "m1", "key_1", first); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeJWTKey(ctx, "m1", "key_1", first.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = db.FindJWTKey(ctx, "key_1")
		if !got.Revoked() || !got.RevokedAt.Equal(first) {
			t.Fatalf("revoked at %v, want %v", got.RevokedAt, first)
		}
		ks, err := db.ListJWTKeys(ctx, "m1")
		if err != nil || len(ks) != 2 || ks[0].ID != "key_1" || ks[1].ID != "key_2" || ks[1].Revoked() {
			t.Fatalf("list: %v, %v", ks, err)
		}
		if ks, _ := db.ListJWTKeys(ctx, "m2"); len(ks) != 0 {
			t.Fatalf("m2 has %d keys", len(ks))
		}
	})
}
