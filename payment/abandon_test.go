package payment_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// testClock is a clock the test moves; the service and the store read it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// abandonFixture is instances of the service over one database of a
// dialect, reading one clock, with merchant m1 and customer asha.
type abandonFixture struct {
	db    *sqlstore.DB
	clock *testClock
	s     []*payment.Service
	m     *coft.Merchant
}

func newAbandonFixture(t *testing.T, dialect sqlstore.Dialect, instances int) *abandonFixture {
	t.Helper()
	f := &abandonFixture{db: sqltest.MustOpenDB(t, dialect), m: &coft.Merchant{ID: "m1", TokenizationEnabled: true},
		clock: &testClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}}
	f.db.Now = f.clock.Now
	lk := newLocker(t)
	for range instances {
		s, _ := serviceOver(t, f.db, lk, func(c *payment.Config) { c.Now = f.clock.Now })
		f.s = append(f.s, s)
	}
	ctx := context.Background()
	if err := f.db.CreateMerchant(ctx, &coft.Merchant{ID: "m1", APIKeyHash: []byte("h1"), TokenizationEnabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.CreateCustomer(ctx, &coft.Customer{MerchantID: "m1", ObjectReferenceID: "asha", MobileNumber: "9876543210", MobileCountryCode: "91"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// pay starts a payment of card 4242… for asha on a new order, with the
// merchant's declaration tokenize=true (recorded as consent).
func (f *abandonFixture) pay(t *testing.T, orderID string, saveToLocker bool) *coft.Txn {
	t.Helper()
	yes := true
	tx, err := f.s[0].Start(context.Background(), payment.StartRequest{Merchant: f.m,
		NewOrder: &coft.Order{MerchantID: "m1", OrderID: orderID, Amount: 10000, Currency: "INR", CustomerID: "asha"},
		Card:     coft.CardInput{Number: "4242424242424242", ExpMonth: "12", ExpYear: "2031", CVV: "123", Name: "Asha Rao"},
		Tokenize: &yes, SaveToLocker: saveToLocker, ClientIP: "203.0.113.9", UserAgent: "test"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Status != coft.StatusPendingVBV || len(tx.PANCiphertext) == 0 {
		t.Fatalf("started: %s, number sealed %v", tx.Status, len(tx.PANCiphertext) > 0)
	}
	return tx
}

// failedEvents counts the order's TXN_FAILED and ORDER_FAILED events.
func (f *abandonFixture) failedEvents(t *testing.T, orderID string) (txnFailed, orderFailed int) {
	t.Helper()
	es, err := f.db.ListEvents(context.Background(), "m1", orderID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		switch e.Name {
		case coft.EventTxnFailed:
			txnFailed++
		case coft.EventOrderFailed:
			orderFailed++
		}
	}
	return txnFailed, orderFailed
}

// TestAbandonedPaymentEnds: past the authentication window, the reconciler
// ends a PENDING_VBV payment as AUTHENTICATION_FAILED with TXN_FAILED and
// ORDER_FAILED, and erases its sealed card number. The card the customer
// saved to the locker keeps its own; the consent stays recorded. A payment
// within its window, and one the bank is authorizing, are not abandoned.
func TestAbandonedPaymentEnds(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAbandonFixture(t, d, 1)
			s, ctx := f.s[0], context.Background()
			// The customer's card, saved to the locker by an earlier payment.
			kept, _, err := s.Authenticate(ctx, f.m, f.pay(t, "kept", true), sandbox.OTP, false)
			if err != nil || kept.Status != coft.StatusCharged || kept.CardReference == "" {
				t.Fatalf("saving the card: %v %s %q", err, kept.Status, kept.CardReference)
			}
			left := f.pay(t, "left", false) // the same card: its payment has its own sealed copy
			if left.CardReference != kept.CardReference {
				t.Fatalf("the payment is not of the saved card: %q, %q", left.CardReference, kept.CardReference)
			}
			authorizing := f.pay(t, "authorizing", false)
			if _, err := f.db.UpdateTxn(ctx, "m1", authorizing.UUID, func(t *coft.Txn) error {
				t.Status, t.AuthStarted = coft.StatusAuthorizing, true // a crash lost the bank's answer
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			f.clock.advance(10 * time.Minute)
			recent := f.pay(t, "recent", false)
			f.clock.advance(payment.DefaultAuthWindow - 10*time.Minute + time.Second) // left's window has passed; recent's has not

			n, err := s.FinishCharges(ctx, f.clock.Now().Add(-time.Minute))
			if err != nil || n != 2 { // left ended, authorizing authorized
				t.Fatalf("FinishCharges = %d, %v", n, err)
			}
			got, err := f.db.FindTxn(ctx, "m1", left.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != coft.StatusAuthenticationFailed || got.ErrorCode != "AUTHENTICATION_FAILED" || got.ErrorMessage != payment.AbandonedMessage {
				t.Errorf("abandoned payment: %s %q %q", got.Status, got.ErrorCode, got.ErrorMessage)
			}
			if got.PANCiphertext != nil || got.KeyID != "" {
				t.Errorf("abandoned payment keeps its sealed number (%d bytes, key %q)", len(got.PANCiphertext), got.KeyID)
			}
			if o, _ := f.db.FindOrder(ctx, "m1", "left"); o.Status != coft.StatusAuthenticationFailed {
				t.Errorf("its order: %s", o.Status)
			}
			if tf, of := f.failedEvents(t, "left"); tf != 1 || of != 1 {
				t.Errorf("TXN_FAILED %d, ORDER_FAILED %d, want 1 each", tf, of)
			}
			if got.Consent == nil || !*got.Consent {
				t.Errorf("the payment's decision: %v", got.Consent)
			}
			if cs, err := f.db.ListConsents(ctx, "m1", left.UUID); err != nil || len(cs) != 1 || !cs[0].Decision {
				t.Errorf("consent evidence: %v, %v", cs, err)
			}
			card, err := f.db.FindCard(ctx, "m1", kept.CardReference)
			if err != nil || len(card.PANCiphertext) == 0 {
				t.Fatalf("the saved card lost its number: %v", err)
			}
			if a, err := f.db.FindTxn(ctx, "m1", authorizing.UUID); err != nil || a.Status != coft.StatusCharged {
				t.Errorf("the payment the bank was authorizing: %v %s", err, a.Status)
			}
			if r, err := f.db.FindTxn(ctx, "m1", recent.UUID); err != nil || r.Status != coft.StatusPendingVBV || len(r.PANCiphertext) == 0 {
				t.Errorf("a payment within its window: %v %s, number kept %v", err, r.Status, len(r.PANCiphertext) > 0)
			}

			// The customer comes back to the ended payment: it stays ended.
			back, wrong, err := s.Authenticate(ctx, f.m, left, sandbox.OTP, false)
			if err != nil || wrong || back.Status != coft.StatusAuthenticationFailed {
				t.Errorf("the OTP after the window: %v, wrong %v, %s", err, wrong, back.Status)
			}
			// Once its window passes, the recent one ends too; nothing ends twice.
			f.clock.advance(10 * time.Minute)
			if n, err := s.FinishCharges(ctx, f.clock.Now().Add(-time.Minute)); err != nil || n != 1 {
				t.Fatalf("FinishCharges later = %d, %v", n, err)
			}
			if r, _ := f.db.FindTxn(ctx, "m1", recent.UUID); r.Status != coft.StatusAuthenticationFailed || r.PANCiphertext != nil {
				t.Errorf("after its window: %s, number kept %v", r.Status, r.PANCiphertext != nil)
			}
			if tf, of := f.failedEvents(t, "left"); tf != 1 || of != 1 {
				t.Errorf("TXN_FAILED %d, ORDER_FAILED %d after another round, want 1 each", tf, of)
			}
		})
	}
}

// TestAbandonedPaymentEndsOnce: two instances' reconcilers at once end
// each abandoned payment once, with one TXN_FAILED. They are run so that
// each could be offered the other's claims (a delay already passed): the
// conditional write alone must keep the second from ending it again.
func TestAbandonedPaymentEndsOnce(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newAbandonFixture(t, d, 2)
			ctx := context.Background()
			const n = 12
			var orders []string
			for i := range n {
				id := "o" + string(rune('a'+i))
				f.pay(t, id, false)
				orders = append(orders, id)
			}
			f.clock.advance(payment.DefaultAuthWindow + time.Minute)
			var ended atomic.Int32
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k, err := f.s[i%2].FinishCharges(ctx, f.clock.Now().Add(time.Hour))
					if err != nil {
						t.Error(err)
					}
					ended.Add(int32(k))
				}()
			}
			wg.Wait()
			if ended.Load() != n {
				t.Errorf("%d payments ended, want %d", ended.Load(), n)
			}
			for _, id := range orders {
				if tf, of := f.failedEvents(t, id); tf != 1 || of != 1 {
					t.Errorf("%s: TXN_FAILED %d, ORDER_FAILED %d, want 1 each", id, tf, of)
				}
			}
			es, _ := f.db.ListEvents(ctx, "m1", "", 1000)
			failed := 0
			for _, e := range es {
				if e.Name == coft.EventTxnFailed {
					failed++
				}
			}
			if failed != n {
				t.Errorf("%d TXN_FAILED in all, want %d", failed, n)
			}
		})
	}
}
