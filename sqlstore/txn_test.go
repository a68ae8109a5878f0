package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

func newTxn(merchant, order, fp string) *coft.Txn {
	return &coft.Txn{UUID: coft.RandomHex(16), MerchantID: merchant, OrderID: order, Status: coft.StatusPendingVBV,
		Fingerprint: fp, ISIN: "424242", Last4: "4242", ExpMonth: "12", ExpYear: "2031", Brand: coft.BrandVisa,
		PANCiphertext: []byte{1}, KeyID: "k1", ConsentAsked: true}
}

func TestTxns(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		long := time.Now().Add(-time.Hour)
		t1, reused, err := db.StartTxn(ctx, newTxn("a", "o1", "fp1"), long, nil)
		if err != nil || reused || t1.ID != "a-o1-1" || t1.Amount != 10050 {
			t.Fatalf("first attempt = %+v, %v, %v", t1, reused, err)
		}
		if o, _ := db.FindOrder(ctx, "a", "o1"); o.Status != coft.StatusPendingVBV {
			t.Fatalf("order status = %s", o.Status)
		}
		// The same card again, before the bank step, is the same attempt.
		again, reused, err := db.StartTxn(ctx, newTxn("a", "o1", "fp1"), long, nil)
		if err != nil || !reused || again.UUID != t1.UUID {
			t.Fatalf("retry = %+v, %v, %v", again, reused, err)
		}
		// Outside the window it is a new attempt.
		if _, reused, _ := db.StartTxn(ctx, newTxn("a", "o1", "fp1"), time.Now().Add(time.Hour), nil); reused {
			t.Fatal("attempt reused outside the window")
		}
		yes := true
		declared := &coft.Consent{Decision: true, Channel: coft.ChannelMerchantDeclared, ClientIP: "10.0.0.1"}
		t2tx := newTxn("a", "o1", "fp2")
		t2tx.Consent, t2tx.Tokenize, t2tx.ConsentAsked = &yes, coft.TokenizeTrue, false
		t2, _, err := db.StartTxn(ctx, t2tx, long, declared)
		if err != nil || t2.Attempt != 3 || t2.Consent == nil || !*t2.Consent {
			t.Fatalf("third attempt = %+v, %v", t2, err)
		}
		if cs, _ := db.ListConsents(ctx, "a", t2.UUID); len(cs) != 1 || cs[0].Channel != coft.ChannelMerchantDeclared || cs[0].Fingerprint != "fp2" {
			t.Fatalf("declared consent = %v", cs)
		}
		_, err = db.FindTxn(ctx, "b", t1.UUID)
		wantCode(t, err, coft.ENOTFOUND)

		// Consent: recorded once, same answer harmless, other answer refused.
		shown := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c := &coft.Consent{MerchantID: "a", TxnUUID: t1.UUID, Decision: true, TextID: "tokenize-en-v1", Locale: "en",
			Channel: coft.ChannelHostedPage, ClientIP: "203.0.113.9", UserAgent: "test", ShownAt: shown}
		got, err := db.RecordConsent(ctx, c)
		if err != nil || got.Consent == nil || !*got.Consent {
			t.Fatalf("RecordConsent = %+v, %v", got, err)
		}
		if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t1.UUID, Decision: true, Channel: coft.ChannelHostedPage, TextID: "x", Locale: "en"}); err != nil {
			t.Fatalf("same decision again: %v", err)
		}
		_, err = db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t1.UUID, Decision: false, Channel: coft.ChannelHostedPage, TextID: "x", Locale: "en"})
		wantCode(t, err, coft.ECONFLICT)
		_, err = db.RecordConsent(ctx, &coft.Consent{MerchantID: "b", TxnUUID: t1.UUID, Decision: false, Channel: coft.ChannelHostedPage})
		wantCode(t, err, coft.ENOTFOUND)
		cs, err := db.ListConsents(ctx, "a", t1.UUID)
		if err != nil || len(cs) != 1 || cs[0].ClientIP != "203.0.113.9" || !cs[0].ShownAt.Equal(shown) || cs[0].TextID != "tokenize-en-v1" {
			t.Fatalf("evidence = %+v, %v", cs, err)
		}

		// After the bank step starts, no decision can be recorded.
		t4, _, _ := db.StartTxn(ctx, newTxn("a", "o1", "fp4"), long, nil)
		if _, err := db.UpdateTxn(ctx, "a", t4.UUID, func(t *coft.Txn) error { t.AuthStarted = true; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: t4.UUID, Decision: true, Channel: coft.ChannelHostedPage, TextID: "x", Locale: "en"})
		wantCode(t, err, coft.ECONFLICT)

		// A charged attempt makes the order CHARGED, and the order takes no more attempts.
		done, err := db.UpdateTxn(ctx, "a", t1.UUID, func(t *coft.Txn) error {
			t.Status, t.PANCiphertext = coft.StatusCharged, nil
			return nil
		})
		if err != nil || done.PANCiphertext != nil {
			t.Fatalf("UpdateTxn = %+v, %v", done, err)
		}
		if _, err := db.UpdateTxn(ctx, "a", t4.UUID, func(t *coft.Txn) error { t.Status = coft.StatusAuthenticationFailed; return nil }); err != nil {
			t.Fatal(err)
		}
		if o, _ := db.FindOrder(ctx, "a", "o1"); o.Status != coft.StatusCharged {
			t.Fatalf("order status = %s, want CHARGED", o.Status)
		}
		// The order reports its charged attempt, not the later failure.
		o, reported, err := db.FindOrderStatus(ctx, "a", "o1")
		if err != nil || o.Status != coft.StatusCharged || reported == nil || reported.UUID != t1.UUID || reported.Consent == nil || !*reported.Consent {
			t.Fatalf("FindOrderStatus = %+v, %+v, %v", o, reported, err)
		}
		if err := db.CreateOrder(ctx, newOrder("a", "bare")); err != nil {
			t.Fatal(err)
		}
		if o, reported, err := db.FindOrderStatus(ctx, "a", "bare"); err != nil || o.OrderID != "bare" || reported != nil {
			t.Fatalf("order without attempts: %+v, %+v, %v", o, reported, err)
		}
		_, _, err = db.FindOrderStatus(ctx, "b", "o1")
		wantCode(t, err, coft.ENOTFOUND)
		// Without a charge, the latest attempt.
		if err := db.CreateOrder(ctx, newOrder("a", "o2")); err != nil {
			t.Fatal(err)
		}
		db.StartTxn(ctx, newTxn("a", "o2", "x1"), long, nil)
		last, _, _ := db.StartTxn(ctx, newTxn("a", "o2", "x2"), long, nil)
		if _, reported, _ := db.FindOrderStatus(ctx, "a", "o2"); reported == nil || reported.UUID != last.UUID {
			t.Fatalf("latest attempt not reported: %+v", reported)
		}
		_, _, err = db.StartTxn(ctx, newTxn("a", "o1", "fp9"), long, nil)
		wantCode(t, err, coft.ECONFLICT)
		_, _, err = db.StartTxn(ctx, newTxn("a", "nope", "fp9"), long, nil)
		wantCode(t, err, coft.ENOTFOUND)
	})
}

func TestOrderStatusOf(t *testing.T) {
	for _, tc := range []struct {
		in   []coft.OrderStatus
		want coft.OrderStatus
	}{
		{nil, coft.StatusNew},
		{[]coft.OrderStatus{coft.StatusAuthenticationFailed}, coft.StatusAuthenticationFailed},
		{[]coft.OrderStatus{coft.StatusPendingVBV, coft.StatusAuthenticationFailed}, coft.StatusPendingVBV},
		{[]coft.OrderStatus{coft.StatusCharged, coft.StatusPendingVBV}, coft.StatusCharged},
		{[]coft.OrderStatus{coft.StatusAuthenticationFailed, coft.StatusAuthorizationFailed}, coft.StatusAuthorizationFailed},
	} {
		if got := coft.OrderStatusOf(tc.in); got != tc.want {
			t.Errorf("OrderStatusOf(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestUnfinishedChargesClaimed: concurrent reconcilers (two instances) get
// disjoint payments, and a claimed payment waits before it is offered again.
func TestUnfinishedChargesClaimed(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		const n = 30
		for i := range n {
			id := "u" + string(rune('a'+i%26)) + string(rune('A'+i/26))
			if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
				t.Fatal(err)
			}
			txn, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"), now.Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error { t.Status = coft.StatusCharged; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(2 * time.Minute)
		seen := claimAtOnce(t, 3, func() ([]*coft.Txn, error) { return db.UnfinishedCharges(ctx, now.Add(-time.Minute), n) })
		if len(seen) != n {
			t.Fatalf("claimed %d of %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("%s claimed %d times", id, c)
			}
		}
		if again, _ := db.UnfinishedCharges(ctx, now.Add(-time.Minute), n); len(again) != 0 {
			t.Fatalf("claimed payments offered again at once: %d", len(again))
		}
		now = now.Add(2 * time.Minute)
		if later, _ := db.UnfinishedCharges(ctx, now.Add(-time.Minute), n); len(later) != n {
			t.Fatalf("after the delay: %d, want %d again (a claimer died)", len(later), n)
		}
	})
}

// TestAbandonedTxnsClaimed: only PENDING_VBV attempts past the window are
// offered (not AUTHORIZING, charged or failed ones, nor recent ones);
// concurrent reconcilers (two instances) get disjoint ones, and a claimed
// one waits before it is offered again.
func TestAbandonedTxnsClaimed(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		start := func(id string) *coft.Txn {
			t.Helper()
			if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
				t.Fatal(err)
			}
			txn, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"), now.Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			return txn
		}
		const n = 20
		want := map[string]bool{}
		for i := range n {
			want[start("p"+string(rune('a'+i))).UUID] = true
		}
		for status, id := range map[coft.OrderStatus]string{coft.StatusAuthorizing: "x1", coft.StatusCharged: "x2",
			coft.StatusAuthenticationFailed: "x3"} {
			if _, err := db.UpdateTxn(ctx, "a", start(id).UUID, func(t *coft.Txn) error { t.Status = status; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(10 * time.Minute)
		start("recent") // within its window below
		now = now.Add(10 * time.Minute)
		window := now.Add(-15 * time.Minute)
		seen := claimAtOnce(t, 3, func() ([]*coft.Txn, error) { return db.AbandonedTxns(ctx, window, now.Add(-time.Minute), n) })
		if len(seen) != n {
			t.Fatalf("claimed %d, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 || !want[id] {
				t.Fatalf("%s claimed %d times (abandoned: %v)", id, c, want[id])
			}
		}
		if again, _ := db.AbandonedTxns(ctx, window, now.Add(-time.Minute), n); len(again) != 0 {
			t.Fatalf("claimed payments offered again at once: %d", len(again))
		}
		now = now.Add(2 * time.Minute)
		if later, _ := db.AbandonedTxns(ctx, window, now.Add(-time.Minute), 2*n); len(later) != n {
			t.Fatalf("after the delay: %d, want %d again (a claimer died)", len(later), n)
		}
	})
}

// BenchmarkPayment is a payment's writes: the attempt started, then
// charged (each a transaction of several statements, with their events).
func BenchmarkPayment(b *testing.B) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b, d)
			mustMerchant(b, db, "a")
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = coft.RandomHex(8)
				if err := db.CreateOrder(ctx, newOrder("a", ids[i])); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for _, id := range ids {
				txn, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"+id), time.Now(), nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.UpdateTxn(ctx, "a", txn.UUID, func(t *coft.Txn) error {
					t.Status = coft.StatusCharged
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReadCancelled: a read with a cancelled context fails rather than
// running (SQLite's reads by key run detached from cancellation once
// started, being quicker than watching for it).
func TestReadCancelled(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		if err := db.CreateOrder(ctx, newOrder("a", "o1")); err != nil {
			t.Fatal(err)
		}
		started, _, err := db.StartTxn(ctx, newTxn("a", "o1", "fp1"), time.Now().Add(-time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindTxn(ctx, "a", started.UUID); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.FindTxn(cancelled, "a", started.UUID); !errors.Is(err, context.Canceled) {
			t.Errorf("FindTxn with a cancelled context: %v, want context.Canceled", err)
		}
	})
}

// TestTooFastFlagged: a decision taken less than coft.MinDecisionTime
// after its dialog was shown is recorded with the flag (hosted and drop-in
// records); a slower one, or one whose showing is unknown, without.
func TestTooFastFlagged(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		mustMerchant(t, db, "a")
		for i, tc := range []struct {
			shown time.Time
			want  bool
		}{{now.Add(-300 * time.Millisecond), true}, {now.Add(-4 * time.Second), false}, {time.Time{}, false}} {
			id := fmt.Sprintf("tf%d", i)
			if err := db.CreateOrder(ctx, newOrder("a", id)); err != nil {
				t.Fatal(err)
			}
			tx, _, err := db.StartTxn(ctx, newTxn("a", id, "fp"), now.Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: tx.UUID, Decision: true, TextID: "tokenize-en-v1",
				Locale: "en", Channel: coft.ChannelHostedPage, ShownAt: tc.shown}); err != nil {
				t.Fatal(err)
			}
			if cs, err := db.ListConsents(ctx, "a", tx.UUID); err != nil || len(cs) != 1 || cs[0].TooFast != tc.want {
				t.Errorf("shown %v before: %+v %v, want TooFast %v", now.Sub(tc.shown), cs, err, tc.want)
			}
			pc := &coft.PageConsent{MerchantID: "a", OrderID: id, ISIN: "424242", Last4: "4242", Brand: coft.BrandVisa, Decision: true,
				TextID: "tokenize-en-v1", Locale: "en", Origin: "https://shop.example", ShownAt: tc.shown}
			if err := db.RecordPageConsent(ctx, pc); err != nil {
				t.Fatal(err)
			}
			if got, err := db.FindPageConsent(ctx, "a", pc.ID); err != nil || got.TooFast != tc.want {
				t.Errorf("drop-in, shown %v before: %+v %v, want TooFast %v", now.Sub(tc.shown), got, err, tc.want)
			}
		}
	})
}

// claimAtOnce runs claim from k goroutines at once and counts how many
// times each payment was claimed.
func claimAtOnce(t *testing.T, k int, claim func() ([]*coft.Txn, error)) map[string]int {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := claim()
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, txn := range got {
				seen[txn.UUID]++
			}
		}()
	}
	wg.Wait()
	return seen
}
