package payment_test

import (
	"context"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/locker"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// newService is the use cases over a fresh SQLite database, the sandbox
// network (answering onboardings when told) and bank, and the built-in BIN
// table; opts change the configuration first.
func newService(t *testing.T, opts ...func(*payment.Config)) (*payment.Service, *sqlstore.DB, *sandbox.Network) {
	t.Helper()
	db := sqltest.MustOpenDB(t, sqlstore.SQLite)
	s, net := serviceOver(t, db, newLocker(t), opts...)
	if err := db.CreateMerchant(context.Background(), &coft.Merchant{ID: "m1", APIKeyHash: []byte("h1"), TokenizationEnabled: true}); err != nil {
		t.Fatal(err)
	}
	return s, db, net
}

// newLocker is a locker with fresh keys.
func newLocker(t *testing.T) *locker.Locker {
	t.Helper()
	keys, err := locker.LoadKeys(t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locker.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return lk
}

// serviceOver is the use cases over db and lk, as one instance of the
// service: several over one database are several instances.
func serviceOver(t *testing.T, db *sqlstore.DB, lk *locker.Locker, opts ...func(*payment.Config)) (*payment.Service, *sandbox.Network) {
	t.Helper()
	net := &sandbox.Network{PAR: lk.PAR, OnboardingDelay: time.Hour}
	cfg := payment.Config{Store: db, Locker: lk, Bins: bintable.MustNew(), Network: net, Bank: sandbox.Bank{}, Sandbox: net, CacheTTL: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := payment.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	net.Events = s
	return s, net
}

func TestNewNeedsItsParts(t *testing.T) {
	if _, err := payment.New(payment.Config{}); err == nil {
		t.Fatal("a service without a store")
	}
}

// TestOnboardingAndEligibility: an onboarding is pending until the
// network answers; the answer, through the network's callback, makes the
// merchant's cards eligible at once, though eligibility is cached.
func TestOnboardingAndEligibility(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	m := &coft.Merchant{ID: "m1", TokenizationEnabled: true}
	visa := coft.CardBin{BIN: "424242", Brand: coft.BrandVisa, Country: "INDIA", IssuerTokenizes: true, Known: true}
	if ok, err := s.TokenizeSupport(ctx, m, "", visa); ok || err != nil {
		t.Fatalf("eligible before onboarding: %v %v", ok, err)
	}
	o := &coft.Onboarding{MerchantID: "m1", AssociateID: "m1", Flow: coft.FlowCOFT, Status: map[string]string{},
		Company: coft.Company{LegalName: "M", TradeName: "M", WebsiteURL: "https://m.example", BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
	got, err := s.Onboard(ctx, o, []string{coft.BrandVisa})
	if err != nil || got.NetworkStatus(coft.BrandVisa) != coft.OnboardingPending {
		t.Fatalf("onboard: %v %v", got, err)
	}
	if _, err := s.SandboxDecideOnboarding(ctx, "m1", "", coft.FlowCOFT, "", coft.OnboardingOnboarded); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.TokenizeSupport(ctx, m, "", visa); !ok || err != nil {
		t.Fatalf("not eligible once onboarded: %v %v", ok, err)
	}
	if _, err := s.SandboxDecideOnboarding(ctx, "m1", "", coft.FlowCOFT, "MASTERCARD", coft.OnboardingOnboarded); coft.ErrorField(err) != "network" {
		t.Fatalf("a network never asked: %v", err)
	}
}

func TestSandboxChangeTokenNeedsACard(t *testing.T) {
	s, _, _ := newService(t)
	if _, err := s.SandboxChangeToken(context.Background(), "m1", "nosuch", coft.TokenSuspend); coft.ErrorCode(err) != coft.ENOTFOUND {
		t.Fatalf("unknown reference: %v", err)
	}
	if _, err := s.SandboxChangeToken(context.Background(), "m1", "nosuch", "explode"); coft.ErrorCode(err) != coft.EINVALID {
		t.Fatalf("unknown action: %v", err)
	}
}
