package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestServerTimeouts: the HTTP server's timeouts default to 5s, 15s, 30s
// and 120s, are read from the environment, and bad values are refused.
func TestServerTimeouts(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.readHeaderTimeout != 5*time.Second || c.readTimeout != 15*time.Second || c.writeTimeout != 30*time.Second || c.idleTimeout != 120*time.Second {
		t.Fatalf("defaults: %v %v %v %v", c.readHeaderTimeout, c.readTimeout, c.writeTimeout, c.idleTimeout)
	}
	c, err = loadConfig(env(map[string]string{"READ_HEADER_TIMEOUT": "1s", "READ_TIMEOUT": "2s", "WRITE_TIMEOUT": "3s", "IDLE_TIMEOUT": "4s"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.readHeaderTimeout != time.Second || c.readTimeout != 2*time.Second || c.writeTimeout != 3*time.Second || c.idleTimeout != 4*time.Second {
		t.Fatalf("set: %v %v %v %v", c.readHeaderTimeout, c.readTimeout, c.writeTimeout, c.idleTimeout)
	}
	for _, bad := range []map[string]string{
		{"READ_HEADER_TIMEOUT": "0s"}, {"READ_TIMEOUT": "-1s"}, {"WRITE_TIMEOUT": "soon"}, {"IDLE_TIMEOUT": "5"},
		{"READ_HEADER_TIMEOUT": "20s"}, // longer than READ_TIMEOUT's 15s
	} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestCVVLessNetworksConfig: SANDBOX_CVV_LESS_NETWORKS names the sandbox
// networks whose tokens pay without a CVV; unset keeps the sandbox's
// default, "none" none.
func TestCVVLessNetworksConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SANDBOX_CVV_LESS_NETWORKS" {
				return v
			}
			return ""
		}
	}
	for v, want := range map[string][]string{"": nil, "none": {}, "visa, rupay": {"VISA", "RUPAY"}} {
		c, err := loadConfig(env(v))
		if err != nil || !slices.Equal(c.cvvLessNetworks, want) || (want == nil) != (c.cvvLessNetworks == nil) {
			t.Errorf("%q: %v, %v", v, c.cvvLessNetworks, err)
		}
	}
	if _, err := loadConfig(env("VISA,PAYPAL")); err == nil {
		t.Error("an unknown network accepted")
	}
}

// TestSecretFiles: a key may come from the file its NAME_FILE variable
// names (a mounted secret); the environment's own value wins, and other
// variables never read files.
func TestSecretFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "signing")
	if err := os.WriteFile(f, []byte("c2lnbmluZw==\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SIGNING_KEY_FILE": f, "LOCKER_KEY": "k1:env", "LOCKER_KEY_FILE": f, "ADDR_FILE": f}
	getenv := withSecretFiles(func(k string) string { return env[k] })
	if got := getenv("SIGNING_KEY"); got != "c2lnbmluZw==" {
		t.Errorf("SIGNING_KEY from its file = %q", got)
	}
	if got := getenv("LOCKER_KEY"); got != "k1:env" {
		t.Errorf("LOCKER_KEY = %q, want the environment's", got)
	}
	if got := getenv("ADDR"); got != "" {
		t.Errorf("ADDR read a file: %q", got)
	}
	env["CARD_JWE_KEY_FILE"] = filepath.Join(t.TempDir(), "missing")
	delete(env, "SIGNING_KEY_FILE")
	env["SIGNING_KEY"], env["FINGERPRINT_KEY"] = "x", "y"
	if err := checkSecrets(getenv); err == nil || !strings.Contains(err.Error(), "CARD_JWE_KEY_FILE") {
		t.Errorf("a missing key file: %v", err)
	}
}

// TestWebhookRetentionConfig: WEBHOOK_RETENTION defaults to 30 days, is
// read from the environment, and bad values are refused.
func TestWebhookRetentionConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "WEBHOOK_RETENTION" {
				return v
			}
			return ""
		}
	}
	if c, err := loadConfig(env("")); err != nil || c.webhookRetention != 30*24*time.Hour {
		t.Fatalf("default: %v, %v", c.webhookRetention, err)
	}
	if c, err := loadConfig(env("48h")); err != nil || c.webhookRetention != 48*time.Hour {
		t.Fatalf("48h: %v, %v", c.webhookRetention, err)
	}
	for _, bad := range []string{"0s", "-1h", "30d", "forever"} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
