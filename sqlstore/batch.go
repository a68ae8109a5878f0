package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// batcher groups concurrent writes into one SQLite transaction (group
// commit). SQLite has one writer at a time and each commit appends to the
// write-ahead log, which costs more than a small insert; so while one
// batch commits, the next one gathers. Each write runs under its own
// savepoint, so a refused write (a duplicate order_id, say) fails alone.
//
// Leadership passes from caller to caller: the caller that finds no batch
// running commits the pending writes, then hands the lead to the oldest
// write still pending, and returns. No caller waits for more than the
// batch it is in and the one before it.
type batcher struct {
	db      *DB
	mu      sync.Mutex
	pending []*write
	running bool
}

// write is one statement waiting for its batch.
type write struct {
	query string // with ? placeholders
	args  []any
	done  chan error    // the write's own result
	lead  chan struct{} // closed when this caller must commit the next batch
}

// exec runs query in the next batch and returns its own result.
func (b *batcher) exec(ctx context.Context, query string, args ...any) error {
	w := &write{query: query, args: args, done: make(chan error, 1), lead: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if b.running {
		b.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
		}
	} else {
		b.running = true
		b.mu.Unlock()
	}

	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	b.commit(context.WithoutCancel(ctx), batch)

	b.mu.Lock()
	if len(b.pending) > 0 {
		close(b.pending[0].lead)
	} else {
		b.running = false
	}
	b.mu.Unlock()
	return <-w.done
}

// commit runs a batch in one transaction and delivers each write's result.
func (b *batcher) commit(ctx context.Context, batch []*write) {
	results := make([]error, len(batch))
	// Prepare first: the writer pool's one connection is the transaction's.
	stmts := make([]*sql.Stmt, len(batch))
	for i, w := range batch {
		var err error
		if stmts[i], err = b.db.prepared(ctx, b.db.w, w.query); err != nil {
			for _, w := range batch {
				w.done <- err
			}
			return
		}
	}
	err := b.db.inTx(ctx, func(tx *dbTx) error {
		for i, w := range batch {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
				return err
			}
			if _, results[i] = tx.StmtContext(ctx, stmts[i]).ExecContext(ctx, w.args...); results[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
				return err
			}
		}
		return nil
	})
	for i, w := range batch {
		if err != nil {
			w.done <- err
		} else {
			w.done <- results[i]
		}
	}
}
