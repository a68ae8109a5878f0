package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// Consent insight's counts (coft.ConsentStats). A write that ends a
// consent dialog — a decision on the hosted page or the saved-cards
// screen (RecordConsent), in the drop-in (RecordPageConsent), or a
// payment ended while its dialog waited (writeTxn) — adds its outcome to
// its transaction (dbTx.countOutcome); when the write has done everything
// else, just before its ledger entries are chained (runWrite), the
// outcomes are inserted into consent_outcomes: one small row each, no
// shared row updated, so that a merchant's consents never queue on
// counters and a write that fails counts nothing. The reconciler adds
// those rows to the counts kept by day and month (consent_stats) and
// deletes them, in one transaction (CompactConsentStats); stats read the
// counts and the rows not yet added, in one snapshot.
//
// Why counts kept by day and month rather than a scan of the consents:
// stats for a period read about 26 rows a day for the days outside whole
// months and 26 a month for the months, whatever the number of consents
// (a year: about 2,000), where a scan of a million consents, with the
// percentiles of their times, takes seconds on either database (see
// docs/PERFORMANCE.md).

// countOutcome adds an outcome to be counted when the write succeeds.
func (t *dbTx) countOutcome(o coft.ConsentOutcome) { t.outcomes = append(t.outcomes, o) }

// The grains of consent_stats' rows.
const (
	grainDay   = "day"   // period "2026-03-10"
	grainMonth = "month" // period "2026-03"
)

// statsKey is one row of consent_stats.
type statsKey struct {
	merchant, grain, period string
	simulated               bool
	split, value            string
}

// statsRows adds outcomes to rows: their day's and their month's, one
// per split.
func statsRows(rows map[statsKey]*coft.ConsentCounts, outcomes []coft.ConsentOutcome) {
	for i := range outcomes {
		o := &outcomes[i]
		day := coft.StatsDayKey(o.ShownAt)
		for _, g := range [2][2]string{{grainDay, day}, {grainMonth, day[:7]}} {
			for _, split := range coft.StatsSplits {
				k := statsKey{o.MerchantID, g[0], g[1], o.Simulated, split, o.Value(split)}
				c := rows[k]
				if c == nil {
					c = &coft.ConsentCounts{}
					rows[k] = c
				}
				c.Add(o)
			}
		}
	}
}

// statsColumns are consent_stats' count columns after the key, in order.
var statsColumns = func() []string {
	cols := []string{"accepted", "declined", "abandoned", "too_fast", "timed"}
	for i := range coft.NumDecideBuckets {
		cols = append(cols, fmt.Sprintf("d%02d", i))
	}
	return cols
}()

// countValues are c's values of statsColumns.
func countValues(c *coft.ConsentCounts) []int64 {
	v := []int64{c.Accepted, c.Declined, c.Abandoned, c.TooFast, c.Timed}
	return append(v, c.Decide[:]...)
}

// addStats adds counts to their rows, creating them as needed: in
// statements of up to 50 rows, naming only the columns some row adds to.
func (db *DB) addStats(ctx context.Context, tx *dbTx, rows map[statsKey]*coft.ConsentCounts) error {
	keys := make([]statsKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	// One order for every writer: rows are locked in it (PostgreSQL), so
	// two writes never wait for each other in a circle.
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.merchant != b.merchant:
			return a.merchant < b.merchant
		case a.grain != b.grain:
			return a.grain < b.grain
		case a.period != b.period:
			return a.period < b.period
		case a.simulated != b.simulated:
			return !a.simulated
		case a.split != b.split:
			return a.split < b.split
		}
		return a.value < b.value
	})
	values := make(map[statsKey][]int64, len(rows))
	for k, c := range rows {
		values[k] = countValues(c)
	}
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 50)]
		keys = keys[len(batch):]
		// The columns: the five counts always, and the histogram's buckets
		// some row of the batch adds to (a decision's one), so that the
		// statements a decision runs are few, and prepared once.
		used := []int{0, 1, 2, 3, 4}
		for col := 5; col < len(statsColumns); col++ {
			for _, k := range batch {
				if values[k][col] != 0 {
					used = append(used, col)
					break
				}
			}
		}
		var q strings.Builder
		q.WriteString(`INSERT INTO consent_stats (merchant_id, grain, period, simulated, split, value`)
		for _, col := range used {
			q.WriteString(", " + statsColumns[col])
		}
		q.WriteString(`) VALUES `)
		marks := "(?, ?, ?, ?, ?, ?" + strings.Repeat(", ?", len(used)) + ")"
		args := make([]any, 0, len(batch)*(6+len(used)))
		for i, k := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(marks)
			sim := 0
			if k.simulated {
				sim = 1
			}
			args = append(args, k.merchant, k.grain, k.period, sim, k.split, k.value)
			v := values[k]
			for _, col := range used {
				args = append(args, v[col])
			}
		}
		q.WriteString(` ON CONFLICT (merchant_id, grain, period, simulated, split, value) DO UPDATE SET `)
		for i, col := range used {
			if i > 0 {
				q.WriteString(", ")
			}
			c := statsColumns[col]
			q.WriteString(c + " = consent_stats." + c + " + excluded." + c)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(q.String()), args...); err != nil {
			return fmt.Errorf("consent stats: %w", err)
		}
	}
	return nil
}

// applyOutcomes inserts the outcomes a write added into
// consent_outcomes, one statement per outcome (the same, prepared).
func (db *DB) applyOutcomes(ctx context.Context, tx *dbTx) error {
	for i := range tx.outcomes {
		o := &tx.outcomes[i]
		var ms sql.NullInt64
		if o.Timed {
			ms = sql.NullInt64{Int64: o.DecideTime.Milliseconds(), Valid: true}
		}
		sim := 0
		if o.Simulated {
			sim = 1
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO consent_outcomes (merchant_id, shown_day, simulated, channel, language,
			form_factor, brand, text_id, outcome, decide_ms, too_fast) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			o.MerchantID, coft.StatsDayKey(o.ShownAt), sim, o.Channel, o.Language, o.FormFactor, o.Brand, o.TextID, o.Outcome,
			ms, o.TooFast); err != nil {
			return fmt.Errorf("consent outcome: %w", err)
		}
	}
	return nil
}

// outcomeColumns are what scanOutcome reads of consent_outcomes.
const outcomeColumns = `shown_day, simulated, channel, language, form_factor, brand, text_id, outcome, decide_ms, too_fast`

// scanOutcome reads a consent_outcomes row (outcomeColumns, after what
// before's destinations take) as an outcome of merchantID, shown at its
// day's midnight; days holds the days read so far.
func scanOutcome(s scanner, merchantID string, days map[string]time.Time, before ...any) (coft.ConsentOutcome, error) {
	o := coft.ConsentOutcome{MerchantID: merchantID}
	var day string
	var sim int64
	var ms sql.NullInt64
	if err := s.Scan(append(before, &day, &sim, &o.Channel, &o.Language, &o.FormFactor, &o.Brand, &o.TextID, &o.Outcome, &ms,
		&o.TooFast)...); err != nil {
		return o, err
	}
	shown, ok := days[day]
	if !ok {
		var err error
		if shown, err = coft.ParseStatsDay("shown_day", day); err != nil {
			return o, fmt.Errorf("consent outcome of day %q: %w", day, err)
		}
		days[day] = shown
	}
	o.ShownAt, o.Simulated = shown, sim != 0
	if ms.Valid {
		o.Timed, o.DecideTime = true, time.Duration(ms.Int64)*time.Millisecond
	}
	return o, nil
}

// compactBatch is how many outcomes one compaction transaction adds.
const compactBatch = 5000

// CompactConsentStats adds the outcomes of consent_outcomes to the counts
// and deletes them, a batch at a time, each batch in one transaction; it
// returns how many it added. Instances may compact at once: on
// PostgreSQL each takes rows the other has not locked. The reconciler
// calls it every 30 seconds.
func (db *DB) CompactConsentStats(ctx context.Context) (n int, err error) {
	defer failed(&err, "CompactConsentStats")
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	for {
		var got int
		err := db.inTx(ctx, func(tx *dbTx) error {
			rows, err := tx.QueryContext(ctx, db.rebind(`SELECT id, merchant_id, `+outcomeColumns+` FROM consent_outcomes
				ORDER BY id LIMIT ?`+lock), compactBatch)
			if err != nil {
				return err
			}
			var ids []any
			var outcomes []coft.ConsentOutcome
			days := map[string]time.Time{}
			for rows.Next() {
				var id int64
				var merchant string
				o, err := scanOutcome(rows, "", days, &id, &merchant)
				if err != nil {
					rows.Close()
					return err
				}
				o.MerchantID = merchant
				ids = append(ids, id)
				outcomes = append(outcomes, o)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			got = len(ids)
			if got == 0 {
				return nil
			}
			counts := map[statsKey]*coft.ConsentCounts{}
			statsRows(counts, outcomes)
			if err := db.addStats(ctx, tx, counts); err != nil {
				return err
			}
			for len(ids) > 0 {
				chunk := ids[:min(len(ids), 500)]
				ids = ids[len(chunk):]
				if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM consent_outcomes WHERE id IN (?`+
					strings.Repeat(", ?", len(chunk)-1)+`)`), chunk...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += got
		if got < compactBatch {
			return n, nil
		}
	}
}

// decisionOutcome is the outcome of a decision on a payment (the hosted
// page or the saved-cards screen); false for a decision no dialog of ours
// asked (merchant-declared, or a drop-in decision counted already).
func decisionOutcome(t *coft.Txn, c *coft.Consent) (coft.ConsentOutcome, bool) {
	if c.Channel != coft.ChannelHostedPage && c.Channel != coft.ChannelManagementPage {
		return coft.ConsentOutcome{}, false
	}
	o := coft.ConsentOutcome{MerchantID: c.MerchantID, ShownAt: c.ShownAt, Channel: c.Channel, Language: c.Locale,
		FormFactor: c.FormFactor, Brand: t.Brand, TextID: c.TextID, Outcome: coft.OutcomeDeclined, TooFast: c.TooFast}
	if c.Decision {
		o.Outcome = coft.OutcomeAccepted
	}
	if o.ShownAt.IsZero() {
		o.ShownAt = t.CreatedAt
	} else {
		o.Timed, o.DecideTime = true, c.DecidedAt.Sub(c.ShownAt)
	}
	return o, true
}

// pageOutcome is the outcome of a decision in the drop-in.
func pageOutcome(c *coft.PageConsent) coft.ConsentOutcome {
	o := coft.ConsentOutcome{MerchantID: c.MerchantID, ShownAt: c.ShownAt, Channel: coft.ChannelMerchantPage, Language: c.Locale,
		FormFactor: c.FormFactor, Brand: c.Brand, TextID: c.TextID, Outcome: coft.OutcomeDeclined, TooFast: c.TooFast}
	if c.Decision {
		o.Outcome = coft.OutcomeAccepted
	}
	if o.ShownAt.IsZero() {
		o.ShownAt = c.DecidedAt
	} else {
		o.Timed, o.DecideTime = true, c.DecidedAt.Sub(c.ShownAt)
	}
	return o
}

// abandonedOutcome is the outcome of a payment that ended while its
// consent dialog waited: shown, never answered.
func abandonedOutcome(t *coft.Txn, purpose string) coft.ConsentOutcome {
	channel := coft.ChannelHostedPage
	if purpose == coft.PurposeCardTokenization {
		channel = coft.ChannelManagementPage
	}
	return coft.ConsentOutcome{MerchantID: t.MerchantID, ShownAt: t.CreatedAt, Channel: channel, Brand: t.Brand,
		Outcome: coft.OutcomeAbandoned}
}

// countAbandoned counts t's dialog as abandoned when t has just ended
// (it was pending as was) with its consent still asked and unanswered.
func (db *DB) countAbandoned(ctx context.Context, tx *dbTx, t *coft.Txn, was coft.OrderStatus) error {
	if !t.Done() || !t.ConsentPending() || (was != coft.StatusPendingVBV && was != coft.StatusAuthorizing) {
		return nil
	}
	var details string
	if err := tx.QueryRowContext(ctx, db.rebind(`SELECT details FROM orders WHERE merchant_id = ? AND order_id = ?`),
		t.MerchantID, t.OrderID).Scan(&details); err != nil && err != sql.ErrNoRows {
		return err
	}
	tx.countOutcome(abandonedOutcome(t, orderPurpose(details)))
	return nil
}

// orderPurpose reads an order's purpose from its details column.
func orderPurpose(details string) string {
	if details == emptyDetails || !strings.Contains(details, `"purpose"`) {
		return ""
	}
	var d orderDetails
	json.Unmarshal([]byte(details), &d)
	return d.Purpose
}

// RecordSimulatedConsents counts made-up outcomes, marked simulated; see
// coft.ConsentStatsStore. Nothing reaches the ledger.
func (db *DB) RecordSimulatedConsents(ctx context.Context, outcomes []coft.ConsentOutcome) (err error) {
	defer failed(&err, "RecordSimulatedConsents")
	for len(outcomes) > 0 {
		chunk := outcomes[:min(len(outcomes), 100_000)]
		outcomes = outcomes[len(chunk):]
		rows := map[statsKey]*coft.ConsentCounts{}
		for i := range chunk {
			chunk[i].Simulated = true
		}
		statsRows(rows, chunk)
		if err := db.inTx(ctx, func(tx *dbTx) error { return db.addStats(ctx, tx, rows) }); err != nil {
			return err
		}
	}
	return nil
}

// sumColumns is the SELECT list of the counts summed.
var sumColumns = func() string {
	parts := make([]string, len(statsColumns))
	for i, c := range statsColumns {
		parts[i] = "SUM(" + c + ")"
	}
	return strings.Join(parts, ", ")
}()

// statsRanges divides a period [from, to) of days into the rows that
// count it: the whole months inside it (grain month, periods [m0, m1))
// and the days outside them (grain day, each range [lo, hi)).
func statsRanges(from, to time.Time) (days [][2]string, m0, m1 string) {
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, from.Location())
	if !first.Equal(from) {
		first = first.AddDate(0, 1, 0) // the first month that starts inside
	}
	last := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, to.Location()) // the end of the last month inside
	if !first.Before(last) {
		return [][2]string{{coft.StatsDayKey(from), coft.StatsDayKey(to)}}, "", ""
	}
	if from.Before(first) {
		days = append(days, [2]string{coft.StatsDayKey(from), coft.StatsDayKey(first)})
	}
	if last.Before(to) {
		days = append(days, [2]string{coft.StatsDayKey(last), coft.StatsDayKey(to)})
	}
	return days, coft.StatsDayKey(first)[:7], coft.StatsDayKey(last)[:7]
}

// ConsentStats returns the merchant's dialogs shown in [from, to); see
// coft.ConsentStatsStore. It sums, in the database, the rows of the
// period's whole months and of the days around them (at most about 2,000
// rows for a year), reads the days for the series, and counts the
// dialogs still pending from the payments (by status: only those of the
// last minutes).
func (db *DB) ConsentStats(ctx context.Context, merchantID string, from, to time.Time) (_ *coft.ConsentStats, err error) {
	defer failed(&err, "ConsentStats", merchantID)
	from, to = coft.StatsDay(from), coft.StatsDay(to)
	out := &coft.ConsentStats{MerchantID: merchantID, From: from, To: to}
	days, m0, m1 := statsRanges(from, to)
	var parts []string
	var args []any
	for _, r := range days {
		parts = append(parts, `SELECT * FROM consent_stats WHERE merchant_id = ? AND grain = ? AND period >= ? AND period < ?`)
		args = append(args, merchantID, grainDay, r[0], r[1])
	}
	if m0 != "" {
		parts = append(parts, `SELECT * FROM consent_stats WHERE merchant_id = ? AND grain = ? AND period >= ? AND period < ?`)
		args = append(args, merchantID, grainMonth, m0, m1)
	}
	// One snapshot for the counts and the outcomes not yet added to them
	// (a compaction moves rows from one to the other).
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	rtx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	rows, err := rtx.QueryContext(ctx, db.rebind(`SELECT split, value, simulated, `+sumColumns+` FROM (`+
		strings.Join(parts, " UNION ALL ")+`) p GROUP BY split, value, simulated ORDER BY split, value, simulated`), args...)
	if err != nil {
		return nil, err
	}
	splits := map[[2]string]*coft.ConsentSplit{}
	for rows.Next() {
		var split, value string
		var sim int64
		var c coft.ConsentCounts
		dest := []any{&split, &value, &sim, &c.Accepted, &c.Declined, &c.Abandoned, &c.TooFast, &c.Timed}
		for i := range c.Decide {
			dest = append(dest, &c.Decide[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		if sim != 0 {
			c.Simulated = c.Shown()
		}
		s := splits[[2]string{split, value}]
		if s == nil {
			s = &coft.ConsentSplit{Split: split, Value: value}
			splits[[2]string{split, value}] = s
		}
		s.Merge(&c)
		if split == coft.SplitChannel { // every dialog has one channel: the total
			out.Total.Merge(&c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The outcomes not yet added to the counts.
	rows, err = rtx.QueryContext(ctx, db.rebind(`SELECT `+outcomeColumns+` FROM consent_outcomes
		WHERE merchant_id = ? AND shown_day >= ? AND shown_day < ?`), merchantID, coft.StatsDayKey(from), coft.StatsDayKey(to))
	if err != nil {
		return nil, err
	}
	tailDays := map[string]*coft.ConsentDay{}
	seen := map[string]time.Time{}
	for rows.Next() {
		o, err := scanOutcome(rows, merchantID, seen)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out.Total.Add(&o)
		for _, split := range coft.StatsSplits {
			k := [2]string{split, o.Value(split)}
			if splits[k] == nil {
				splits[k] = &coft.ConsentSplit{Split: split, Value: k[1]}
			}
			splits[k].Add(&o)
		}
		day := coft.StatsDayKey(o.ShownAt)
		if tailDays[day] == nil {
			tailDays[day] = &coft.ConsentDay{}
		}
		switch o.Outcome {
		case coft.OutcomeAccepted:
			tailDays[day].Accepted++
		case coft.OutcomeDeclined:
			tailDays[day].Declined++
		case coft.OutcomeAbandoned:
			tailDays[day].Abandoned++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, split := range coft.StatsSplits {
		var vs []coft.ConsentSplit
		for k, s := range splits {
			if k[0] == split {
				vs = append(vs, *s)
			}
		}
		sort.Slice(vs, func(i, j int) bool { return splitLess(split, vs[i].Value, vs[j].Value) })
		out.Splits = append(out.Splits, vs...)
	}

	// The days, from the channel split's day rows.
	rows, err = rtx.QueryContext(ctx, db.rebind(`SELECT period, SUM(accepted), SUM(declined), SUM(abandoned) FROM consent_stats
		WHERE merchant_id = ? AND grain = ? AND period >= ? AND period < ? AND split = ? GROUP BY period`),
		merchantID, grainDay, coft.StatsDayKey(from), coft.StatsDayKey(to), coft.SplitChannel)
	if err != nil {
		return nil, err
	}
	byDay := map[string]coft.ConsentDay{}
	for rows.Next() {
		var day string
		var d coft.ConsentDay
		if err := rows.Scan(&day, &d.Accepted, &d.Declined, &d.Abandoned); err != nil {
			rows.Close()
			return nil, err
		}
		byDay[day] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := coft.StatsDayKey(d)
		day := byDay[key]
		if t := tailDays[key]; t != nil {
			day.Accepted, day.Declined, day.Abandoned = day.Accepted+t.Accepted, day.Declined+t.Declined, day.Abandoned+t.Abandoned
		}
		day.Day = d
		out.Days = append(out.Days, day)
	}
	rtx.Rollback()

	// Dialogs still waiting: payments asking for consent, unanswered, not
	// ended (the status index holds few of them: the abandoned are ended
	// within minutes).
	err = db.r.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM txns WHERE status IN (?, ?) AND created_at >= ? AND created_at < ?
		AND merchant_id = ? AND consent_asked = ? AND consent IS NULL`), string(coft.StatusPendingVBV), string(coft.StatusAuthorizing),
		from.UTC(), to.UTC(), merchantID, true).Scan(&out.Pending)
	return out, err
}

// splitLess orders a split's values: known ones first, in the order the
// domain lists them (channels, form factors) or alphabetically, and the
// unknown ("") last.
func splitLess(split, a, b string) bool {
	if (a == "") != (b == "") {
		return b == ""
	}
	var order []string
	switch split {
	case coft.SplitChannel:
		order = coft.StatsChannels
	case coft.SplitFormFactor:
		order = coft.FormFactors
	}
	ia, ib := indexOf(order, a), indexOf(order, b)
	if ia != ib {
		return ia < ib
	}
	return a < b
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list)
}

// rebuildConsentStats counts again, from the evidence, every dialog that
// ended (decisions on the hosted page, the saved-cards screen and the
// drop-in; payments that ended while their dialog waited) into
// consent_stats, replacing the counts and the outcomes not yet added that
// are not simulated. It runs once after the migration that made the
// tables (store_tasks), so that the dialogs recorded before are counted;
// the tables are locked meanwhile (PostgreSQL), so that a decision
// recorded at the same time is counted once.
func (db *DB) rebuildConsentStats(ctx context.Context, tx *dbTx) error {
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE consent_stats, consent_outcomes IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	rows := map[statsKey]*coft.ConsentCounts{}
	var batch []coft.ConsentOutcome
	flush := func() {
		statsRows(rows, batch)
		batch = batch[:0]
	}
	// Decisions on payments.
	q, err := tx.QueryContext(ctx, db.rebind(`SELECT c.merchant_id, c.channel, c.decision, c.text_id, c.locale, c.shown_at, c.decided_at,
		c.too_fast, c.form_factor, t.brand, t.created_at FROM consents c JOIN txns t ON t.uuid = c.txn_uuid
		WHERE c.channel IN (?, ?)`), coft.ChannelHostedPage, coft.ChannelManagementPage)
	if err != nil {
		return err
	}
	for q.Next() {
		var c coft.Consent
		var t coft.Txn
		var shown sql.NullTime
		if err := q.Scan(&c.MerchantID, &c.Channel, &c.Decision, &c.TextID, &c.Locale, &shown, &c.DecidedAt, &c.TooFast,
			&c.FormFactor, &t.Brand, &t.CreatedAt); err != nil {
			q.Close()
			return err
		}
		c.ShownAt = shown.Time
		if o, ok := decisionOutcome(&t, &c); ok {
			batch = append(batch, o)
		}
		if len(batch) == 10_000 {
			flush()
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	// Decisions in the drop-in.
	q, err = tx.QueryContext(ctx, `SELECT merchant_id, brand, decision, text_id, locale, shown_at, decided_at, too_fast, form_factor
		FROM page_consents`)
	if err != nil {
		return err
	}
	for q.Next() {
		var c coft.PageConsent
		var shown sql.NullTime
		if err := q.Scan(&c.MerchantID, &c.Brand, &c.Decision, &c.TextID, &c.Locale, &shown, &c.DecidedAt, &c.TooFast, &c.FormFactor); err != nil {
			q.Close()
			return err
		}
		c.ShownAt = shown.Time
		batch = append(batch, pageOutcome(&c))
		if len(batch) == 10_000 {
			flush()
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	// Payments that ended while their dialog waited.
	q, err = tx.QueryContext(ctx, db.rebind(`SELECT t.merchant_id, t.brand, t.created_at, o.details FROM txns t
		JOIN orders o ON o.merchant_id = t.merchant_id AND o.order_id = t.order_id
		WHERE t.consent_asked = ? AND t.consent IS NULL AND t.status NOT IN (?, ?)`),
		true, string(coft.StatusPendingVBV), string(coft.StatusAuthorizing))
	if err != nil {
		return err
	}
	for q.Next() {
		var t coft.Txn
		var details string
		if err := q.Scan(&t.MerchantID, &t.Brand, &t.CreatedAt, &details); err != nil {
			q.Close()
			return err
		}
		batch = append(batch, abandonedOutcome(&t, orderPurpose(details)))
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	flush()
	for _, table := range []string{"consent_stats", "consent_outcomes"} {
		if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM `+table+` WHERE simulated = ?`), 0); err != nil {
			return err
		}
	}
	return db.addStats(ctx, tx, rows)
}

// runStoreTasks does the work migrations left for Go (store_tasks), each
// task once, in the transaction that deletes it: instances starting
// together take turns on its row.
func (db *DB) runStoreTasks(ctx context.Context) error {
	tasks := map[string]func(context.Context, *dbTx) error{
		"rebuild consent_stats": db.rebuildConsentStats,
	}
	names := make([]string, 0, len(tasks))
	for n := range tasks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		err := db.tx(ctx, func(tx *dbTx) error {
			res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM store_tasks WHERE name = ?`), name)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err // done already (by another instance)
			}
			return tasks[name](ctx, tx)
		})
		if err != nil {
			return fmt.Errorf("store task %s: %w", strconv.Quote(name), err)
		}
	}
	return nil
}
