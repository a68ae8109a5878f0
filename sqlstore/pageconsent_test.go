package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestPageConsentOncePerDialog: a drop-in decision is recorded once per
// dialog shown (order, card, time shown): the same decision again returns
// the first record, another one is ECONFLICT, even when the posts race; a
// dialog shown later may decide anew.
func TestPageConsentOncePerDialog(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		shown := time.Unix(1_800_000_000, 0)
		decide := func(decision bool, at time.Time, last4 string) (*coft.PageConsent, error) {
			c := &coft.PageConsent{MerchantID: "a", OrderID: "o1", ISIN: "424242", Last4: last4, Brand: "VISA",
				Decision: decision, TextID: "tokenize-en-v1", Locale: "en", ShownAt: at}
			return c, db.RecordPageConsent(ctx, c)
		}
		// Eight posts of the same dialog at once: one record.
		ids := make([]string, 8)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := decide(true, shown, "4242")
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = c.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == "" {
				t.Fatalf("one dialog, several records: %v", ids)
			}
		}
		_, err := decide(false, shown, "4242")
		wantCode(t, err, coft.ECONFLICT)
		// Another card's dialog, or a dialog shown later: a new decision.
		for _, c := range []struct {
			at    time.Time
			last4 string
		}{{shown, "1111"}, {shown.Add(time.Second), "4242"}} {
			pc, err := decide(false, c.at, c.last4)
			if err != nil || pc.ID == ids[0] {
				t.Fatalf("%v: %v %v", c, pc, err)
			}
		}
		wantCode(t, db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: "nope", ShownAt: shown}), coft.ENOTFOUND)
	})
}
