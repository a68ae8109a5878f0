package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

func TestProvision(t *testing.T) {
	n := &Network{PAR: func(pan string) string { return "PAR-" + pan[len(pan)-4:] }}
	pan := "5419190000000003"
	seen := map[string]bool{}
	for range 50 {
		tok, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: pan, Brand: coft.BrandMastercard})
		if err != nil {
			t.Fatal(err)
		}
		if !coft.LuhnValid(tok.Number) || len(tok.Number) != len(pan) || tok.Number == pan ||
			!strings.HasPrefix(tok.Number, "525876") || tok.Status != coft.TokenActive || tok.PAR != "PAR-0003" {
			t.Fatalf("token %+v", tok)
		}
		seen[tok.Number] = true
	}
	if len(seen) < 45 {
		t.Fatalf("only %d distinct tokens in 50", len(seen))
	}
	if _, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: CardTokenRefused, Brand: coft.BrandVisa}); coft.ErrorCode(err) != coft.EINVALID {
		t.Fatalf("refused card: %v", err)
	}
	if _, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: "5018120000000005", Brand: coft.BrandMaestro}); err == nil {
		t.Fatal("Maestro tokenized")
	}
}

func TestBank(t *testing.T) {
	var b Bank
	if !b.VerifyOTP(context.Background(), nil, "123456") || b.VerifyOTP(context.Background(), nil, "123457") {
		t.Fatal("OTP check")
	}
	if ok, _, _ := b.Authorize(context.Background(), &coft.Txn{ISIN: "424242", Last4: "0059"}); ok {
		t.Fatal("declined card approved")
	}
	if ok, code, _ := b.Authorize(context.Background(), &coft.Txn{ISIN: "424242", Last4: "4242"}); !ok || code != "00" {
		t.Fatal("good card refused")
	}
	for _, pan := range []string{CardDeclined, CardTokenRefused} {
		if !coft.LuhnValid(pan) {
			t.Fatalf("%s is not Luhn-valid", pan)
		}
	}
}

// events records what the network reports.
type events struct {
	onboarding chan coft.OnboardingUpdate
	tokens     []coft.TokenUpdate
}

func (e *events) OnboardingChanged(_ context.Context, u coft.OnboardingUpdate) error {
	e.onboarding <- u
	return nil
}

func (e *events) TokenChanged(_ context.Context, u coft.TokenUpdate) (*coft.Card, error) {
	e.tokens = append(e.tokens, u)
	return &coft.Card{}, nil
}

func TestOnboard(t *testing.T) {
	ev := &events{onboarding: make(chan coft.OnboardingUpdate, 10)}
	n := &Network{Events: ev, OnboardingDelay: time.Millisecond}
	ctx := context.Background()
	req := func(associate string, test bool) *coft.Onboarding {
		return &coft.Onboarding{MerchantID: "m", AssociateID: associate, Flow: coft.FlowCOFT, TestMode: test,
			Status: map[string]string{coft.BrandVisa: coft.OnboardingPending, coft.BrandRuPay: coft.OnboardingPending}}
	}
	got, _ := n.Onboard(ctx, req("air", true))
	if got[coft.BrandVisa] != coft.OnboardingOnboarded || got[coft.BrandRuPay] != coft.OnboardingOnboarded || len(got) != 2 {
		t.Fatalf("test mode: %v", got)
	}
	for associate, want := range map[string]string{"air": coft.OnboardingOnboarded, "reject_air": coft.OnboardingRejected} {
		got, _ := n.Onboard(ctx, req(associate, false))
		if got[coft.BrandVisa] != coft.OnboardingPending {
			t.Fatalf("%s: %v", associate, got)
		}
		seen := map[string]bool{}
		for range 2 {
			select {
			case u := <-ev.onboarding:
				if u.AssociateID != associate || u.Status != want || u.Flow != coft.FlowCOFT || u.MerchantID != "m" {
					t.Fatalf("%s: answer %+v", associate, u)
				}
				seen[u.Network] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no answer", associate)
			}
		}
		if !seen[coft.BrandVisa] || !seen[coft.BrandRuPay] {
			t.Fatalf("%s: answers for %v", associate, seen)
		}
	}
	// A held onboarding gets no answer until one is decided.
	if got, _ := n.Onboard(ctx, req("hold_air", false)); got[coft.BrandVisa] != coft.OnboardingPending {
		t.Fatal(got)
	}
	if err := n.DecideOnboarding(ctx, coft.OnboardingUpdate{AssociateID: "hold_air", Network: coft.BrandVisa, Status: "maybe"}); coft.ErrorField(err) != "status" {
		t.Fatalf("bad status: %v", err)
	}
	if err := n.DecideOnboarding(ctx, coft.OnboardingUpdate{AssociateID: "hold_air", Network: coft.BrandVisa, Status: coft.OnboardingRejected}); err != nil {
		t.Fatal(err)
	}
	if u := <-ev.onboarding; u.AssociateID != "hold_air" || u.Status != coft.OnboardingRejected {
		t.Fatalf("decided: %+v", u)
	}
	select {
	case u := <-ev.onboarding:
		t.Fatalf("held onboarding answered on its own: %+v", u)
	default:
	}
}

func TestAltIDAndCryptogram(t *testing.T) {
	n := &Network{PAR: func(pan string) string { return "PAR-" + pan[len(pan)-4:] }}
	ctx := context.Background()
	pan := "4111111111111111"
	a, err := n.AltID(ctx, coft.AltIDRequest{PAN: pan, Brand: coft.BrandVisa})
	if err != nil || !coft.LuhnValid(a.Number) || !strings.HasPrefix(a.Number, "489538") || a.Number == pan ||
		a.PAR != "PAR-1111" || len(a.TAVV) != 28 || len(a.ExpYear) != 4 || len(a.ExpMonth) != 2 {
		t.Fatalf("AltID = %+v, %v", a, err)
	}
	if _, err := n.AltID(ctx, coft.AltIDRequest{PAN: CardTokenRefused, Brand: coft.BrandVisa}); coft.ErrorCode(err) != coft.EINVALID {
		t.Fatalf("refused card: %v", err)
	}
	c1, err := n.Cryptogram(ctx, coft.BrandVisa, "4895370000000000")
	c2, _ := n.Cryptogram(ctx, coft.BrandVisa, "4895370000000000")
	if err != nil || len(c1.Value) != 28 || c1.Value == c2.Value {
		t.Fatalf("cryptograms %+v %+v, %v: want fresh 28-character values", c1, c2, err)
	}
	if c1.ECI != "07" || c1.TokenRequestorID != c2.TokenRequestorID || len(c1.TokenRequestorID) != 11 {
		t.Fatalf("cryptogram %+v: want ECI 07 and the network's stable 11-digit TRID", c1)
	}
}

func TestChangeToken(t *testing.T) {
	ev := &events{}
	n := &Network{Events: ev}
	tok := &coft.NetworkToken{Reference: "ref", Provider: coft.BrandAmex, Last4: "1234"}
	if _, err := n.ChangeToken(context.Background(), "m", tok, coft.TokenSuspend); err != nil {
		t.Fatal(err)
	}
	if _, err := n.ChangeToken(context.Background(), "m", tok, coft.TokenReplace); err != nil {
		t.Fatal(err)
	}
	s, r := ev.tokens[0], ev.tokens[1]
	if s.Action != coft.TokenSuspend || s.TokenReference != "ref" || s.MerchantID != "m" || s.Number != "" {
		t.Fatalf("suspend: %+v", s)
	}
	if r.Action != coft.TokenReplace || len(r.Number) != 15 || !strings.HasPrefix(r.Number, "377790") ||
		strings.HasSuffix(r.Number, "1234") || !coft.LuhnValid(r.Number) || r.ExpYear == "" {
		t.Fatalf("replace: %+v", r)
	}
}

// TestSimulateConsents: simulated dialogs are the merchant's, marked,
// within the days asked, of the service's own values, repeatable by seed,
// and spread (every channel, language, form factor and outcome appears).
func TestSimulateConsents(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := SimulateConsents("demo", 5000, 14, now, 7)
	b := SimulateConsents("demo", 5000, 14, now, 7)
	seen := map[string]bool{}
	var counts coft.ConsentCounts
	for i, o := range a {
		if o != b[i] {
			t.Fatalf("dialog %d differs for the same seed", i)
		}
		if o.MerchantID != "demo" || !o.Simulated || o.ShownAt.After(now) || o.ShownAt.Before(now.AddDate(0, 0, -14)) {
			t.Fatalf("dialog %d = %+v", i, o)
		}
		if o.Outcome != coft.OutcomeAbandoned && (coft.ConsentTextFor(o.Language).ID != o.TextID || !coft.ValidFormFactor(o.FormFactor) || !o.Timed) {
			t.Fatalf("dialog %d = %+v", i, o)
		}
		for _, s := range coft.StatsSplits {
			seen[s+"="+o.Value(s)] = true
		}
		seen[o.Outcome] = true
		counts.Add(&o)
	}
	for _, want := range []string{"channel=HOSTED_PAGE", "channel=MERCHANT_PAGE", "channel=MANAGEMENT_SCREEN", "language=ta", "language=mr",
		"form_factor=mobile-landscape", "card_brand=RUPAY", "text_version=tokenize-bn-v1", "accepted", "declined", "abandoned"} {
		if !seen[want] {
			t.Errorf("no %s among the simulated dialogs", want)
		}
	}
	if r := counts.AcceptanceRate(); r < 0.5 || r > 0.75 {
		t.Errorf("acceptance rate %.2f", r)
	}
	if m, _ := counts.Median(); m < 3*time.Second || m > 7*time.Second {
		t.Errorf("median time to decide %v", m)
	}
}
