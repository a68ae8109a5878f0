package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// spread records a known spread of consent dialogs for merchant "a" on
// 10 March 2026 (India), through the store's own writes, and others it
// must not count; it returns the period's bounds.
func spread(t *testing.T, db *sqlstore.DB) (from, to time.Time) {
	t.Helper()
	ctx := context.Background()
	mustMerchant(t, db, "a")
	mustMerchant(t, db, "b")
	clock := time.Date(2026, 3, 10, 10, 0, 0, 0, ist)
	db.Now = func() time.Time { return clock }
	n := 0
	order := func(m, purpose string) string {
		n++
		id := fmt.Sprintf("o%d", n)
		o := newOrder(m, id)
		o.Purpose = purpose
		if err := db.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		return id
	}
	start := func(m, purpose, brand string) *coft.Txn {
		tx := newTxn(m, order(m, purpose), fmt.Sprintf("fp%d", n))
		tx.Brand = brand
		got, _, err := db.StartTxn(ctx, tx, clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// decide records a decision taken after secs on a dialog shown at shown.
	decide := func(m, purpose, brand, locale, ff string, accept bool, shown time.Time, secs float64) {
		t.Helper()
		clock = shown.Add(-time.Minute)
		tx := start(m, purpose, brand)
		clock = shown.Add(time.Duration(secs * float64(time.Second)))
		if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: m, TxnUUID: tx.UUID, Decision: accept,
			TextID: coft.ConsentTextFor(locale).ID, Locale: locale, Channel: map[string]string{"": coft.ChannelHostedPage,
				coft.PurposeCardTokenization: coft.ChannelManagementPage}[purpose], ShownAt: shown, FormFactor: ff,
			FormFactorSource: coft.FormFactorFromDialog}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(hh, mm, ss int) time.Time { return time.Date(2026, 3, 10, hh, mm, ss, 0, ist) }
	const tok = coft.PurposeCardTokenization
	// On the hosted page.
	decide("a", "", coft.BrandVisa, "en", coft.FormFactorMobilePortrait, true, at(0, 0, 10), 2) // the day's first seconds
	decide("a", "", coft.BrandVisa, "en", coft.FormFactorMobilePortrait, true, at(9, 0, 0), 3)
	decide("a", "", coft.BrandMastercard, "hi", coft.FormFactorDesktop, false, at(9, 5, 0), 5)
	decide("a", "", coft.BrandVisa, "hi", coft.FormFactorMobileLandscape, true, at(9, 10, 0), 8)
	decide("a", "", coft.BrandRuPay, "en", coft.FormFactorDesktop, false, at(9, 15, 0), 12)
	// On the saved-cards screen.
	decide("a", tok, coft.BrandMastercard, "ta", coft.FormFactorMobilePortrait, true, at(9, 20, 0), 20)
	// Abandoned: the payment ended (the reconciler) with its dialog unanswered.
	clock = at(11, 0, 0)
	gone := start("a", "", coft.BrandVisa)
	clock = at(11, 30, 0)
	if _, err := db.UpdateTxn(ctx, "a", gone.UUID, func(t *coft.Txn) error {
		t.Status = coft.StatusAuthenticationFailed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Pending: shown, within its window.
	clock = at(12, 0, 0)
	start("a", "", coft.BrandVisa)
	// In the drop-in, then used by a payment (counted once).
	clock = at(13, 0, 4)
	pcOrder := order("a", "")
	pc := &coft.PageConsent{MerchantID: "a", OrderID: pcOrder, ISIN: "424242", Last4: "4242", Brand: coft.BrandVisa, Decision: true,
		TextID: "tokenize-en-v1", Locale: "en", ShownAt: at(13, 0, 0), FormFactor: coft.FormFactorDesktop, FormFactorSource: coft.FormFactorFromHints}
	if err := db.RecordPageConsent(ctx, pc); err != nil {
		t.Fatal(err)
	}
	used := newTxn("a", pcOrder, "fpx")
	yes := true
	used.ConsentAsked, used.Consent, used.Tokenize = false, &yes, coft.TokenizeTrue
	if _, _, err := db.StartTxn(ctx, used, clock, &coft.Consent{Decision: true, Channel: coft.ChannelMerchantPage, TextID: pc.TextID,
		Locale: "en", ShownAt: pc.ShownAt}); err != nil {
		t.Fatal(err)
	}
	// Merchant-declared: no dialog of ours, not counted.
	no := false
	declared := newTxn("a", order("a", ""), "fpy")
	declared.ConsentAsked, declared.Consent, declared.Tokenize = false, &no, coft.TokenizeFalse
	if _, _, err := db.StartTxn(ctx, declared, clock, &coft.Consent{Decision: false, Channel: coft.ChannelMerchantDeclared}); err != nil {
		t.Fatal(err)
	}
	// Outside the period (the day before, by ten seconds), another merchant's.
	decide("a", "", coft.BrandVisa, "en", coft.FormFactorDesktop, true, time.Date(2026, 3, 9, 23, 59, 50, 0, ist), 1)
	decide("a", "", coft.BrandVisa, "en", coft.FormFactorDesktop, true, time.Date(2026, 3, 11, 0, 0, 0, 0, ist), 1)
	decide("b", "", coft.BrandVisa, "en", coft.FormFactorDesktop, true, at(9, 0, 0), 1)
	// Simulated: counted, and counted apart.
	if err := db.RecordSimulatedConsents(ctx, []coft.ConsentOutcome{
		{MerchantID: "a", ShownAt: at(14, 0, 0), Channel: coft.ChannelHostedPage, Language: "en", FormFactor: coft.FormFactorMobilePortrait,
			Brand: coft.BrandVisa, TextID: "tokenize-en-v1", Outcome: coft.OutcomeAccepted, Timed: true, DecideTime: 6 * time.Second},
		{MerchantID: "a", ShownAt: at(14, 5, 0), Channel: coft.ChannelHostedPage, Brand: coft.BrandVisa, Outcome: coft.OutcomeAbandoned},
	}); err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 3, 10, 0, 0, 0, 0, ist), time.Date(2026, 3, 11, 0, 0, 0, 0, ist)
}

// describeStats writes stats as lines, for comparison.
func describeStats(s *coft.ConsentStats) string {
	line := func(name string, c *coft.ConsentCounts) string {
		med, _ := c.Median()
		p90, _ := c.P90()
		return fmt.Sprintf("%s: shown %d accepted %d declined %d abandoned %d rate %.4f median %v p90 %v timed %d simulated %d",
			name, c.Shown(), c.Accepted, c.Declined, c.Abandoned, c.AcceptanceRate(), med, p90, c.Timed, c.Simulated)
	}
	out := []string{line("total", &s.Total), fmt.Sprintf("pending %d", s.Pending)}
	for _, v := range s.Splits {
		out = append(out, line(v.Split+"="+v.Value, &v.ConsentCounts))
	}
	return strings.Join(out, "\n")
}

// wantSpread is the stats of spread's period.
var wantSpread = strings.TrimSpace(`
total: shown 10 accepted 6 declined 2 abandoned 2 rate 0.6000 median 5s p90 20s timed 8 simulated 2
pending 1
channel=HOSTED_PAGE: shown 8 accepted 4 declined 2 abandoned 2 rate 0.5000 median 5s p90 12s timed 6 simulated 2
channel=MERCHANT_PAGE: shown 1 accepted 1 declined 0 abandoned 0 rate 1.0000 median 4s p90 4s timed 1 simulated 0
channel=MANAGEMENT_SCREEN: shown 1 accepted 1 declined 0 abandoned 0 rate 1.0000 median 20s p90 20s timed 1 simulated 0
language=en: shown 5 accepted 4 declined 1 abandoned 0 rate 0.8000 median 4s p90 12s timed 5 simulated 1
language=hi: shown 2 accepted 1 declined 1 abandoned 0 rate 0.5000 median 5s p90 8s timed 2 simulated 0
language=ta: shown 1 accepted 1 declined 0 abandoned 0 rate 1.0000 median 20s p90 20s timed 1 simulated 0
language=: shown 2 accepted 0 declined 0 abandoned 2 rate 0.0000 median 0s p90 0s timed 0 simulated 1
form_factor=mobile-portrait: shown 4 accepted 4 declined 0 abandoned 0 rate 1.0000 median 3s p90 20s timed 4 simulated 1
form_factor=mobile-landscape: shown 1 accepted 1 declined 0 abandoned 0 rate 1.0000 median 8s p90 8s timed 1 simulated 0
form_factor=desktop: shown 3 accepted 1 declined 2 abandoned 0 rate 0.3333 median 5s p90 12s timed 3 simulated 0
form_factor=: shown 2 accepted 0 declined 0 abandoned 2 rate 0.0000 median 0s p90 0s timed 0 simulated 1
card_brand=MASTERCARD: shown 2 accepted 1 declined 1 abandoned 0 rate 0.5000 median 5s p90 20s timed 2 simulated 0
card_brand=RUPAY: shown 1 accepted 0 declined 1 abandoned 0 rate 0.0000 median 12s p90 12s timed 1 simulated 0
card_brand=VISA: shown 7 accepted 5 declined 0 abandoned 2 rate 0.7143 median 4s p90 8s timed 5 simulated 2
text_version=tokenize-en-v1: shown 5 accepted 4 declined 1 abandoned 0 rate 0.8000 median 4s p90 12s timed 5 simulated 1
text_version=tokenize-hi-v1: shown 2 accepted 1 declined 1 abandoned 0 rate 0.5000 median 5s p90 8s timed 2 simulated 0
text_version=tokenize-ta-v1: shown 1 accepted 1 declined 0 abandoned 0 rate 1.0000 median 20s p90 20s timed 1 simulated 0
text_version=: shown 2 accepted 0 declined 0 abandoned 2 rate 0.0000 median 0s p90 0s timed 0 simulated 1`)

// TestConsentStats: a known spread of dialogs, recorded through the
// store's writes, gives exactly the expected counts, rates, medians, p90
// and splits; counting them again from the evidence gives the same.
func TestConsentStats(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		from, to := spread(t, db)
		want := wantSpread

		s, err := db.ConsentStats(ctx, "a", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeStats(s); got != want {
			t.Fatalf("stats:\n%s\nwant:\n%s", got, want)
		}
		if len(s.Days) != 1 || !s.Days[0].Day.Equal(from) || s.Days[0].Accepted != 6 || s.Days[0].Abandoned != 2 {
			t.Fatalf("days = %+v", s.Days)
		}
		// Three days around it: the day before and after hold one each.
		wide, err := db.ConsentStats(ctx, "a", from.AddDate(0, 0, -1), to.AddDate(0, 0, 1))
		if err != nil || wide.Total.Shown() != 12 || len(wide.Days) != 3 || wide.Days[0].Accepted != 1 || wide.Days[2].Accepted != 1 {
			t.Fatalf("three days = %+v, %v", wide, err)
		}
		if b, err := db.ConsentStats(ctx, "b", from, to); err != nil || b.Total.Shown() != 1 {
			t.Fatalf("merchant b = %+v, %v", b, err)
		}
		// The outcomes added to the counts (as the reconciler does): the
		// same stats, read from the counts alone.
		if n, err := db.CompactConsentStats(ctx); err != nil || n != 11 {
			t.Fatalf("compaction = %d, %v; want the 11 dialogs ended (10 of a's, 1 of b's)", n, err)
		}
		if n, err := db.CompactConsentStats(ctx); err != nil || n != 0 {
			t.Fatalf("compaction again = %d, %v", n, err)
		}
		if s, err = db.ConsentStats(ctx, "a", from, to); err != nil {
			t.Fatal(err)
		}
		if got := describeStats(s); got != want {
			t.Fatalf("stats after compaction:\n%s\nwant:\n%s", got, want)
		}
		// Counted again from the evidence (as after the migration), the
		// same; the simulated counts are left as they were.
		if err := db.RebuildConsentStats(ctx); err != nil {
			t.Fatal(err)
		}
		s, err = db.ConsentStats(ctx, "a", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeStats(s); got != want {
			t.Fatalf("stats counted again:\n%s\nwant:\n%s", got, want)
		}
		// Nothing simulated reaches the ledger: its 11 entries are the
		// decisions (the drop-in's twice, as its own and the payment's; the
		// merchant-declared one; the two outside the period).
		x, err := db.ExportLedger(ctx, "a", time.Time{}, time.Time{})
		if err != nil || len(x.Entries) != 11 {
			t.Fatalf("ledger = %d entries, %v", len(x.Entries), err)
		}
	})
}

// TestConsentStatsCountedAtStart: the dialogs recorded before the counts
// existed are counted when the store opens after the migration that made
// them (its task), once.
func TestConsentStatsCountedAtStart(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/stats.db"
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	from, to := spread(t, db)
	for _, q := range []string{`DELETE FROM consent_stats WHERE simulated = 0`, `INSERT INTO store_tasks (name) VALUES ('rebuild consent_stats')`} {
		if _, err := db.RawExec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for range 2 { // the second opening counts nothing again
		db, err = sqlstore.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.ConsentStats(ctx, "a", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := describeStats(s); got != wantSpread {
			t.Fatalf("stats after opening:\n%s\nwant:\n%s", got, wantSpread)
		}
		db.Close()
	}
}

// TestConsentStatsPeriods: over three months of simulated dialogs, the
// stats of periods that start and end mid-month, cover whole months, or
// fall in one month (read from month and day rows, and from the outcomes
// not yet added to them) are exactly the counts of the dialogs shown in
// them, before and after the outcomes are added.
func TestConsentStatsPeriods(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustMerchant(t, db, "a")
		now := time.Date(2026, 5, 20, 12, 0, 0, 0, ist)
		// Half counted, half recorded and not yet added to the counts.
		outcomes := sandbox.SimulateConsents("a", 4000, 120, now, 3)
		if err := db.RecordSimulatedConsents(ctx, outcomes[:2000]); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordOutcomes(ctx, outcomes[2000:]); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			if round == 1 {
				if n, err := db.CompactConsentStats(ctx); err != nil || n != 2000 {
					t.Fatalf("compaction = %d, %v", n, err)
				}
			}
			day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, ist) }
			for _, p := range [][2]time.Time{
				{day(1, 25), day(5, 21)}, {day(2, 10), day(4, 3)}, {day(3, 1), day(5, 1)}, {day(3, 1), day(4, 1)},
				{day(3, 5), day(3, 20)}, {day(2, 28), day(3, 2)}, {day(4, 30), day(5, 1)},
			} {
				var want coft.ConsentCounts
				wantSplits := map[string]*coft.ConsentCounts{}
				for _, o := range outcomes {
					if d := coft.StatsDay(o.ShownAt); d.Before(p[0]) || !d.Before(p[1]) {
						continue
					}
					want.Add(&o)
					for _, sp := range coft.StatsSplits {
						k := sp + "=" + o.Value(sp)
						if wantSplits[k] == nil {
							wantSplits[k] = &coft.ConsentCounts{}
						}
						wantSplits[k].Add(&o)
					}
				}
				s, err := db.ConsentStats(ctx, "a", p[0], p[1])
				if err != nil {
					t.Fatal(err)
				}
				if s.Total != want || want.Shown() == 0 {
					t.Errorf("%s to %s: total %+v, want %+v", p[0].Format(time.DateOnly), p[1].Format(time.DateOnly), s.Total, want)
				}
				for _, v := range s.Splits {
					if w := wantSplits[v.Split+"="+v.Value]; w == nil || *w != v.ConsentCounts {
						t.Errorf("%s to %s: %s=%s %+v, want %+v", p[0].Format(time.DateOnly), p[1].Format(time.DateOnly), v.Split, v.Value, v.ConsentCounts, w)
					}
				}
				if len(s.Splits) != len(wantSplits) {
					t.Errorf("%d split values, want %d", len(s.Splits), len(wantSplits))
				}
				var days int64
				for _, d := range s.Days {
					days += d.Accepted + d.Declined + d.Abandoned
				}
				if days != want.Shown() || len(s.Days) != coft.StatsDays(p[0], p[1]) {
					t.Errorf("%s to %s: %d days holding %d dialogs, want %d", p[0].Format(time.DateOnly), p[1].Format(time.DateOnly),
						len(s.Days), days, want.Shown())
				}
			}
		}
	})
}
