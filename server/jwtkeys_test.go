package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coftkit/coft/jweauth"
)

func TestJWTKeysCommand(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	if _, err := merchantsCmd(t, env, "create", "-id", "shop1"); err != nil {
		t.Fatal(err)
	}
	gen, err := merchantsCmd(t, env, "jwt-keys", "-id", "shop1", "-generate")
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := gen["key_id"].(string)
	priv, err := jweauth.ParsePrivateKey(gen["private_key"].(string))
	if !strings.HasPrefix(kid, "key_") || err != nil || !strings.Contains(gen["private_key"].(string), "BEGIN PRIVATE KEY") {
		t.Fatalf("generate: %v (%v)", gen, err)
	}
	if _, err := jweauth.ParsePublicKey(gen["public_key"].(string)); err != nil {
		t.Fatalf("generate: the service's public key: %v", err)
	}

	// A merchant's own public key.
	own, _ := jweauth.GenerateKey()
	file := filepath.Join(t.TempDir(), "merchant.pem")
	os.WriteFile(file, []byte(jweauth.PublicKeyPEM(&own.PublicKey)), 0o600)
	reg, err := merchantsCmd(t, env, "jwt-keys", "-id", "shop1", "-public-key", file)
	if err != nil || reg["private_key"] != nil || reg["public_key"] == gen["public_key"] || reg["key_id"] == kid {
		t.Fatalf("register: %v, %v", reg, err)
	}

	// Refusals change nothing.
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte(jweauth.PrivateKeyPEM(own)), 0o600)
	for _, args := range [][]string{
		{"-id", "shop1", "-public-key", bad},
		{"-id", "shop1", "-public-key", filepath.Join(t.TempDir(), "missing.pem")},
		{"-id", "ghost", "-generate"},
		{"-id", "shop1", "-generate", "-revoke", kid},
		{"-id", "shop1", "-revoke", "key_none"},
		{"-generate"},
	} {
		if out, err := merchantsCmd(t, env, append([]string{"jwt-keys"}, args...)...); err == nil {
			t.Fatalf("%v accepted: %v", args, out)
		}
	}

	list := func() []map[string]any {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"merchants", "jwt-keys", "-id", "shop1"}, func(k string) string { return env[k] }, &out, &out); err != nil {
			t.Fatal(err)
		}
		var ks []map[string]any
		if err := json.Unmarshal(out.Bytes(), &ks); err != nil {
			t.Fatalf("list: %q", out.String())
		}
		return ks
	}
	if ks := list(); len(ks) != 2 || ks[0]["key_id"] != kid || ks[0]["revoked_at"] != nil || ks[0]["private_key"] != nil {
		t.Fatalf("list: %v", ks)
	}
	rev, err := merchantsCmd(t, env, "jwt-keys", "-id", "shop1", "-revoke", kid)
	if err != nil || rev["revoked_at"] == nil {
		t.Fatalf("revoke: %v, %v", rev, err)
	}
	if ks := list(); ks[0]["revoked_at"] == nil || ks[1]["revoked_at"] != nil {
		t.Fatalf("list after revoke: %v", ks)
	}

	// Neither private key is kept in the clear: the merchant's is not kept
	// at all, the service's is sealed.
	files, _ := filepath.Glob(filepath.Join(env["DATA_DIR"], "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		der := jweauth.PrivateKeyPEM(priv)
		if bytes.Contains(b, []byte("PRIVATE KEY")) && !strings.HasSuffix(f, "card-jwe-key.pem") || bytes.Contains(b, []byte(der[40:100])) {
			t.Fatalf("%s holds a private key in the clear", f)
		}
	}
}
