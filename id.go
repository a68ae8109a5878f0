package coft

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns prefix followed by 32 random hex digits, e.g. "ord_9f…".
func NewID(prefix string) string {
	return prefix + RandomHex(16)
}

// RandomHex returns n random bytes as 2n lowercase hex digits.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error; it crashes the program if it must
	return hex.EncodeToString(b)
}
