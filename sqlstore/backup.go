package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent snapshot of a SQLite database to path (a new
// file, mode 0600) while the service goes on serving: VACUUM INTO reads
// the database in one read transaction, so writes committed meanwhile are
// not in it and do not wait for it. The snapshot is a database file: to
// restore, put it in a new data directory as coft.db and start the
// service there. PostgreSQL is backed up with its own tools (pg_dump,
// WAL archiving).
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	defer failed(&err, "Backup", path)
	if db.dialect != SQLite {
		return errors.New("PostgreSQL is backed up with pg_dump or WAL archiving, not by the service")
	}
	// A new, empty file (VACUUM INTO writes into an empty one): never over
	// an existing file, and readable by the service's user only.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if _, err := db.r.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("VACUUM INTO: %w", err)
	}
	return os.Chmod(path, 0o600)
}
