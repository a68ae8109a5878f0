// Package cardjwe opens card data that merchants encrypt to the service's
// published RSA key: JWE compact serialization with RSA-OAEP-256 key
// wrapping and A128GCM content encryption, as the Alt ID API expects.
package cardjwe

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/jweauth"
)

// Key is the service's card-data decryption key.
type Key struct {
	priv *rsa.PrivateKey
	id   string // RFC 7638 thumbprint, base64url
}

// New wraps an RSA private key of at least 2048 bits.
func New(priv *rsa.PrivateKey) (*Key, error) {
	if priv.N.BitLen() < 2048 {
		return nil, errors.New("cardjwe: the RSA key must have at least 2048 bits")
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &Key{priv: priv, id: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// Generate creates a new 2048-bit key.
func Generate() (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return New(priv)
}

// Load reads the key from the PEM in pemText when it is not empty, else
// from dataDir/card-jwe-key.pem, creating that file (mode 0600) on first
// use.
func Load(dataDir, pemText string) (*Key, error) {
	if pemText != "" {
		return parsePEM([]byte(pemText))
	}
	path := filepath.Join(dataDir, "card-jwe-key.pem")
	data, err := os.ReadFile(path)
	if err == nil {
		return parsePEM(data)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := Generate()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another instance won the race
		return Load(dataDir, "")
	} else if err != nil {
		return nil, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

func parsePEM(data []byte) (*Key, error) {
	priv, err := jweauth.ParsePrivateKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("cardjwe: %w", err)
	}
	return New(priv)
}

// ID is the key's id (kid): its RFC 7638 SHA-256 thumbprint.
func (k *Key) ID() string { return k.id }

// Public returns the public key.
func (k *Key) Public() *rsa.PublicKey { return &k.priv.PublicKey }

// JWKS returns the public key as a JSON Web Key Set, for merchants to
// encrypt card data with.
func (k *Key) JWKS() ([]byte, error) {
	return json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &k.priv.PublicKey, KeyID: k.id, Algorithm: string(jose.RSA_OAEP_256), Use: "enc"}}})
}

// PublicPEM returns the public key in PEM, for clients that want a file.
func (k *Key) PublicPEM() []byte {
	der, _ := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Errors Open returns. Neither says anything about the plaintext.
var (
	ErrMalformed = errors.New("not a JWE in compact serialization with alg RSA-OAEP-256 and enc A128GCM")
	ErrWrongKey  = errors.New("the JWE was not encrypted to this service's key")
)

// Open decrypts a compact JWE encrypted to the key. A kid in the header,
// when present, must be the key's.
func (k *Key) Open(compact string) ([]byte, error) {
	if len(compact) > 16<<10 {
		return nil, ErrMalformed
	}
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A128GCM})
	if err != nil {
		return nil, ErrMalformed
	}
	if kid := obj.Header.KeyID; kid != "" && kid != k.id {
		return nil, ErrWrongKey
	}
	plain, err := obj.Decrypt(k.priv)
	if err != nil {
		return nil, ErrWrongKey
	}
	return plain, nil
}

// Seal encrypts plaintext to a public key as Open expects. Merchants'
// clients do this; the service's tests and examples use it too.
func Seal(pub *rsa.PublicKey, kid string, plaintext []byte) (string, error) {
	opts := (&jose.EncrypterOptions{}).WithContentType("JWE")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub}, opts)
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
