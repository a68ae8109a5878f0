package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// backupCmd writes a consistent snapshot of the SQLite database while the
// service serves:
//
//	server backup -to FILE
//
// To restore, put FILE in an empty data directory as coft.db and start the
// service with DATA_DIR naming it (and the same keys). PostgreSQL is
// backed up with pg_dump or WAL archiving (docs/SECURITY.md).
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "the new file to write the snapshot to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("backup: -to FILE is required")
	}
	_, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintln(stdout, "Backed up to", *to)
	return nil
}
