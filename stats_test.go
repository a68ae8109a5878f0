package coft_test

import (
	"testing"
	"time"

	"github.com/coftkit/coft"
)

func TestDecideBucket(t *testing.T) {
	for i := 1; i < len(coft.DecideBuckets); i++ {
		if coft.DecideBuckets[i] <= coft.DecideBuckets[i-1] {
			t.Fatalf("bucket %d (%v) is not above bucket %d", i, coft.DecideBuckets[i], i-1)
		}
	}
	for d, want := range map[time.Duration]time.Duration{
		-time.Second: 0, 0: 0, 249 * time.Millisecond: 0, 250 * time.Millisecond: 250 * time.Millisecond,
		2300 * time.Millisecond: 2250 * time.Millisecond, 4 * time.Second: 4 * time.Second, 4999 * time.Millisecond: 4500 * time.Millisecond,
		12345 * time.Millisecond: 12 * time.Second, 95 * time.Second: 90 * time.Second, 3 * time.Hour: time.Hour,
	} {
		if got := coft.DecideBuckets[coft.DecideBucket(d)]; got != want {
			t.Errorf("DecideBucket(%v) holds from %v, want %v", d, got, want)
		}
	}
}

// TestConsentCounts: rates and nearest-rank percentiles, to the bucket.
func TestConsentCounts(t *testing.T) {
	var c coft.ConsentCounts
	if _, ok := c.Median(); ok || c.AcceptanceRate() != 0 {
		t.Fatal("empty counts have a median or a rate")
	}
	for i, s := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} { // seconds
		o := coft.ConsentOutcome{Outcome: coft.OutcomeAccepted, Timed: true, DecideTime: time.Duration(s) * time.Second}
		if i%4 == 3 {
			o.Outcome = coft.OutcomeDeclined
		}
		c.Add(&o)
	}
	c.Add(&coft.ConsentOutcome{Outcome: coft.OutcomeAbandoned, Timed: true, DecideTime: time.Hour}) // not a decision: untimed
	c.Add(&coft.ConsentOutcome{Outcome: coft.OutcomeDeclined, TooFast: true, Simulated: true})
	if c.Shown() != 12 || c.Accepted != 8 || c.Declined != 3 || c.Abandoned != 1 || c.Timed != 10 || c.TooFast != 1 || c.Simulated != 1 {
		t.Fatalf("counts = %+v", c)
	}
	if r := c.AcceptanceRate(); r != 8.0/12 {
		t.Errorf("rate = %v", r)
	}
	for p, want := range map[float64]time.Duration{0.5: 5 * time.Second, 0.9: 9 * time.Second, 1: 10 * time.Second, 0.01: time.Second, 0.55: 6 * time.Second} {
		if got, ok := c.Percentile(p); !ok || got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
}

func TestStatsPeriod(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-01-31", time.Date(2026, 1, 31, 0, 0, 0, 0, ist), true},
		{"2026-01-31T00:00:00+05:30", time.Date(2026, 1, 31, 0, 0, 0, 0, ist), true},
		{"2026-01-30T18:30:00Z", time.Date(2026, 1, 31, 0, 0, 0, 0, ist), true},
		{"2026-01-31T00:00:00Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"2026-02-30", time.Time{}, false},
	} {
		got, err := coft.ParseStatsDay("from", tc.in)
		if (err == nil) != tc.ok || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("ParseStatsDay(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && coft.ErrorField(err) != "from" {
			t.Errorf("ParseStatsDay(%q) names %q", tc.in, coft.ErrorField(err))
		}
	}
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC) // 11 March in India
	from, to, err := coft.StatsPeriod(time.Time{}, time.Time{}, now)
	if err != nil || !to.Equal(time.Date(2026, 3, 12, 0, 0, 0, 0, ist)) || coft.StatsDays(from, to) != 30 {
		t.Fatalf("default period = %v to %v, %v", from, to, err)
	}
	if _, _, err := coft.StatsPeriod(to, from, now); coft.ErrorField(err) != "to" {
		t.Errorf("reversed period: %v", err)
	}
	if _, _, err := coft.StatsPeriod(to.AddDate(-2, 0, 0), to, now); coft.ErrorCode(err) != coft.ERANGE {
		t.Errorf("two years: %v", err)
	}
	if got := coft.FormatDecideTime(4500 * time.Millisecond); got != "4.5 s" {
		t.Errorf("FormatDecideTime = %q", got)
	}
	if got := coft.FormatDecideTime(90 * time.Second); got != "1 min 30 s" {
		t.Errorf("FormatDecideTime = %q", got)
	}
}
