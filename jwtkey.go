package coft

import (
	"context"
	"time"
)

// JWTKey is one key id of a merchant's JWE+JWS authentication, the
// server-to-server mode Juspay's SDKs prefer. Requests are signed with the
// merchant's private key and encrypted to the service's public key;
// answers are signed with the service's private key and encrypted to the
// merchant's public key. A merchant may hold several live key ids while it
// rotates.
type JWTKey struct {
	ID         string // key_…, the kid of both the JWE and the JWS
	MerchantID string

	// MerchantPublicKey (PEM) verifies the merchant's requests and
	// encrypts the answers.
	MerchantPublicKey string
	// ServicePublicKey (PEM) is the key merchants encrypt to and verify
	// answers with.
	ServicePublicKey string
	// ServiceKeySealed is the service's private key (PKCS #8 PEM) as the
	// locker sealed it, under the locker key ServiceKeyLocker.
	ServiceKeySealed []byte
	ServiceKeyLocker string

	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is live
}

// Revoked reports whether the key may no longer be used.
func (k *JWTKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// JWTKeyStore keeps merchants' JWE+JWS keys.
type JWTKeyStore interface {
	// CreateJWTKey stores a new key. Returns ECONFLICT if the id is taken.
	CreateJWTKey(ctx context.Context, k *JWTKey) error
	// FindJWTKey returns the key with the id, revoked or not. Returns
	// ENOTFOUND if there is none.
	FindJWTKey(ctx context.Context, id string) (*JWTKey, error)
	// ListJWTKeys returns a merchant's keys, oldest first.
	ListJWTKeys(ctx context.Context, merchantID string) ([]*JWTKey, error)
	// RevokeJWTKey ends a merchant's key at the time given. Returns
	// ENOTFOUND if the merchant has no such key; revoking a revoked key
	// keeps its first revocation time.
	RevokeJWTKey(ctx context.Context, merchantID, id string, at time.Time) error
}
