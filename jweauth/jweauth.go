// Package jweauth opens and seals API bodies in the JWE+JWS form of
// Juspay's server-to-server authentication.
//
// A request body is a JWS (RS256, signed with the merchant's private key)
// over the JSON request, encrypted as a JWE (RSA-OAEP or RSA-OAEP-256 key
// wrapping, A256GCM content) to the service's public key; both carry the
// same kid. An answer is the same construction the other way round: signed
// with the service's key, encrypted to the merchant's (RSA-OAEP-256).
//
// Two serializations are in use, and an answer takes the one of its
// request:
//
//   - JSON fields, as the official SDKs send: the JWE is
//     {"header","encryptedKey","iv","encryptedPayload","tag"} (the five
//     parts of the compact form) and the JWS inside is
//     {"header","payload","signature"};
//   - compact, as Juspay's documentation shows: {"JWT": "<compact JWE>"}
//     with a compact JWS inside.
package jweauth

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Form is the serialization of a body.
type Form int

// The two serializations.
const (
	FormFields  Form = iota // {"header","encryptedKey","iv","encryptedPayload","tag"}
	FormCompact             // {"JWT": "a.b.c.d.e"}
)

// Request is an encrypted request body, parsed but not yet opened.
type Request struct {
	form Form
	jwe  *jose.JSONWebEncryption
	kid  string
}

// ErrNotJWE is returned by Parse for a body that is not in either form.
var ErrNotJWE = errors.New("jweauth: not a JWE body")

// fields is the JSON-fields form of a JWE.
type fields struct {
	Header           string `json:"header"`
	EncryptedKey     string `json:"encryptedKey"`
	IV               string `json:"iv"`
	EncryptedPayload string `json:"encryptedPayload"`
	Tag              string `json:"tag"`
}

// signedFields is the JSON-fields form of a JWS.
type signedFields struct {
	Header    string `json:"header"`
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
}

// IsJWE reports whether body looks like an encrypted request (in either
// form), so that a caller can tell it from a plain JSON request before
// parsing it.
func IsJWE(body []byte) bool {
	var probe struct {
		JWT          *string `json:"JWT"`
		EncryptedKey *string `json:"encryptedKey"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) ||
		!bytes.Contains(body, []byte(`"JWT"`)) && !bytes.Contains(body, []byte(`"encryptedKey"`)) || // most bodies stop here
		json.Unmarshal(body, &probe) != nil {
		return false
	}
	return probe.JWT != nil || probe.EncryptedKey != nil
}

// Parse reads an encrypted request body. Its errors describe what is
// malformed without repeating the body.
func Parse(body []byte) (*Request, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, ErrNotJWE
	}
	var compact string
	form := FormFields
	if jwt, ok := raw["JWT"]; ok {
		form = FormCompact
		if err := json.Unmarshal(jwt, &compact); err != nil {
			return nil, errors.New("jweauth: JWT must be a string")
		}
	} else {
		var f fields
		if err := json.Unmarshal(body, &f); err != nil {
			return nil, errors.New("jweauth: the JWE fields must be strings")
		}
		if f.Header == "" || f.EncryptedKey == "" || f.IV == "" || f.EncryptedPayload == "" || f.Tag == "" {
			return nil, errors.New("jweauth: header, encryptedKey, iv, encryptedPayload and tag are all required")
		}
		compact = strings.Join([]string{f.Header, f.EncryptedKey, f.IV, f.EncryptedPayload, f.Tag}, ".")
	}
	jwe, err := jose.ParseEncryptedCompact(compact,
		[]jose.KeyAlgorithm{jose.RSA_OAEP, jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("jweauth: the JWE is malformed or uses an algorithm other than RSA-OAEP(-256) and A256GCM")
	}
	if jwe.Header.KeyID == "" {
		return nil, errors.New("jweauth: the JWE header has no kid")
	}
	return &Request{form: form, jwe: jwe, kid: jwe.Header.KeyID}, nil
}

// KeyID is the kid of the request's JWE header.
func (r *Request) KeyID() string { return r.kid }

// Form is the request's serialization; its answer takes the same.
func (r *Request) Form() Form { return r.form }

// Open decrypts the request with the service's private key and verifies
// the JWS inside with the merchant's public key. The JWS must name the
// same kid as the JWE. It returns the signed payload: the JSON request.
func (r *Request) Open(service *rsa.PrivateKey, merchant *rsa.PublicKey) ([]byte, error) {
	inner, err := r.jwe.Decrypt(service)
	if err != nil {
		return nil, errors.New("jweauth: the JWE cannot be decrypted with this key id's key")
	}
	compact := string(inner)
	if r.form == FormFields {
		var s signedFields
		if err := json.Unmarshal(inner, &s); err != nil || s.Header == "" || s.Payload == "" || s.Signature == "" {
			return nil, errors.New("jweauth: the decrypted body is not a signed JWS {header, payload, signature}")
		}
		compact = s.Header + "." + s.Payload + "." + s.Signature
	}
	jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, errors.New("jweauth: the decrypted body is not a JWS signed with RS256")
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != r.kid {
		return nil, errors.New("jweauth: the JWS kid differs from the JWE kid")
	}
	payload, err := jws.Verify(merchant)
	if err != nil {
		return nil, errors.New("jweauth: the signature does not verify with this key id's public key")
	}
	return payload, nil
}

// Seal signs payload with the service's private key and encrypts it to the
// merchant's public key, in form, naming kid in both headers.
func Seal(payload []byte, form Form, kid string, service *rsa.PrivateKey, merchant *rsa.PublicKey) ([]byte, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: service, KeyID: kid}}, nil)
	if err != nil {
		return nil, err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return nil, err
	}
	inner, err := jws.CompactSerialize()
	if err != nil {
		return nil, err
	}
	if form == FormFields {
		p := strings.SplitN(inner, ".", 3)
		b, err := json.Marshal(signedFields{Header: p[0], Payload: p[1], Signature: p[2]})
		if err != nil {
			return nil, err
		}
		inner = string(b)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: merchant, KeyID: kid},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		return nil, err
	}
	jwe, err := enc.Encrypt([]byte(inner))
	if err != nil {
		return nil, err
	}
	compact, err := jwe.CompactSerialize()
	if err != nil {
		return nil, err
	}
	if form == FormCompact {
		return json.Marshal(map[string]string{"JWT": compact})
	}
	p := strings.SplitN(compact, ".", 5)
	return json.Marshal(fields{Header: p[0], EncryptedKey: p[1], IV: p[2], EncryptedPayload: p[3], Tag: p[4]})
}

// KeyBits is the size of the RSA keys GenerateKey makes; ParsePublicKey
// refuses smaller ones.
const KeyBits = 2048

// GenerateKey makes an RSA key pair.
func GenerateKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, KeyBits) }

// PrivateKeyPEM encodes a private key as PKCS #8 PEM ("PRIVATE KEY").
func PrivateKeyPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil { // only for keys of unknown types
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// PublicKeyPEM encodes a public key as PKIX PEM ("PUBLIC KEY").
func PublicKeyPEM(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// ParsePrivateKey reads an RSA private key from PEM, PKCS #8 or PKCS #1.
func ParsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block in the private key")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unexpected PEM block %q in the private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("the private key: %w", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the private key is not an RSA key")
	}
	return rk, nil
}

// ParsePublicKey reads an RSA public key of at least KeyBits bits from
// PEM: PKIX ("PUBLIC KEY"), PKCS #1 ("RSA PUBLIC KEY") or a certificate.
func ParsePublicKey(text string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block in the public key")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = c.PublicKey
		}
	default:
		return nil, fmt.Errorf("unexpected PEM block %q in the public key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("the public key: %w", err)
	}
	rk, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("the public key is not an RSA key")
	}
	if rk.N.BitLen() < KeyBits {
		return nil, fmt.Errorf("the public key has %d bits; at least %d are needed", rk.N.BitLen(), KeyBits)
	}
	return rk, nil
}
