package sqlstore

import (
	"context"
	"database/sql"

	"github.com/coftkit/coft"
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

// CountOutcomes counts outcomes as the writes that end dialogs do (the
// same rows, the same statements), many at once: the benchmarks' data.
func (db *DB) CountOutcomes(ctx context.Context, outcomes []coft.ConsentOutcome) error {
	rows := map[statsKey]*coft.ConsentCounts{}
	statsRows(rows, outcomes)
	return db.inTx(ctx, func(tx *dbTx) error { return db.addStats(ctx, tx, rows) })
}

// RawQuery reads the tables under the store.
func (db *DB) RawQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.rebind(query), args...)
}

// RecordOutcomes records outcomes as the writes that end dialogs do: rows
// of consent_outcomes, not yet added to the counts.
func (db *DB) RecordOutcomes(ctx context.Context, outcomes []coft.ConsentOutcome) error {
	return db.inTx(ctx, func(tx *dbTx) error {
		tx.outcomes = outcomes // inserted by runWrite, after this
		return nil
	})
}
