package coft

import (
	"crypto/sha256"
	"strings"
)

// NewAPIKey returns a fresh API key: 32 upper-case hex digits, the look of
// Juspay's keys. It is shown once, when it is made, and stored only as its
// hash (HashAPIKey).
func NewAPIKey() string { return strings.ToUpper(RandomHex(16)) }

// HashAPIKey returns the hash under which an API key is stored (its
// SHA-256): the key has 128 random bits, so a fast hash is enough.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}
