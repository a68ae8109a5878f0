package sqlstore_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
)

// millionConsents are 1,000,000 dialogs of merchant "a" over the year
// before benchNow, with the simulator's spread (not marked simulated).
var benchNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func millionConsents() []coft.ConsentOutcome {
	out := sandbox.SimulateConsents("a", 1_000_000, 365, benchNow, 1)
	for i := range out {
		out[i].Simulated = false
	}
	return out
}

// BenchmarkConsentStats: the stats of a merchant with 1,000,000 consent
// dialogs over a year — all but the last 5,000 added to the counts (as
// the reconciler adds them), those 5,000 recorded and not yet added, as
// after half a minute of a busy checkout — for the last 30 days and for
// the whole year (the 366 days it touches), on each database. It reports
// the rows the counts hold and how long counting the million took. Run
// with: go test -run '^$' -bench ConsentStats ./sqlstore
func BenchmarkConsentStats(b *testing.B) {
	outcomes := millionConsents()
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b, d)
			mustMerchant(b, db, "a")
			start := time.Now()
			if err := db.CountOutcomes(ctx, outcomes[:len(outcomes)-5000]); err != nil {
				b.Fatal(err)
			}
			load := time.Since(start)
			recent := append([]coft.ConsentOutcome(nil), outcomes[len(outcomes)-5000:]...)
			for i := range recent {
				recent[i].ShownAt = benchNow.Add(-time.Duration(i) * time.Second)
			}
			if err := db.RecordOutcomes(ctx, recent); err != nil {
				b.Fatal(err)
			}
			var rows int64
			if err := db.RawRow(ctx, `SELECT COUNT(*) FROM consent_stats`).Scan(&rows); err != nil {
				b.Fatal(err)
			}
			to := coft.StatsDay(benchNow).AddDate(0, 0, 1)
			for _, p := range []struct {
				name string
				days int
			}{{"30days", 30}, {"year", 366}} {
				b.Run(p.name, func(b *testing.B) {
					from := to.AddDate(0, 0, -p.days)
					var s *coft.ConsentStats
					for b.Loop() {
						var err error
						if s, err = db.ConsentStats(ctx, "a", from, to); err != nil {
							b.Fatal(err)
						}
					}
					if p.days == 366 && s.Total.Shown() != int64(len(outcomes)) {
						b.Fatalf("%d dialogs counted, want %d", s.Total.Shown(), len(outcomes))
					}
					b.ReportMetric(float64(s.Total.Shown()), "dialogs")
					b.ReportMetric(float64(rows), "count-rows")
					b.ReportMetric(load.Seconds(), "load-s")
				})
			}
		})
	}
}

// BenchmarkScanConsents is the alternative the counts replace, for
// docs/PERFORMANCE.md: the same figures from a table of 1,000,000
// dialogs, one row each, read by an index on (merchant, shown_at) and
// summed, with the percentiles sorted, in Go. It needs BENCH_SCAN=1 (its
// table takes a while to fill). Run with:
// BENCH_SCAN=1 go test -run '^$' -bench ScanConsents ./sqlstore
func BenchmarkScanConsents(b *testing.B) {
	if os.Getenv("BENCH_SCAN") == "" {
		b.Skip("set BENCH_SCAN=1")
	}
	outcomes := millionConsents()
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := MustOpenDB(b, d)
			if _, err := db.RawExec(ctx, `CREATE TABLE dialogs (merchant_id TEXT NOT NULL, shown_at TIMESTAMP NOT NULL, channel TEXT NOT NULL,
				language TEXT NOT NULL, form_factor TEXT NOT NULL, brand TEXT NOT NULL, text_id TEXT NOT NULL, outcome TEXT NOT NULL,
				decide_ms BIGINT)`); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < len(outcomes); i += 500 {
				q := `INSERT INTO dialogs VALUES `
				var args []any
				for j, o := range outcomes[i:min(i+500, len(outcomes))] {
					if j > 0 {
						q += ", "
					}
					q += "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
					args = append(args, "a", o.ShownAt.UTC(), o.Channel, o.Language, o.FormFactor, o.Brand, o.TextID, o.Outcome,
						o.DecideTime.Milliseconds())
				}
				if _, err := db.RawExec(ctx, q, args...); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.RawExec(ctx, `CREATE INDEX dialogs_shown ON dialogs (merchant_id, shown_at)`); err != nil {
				b.Fatal(err)
			}
			if d == sqlstore.SQLite { // as the service's checkpointer would have
				if _, err := db.RawExec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
					b.Fatal(err)
				}
			}
			to := coft.StatsDay(benchNow).AddDate(0, 0, 1)
			type agg struct {
				n     [3]int64 // accepted, declined, abandoned
				times []int64
			}
			for b.Loop() {
				rows, err := db.RawQuery(ctx, `SELECT channel, language, form_factor, brand, text_id, outcome, decide_ms FROM dialogs
					WHERE merchant_id = ? AND shown_at >= ? AND shown_at < ?`, "a", to.AddDate(-1, 0, 0).UTC(), to.UTC())
				if err != nil {
					b.Fatal(err)
				}
				var splits [5]map[string]*agg
				for k := range splits {
					splits[k] = map[string]*agg{}
				}
				for rows.Next() {
					var v [6]string
					var ms int64
					if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &ms); err != nil {
						b.Fatal(err)
					}
					o := 2
					switch v[5] {
					case coft.OutcomeAccepted:
						o = 0
					case coft.OutcomeDeclined:
						o = 1
					}
					for k := range splits {
						a := splits[k][v[k]]
						if a == nil {
							a = &agg{}
							splits[k][v[k]] = a
						}
						a.n[o]++
						if o < 2 {
							a.times = append(a.times, ms)
						}
					}
				}
				rows.Close()
				for _, m := range splits {
					for _, a := range m {
						slices.Sort(a.times)
					}
				}
			}
		})
	}
}
