// Package sqltest opens fresh databases for tests: SQLite always, and
// PostgreSQL when TEST_DATABASE_URL names a server.
package sqltest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// Dialects lists the dialects tests run against.
var Dialects = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres}

// MustOpenDB opens a fresh database for a test: a SQLite file in a
// temporary directory, or a new schema in the PostgreSQL database that
// TEST_DATABASE_URL names, dropped when the test ends. Without
// TEST_DATABASE_URL the PostgreSQL case is skipped, unless REQUIRE_POSTGRES
// is set (CI sets it), in which case it fails.
func MustOpenDB(tb testing.TB, dialect sqlstore.Dialect) *sqlstore.DB {
	tb.Helper()
	return MustOpenDBs(tb, dialect, 1)[0]
}

// MustOpenDBs opens n handles on one fresh database, as n instances of
// the service would: the same SQLite file, or the same PostgreSQL schema.
func MustOpenDBs(tb testing.TB, dialect sqlstore.Dialect, n int) []*sqlstore.DB {
	tb.Helper()
	var dbs []*sqlstore.DB
	ctx := context.Background()
	if dialect == sqlstore.SQLite {
		path := tb.TempDir() + "/test.db"
		for range n {
			db, err := sqlstore.OpenSQLite(ctx, path)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		return dbs
	}
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("REQUIRE_POSTGRES") != "" {
			tb.Fatal("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is empty")
		}
		tb.Skip("TEST_DATABASE_URL is not set; PostgreSQL case skipped")
	}
	schema := "t_" + coft.RandomHex(6)
	admin, err := sql.Open("pgx", url)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("PostgreSQL at TEST_DATABASE_URL: %v", err)
	}
	tb.Cleanup(func() {
		if a, err := sql.Open("pgx", url); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for range n {
		db, err := sqlstore.OpenPostgres(ctx, url+sep+"search_path="+schema)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}
