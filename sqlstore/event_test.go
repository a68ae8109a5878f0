package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

func eventNames(t *testing.T, db *sqlstore.DB, merchant, order string) []string {
	t.Helper()
	es, err := db.ListEvents(context.Background(), merchant, order, 100)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := len(es) - 1; i >= 0; i-- {
		names = append(names, es[i].Name)
	}
	return names
}

// TestEventsWithTheirChange: events are written by the change that causes
// them, in its transaction: an aborted change leaves none.
func TestEventsWithTheirChange(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		txn, _, err := db.StartTxn(ctx, newTxn("a", "o1", "fp"), time.Now().Add(-time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := eventNames(t, db, "a", "o1"); len(got) != 1 || got[0] != coft.EventTxnCreated {
			t.Fatalf("after StartTxn: %v", got)
		}
		_, err = db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error {
			t.Status, t.CardDone = coft.StatusCharged, true
			return coft.Errorf(coft.ECONFLICT, "abort")
		})
		wantCode(t, err, coft.ECONFLICT)
		if got := eventNames(t, db, "a", "o1"); len(got) != 1 {
			t.Fatalf("an aborted change left events: %v", got)
		}
		// Charged, but the card work is not done: not announced yet.
		if _, err := db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error { t.Status = coft.StatusCharged; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := eventNames(t, db, "a", "o1"); len(got) != 1 {
			t.Fatalf("charge announced before its card work: %v", got)
		}
		if _, err := db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error { t.CardDone = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error { t.TokenError = "x"; return nil }); err != nil {
			t.Fatal(err)
		}
		got := eventNames(t, db, "a", "o1")
		if len(got) != 3 || got[1] != coft.EventTxnCharged || got[2] != coft.EventOrderSucceeded {
			t.Fatalf("after the card work: %v", got)
		}
	})
}

// TestClaimEventsConcurrently: workers claiming at the same time never get
// the same event.
func TestClaimEventsConcurrently(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		const n = 120
		for i := range n {
			o := newOrder("a", "c"+string(rune('A'+i/26))+string(rune('a'+i%26)))
			if err := db.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.StartTxn(ctx, newTxn("a", o.OrderID, "fp"), time.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					es, err := db.ClaimEvents(ctx, time.Now(), time.Minute, 7, 7, nil)
					if err != nil {
						t.Error(err)
						return
					}
					if len(es) == 0 {
						return
					}
					mu.Lock()
					for _, e := range es {
						seen[e.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("claimed %d distinct events, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("event %s claimed %d times", id, c)
			}
		}
		// A lease that ran out makes the event claimable again.
		later, err := db.ClaimEvents(ctx, time.Now().Add(2*time.Minute), time.Minute, 1000, 1000, []string{"x", "y"})
		if err != nil || len(later) != n {
			t.Fatalf("after the leases: %d, %v", len(later), err)
		}
		// Skipped merchants.
		mustMerchant(t, db, "b")
		for i := range 5 {
			o := newOrder("b", "b"+string(rune('a'+i)))
			if err := db.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.StartTxn(ctx, newTxn("b", o.OrderID, "fp"), time.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
		skipped, err := db.ClaimEvents(ctx, time.Now().Add(4*time.Minute), time.Minute, 1000, 1000, []string{"a"})
		if err != nil || len(skipped) != 5 || skipped[0].MerchantID != "b" {
			t.Fatalf("claim skipping a: %d, %v", len(skipped), err)
		}
		// At most perMerchant of each merchant, the oldest due of each.
		capped, err := db.ClaimEvents(ctx, time.Now().Add(6*time.Minute), time.Minute, 1000, 3, nil)
		per := map[string]int{}
		for _, e := range capped {
			per[e.MerchantID]++
		}
		if err != nil || len(capped) != 6 || per["a"] != 3 || per["b"] != 3 {
			t.Fatalf("claim of 3 per merchant: %v, %v", per, err)
		}
		for _, e := range capped {
			if e.MerchantID == "b" && e.OrderID > "bc" {
				t.Fatalf("claimed %s before an older event of b", e.OrderID)
			}
		}
	})
}
