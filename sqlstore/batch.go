package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// batcher groups concurrent write transactions into one SQLite
// transaction (group commit). SQLite has one writer at a time, and each
// commit appends every page it changed to the write-ahead log: concurrent
// payments change the same pages (the tables' and indexes' newest
// leaves), so one commit for many of them writes each page once. While
// one batch commits, the next one gathers.
//
// Each write runs under its own savepoint, in the order it arrived, and
// sees the writes before it: a write that fails (a duplicate order_id, a
// check of its own) is rolled back alone and returns its own error, as if
// it had run by itself. Its statements run detached from its caller's
// context: SQLite answers an interrupted statement inside a transaction by
// rolling back the whole transaction, the other writes' too.
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
	commits atomic.Int64 // batches committed, for the checkpointer
}

// write is one transaction's work waiting for its batch.
type write struct {
	fn   func(*dbTx) error
	done chan result   // the write's own result
	lead chan struct{} // closed when this caller must commit the next batch
}

// result is a write's outcome: its error, or the value it panicked with
// (raised again in its own caller's goroutine).
type result struct {
	err      error
	panicked any
}

// run runs fn in the next batch and returns its own result.
func (b *batcher) run(ctx context.Context, fn func(*dbTx) error) error {
	w := &write{fn: fn, done: make(chan result, 1), lead: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if b.running {
		b.mu.Unlock()
		select {
		case r := <-w.done:
			return r.get()
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
	return (<-w.done).get()
}

func (r result) get() error {
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// commit runs a batch in one transaction and delivers each write's result.
func (b *batcher) commit(ctx context.Context, batch []*write) {
	results := make([]result, len(batch))
	err := b.db.tx(ctx, func(tx *dbTx) error {
		tx.detached = true
		if len(batch) == 1 { // alone: its failure rolls back the transaction
			results[0] = call(batch[0].fn, tx)
			if results[0].panicked != nil {
				return fmt.Errorf("write panicked: %v", results[0].panicked)
			}
			return results[0].err
		}
		for i, w := range batch {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
				return err
			}
			if results[i] = call(w.fn, tx); results[i].err != nil || results[i].panicked != nil {
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
	if err == nil {
		b.commits.Add(1)
	}
	for i, w := range batch {
		r := results[i]
		if err != nil && r.err == nil && r.panicked == nil {
			r.err = err // the commit failed: so did every write in it
		}
		w.done <- r
	}
}

// call runs a write's fn, catching its panic for its own caller.
func call(fn func(*dbTx) error, tx *dbTx) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
		}
	}()
	r.err = runWrite(context.Background(), tx, fn) // tx is detached: ctx is the batch's
	return r
}
