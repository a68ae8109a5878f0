// Package locker is the card locker's cryptography: it seals card numbers
// (and network token numbers) with AES-256-GCM under rotatable keys, and
// derives the keyed card fingerprint and Payment Account Reference that let
// the rest of the service recognise a card without seeing its number.
//
// Keys come from the environment or, in a sandbox, from a generated file
// (see LoadKeys). Nothing in this package logs, and no error it returns
// contains a card number or key material.
package locker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
)

// NonceSize is the size of the random nonce that starts every ciphertext.
const NonceSize = 12

// ErrOpen is returned by Open when a ciphertext cannot be opened: it was
// sealed under another key or for another row, or it has been altered.
var ErrOpen = errors.New("locker: ciphertext does not authenticate (wrong key, wrong row or altered)")

// fingerprintEncoding is lowercase base32 ("0-9a-v") without padding.
var fingerprintEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// parEncoding is uppercase base32 ("A-Z2-7") without padding.
var parEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// PARPrefix starts every PAR the locker derives.
const PARPrefix = "5001"

// Locker seals and opens card data and derives card fingerprints. It is safe
// for concurrent use.
type Locker struct {
	active      string
	aeads       map[string]cipher.AEAD
	fingerprint []byte
	par         []byte
	signing     []byte
}

// New returns a Locker for the keys, after checking that every key is 32
// bytes, every key id is valid and the active key is present. The Locker
// keeps copies of the keys.
func New(k *Keys) (*Locker, error) {
	if k == nil {
		return nil, errors.New("locker: no keys")
	}
	if len(k.Encryption) == 0 {
		return nil, errors.New("locker: no encryption keys")
	}
	if _, ok := k.Encryption[k.Active]; !ok {
		return nil, fmt.Errorf("locker: the active key id %q is not among the encryption keys", k.Active)
	}
	l := &Locker{active: k.Active, aeads: make(map[string]cipher.AEAD, len(k.Encryption))}
	for id, key := range k.Encryption {
		if !ValidKeyID(id) {
			return nil, errors.New("locker: an encryption key id is not 1 to 32 characters of A-Z a-z 0-9 _ -")
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("locker: encryption key %q must be %d bytes, got %d", id, KeySize, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("locker: encryption key %q: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("locker: encryption key %q: %w", id, err)
		}
		l.aeads[id] = aead
	}
	if len(k.Fingerprint) != KeySize {
		return nil, fmt.Errorf("locker: the fingerprint key must be %d bytes, got %d", KeySize, len(k.Fingerprint))
	}
	if len(k.Signing) != KeySize {
		return nil, fmt.Errorf("locker: the signing key must be %d bytes, got %d", KeySize, len(k.Signing))
	}
	l.fingerprint = append([]byte(nil), k.Fingerprint...)
	l.signing = append([]byte(nil), k.Signing...)
	l.par = mac(l.fingerprint, []byte("par"))
	return l, nil
}

// String describes the locker without revealing its keys.
func (l *Locker) String() string {
	ids := make([]string, 0, len(l.aeads))
	for id := range l.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return fmt.Sprintf("locker.Locker{active: %q, key ids: %q}", l.active, ids)
}

// GoString is like String, for the %#v verb.
func (l *Locker) GoString() string { return l.String() }

// ActiveKeyID returns the id of the key that Seal uses.
func (l *Locker) ActiveKeyID() string { return l.active }

// Seal encrypts plaintext with AES-256-GCM under the active key and returns
// the ciphertext (a random 12-byte nonce, then the sealed data and its
// 16-byte tag) and the id of the key, to be stored alongside it.
//
// aad binds the ciphertext to its row: pass something that identifies the
// row, such as the card reference, and pass the same to Open, so that a
// ciphertext moved to another row fails to open.
func (l *Locker) Seal(plaintext, aad string) (ciphertext []byte, keyID string, err error) {
	aead := l.aeads[l.active]
	// Seal panics rather than return an error if the system's random number
	// generator fails, which crypto/rand guarantees it never does.
	return aead.Seal(nil, nil, []byte(plaintext), []byte(aad)), l.active, nil
}

// Open decrypts a ciphertext made by Seal under the key keyID with the same
// aad. An unknown key id is an error; a ciphertext that does not
// authenticate returns ErrOpen. Errors never reveal the contents.
func (l *Locker) Open(ciphertext []byte, keyID, aad string) (string, error) {
	aead, ok := l.aeads[keyID]
	if !ok {
		if !ValidKeyID(keyID) {
			return "", errors.New("locker: unknown encryption key id")
		}
		return "", fmt.Errorf("locker: unknown encryption key id %q", keyID)
	}
	if len(ciphertext) < aead.Overhead() { // nonce and tag
		return "", ErrOpen
	}
	plain, err := aead.Open(nil, nil, ciphertext, []byte(aad))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// Fingerprint returns the card's fingerprint: HMAC-SHA256 of the digits of
// pan (anything else is ignored) under the fingerprint key, its first 16
// bytes in lowercase base32 (0-9a-v) without padding: 26 characters such as
// "6uvve3h71mpgrr88848hr4vsat". It is equal for the same card number for
// every merchant and customer, and across rotation of the encryption keys.
func (l *Locker) Fingerprint(pan string) string {
	var buf [32]byte
	d := digits(buf[:0], pan)
	m := mac(l.fingerprint, d)
	clear(d)
	return fingerprintEncoding.EncodeToString(m[:16])
}

// PAR returns the card's Payment Account Reference as the sandbox network
// issues it: "5001" followed by 25 characters of A-Z and 2-7, 29 in all,
// derived from the digits of pan with a key derived from the fingerprint
// key. It is stable for the card and unrelated to its fingerprint.
func (l *Locker) PAR(pan string) string {
	var buf [32]byte
	d := digits(buf[:0], pan)
	m := mac(l.par, d)
	clear(d)
	return PARPrefix + parEncoding.EncodeToString(m[:16])[:25]
}

// SigningKey returns a copy of the key that signs capability tokens.
func (l *Locker) SigningKey() []byte {
	return append([]byte(nil), l.signing...)
}

// digits appends the ASCII digits of s to dst.
func digits(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			dst = append(dst, c)
		}
	}
	return dst
}

func mac(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}
