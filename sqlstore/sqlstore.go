// Package sqlstore keeps the domain's data in SQLite or PostgreSQL through
// database/sql. The SQL is shared; the two dialects differ only in their
// migrations, placeholders and error codes.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/coftkit/coft"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. It implements the domain's store interfaces.
type DB struct {
	dialect Dialect
	// w is used for every write and for reads inside writes. For SQLite it
	// holds one connection, since SQLite has one writer at a time; r is a
	// pool of readers. For PostgreSQL both are the same pool.
	w, r *sql.DB
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Secrets seals merchants' response keys and webhook passwords at rest
	// (see merchant.go); nil keeps them as they are, for tests.
	Secrets Sealer

	stmts  sync.Map // (pool, query) → *sql.Stmt, see prepared
	nstmts atomic.Int64

	// batch groups concurrent writes into one commit (SQLite only; nil for
	// PostgreSQL, whose writers run side by side).
	batch *batcher
	// stopCheckpoints ends the SQLite checkpointer; see checkpoints.
	stopCheckpoints func()
	// ledgerKey signs the consent ledger's checkpoints; see ledger.go.
	ledgerKey ledgerSigner
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// prepared returns a cached prepared statement of query (with ?
// placeholders) on pool, sparing SQLite from parsing the query each time.
func (db *DB) prepared(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{pool, query}
	if s, ok := db.stmts.Load(k); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, db.rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(k, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	db.nstmts.Add(1)
	return s, nil
}

// queryRow runs a single-row read on the reader pool.
//
// On SQLite the read runs detached from ctx's cancellation once ctx is
// checked: a read by key takes microseconds, and a cancellable context
// costs more than that, since database/sql and the driver each start a
// goroutine per query to watch it (a quarter of a read's CPU time).
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.dialect == SQLite && ctx.Done() != nil {
		if ctx.Err() != nil {
			return db.r.QueryRowContext(ctx, query, args...) // not run: Scan returns ctx's error
		}
		ctx = context.WithoutCancel(ctx)
	}
	s, err := db.prepared(ctx, db.r, query)
	if err != nil {
		// Let the error surface from Scan, as QueryRow does.
		return db.r.QueryRowContext(ctx, db.rebind(query), args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// exec runs one statement as a write of its own (on SQLite, in the next
// batch of writes).
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.batch != nil {
		var res sql.Result
		err := db.inTx(ctx, func(tx *dbTx) error {
			var err error
			res, err = tx.ExecContext(ctx, query, args...)
			return err
		})
		return res, err
	}
	s, err := db.prepared(ctx, db.w, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// Open opens the database a URL names: "postgres://…" or "postgresql://…"
// for PostgreSQL, anything else a SQLite file path (with an optional
// "sqlite://" or "file:" prefix). It applies pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return OpenPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	return OpenSQLite(ctx, path)
}

// ownerOnly creates the database file readable and writable by its owner
// only, or makes an existing one so (with its -wal and -shm files).
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// OpenSQLite opens (creating if needed) a SQLite database file, with WAL,
// a busy timeout and foreign keys on, and applies pending migrations.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	// The database holds merchants' response keys and webhook passwords:
	// only the service's user may read it. SQLite gives the write-ahead
	// log and shared-memory files the database file's mode.
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(ON)",
		"mmap_size(268435456)", "cache_size(-16000)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	// The writer does not checkpoint the write-ahead log itself (it holds
	// every write meanwhile): the checkpointer does, beside it.
	wq := url.Values{"_pragma": append(q["_pragma"], "wal_autocheckpoint(0)"), "_time_format": q["_time_format"]}
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxLifetime(0)
	db := &DB{dialect: SQLite, w: w, r: r, Now: time.Now}
	db.batch = &batcher{db: db}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.growLedgerTrees(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.runStoreTasks(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.stopCheckpoints = db.checkpoints()
	return db, nil
}

// checkpoints copies committed writes from SQLite's write-ahead log into
// the database file, every 100 ms while there are writes, from a reader
// connection: off the writer's path, and without waiting for readers
// (PASSIVE). It returns the function that stops it.
func (db *DB) checkpoints() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		seen := db.batch.commits.Load()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if n := db.batch.commits.Load(); n != seen {
				seen = n
				db.r.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)") // a failure is retried on the next tick
			}
		}
	}()
	return func() { cancel(); <-done }
}

// OpenPostgres connects to PostgreSQL and applies pending migrations.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p.SetMaxOpenConns(16)
	p.SetMaxIdleConns(16)
	p.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{dialect: Postgres, w: p, r: p, Now: time.Now}
	if err := db.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		p.Close()
		return nil, err
	}
	if err := db.growLedgerTrees(ctx); err != nil {
		p.Close()
		return nil, err
	}
	if err := db.runStoreTasks(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// now returns the current time in UTC, truncated to microseconds, the
// precision both databases keep.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// rebind turns ? placeholders into $1, $2, … for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// forUpdate is the row-locking suffix of a SELECT inside a write
// transaction. SQLite needs none: its write transactions are exclusive.
func (db *DB) forUpdate() string {
	if db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// inTx runs fn in a write transaction, committing if it returns nil. On
// SQLite, concurrent ones share a commit (see batcher).
func (db *DB) inTx(ctx context.Context, fn func(*dbTx) error) error {
	if db.batch != nil {
		return db.batch.run(ctx, fn)
	}
	return db.tx(ctx, fn)
}

// tx runs fn in a write transaction of its own.
func (db *DB) tx(ctx context.Context, fn func(*dbTx) error) error {
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &dbTx{Tx: sqlTx, db: db, pool: db.w}
	defer tx.end(ctx)
	if err := runWrite(ctx, tx, fn); err != nil {
		return err
	}
	return tx.Commit()
}

// maxStmts bounds the prepared statements kept (queries built with a
// variable number of placeholders are distinct statements).
const maxStmts = 512

// dbTx is a transaction whose statements SQLite parses once: a query run
// before is run from its statement prepared on pool, which the
// transaction's connection keeps; a query new to the pool runs unprepared
// and is prepared once the transaction has ended (preparing on the writer
// pool needs the one connection the transaction holds). The same query
// must not run again while its rows are still open. PostgreSQL's driver
// keeps its own statement cache.
type dbTx struct {
	*sql.Tx
	db     *DB
	pool   *sql.DB
	missed []string
	// detached runs statements without their callers' cancellation (a
	// batch's transaction is not one caller's).
	detached bool
	// ledger holds the consent ledger records of the running write, chained
	// when it succeeds (see runWrite).
	ledger []*coft.LedgerRecord
	// outcomes holds the consent dialogs the running write ended, counted
	// when it succeeds (see runWrite, stats.go).
	outcomes []coft.ConsentOutcome
}

func (t *dbTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.db.dialect != SQLite {
		return nil
	}
	if s, ok := t.db.stmts.Load(stmtKey{t.pool, query}); ok {
		return t.Tx.StmtContext(ctx, s.(*sql.Stmt))
	}
	t.missed = append(t.missed, query)
	return nil
}

func (t *dbTx) ctx(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *dbTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *dbTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *dbTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// end rolls back if the transaction is still open, then prepares the
// queries it ran unprepared, for the transactions after it.
func (t *dbTx) end(ctx context.Context) {
	t.Tx.Rollback()
	for _, q := range t.missed {
		if t.db.nstmts.Load() >= maxStmts {
			return
		}
		if _, err := t.db.prepared(context.WithoutCancel(ctx), t.pool, q); err != nil {
			return // it runs unprepared next time too
		}
	}
}

// migrate applies the embedded migrations not yet recorded, in name order,
// each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/" + string(db.dialect)
	names, err := MigrationNames(db.dialect)
	if err != nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		err := db.tx(ctx, func(tx *dbTx) error {
			if db.dialect == Postgres {
				// Instances starting together take turns.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7201)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := fs.ReadFile(migrations, dir+"/"+name)
			if err != nil {
				return err
			}
			if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil { // several statements: not one to prepare
				return err
			}
			_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

// MigrationNames lists a dialect's migration files in the order they apply.
func MigrationNames(d Dialect) ([]string, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(d))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// mapError turns driver errors into domain errors: no rows into ENOTFOUND
// (with notFound as the message) and unique violations into ECONFLICT on
// field conflictField. Other errors are returned as they are.
func mapError(err error, notFound, conflictField string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return coft.Errorf(coft.ENOTFOUND, "%s", notFound)
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return coft.FieldError(coft.ECONFLICT, conflictField, "%s already exists.", conflictField)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return coft.FieldError(coft.ECONFLICT, conflictField, "%s already exists.", conflictField)
	}
	return err
}

// failed wraps a storage failure with the operation that met it and what
// it was about, e.g. FindTxn("m1", "9f2c…"): the error is logged once, by
// whoever answers it, with that detail. The domain's errors (not found, a
// conflict) pass unchanged: they are answers, not failures.
func failed(err *error, op string, args ...string) {
	if *err == nil {
		return
	}
	var e *coft.Error
	if errors.As(*err, &e) {
		return
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	*err = fmt.Errorf("%s(%s): %w", op, strings.Join(quoted, ", "), *err)
}
