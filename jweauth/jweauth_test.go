package jweauth_test

import (
	"crypto/rsa"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/jweauth"
	"github.com/coftkit/coft/jweauth/jwetest"
)

var (
	keysOnce          sync.Once
	service, merchant *rsa.PrivateKey
	other             *rsa.PrivateKey
	errKeys           error
)

// keys are three RSA keys shared by the tests: generating them takes a
// while.
func keys(t *testing.T) {
	keysOnce.Do(func() {
		for _, k := range []**rsa.PrivateKey{&service, &merchant, &other} {
			if *k, errKeys = jweauth.GenerateKey(); errKeys != nil {
				return
			}
		}
	})
	if errKeys != nil {
		t.Fatal(errKeys)
	}
}

// clientRequest builds a request as a merchant's client does: signed with
// signer, encrypted to encryptTo with alg, in form.
func clientRequest(t testing.TB, payload string, form jweauth.Form, alg jose.KeyAlgorithm, jweKid, jwsKid string,
	signer *rsa.PrivateKey, encryptTo *rsa.PublicKey) []byte {
	t.Helper()
	return []byte(jwetest.Seal(t, jwetest.Body{Payload: payload, Signer: signer, JWSKid: jwsKid,
		EncryptTo: encryptTo, JWEKid: jweKid, Alg: alg, Form: form}))
}

func TestOpenBothFormsAndAlgorithms(t *testing.T) {
	keys(t)
	const payload = `{"order_id":"o1","amount":"10.00"}`
	for _, form := range []jweauth.Form{jweauth.FormFields, jweauth.FormCompact} {
		for _, alg := range []jose.KeyAlgorithm{jose.RSA_OAEP, jose.RSA_OAEP_256} {
			body := clientRequest(t, payload, form, alg, "key_1", "key_1", merchant, &service.PublicKey)
			if !jweauth.IsJWE(body) {
				t.Fatalf("form %d: IsJWE false", form)
			}
			req, err := jweauth.Parse(body)
			if err != nil {
				t.Fatalf("form %d %s: %v", form, alg, err)
			}
			if req.KeyID() != "key_1" || req.Form() != form {
				t.Fatalf("kid %q form %d", req.KeyID(), req.Form())
			}
			got, err := req.Open(service, &merchant.PublicKey)
			if err != nil || string(got) != payload {
				t.Fatalf("form %d %s: %q, %v", form, alg, got, err)
			}
		}
	}
}

func TestOpenRefusals(t *testing.T) {
	keys(t)
	const payload = `{"order_id":"o1"}`
	good := clientRequest(t, payload, jweauth.FormFields, jose.RSA_OAEP, "key_1", "key_1", merchant, &service.PublicKey)
	tampered := []byte(jwetest.Tamper(t, string(good)))
	cases := []struct {
		name string
		body []byte
	}{
		{"a tampered payload", tampered},
		{"signed by another key", clientRequest(t, payload, jweauth.FormFields, jose.RSA_OAEP, "key_1", "key_1", other, &service.PublicKey)},
		{"encrypted to another key", clientRequest(t, payload, jweauth.FormFields, jose.RSA_OAEP, "key_1", "key_1", merchant, &other.PublicKey)},
		{"an unsigned inner body", clientRequest(t, payload, jweauth.FormFields, jose.RSA_OAEP, "key_1", "", nil, &service.PublicKey)},
		{"an unsigned inner body, compact", clientRequest(t, payload, jweauth.FormCompact, jose.RSA_OAEP, "key_1", "", nil, &service.PublicKey)},
		{"a JWS naming another kid", clientRequest(t, payload, jweauth.FormFields, jose.RSA_OAEP, "key_1", "key_2", merchant, &service.PublicKey)},
	}
	for _, c := range cases {
		req, err := jweauth.Parse(c.body)
		if err != nil {
			t.Fatalf("%s: refused at parse: %v", c.name, err)
		}
		if got, err := req.Open(service, &merchant.PublicKey); err == nil {
			t.Errorf("%s: opened: %s", c.name, got)
		}
	}
	for _, body := range []string{`{}`, `{"JWT": 5}`, `{"JWT": "a.b.c"}`, `{"header":"x"}`, `[]`, `{"order_id":"o1"}`,
		`{"JWT":"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiayJ9..aaaa.bbbb.cccc"}`} {
		if _, err := jweauth.Parse([]byte(body)); err == nil {
			t.Errorf("%s parsed", body)
		}
	}
	if jweauth.IsJWE([]byte(`{"order_id":"o1"}`)) || jweauth.IsJWE([]byte(`order_id=o1`)) {
		t.Error("plain bodies taken for JWE")
	}
}

func TestSealOpensForTheMerchant(t *testing.T) {
	keys(t)
	const payload = `{"status":"CHARGED"}`
	for _, form := range []jweauth.Form{jweauth.FormFields, jweauth.FormCompact} {
		body, err := jweauth.Seal([]byte(payload), form, "key_1", service, &merchant.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		// The answer is the request's construction the other way round:
		// the merchant opens it with its private key and the service's
		// public key.
		req, err := jweauth.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		if req.Form() != form {
			t.Fatalf("form %d answered as %d", form, req.Form())
		}
		got, err := req.Open(merchant, &service.PublicKey)
		if err != nil || string(got) != payload {
			t.Fatalf("%q, %v", got, err)
		}
		if _, err := req.Open(other, &service.PublicKey); err == nil {
			t.Fatal("another key opened the answer")
		}
	}
}

func TestKeysPEM(t *testing.T) {
	keys(t)
	priv, err := jweauth.ParsePrivateKey(jweauth.PrivateKeyPEM(merchant))
	if err != nil || !priv.Equal(merchant) {
		t.Fatalf("private key round trip: %v", err)
	}
	pub, err := jweauth.ParsePublicKey(jweauth.PublicKeyPEM(&merchant.PublicKey))
	if err != nil || !pub.Equal(&merchant.PublicKey) {
		t.Fatalf("public key round trip: %v", err)
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
		strings.Replace(jweauth.PrivateKeyPEM(merchant), "PRIVATE", "PUBLIC", 2)} {
		if _, err := jweauth.ParsePublicKey(bad); err == nil {
			t.Errorf("%.30q parsed as a public key", bad)
		}
	}
}

// BenchmarkOpen is the cost JWE+JWS adds to a request: an RSA-OAEP
// decryption, AES-GCM, and an RS256 verification.
func BenchmarkOpen(b *testing.B) {
	t := &testing.T{}
	keys(t)
	body := clientRequest(t, `{"order_id":"o1","options.add_full_gateway_response":"true"}`, jweauth.FormFields,
		jose.RSA_OAEP, "key_1", "key_1", merchant, &service.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		req, err := jweauth.Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := req.Open(service, &merchant.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeal is the cost JWE+JWS adds to an answer of the size of an
// order status: an RS256 signature, AES-GCM and an RSA-OAEP-256 encryption.
func BenchmarkSeal(b *testing.B) {
	t := &testing.T{}
	keys(t)
	payload := []byte(`{"status":"CHARGED","order_id":"o1",` + strings.Repeat(`"k":"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv",`, 80) + `"z":1}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jweauth.Seal(payload, jweauth.FormFields, "key_1", service, &merchant.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
}
