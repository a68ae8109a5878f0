package sqlstore

import (
	"context"
	"database/sql"
)

// RawRow and RawExec reach the tables under the store, for tests that
// check what is stored, or change it as an attacker with the database
// would.
func (db *DB) RawRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.w.QueryRowContext(ctx, db.rebind(query), args...)
}

func (db *DB) RawExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, db.rebind(query), args...)
}

// RebuildConsentStats counts the consent dialogs again from the evidence,
// as the store does once after the migration that made the counts.
func (db *DB) RebuildConsentStats(ctx context.Context) error {
	return db.tx(ctx, func(tx *dbTx) error { return db.rebuildConsentStats(ctx, tx) })
}
