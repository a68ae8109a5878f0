package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

// countingPruner prunes from a backlog of events, recording each write.
type countingPruner struct {
	backlog int
	limits  []int
	before  time.Time
	err     error
}

func (p *countingPruner) PruneEvents(_ context.Context, before time.Time, limit int) (int, error) {
	p.limits, p.before = append(p.limits, limit), before
	n := min(limit, p.backlog)
	p.backlog -= n
	return n, p.err
}

// TestPruneEventsInBatches: the reconciler's pruning deletes in writes of
// pruneBatch events, stops when a write finds fewer, and leaves a larger
// backlog than pruneBatches writes for the next round.
func TestPruneEventsInBatches(t *testing.T) {
	ctx := context.Background()
	cutoff := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &countingPruner{backlog: 2*pruneBatch + 3}
	if n, err := pruneEvents(ctx, p, cutoff); err != nil || n != 2*pruneBatch+3 || len(p.limits) != 3 || !p.before.Equal(cutoff) {
		t.Fatalf("pruned %d, %v in %v writes, before %v", n, err, p.limits, p.before)
	}
	for _, l := range p.limits {
		if l != pruneBatch {
			t.Fatalf("a write of %d, want %d", l, pruneBatch)
		}
	}
	big := &countingPruner{backlog: (pruneBatches + 5) * pruneBatch}
	if n, _ := pruneEvents(ctx, big, cutoff); n != pruneBatches*pruneBatch || len(big.limits) != pruneBatches {
		t.Fatalf("a round pruned %d in %d writes", n, len(big.limits))
	}
	if n, _ := pruneEvents(ctx, big, cutoff); n != 5*pruneBatch {
		t.Fatalf("the next round pruned %d", n)
	}
	failing := &countingPruner{backlog: 10 * pruneBatch, err: errors.New("disk full")}
	if _, err := pruneEvents(ctx, failing, cutoff); err == nil || len(failing.limits) != 1 {
		t.Fatalf("a failed write: %v after %d writes", err, len(failing.limits))
	}
}
