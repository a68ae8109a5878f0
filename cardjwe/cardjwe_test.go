package cardjwe_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coftkit/coft/cardjwe"
)

func TestSealOpen(t *testing.T) {
	k, err := cardjwe.Generate()
	if err != nil {
		t.Fatal(err)
	}
	card := []byte(`{"cardNumber":"4111111111111111","expMonth":"12","expYear":"2030"}`)
	for _, kid := range []string{k.ID(), ""} {
		jwe, err := cardjwe.Seal(k.Public(), kid, card)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(jwe, "4111") || strings.Count(jwe, ".") != 4 {
			t.Fatalf("not an opaque compact JWE: %s", jwe)
		}
		got, err := k.Open(jwe)
		if err != nil || string(got) != string(card) {
			t.Fatalf("Open = %q, %v", got, err)
		}
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	wrongKey, _ := cardjwe.Seal(&other.PublicKey, "", card)
	if _, err := k.Open(wrongKey); !errors.Is(err, cardjwe.ErrWrongKey) {
		t.Errorf("another key's JWE: %v", err)
	}
	wrongKid, _ := cardjwe.Seal(k.Public(), "someone-else", card)
	if _, err := k.Open(wrongKid); !errors.Is(err, cardjwe.ErrWrongKey) {
		t.Errorf("another kid: %v", err)
	}
	good, _ := cardjwe.Seal(k.Public(), k.ID(), card)
	parts := strings.Split(good, ".")
	parts[3] = strings.Repeat("A", len(parts[3])) // tampered ciphertext
	for name, bad := range map[string]string{
		"empty": "", "garbage": "not a jwe", "json": `{"a":1}`,
		"tampered": strings.Join(parts, "."), "too large": strings.Repeat("a", 20000),
	} {
		if _, err := k.Open(bad); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestLoadCreatesAndKeepsKey(t *testing.T) {
	dir := t.TempDir()
	a, err := cardjwe.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "card-jwe-key.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	b, err := cardjwe.Load(dir, "")
	if err != nil || b.ID() != a.ID() {
		t.Fatalf("reloaded key id %s, want %s (%v)", b.ID(), a.ID(), err)
	}
	pemText, _ := os.ReadFile(filepath.Join(dir, "card-jwe-key.pem"))
	c, err := cardjwe.Load(t.TempDir(), string(pemText))
	if err != nil || c.ID() != a.ID() {
		t.Fatalf("key from text: %v", err)
	}
	var set struct {
		Keys []struct{ Kid, Alg, Use, Kty, N, E string }
	}
	js, _ := a.JWKS()
	if err := json.Unmarshal(js, &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Kid != a.ID() ||
		set.Keys[0].Alg != "RSA-OAEP-256" || set.Keys[0].Use != "enc" || set.Keys[0].Kty != "RSA" || strings.Contains(string(js), `"d"`) {
		t.Fatalf("JWKS = %s (%v)", js, err)
	}
	if !strings.Contains(string(a.PublicPEM()), "BEGIN PUBLIC KEY") {
		t.Fatal("PublicPEM")
	}
	if _, err := cardjwe.Load(t.TempDir(), "not pem"); err == nil {
		t.Fatal("bad PEM accepted")
	}
}

// FuzzOpen: whatever arrives as cardData, Open returns an error or the
// plaintext of a JWE made for the key; it never panics.
func FuzzOpen(f *testing.F) {
	k, err := cardjwe.Generate()
	if err != nil {
		f.Fatal(err)
	}
	good, _ := cardjwe.Seal(k.Public(), k.ID(), []byte(`{"cardNumber":"4111111111111111"}`))
	f.Add(good)
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0....")
	f.Add(strings.Repeat(".", 5000))
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := k.Open(s)
		if err == nil && s != good && len(plain) == 0 {
			t.Fatalf("Open(%q) succeeded with nothing", s)
		}
	})
}
