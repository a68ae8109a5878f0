package coft

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Consent insight: how consent dialogs end, for a period, overall and
// split by channel, language, form factor, card brand and text version.
// The store keeps the counts by day as the decisions are recorded (see
// ConsentStatsStore); this file defines what is counted and how the
// figures are read from the counts.

// How a consent dialog ended.
const (
	OutcomeAccepted  = "accepted"
	OutcomeDeclined  = "declined"
	OutcomeAbandoned = "abandoned" // shown, then no decision within the payment's authentication window
)

// The splits of consent stats, in the order reports show them.
const (
	SplitChannel    = "channel"
	SplitLanguage   = "language"
	SplitFormFactor = "form_factor"
	SplitBrand      = "card_brand"
	SplitText       = "text_version"
)

// StatsSplits lists the splits.
var StatsSplits = []string{SplitChannel, SplitLanguage, SplitFormFactor, SplitBrand, SplitText}

// StatsChannels are the channels whose dialogs the stats count: those
// where a dialog of this service was shown. A MERCHANT_DECLARED decision
// showed none (the merchant says what its own page asked), and a
// MERCHANT_PAGE decision used by a payment is the drop-in decision
// counted already.
var StatsChannels = []string{ChannelHostedPage, ChannelMerchantPage, ChannelManagementPage}

// ConsentOutcome is how one consent dialog ended, as the stats count it.
// Values not known are "" (an abandoned dialog has no language, text or
// form factor: nothing was posted).
type ConsentOutcome struct {
	MerchantID string
	ShownAt    time.Time // when the dialog was shown: the day it counts on
	Channel    string
	Language   string
	FormFactor string
	Brand      string
	TextID     string
	Outcome    string // OutcomeAccepted, OutcomeDeclined or OutcomeAbandoned
	// DecideTime is the time from the dialog's being shown to the
	// decision, when Timed (decisions whose dialog's time is known).
	DecideTime time.Duration
	Timed      bool
	TooFast    bool
	// Simulated marks an outcome made up by the sandbox's simulator
	// (never in the ledger), counted apart as well as in the totals.
	Simulated bool
}

// Value is the outcome's value in a split.
func (o *ConsentOutcome) Value(split string) string {
	switch split {
	case SplitChannel:
		return o.Channel
	case SplitLanguage:
		return o.Language
	case SplitFormFactor:
		return o.FormFactor
	case SplitBrand:
		return o.Brand
	case SplitText:
		return o.TextID
	}
	return ""
}

// DecideBuckets are the lower bounds of the time-to-decide histogram's
// buckets: 250 ms wide up to 3 s, 500 ms to 6 s, 1 s to 15 s, 2.5 s to
// 30 s, 5 s to a minute, then wider; the last holds an hour and more.
// Medians and percentiles are read to their bucket (see
// ConsentCounts.Percentile).
var DecideBuckets = func() []time.Duration {
	out := make([]time.Duration, len(decideMS))
	for i, m := range decideMS {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}()

var decideMS = [...]int{0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3500, 4000, 4500, 5000, 5500,
	6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000, 14000, 15000, 17500, 20000, 22500, 25000, 27500, 30000, 35000, 40000,
	45000, 50000, 55000, 60000, 75000, 90000, 105000, 120000, 150000, 180000, 240000, 300000, 420000, 600000, 900000,
	1200000, 1800000, 3600000}

// NumDecideBuckets is len(DecideBuckets).
const NumDecideBuckets = len(decideMS)

// DecideBucket is the index of the bucket of DecideBuckets that holds d.
func DecideBucket(d time.Duration) int {
	lo, hi := 0, len(DecideBuckets)-1
	if d <= 0 {
		return 0
	}
	for lo < hi { // the last bound not above d
		mid := (lo + hi + 1) / 2
		if DecideBuckets[mid] <= d {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// ConsentCounts are the counts of a set of consent dialogs.
type ConsentCounts struct {
	Accepted, Declined, Abandoned int64
	TooFast                       int64 // decisions flagged too fast (see MinDecisionTime)
	Simulated                     int64 // dialogs of the simulator, among the others
	Timed                         int64 // decisions whose time to decide is known: the histogram's total
	Decide                        [NumDecideBuckets]int64
}

// Shown is the number of dialogs that ended: accepted, declined or
// abandoned.
func (c *ConsentCounts) Shown() int64 { return c.Accepted + c.Declined + c.Abandoned }

// Add counts an outcome.
func (c *ConsentCounts) Add(o *ConsentOutcome) {
	switch o.Outcome {
	case OutcomeAccepted:
		c.Accepted++
	case OutcomeDeclined:
		c.Declined++
	case OutcomeAbandoned:
		c.Abandoned++
	}
	if o.TooFast {
		c.TooFast++
	}
	if o.Simulated {
		c.Simulated++
	}
	if o.Timed && o.Outcome != OutcomeAbandoned {
		c.Timed++
		c.Decide[DecideBucket(o.DecideTime)]++
	}
}

// Merge adds other's counts.
func (c *ConsentCounts) Merge(other *ConsentCounts) {
	c.Accepted += other.Accepted
	c.Declined += other.Declined
	c.Abandoned += other.Abandoned
	c.TooFast += other.TooFast
	c.Simulated += other.Simulated
	c.Timed += other.Timed
	for i, n := range other.Decide {
		c.Decide[i] += n
	}
}

// AcceptanceRate is accepted / shown (abandoned dialogs count as not
// accepted), 0 when none was shown.
func (c *ConsentCounts) AcceptanceRate() float64 {
	if c.Shown() == 0 {
		return 0
	}
	return float64(c.Accepted) / float64(c.Shown())
}

// Percentile returns the p-th percentile (0 < p ≤ 1) of the time to
// decide, by nearest rank — the ⌈p·n⌉-th smallest of the n timed
// decisions — rounded down to its bucket's lower bound (DecideBuckets);
// false when no decision is timed.
func (c *ConsentCounts) Percentile(p float64) (time.Duration, bool) {
	if c.Timed == 0 || p <= 0 || p > 1 {
		return 0, false
	}
	rank := int64(p * float64(c.Timed))
	if float64(rank) < p*float64(c.Timed) {
		rank++
	}
	var seen int64
	for i, n := range c.Decide {
		if seen += n; seen >= rank {
			return DecideBuckets[i], true
		}
	}
	return DecideBuckets[len(DecideBuckets)-1], true
}

// Median is Percentile(0.5).
func (c *ConsentCounts) Median() (time.Duration, bool) { return c.Percentile(0.5) }

// P90 is Percentile(0.9).
func (c *ConsentCounts) P90() (time.Duration, bool) { return c.Percentile(0.9) }

// ConsentSplit is the counts of the dialogs with one value of a split
// ("" when the value is not known).
type ConsentSplit struct {
	Split string
	Value string
	ConsentCounts
}

// ConsentDay is the counts of one day's dialogs (no histogram).
type ConsentDay struct {
	Day                           time.Time // midnight in India
	Accepted, Declined, Abandoned int64
}

// ConsentStats are a merchant's consent dialogs shown in a period.
type ConsentStats struct {
	MerchantID string
	From, To   time.Time // the period [From, To): midnights in India
	Total      ConsentCounts
	// Pending counts dialogs shown in the period whose payment is still
	// in its authentication window: not in Total until they end.
	Pending int64
	// Splits, by StatsSplits order, then by value.
	Splits []ConsentSplit
	// Days, from From, one per day of the period.
	Days []ConsentDay
}

// Split returns the values of one split, in order.
func (s *ConsentStats) Split(split string) []ConsentSplit {
	var out []ConsentSplit
	for _, v := range s.Splits {
		if v.Split == split {
			out = append(out, v)
		}
	}
	return out
}

// MaxStatsDays bounds a stats period.
const MaxStatsDays = 400

// StatsDay is the day of t in India (its midnight there): the day a
// dialog counts on.
func StatsDay(t time.Time) time.Time {
	t = t.In(ist)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ist)
}

// StatsDayKey is the day of t in India as the store keys it:
// "2026-01-31".
func StatsDayKey(t time.Time) string { return t.In(ist).Format(time.DateOnly) }

// ParseStatsDay reads one end of a stats period: a date ("2026-01-31",
// that day's midnight in India) or an RFC 3339 time that is a midnight in
// India ("2026-01-31T00:00:00+05:30", "2026-01-30T18:30:00Z"). Stats are
// kept by day: any other time is refused, naming field.
func ParseStatsDay(field, s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, ist); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, FieldError(EINVALID, field, "%s must be a date, e.g. 2026-01-31 (a day in India's time).", field)
	}
	if d := StatsDay(t); !d.Equal(t) {
		return time.Time{}, FieldError(EINVALID, field,
			"%s must be a midnight in India (stats are kept by day), e.g. %s or %s.", field, d.Format(time.DateOnly),
			d.Format(time.RFC3339))
	}
	return StatsDay(t), nil
}

// StatsPeriod checks a stats period [from, to) of days in India: zero
// ends default to the 30 days up to today, included. It returns the
// period's midnights.
func StatsPeriod(from, to, now time.Time) (time.Time, time.Time, error) {
	if to.IsZero() {
		to = StatsDay(now).AddDate(0, 0, 1)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	from, to = StatsDay(from), StatsDay(to)
	switch days := StatsDays(from, to); {
	case days < 1:
		return from, to, FieldError(EINVALID, "to", "to must be after from.")
	case days > MaxStatsDays:
		return from, to, FieldError(ERANGE, "from", "A period may span at most %d days.", MaxStatsDays)
	}
	return from, to, nil
}

// StatsDays is the number of days in India from from to to.
func StatsDays(from, to time.Time) int {
	a, b := StatsDay(from), StatsDay(to)
	n := 0
	for d := a; d.Before(b) && n <= MaxStatsDays+1; d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// FormatDecideTime writes a time to decide for people: "4.5 s",
// "1 min 30 s".
func FormatDecideTime(d time.Duration) string {
	switch {
	case d < time.Minute:
		s := fmt.Sprintf("%.2f", d.Seconds())
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s + " s"
	case d < time.Hour:
		m, s := int(d/time.Minute), int((d%time.Minute)/time.Second)
		if s == 0 {
			return fmt.Sprintf("%d min", m)
		}
		return fmt.Sprintf("%d min %d s", m, s)
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// ConsentStatsStore keeps the counts of consent dialogs, by merchant and
// day: each dialog's outcome is recorded in the transaction that ends it,
// and added to the counts soon after (CompactConsentStats); the stats
// read both.
type ConsentStatsStore interface {
	// ConsentStats returns the merchant's dialogs shown in [from, to)
	// (midnights in India; see StatsPeriod).
	ConsentStats(ctx context.Context, merchantID string, from, to time.Time) (*ConsentStats, error)
	// RecordSimulatedConsents counts made-up outcomes (their Simulated
	// set), for demonstrations: they are in the stats, marked, and never
	// in the consent ledger.
	RecordSimulatedConsents(ctx context.Context, outcomes []ConsentOutcome) error
	// CompactConsentStats adds the outcomes recorded since it last ran to
	// the counts, and returns how many; the stats are the same before and
	// after, and cheaper to read after.
	CompactConsentStats(ctx context.Context) (int, error)
}
