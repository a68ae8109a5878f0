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
)

// writeWatch is a Store that counts write transactions and knows when a
// payment's write is open, so that a bank or network called inside one is
// caught.
type writeWatch struct {
	payment.Store
	writes atomic.Int32
	open   atomic.Bool
}

func (w *writeWatch) inside(fn func(*coft.Txn) error) func(*coft.Txn) error {
	return func(t *coft.Txn) error {
		w.open.Store(true)
		defer w.open.Store(false)
		return fn(t)
	}
}

func (w *writeWatch) UpdateTxn(ctx context.Context, m, uuid string, fn func(*coft.Txn) error) (*coft.Txn, error) {
	w.writes.Add(1)
	return w.Store.UpdateTxn(ctx, m, uuid, w.inside(fn))
}

func (w *writeWatch) UpdateTxnWith(ctx context.Context, m, uuid string, cw coft.CardWork, fn func(*coft.Txn) error) (*coft.Txn, error) {
	w.writes.Add(1)
	return w.Store.UpdateTxnWith(ctx, m, uuid, cw, w.inside(fn))
}

func (w *writeWatch) CreateCustomer(ctx context.Context, c *coft.Customer) error {
	w.writes.Add(1)
	return w.Store.CreateCustomer(ctx, c)
}

func (w *writeWatch) SaveCard(ctx context.Context, c *coft.Card) error {
	w.writes.Add(1)
	return w.Store.SaveCard(ctx, c)
}

func (w *writeWatch) SaveNetworkToken(ctx context.Context, m, ref string, t *coft.NetworkToken) error {
	w.writes.Add(1)
	return w.Store.SaveNetworkToken(ctx, m, ref, t)
}

func (w *writeWatch) DeleteNetworkToken(ctx context.Context, m, ref string) error {
	w.writes.Add(1)
	return w.Store.DeleteNetworkToken(ctx, m, ref)
}

func (w *writeWatch) DeleteCard(ctx context.Context, m, ref string, wd *coft.Withdrawal) error {
	w.writes.Add(1)
	return w.Store.DeleteCard(ctx, m, ref, wd)
}

func (w *writeWatch) StartRefund(ctx context.Context, r *coft.Refund) (*coft.Refund, bool, error) {
	w.writes.Add(1)
	return w.Store.StartRefund(ctx, r)
}

func (w *writeWatch) FinishRefund(ctx context.Context, m, id string, a coft.RefundAnswer) (*coft.Refund, error) {
	w.writes.Add(1)
	return w.Store.FinishRefund(ctx, m, id, a)
}

// watchedBank fails the test when the bank is called inside a write, and
// counts authorizations; crash makes the next one die, as a killed
// process would, after the bank answered.
type watchedBank struct {
	coft.Bank
	t          *testing.T
	store      *writeWatch
	authorized atomic.Int32
	crash      atomic.Bool
	// concurrent turns off the inside-a-write check: with several posts
	// at once, another post's write may be open while this one calls the
	// bank. The single-post tests prove the property.
	concurrent bool
}

func (b *watchedBank) VerifyOTP(ctx context.Context, t *coft.Txn, otp string) bool {
	if !b.concurrent && b.store.open.Load() {
		b.t.Error("the bank checked an OTP inside a write transaction")
	}
	return b.Bank.VerifyOTP(ctx, t, otp)
}

func (b *watchedBank) Authorize(ctx context.Context, t *coft.Txn) (bool, string, string) {
	if !b.concurrent && b.store.open.Load() {
		b.t.Error("the bank authorized inside a write transaction")
	}
	b.authorized.Add(1)
	ok, code, msg := b.Bank.Authorize(ctx, t)
	if b.crash.CompareAndSwap(true, false) {
		panic("the process dies here")
	}
	return ok, code, msg
}

// watchedNetwork fails the test when the network is asked for a token
// inside a write transaction.
type watchedNetwork struct {
	coft.Network
	t     *testing.T
	store *writeWatch
	calls atomic.Int32
}

func (n *watchedNetwork) Provision(ctx context.Context, r coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	if n.store.open.Load() {
		n.t.Error("the network was asked for a token inside a write transaction")
	}
	n.calls.Add(1)
	return n.Network.Provision(ctx, r)
}

// otpFixture is a merchant onboarded with Visa, a customer, and the use
// cases over watched parts.
type otpFixture struct {
	s       *payment.Service
	store   *writeWatch
	bank    *watchedBank
	network *watchedNetwork
	m       *coft.Merchant
}

func newOTPFixture(t *testing.T) *otpFixture {
	f := &otpFixture{m: &coft.Merchant{ID: "m1", TokenizationEnabled: true}}
	s, db, _ := newService(t, func(c *payment.Config) {
		f.store = &writeWatch{Store: c.Store}
		f.bank = &watchedBank{Bank: c.Bank, t: t, store: f.store}
		f.network = &watchedNetwork{Network: c.Network, t: t, store: f.store}
		c.Store, c.Bank, c.Network = f.store, f.bank, f.network
	})
	f.s = s
	ctx := context.Background()
	o := &coft.Onboarding{MerchantID: "m1", AssociateID: "m1", Flow: coft.FlowCOFT, Status: map[string]string{},
		Company: coft.Company{LegalName: "M", TradeName: "M", WebsiteURL: "https://m.example", BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
	if _, err := s.Onboard(ctx, o, []string{coft.BrandVisa}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SandboxDecideOnboarding(ctx, "m1", "", coft.FlowCOFT, "", coft.OnboardingOnboarded); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCustomer(ctx, &coft.Customer{MerchantID: "m1", ObjectReferenceID: "asha", MobileNumber: "9876543210", MobileCountryCode: "91"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// pay starts a payment of a new card for customer asha, with the
// merchant's declaration.
func (f *otpFixture) pay(t *testing.T, orderID string, tokenize, saveToLocker bool) *coft.Txn {
	t.Helper()
	ctx := context.Background()
	tx, err := f.s.Start(ctx, payment.StartRequest{Merchant: f.m,
		NewOrder: &coft.Order{MerchantID: "m1", OrderID: orderID, Amount: 10000, Currency: "INR", CustomerID: "asha"},
		Card:     coft.CardInput{Number: "4242424242424242", ExpMonth: "12", ExpYear: "2031", CVV: "123", Name: "Asha Rao"},
		Tokenize: &tokenize, SaveToLocker: saveToLocker, ClientIP: "203.0.113.9", UserAgent: "test"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestOTPStepWrites: the OTP step records the bank attempt before the
// bank is asked, the charge with the card (and its token INITIATED)
// before the network is asked, and the token's answer with the payment's
// completion: three write transactions when a token is made, two
// otherwise. Neither the bank nor the network is called inside one.
func TestOTPStepWrites(t *testing.T) {
	for _, tc := range []struct {
		name           string
		tokenize, keep bool
		writes         int32
		token          bool
	}{
		{"tokenized", true, false, 3, true},
		{"not tokenized", false, false, 2, false},
		{"kept in the locker", false, true, 2, false},
		{"tokenized and kept", true, true, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOTPFixture(t)
			tx := f.pay(t, "o1", tc.tokenize, tc.keep)
			f.store.writes.Store(0)
			done, wrong, err := f.s.Authenticate(context.Background(), f.m, tx, sandbox.OTP, false)
			if err != nil || wrong {
				t.Fatalf("Authenticate: %v, wrong %v", err, wrong)
			}
			if n := f.store.writes.Load(); n != tc.writes {
				t.Errorf("%d write transactions, want %d", n, tc.writes)
			}
			if done.Status != coft.StatusCharged || !done.CardDone || done.PANCiphertext != nil {
				t.Fatalf("after the OTP: %s, card done %v, number kept %v", done.Status, done.CardDone, done.PANCiphertext != nil)
			}
			if got := done.TokenReference != ""; got != tc.token {
				t.Errorf("token %v, want %v (%q)", got, tc.token, done.TokenError)
			}
			if (tc.token || tc.keep) != (done.CardReference != "") {
				t.Errorf("card reference %q", done.CardReference)
			}
			card, err := f.store.FindCardByFingerprint(context.Background(), "m1", done.CustomerID, done.Fingerprint)
			switch {
			case !tc.token && !tc.keep:
				if coft.ErrorCode(err) != coft.ENOTFOUND {
					t.Errorf("a card was saved without consent or save_to_locker: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case tc.keep != (len(card.PANCiphertext) > 0):
				t.Errorf("number kept %v, save_to_locker %v", len(card.PANCiphertext) > 0, tc.keep)
			case tc.token && (card.Token == nil || card.Token.Status != coft.TokenActive):
				t.Errorf("token %+v", card.Token)
			}
		})
	}
}

// TestOTPWrongAndCancelWriteOnce: a wrong password and a cancellation are
// one write each, and neither asks the bank to authorize.
func TestOTPWrongAndCancelWriteOnce(t *testing.T) {
	f := newOTPFixture(t)
	tx := f.pay(t, "o1", true, false)
	f.store.writes.Store(0)
	tx, wrong, err := f.s.Authenticate(context.Background(), f.m, tx, "000000", false)
	if err != nil || !wrong || tx.OTPAttempts != 1 || f.store.writes.Load() != 1 {
		t.Fatalf("wrong OTP: %v, wrong %v, attempts %d, %d writes", err, wrong, tx.OTPAttempts, f.store.writes.Load())
	}
	tx, _, err = f.s.Authenticate(context.Background(), f.m, tx, "", true)
	if err != nil || tx.Status != coft.StatusAuthenticationFailed || tx.PANCiphertext != nil || f.store.writes.Load() != 2 {
		t.Fatalf("cancel: %v, %s, %d writes", err, tx.Status, f.store.writes.Load())
	}
	if f.bank.authorized.Load() != 0 {
		t.Fatalf("%d authorizations", f.bank.authorized.Load())
	}
}

// crashAuthorization makes the process die, in effect, after the bank
// approved the payment and before its answer was written.
func (f *otpFixture) crashAuthorization(t *testing.T, tx *coft.Txn) *coft.Txn {
	t.Helper()
	ctx := context.Background()
	f.bank.crash.Store(true)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the authorization did not die")
			}
		}()
		f.s.Authenticate(ctx, f.m, tx, sandbox.OTP, false)
	}()
	tx, err := f.store.FindTxn(ctx, "m1", tx.UUID)
	if err != nil || tx.Status != coft.StatusAuthorizing || tx.Done() {
		t.Fatalf("after the crash: %v %s", err, tx.Status)
	}
	return tx
}

// TestInterruptedAuthorization: the process dies after the bank approved
// but before the answer was written. The payment stays AUTHORIZING until
// the reconciler, once its delay has passed, asks the bank again (its
// authorization is idempotent) and finishes the card work.
func TestInterruptedAuthorization(t *testing.T) {
	f := newOTPFixture(t)
	ctx := context.Background()
	tx := f.crashAuthorization(t, f.pay(t, "o1", true, false))
	if n, err := f.s.FinishCharges(ctx, time.Now().Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("FinishCharges on a recent payment = %d, %v", n, err)
	}
	if n, err := f.s.FinishCharges(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("FinishCharges = %d, %v", n, err)
	}
	if n, _ := f.s.FinishCharges(ctx, time.Now().Add(time.Minute)); n != 0 {
		t.Fatalf("a finished payment was finished again (%d)", n)
	}
	tx, _ = f.store.FindTxn(ctx, "m1", tx.UUID)
	if tx.Status != coft.StatusCharged || !tx.CardDone || tx.TokenReference == "" || tx.PANCiphertext != nil {
		t.Fatalf("after reconciling: %s, card done %v, token %q", tx.Status, tx.CardDone, tx.TokenReference)
	}
	if f.bank.authorized.Load() != 2 || f.network.calls.Load() != 1 {
		t.Fatalf("%d authorizations, %d provisionings", f.bank.authorized.Load(), f.network.calls.Load())
	}
}

// TestResumedAuthorization: the customer posting the password again for
// a payment a crash left AUTHORIZING gets the bank's answer at once, and
// the card work is done once.
func TestResumedAuthorization(t *testing.T) {
	f := newOTPFixture(t)
	ctx := context.Background()
	tx := f.crashAuthorization(t, f.pay(t, "o1", true, false))
	done, wrong, err := f.s.Authenticate(ctx, f.m, tx, sandbox.OTP, false)
	if err != nil || wrong || done.Status != coft.StatusCharged || !done.CardDone || done.TokenReference == "" {
		t.Fatalf("resumed: %v %s card done %v", err, done.Status, done.CardDone)
	}
	again, _, err := f.s.Authenticate(ctx, f.m, done, sandbox.OTP, false)
	if err != nil || again.UpdatedAt != done.UpdatedAt || f.bank.authorized.Load() != 2 || f.network.calls.Load() != 1 {
		t.Fatalf("a third post: %v, %d authorizations, %d provisionings", err, f.bank.authorized.Load(), f.network.calls.Load())
	}
}

// TestConcurrentAuthorization: two posts of the password race (a double
// click, or two instances); each may ask the bank, but one charge and one
// token are recorded.
func TestConcurrentAuthorization(t *testing.T) {
	f := newOTPFixture(t)
	f.bank.concurrent = true
	ctx := context.Background()
	tx := f.pay(t, "o1", true, false)
	var wg sync.WaitGroup
	results := make([]*coft.Txn, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _, _ = f.s.Authenticate(ctx, f.m, tx, sandbox.OTP, false)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r == nil || r.Status != coft.StatusCharged {
			t.Fatalf("post %d: %+v", i, r)
		}
	}
	final, _ := f.store.FindTxn(ctx, "m1", tx.UUID)
	cards, _ := f.store.ListCards(ctx, "m1", final.CustomerID)
	if !final.CardDone || len(cards) != 1 || cards[0].Token == nil || cards[0].Token.Reference != final.TokenReference ||
		f.network.calls.Load() != 1 {
		t.Fatalf("payment %+v; %d cards; %d provisionings", final, len(cards), f.network.calls.Load())
	}
}
