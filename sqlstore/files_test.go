package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/coftkit/coft/sqlstore"
)

// TestFilesOwnerOnly: the SQLite database, its write-ahead log and its
// data directory are readable by the service's user only, including a
// database an older version created world-readable.
func TestFilesOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "coft.db")
	check := func(merchant string) {
		t.Helper()
		db, err := sqlstore.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mustMerchant(t, db, merchant) // a write: the write-ahead log exists
		for _, p := range []string{path, path + "-wal"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
			}
		}
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory: %v %v, want 0700", fi.Mode().Perm(), err)
		}
	}
	check("a")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	check("b")
}
