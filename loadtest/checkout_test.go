package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestCheckoutMode runs the checkout mode briefly, with -strict: every
// checkout ends CHARGED with an ACTIVE token, no answer is a 5xx, every
// webhook event is delivered and the card appears nowhere. On PostgreSQL
// too when TEST_DATABASE_URL names one.
func TestCheckoutMode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	web, _ := filepath.Abs("../web") // the server looks for the frontend there
	t.Setenv("WEB_DIR", web)
	type setup struct {
		dbURL     string
		instances int
	}
	setups := map[string]setup{"sqlite": {"", 1}}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		setups["postgres"] = setup{u, 1}
		setups["postgres-2-instances"] = setup{u, 2} // and -strict: no webhook sent twice
	} else if os.Getenv("REQUIRE_POSTGRES") != "" {
		t.Fatal("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is empty")
	}
	for name, su := range setups {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "load.json")
			args := []string{"-checkout", "-c", "8", "-d", "1s", "-warmup", "0s", "-strict", "-json", file,
				"-instances", strconv.Itoa(su.instances)}
			if su.dbURL != "" {
				args = append(args, "-database-url", su.dbURL)
			}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s\n%s", err, stdout.Bytes(), stderr.Bytes())
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var rep report
			if err := json.Unmarshal(b, &rep); err != nil || rep.Checkout == nil {
				t.Fatalf("report: %v %s", err, b)
			}
			c := rep.Checkout
			if c.Instances != su.instances || c.Service.Checkouts == 0 || c.Service.Failed != 0 || c.Orders["CHARGED"] < c.Service.Checkouts ||
				c.Tokens["ACTIVE"] != c.Orders["CHARGED"] || c.Webhooks.Committed == 0 || c.Scan.Sources < 100 {
				t.Fatalf("figures:\n%s", stdout.Bytes())
			}
			for _, s := range c.Service.Steps {
				if s.Requests != c.Service.Checkouts+c.Service.Failed || s.P50ms <= 0 || s.P99ms < s.P50ms {
					t.Fatalf("step %s: %+v", s.Name, s)
				}
			}
			t.Logf("\n%s", stdout.Bytes())
		})
	}
}
