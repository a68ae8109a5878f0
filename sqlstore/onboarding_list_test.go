package sqlstore_test

import (
	"context"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestListOnboardings: a merchant's onboardings, its own and its
// sub-merchants', each flow with its networks, by associate then flow;
// another merchant's are never listed; the limit holds.
func TestListOnboardings(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		for _, o := range []*coft.Onboarding{
			newOnboarding("a", "sub2", coft.FlowCOFT, map[string]string{coft.BrandVisa: coft.OnboardingPending}),
			newOnboarding("a", "a", coft.FlowCOFT, map[string]string{coft.BrandVisa: coft.OnboardingOnboarded, coft.BrandAmex: coft.OnboardingRejected}),
			newOnboarding("a", "a", coft.FlowAltID, map[string]string{coft.BrandRuPay: coft.OnboardingOnboarded}),
			newOnboarding("b", "sub1", coft.FlowCOFT, map[string]string{coft.BrandVisa: coft.OnboardingOnboarded}),
		} {
			if err := db.SaveOnboarding(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ListOnboardings(ctx, "a", 10)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ associate, flow, visa, amex, rupay string }
		var rows []row
		for _, o := range got {
			rows = append(rows, row{o.AssociateID, o.Flow, o.NetworkStatus(coft.BrandVisa), o.NetworkStatus(coft.BrandAmex), o.NetworkStatus(coft.BrandRuPay)})
		}
		want := []row{
			{"a", coft.FlowAltID, coft.OnboardingNotRequested, coft.OnboardingNotRequested, coft.OnboardingOnboarded},
			{"a", coft.FlowCOFT, coft.OnboardingOnboarded, coft.OnboardingRejected, coft.OnboardingNotRequested},
			{"sub2", coft.FlowCOFT, coft.OnboardingPending, coft.OnboardingNotRequested, coft.OnboardingNotRequested},
		}
		if len(rows) != len(want) {
			t.Fatalf("ListOnboardings = %+v", rows)
		}
		for i := range want {
			if rows[i] != want[i] {
				t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
			}
		}
		if got[2].Company.LegalName != "Legal" {
			t.Errorf("company = %+v", got[2].Company)
		}
		if got, _ := db.ListOnboardings(ctx, "a", 1); len(got) != 1 || len(got[0].Status) != 1 {
			t.Errorf("limit 1: %+v", got)
		}
		if got, err := db.ListOnboardings(ctx, "nobody", 10); err != nil || len(got) != 0 {
			t.Errorf("unknown merchant: %v, %v", got, err)
		}
	})
}
