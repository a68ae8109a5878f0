package sqlstore_test

import (
	"context"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

func newOnboarding(merchant, associate, flow string, status map[string]string) *coft.Onboarding {
	return &coft.Onboarding{MerchantID: merchant, AssociateID: associate, Flow: flow, Status: status,
		Company: coft.Company{LegalName: "Legal", TradeName: "Trade", WebsiteURL: "https://x.example",
			BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
}

func TestOnboardings(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")

		o := newOnboarding("a", "sub1", coft.FlowCOFT, map[string]string{coft.BrandVisa: coft.OnboardingPending})
		if err := db.SaveOnboarding(ctx, o); err != nil {
			t.Fatal(err)
		}
		if o.NetworkStatus(coft.BrandVisa) != coft.OnboardingPending || o.NetworkStatus(coft.BrandRuPay) != coft.OnboardingNotRequested {
			t.Fatalf("after save: %v", o.Status)
		}
		// Again, with new company details and one more network: VISA keeps
		// its status, RUPAY is added.
		again := newOnboarding("a", "sub1", coft.FlowCOFT, map[string]string{
			coft.BrandVisa: coft.OnboardingOnboarded, coft.BrandRuPay: coft.OnboardingOnboarded})
		again.Company.TradeName = "Renamed"
		if err := db.SaveOnboarding(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again.Status[coft.BrandVisa] != coft.OnboardingPending || again.Status[coft.BrandRuPay] != coft.OnboardingOnboarded ||
			again.Company.TradeName != "Renamed" || len(again.Status) != 2 {
			t.Fatalf("re-onboarding: %+v", again)
		}
		cof, alt, err := db.OnboardedNetworks(ctx, "a", "sub1")
		if err != nil || cof != coft.NetworkSet(0).With(coft.BrandRuPay) || alt != 0 {
			t.Fatalf("OnboardedNetworks = %b, %b, %v", cof, alt, err)
		}
		pending, err := db.PendingOnboardings(ctx, 10)
		if err != nil || len(pending) != 1 || pending[0].AssociateID != "sub1" {
			t.Fatalf("PendingOnboardings = %v, %v", pending, err)
		}

		if err := db.SetOnboardingStatus(ctx, "a", "sub1", coft.FlowCOFT, coft.BrandVisa, coft.OnboardingOnboarded); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.SetOnboardingStatus(ctx, "a", "sub1", coft.FlowCOFT, coft.BrandAmex, coft.OnboardingOnboarded), coft.ENOTFOUND)
		wantCode(t, db.SetOnboardingStatus(ctx, "b", "sub1", coft.FlowCOFT, coft.BrandVisa, coft.OnboardingRejected), coft.ENOTFOUND)
		if pending, _ := db.PendingOnboardings(ctx, 10); len(pending) != 0 {
			t.Fatalf("still pending: %v", pending)
		}
		cof, _, _ = db.OnboardedNetworks(ctx, "a", "sub1")
		if !cof.Has(coft.BrandVisa) || !cof.Has(coft.BrandRuPay) || cof.Has(coft.BrandAmex) {
			t.Fatalf("COFT networks = %b", cof)
		}

		// Flows and merchants are kept apart.
		_, err = db.FindOnboarding(ctx, "a", "sub1", coft.FlowAltID)
		wantCode(t, err, coft.ENOTFOUND)
		_, err = db.FindOnboarding(ctx, "b", "sub1", coft.FlowCOFT)
		wantCode(t, err, coft.ENOTFOUND)
		if cof, alt, _ := db.OnboardedNetworks(ctx, "b", "sub1"); cof != 0 || alt != 0 {
			t.Fatal("another merchant's onboarding leaked")
		}
		alt1 := newOnboarding("a", "sub1", coft.FlowAltID, map[string]string{coft.BrandMastercard: coft.OnboardingOnboarded})
		if err := db.SaveOnboarding(ctx, alt1); err != nil {
			t.Fatal(err)
		}
		if _, alt, _ := db.OnboardedNetworks(ctx, "a", "sub1"); alt != coft.NetworkSet(0).With(coft.BrandMastercard) {
			t.Fatalf("ALT_ID networks = %b", alt)
		}
	})
}

func TestUpdateNetworkToken(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		cust := &coft.Customer{MerchantID: "a"}
		if err := db.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		c := newCard("a", cust.ID, "fp1")
		if err := db.SaveCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		tok := &coft.NetworkToken{Reference: coft.RandomHex(16), Last4: "7656", ISIN: "525876", ExpMonth: "06",
			ExpYear: "2030", PAR: "5001ABC", Status: coft.TokenActive, Provider: coft.BrandMastercard, Ciphertext: []byte{9}, KeyID: "k1"}
		if err := db.SaveNetworkToken(ctx, "a", c.Reference, tok); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindCardByTokenReference(ctx, "a", tok.Reference)
		if err != nil || got.Reference != c.Reference {
			t.Fatalf("FindCardByTokenReference = %v, %v", got, err)
		}
		_, err = db.FindCardByTokenReference(ctx, "b", tok.Reference)
		wantCode(t, err, coft.ENOTFOUND)

		updated, err := db.UpdateNetworkToken(ctx, "a", tok.Reference, func(_ *coft.Card, t *coft.NetworkToken) error {
			t.Status, t.Last4, t.ExpYear = coft.TokenSuspended, "1111", "2031"
			return nil
		})
		if err != nil || updated.Token.Status != coft.TokenSuspended {
			t.Fatalf("UpdateNetworkToken = %v, %v", updated, err)
		}
		got, _ = db.FindCard(ctx, "a", c.Reference)
		if got.Token.Status != coft.TokenSuspended || got.Token.Last4 != "1111" || got.Token.ExpYear != "2031" || got.Token.PAR != "5001ABC" {
			t.Fatalf("stored token = %+v", got.Token)
		}
		// fn's error aborts; another merchant cannot reach the token.
		_, err = db.UpdateNetworkToken(ctx, "a", tok.Reference, func(_ *coft.Card, t *coft.NetworkToken) error {
			t.Status = coft.TokenInactive
			return coft.Errorf(coft.ECONFLICT, "no")
		})
		wantCode(t, err, coft.ECONFLICT)
		if got, _ := db.FindCard(ctx, "a", c.Reference); got.Token.Status != coft.TokenSuspended {
			t.Fatal("aborted update was written")
		}
		_, err = db.UpdateNetworkToken(ctx, "b", tok.Reference, func(*coft.Card, *coft.NetworkToken) error { return nil })
		wantCode(t, err, coft.ENOTFOUND)
	})
}
