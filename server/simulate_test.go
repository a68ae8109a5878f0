package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestSandboxSimulate: sandbox simulate makes up checkouts' consent
// dialogs over the last days: counted in the merchant's stats, all marked
// simulated, none in the consent ledger.
func TestSandboxSimulate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir}
	if _, err := merchantsCmd(t, env, "create", "-id", "shop1"); err != nil {
		t.Fatal(err)
	}
	out, err := sandboxCmdRun(env, "simulate", "-merchant", "shop1", "-checkouts", "2500", "-days", "7", "-seed", "5")
	if err != nil || out["checkouts"] != 2500.0 || out["merchant_id"] != "shop1" {
		t.Fatalf("simulate = %v, %v", out, err)
	}
	for _, args := range [][]string{{"-checkouts", "0"}, {"-merchant", "ghost"}, {"-days", "0"}, {"extra"}} {
		if _, err := sandboxCmdRun(env, append([]string{"simulate"}, args...)...); err == nil {
			t.Errorf("simulate %v succeeded", args)
		}
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "coft.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	to := coft.StatsDay(time.Now()).AddDate(0, 0, 1)
	s, err := db.ConsentStats(ctx, "shop1", to.AddDate(0, 0, -9), to)
	if err != nil || s.Total.Shown() != 2500 || s.Total.Simulated != 2500 || s.Total.Accepted == 0 || s.Total.Abandoned == 0 {
		t.Fatalf("stats = %+v, %v", s.Total, err)
	}
	x, err := db.ExportLedger(ctx, "shop1", time.Time{}, time.Time{})
	if err != nil || len(x.Entries) != 0 {
		t.Fatalf("the ledger holds %d entries, %v", len(x.Entries), err)
	}
}
