// Package jwetest builds JWE+JWS request bodies as merchants' clients do,
// including the malformed and forged ones tests send.
package jwetest

import (
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/jweauth"
)

// Body describes a request body.
type Body struct {
	Payload string
	// Signer signs the payload (RS256) under JWSKid; nil leaves it
	// unsigned.
	Signer *rsa.PrivateKey
	JWSKid string
	// EncryptTo is the key the content key is wrapped to (with Alg:
	// jose.RSA_OAEP, the Node SDK's, when empty), named JWEKid.
	EncryptTo *rsa.PublicKey
	JWEKid    string
	Alg       jose.KeyAlgorithm
	// Form is the serialization: the SDKs' JSON fields or {"JWT": …}.
	Form jweauth.Form
}

// Seal returns the body's JSON.
func Seal(t testing.TB, b Body) string {
	t.Helper()
	inner := b.Payload
	if b.Signer != nil {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: b.Signer, KeyID: b.JWSKid}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		jws, err := s.Sign([]byte(b.Payload))
		if err != nil {
			t.Fatal(err)
		}
		if inner, err = jws.CompactSerialize(); err != nil {
			t.Fatal(err)
		}
		if b.Form == jweauth.FormFields {
			p := strings.Split(inner, ".")
			j, _ := json.Marshal(map[string]string{"header": p[0], "payload": p[1], "signature": p[2]})
			inner = string(j)
		}
	}
	alg := b.Alg
	if alg == "" {
		alg = jose.RSA_OAEP
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: alg, Key: b.EncryptTo, KeyID: b.JWEKid},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	jwe, err := enc.Encrypt([]byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := jwe.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	if b.Form == jweauth.FormCompact {
		out, _ = json.Marshal(map[string]string{"JWT": compact})
	} else {
		p := strings.Split(compact, ".")
		out, _ = json.Marshal(map[string]string{"header": p[0], "encryptedKey": p[1], "iv": p[2], "encryptedPayload": p[3], "tag": p[4]})
	}
	return string(out)
}

// Tamper changes one character of the encrypted payload of a body in the
// JSON-fields form.
func Tamper(t testing.TB, body string) string {
	t.Helper()
	var f map[string]string
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	p := []byte(f["encryptedPayload"])
	if p[4] == 'A' {
		p[4] = 'B'
	} else {
		p[4] = 'A'
	}
	f["encryptedPayload"] = string(p)
	out, _ := json.Marshal(f)
	return string(out)
}
