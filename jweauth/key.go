package jweauth

import (
	"crypto/rsa"
	"fmt"
	"strings"

	"github.com/coftkit/coft"
)

// Locker seals and opens the service's private keys at rest (the card
// locker does: AES-256-GCM under rotating keys).
type Locker interface {
	Seal(plaintext, aad string) (ciphertext []byte, keyID string, err error)
	Open(ciphertext []byte, keyID, aad string) (string, error)
}

// Key is a JWT key ready for use.
type Key struct {
	ID         string
	MerchantID string
	Service    *rsa.PrivateKey // opens requests, signs answers
	Merchant   *rsa.PublicKey  // verifies requests, encrypts answers
}

// NewKey makes a key id for a merchant whose public key is merchantPub: a
// fresh service key pair, its private half sealed by lk. It returns the
// key to store and the service's private key (whose public half the
// merchant is given).
func NewKey(merchantID string, merchantPub *rsa.PublicKey, lk Locker) (*coft.JWTKey, error) {
	service, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	k := &coft.JWTKey{ID: coft.NewID("key_"), MerchantID: merchantID,
		MerchantPublicKey: PublicKeyPEM(merchantPub), ServicePublicKey: PublicKeyPEM(&service.PublicKey)}
	if k.ServiceKeySealed, k.ServiceKeyLocker, err = lk.Seal(PrivateKeyPEM(service), sealAAD(k.ID)); err != nil {
		return nil, err
	}
	return k, nil
}

// OpenKey unseals a stored key's service private key and parses its
// merchant public key.
func OpenKey(k *coft.JWTKey, lk Locker) (*Key, error) {
	pemText, err := lk.Open(k.ServiceKeySealed, k.ServiceKeyLocker, sealAAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("jweauth: opening the service key of %s: %w", k.ID, err)
	}
	service, err := ParsePrivateKey(pemText)
	if err != nil {
		return nil, fmt.Errorf("jweauth: %s: %w", k.ID, err)
	}
	merchant, err := ParsePublicKey(k.MerchantPublicKey)
	if err != nil {
		return nil, fmt.Errorf("jweauth: %s: %w", k.ID, err)
	}
	return &Key{ID: k.ID, MerchantID: k.MerchantID, Service: service, Merchant: merchant}, nil
}

// sealAAD binds a sealed service key to its key id: a sealed key copied to
// another id does not open.
func sealAAD(id string) string { return "jwt-key:" + id }

// Issue makes a merchant's new key id, ready to store. With merchantPEM
// empty the merchant's key pair is made here, and its private key (PKCS #8
// PEM) is returned to be handed over once and never kept; otherwise
// merchantPEM is the merchant's own RSA public key, refused (EINVALID,
// field public_key) when it is not one of KeyBits bits or more. The CLI
// and the console both issue keys through it.
func Issue(merchantID, merchantPEM string, lk Locker) (k *coft.JWTKey, merchantPrivate string, err error) {
	var pub *rsa.PublicKey
	if strings.TrimSpace(merchantPEM) == "" {
		priv, err := GenerateKey()
		if err != nil {
			return nil, "", err
		}
		merchantPrivate, pub = PrivateKeyPEM(priv), &priv.PublicKey
	} else if pub, err = ParsePublicKey(merchantPEM); err != nil {
		msg := err.Error()
		return nil, "", coft.Invalid("public_key", "%s%s.", strings.ToUpper(msg[:1]), msg[1:])
	}
	if k, err = NewKey(merchantID, pub, lk); err != nil {
		return nil, "", err
	}
	return k, merchantPrivate, nil
}
