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

// TestPruneEvents: events done with before the cutoff (delivered, failed
// for good, or without a URL) go with their attempts, a few per write;
// pending ones, recent ones, and consent evidence, drop-in decisions and
// withdrawals of consent stay, whatever their age.
func TestPruneEvents(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		// Each order's payment makes one TXN_CREATED event, left as named.
		type state struct {
			status string
			at     time.Time // delivered, or last due
			pruned bool
		}
		old, recent := now.Add(time.Hour), now.Add(40*24*time.Hour)
		cutoff := now.Add(30 * 24 * time.Hour)
		states := map[string]state{
			"delivered":       {coft.DeliveryDelivered, old, true},
			"delivered2":      {coft.DeliveryDelivered, old, true},
			"delivered3":      {coft.DeliveryDelivered, old, true},
			"failed":          {coft.DeliveryFailed, old, true},
			"nourl":           {coft.DeliveryNoURL, old, true},
			"pending":         {coft.DeliveryPending, old, false},
			"deliveredRecent": {coft.DeliveryDelivered, recent, false},
			"failedRecent":    {coft.DeliveryFailed, recent, false},
			"deliveredLate":   {coft.DeliveryDelivered, recent, false}, // due long ago, delivered recently
		}
		txns := map[string]*coft.Txn{}
		for id, st := range states {
			if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
				t.Fatal(err)
			}
			txn, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"), now.Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			txns[id] = txn
			es, err := db.ListEvents(ctx, "a", id, 10)
			if err != nil || len(es) != 1 {
				t.Fatalf("%s: %d events, %v", id, len(es), err)
			}
			e := es[0]
			e.Status, e.Attempts, e.Body = st.status, 2, []byte(`{}`)
			e.NextAttemptAt = st.at
			if id == "deliveredLate" {
				e.NextAttemptAt = old
			}
			if st.status == coft.DeliveryDelivered {
				e.DeliveredAt = st.at
			}
			for n := 1; n <= 2; n++ {
				if err := db.RecordDelivery(ctx, e, &coft.DeliveryAttempt{EventID: e.ID, N: n, At: st.at, URL: "https://m.example/hook"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Consent evidence of every kind, as old as the oldest events.
		if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: txns["delivered"].UUID, Decision: true,
			TextID: "tokenize-en-v1", Locale: "en", Channel: coft.ChannelHostedPage}); err != nil {
			t.Fatal(err)
		}
		page := &coft.PageConsent{MerchantID: "a", OrderID: "pending", ISIN: "424242", Last4: "4242", Brand: "VISA",
			Decision: true, TextID: "tokenize-en-v1", Locale: "en", ShownAt: now}
		if err := db.RecordPageConsent(ctx, page); err != nil {
			t.Fatal(err)
		}
		cust := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		card := newCard("a", cust.ID, "fpw")
		if err := db.SaveCard(ctx, card); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteCard(ctx, "a", card.Reference, &coft.Withdrawal{Channel: coft.ChannelManagementPage, ClientIP: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}

		now = now.Add(60 * 24 * time.Hour)
		total, writes := 0, 0
		for {
			n, err := db.PruneEvents(ctx, cutoff, 2)
			if err != nil {
				t.Fatal(err)
			}
			if n > 2 {
				t.Fatalf("one write pruned %d, limit 2", n)
			}
			total += n
			if writes++; n == 0 || writes > 10 {
				break
			}
		}
		if total != 5 {
			t.Errorf("pruned %d events, want 5", total)
		}
		for id, st := range states {
			es, err := db.ListEvents(ctx, "a", id, 10)
			if err != nil {
				t.Fatal(err)
			}
			if gone := len(es) == 0; gone != st.pruned {
				t.Errorf("%s (%s): pruned %v, want %v", id, st.status, gone, st.pruned)
				continue
			}
			if !st.pruned {
				if _, attempts, err := db.FindEvent(ctx, "a", es[0].ID); err != nil || len(attempts) != 2 {
					t.Errorf("%s: %d attempts kept, %v", id, len(attempts), err)
				}
			}
			if _, err := db.FindTxn(ctx, "a", txns[id].UUID); err != nil {
				t.Errorf("%s: its payment: %v", id, err)
			}
		}
		if cs, err := db.ListConsents(ctx, "a", txns["delivered"].UUID); err != nil || len(cs) != 1 {
			t.Errorf("consent evidence after pruning: %v, %v", cs, err)
		}
		if _, err := db.FindPageConsent(ctx, "a", page.ID); err != nil {
			t.Errorf("drop-in decision after pruning: %v", err)
		}
		if ws, err := db.ListWithdrawals(ctx, "a", cust.ID); err != nil || len(ws) != 1 {
			t.Errorf("withdrawals after pruning: %v, %v", ws, err)
		}
	})
}
