package insight

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// CSVHeader is the first line of WriteCSV's file.
var CSVHeader = []string{"from", "to", "split", "value", "shown", "accepted", "declined", "abandoned", "acceptance_rate",
	"median_decide_ms", "p90_decide_ms", "timed", "too_fast", "simulated", "pending"}

// WriteCSV writes stats as CSV (RFC 4180): a header (CSVHeader), the
// total (split "total"), one row per value of each split ("" when not
// known), then one per day (split "day", value the date). from and to are
// the period's first and last days (India). Rates are fractions with four
// decimals; times are milliseconds, to their histogram bucket, empty
// without timed decisions; pending is the total's only.
func WriteCSV(w io.Writer, s *coft.ConsentStats) error {
	cw := csv.NewWriter(w)
	from, to := s.From.Format(time.DateOnly), s.To.AddDate(0, 0, -1).Format(time.DateOnly)
	row := func(split, value string, c *coft.ConsentCounts, pending string) []string {
		ms := func(p float64) string {
			d, ok := c.Percentile(p)
			if !ok {
				return ""
			}
			return strconv.FormatInt(d.Milliseconds(), 10)
		}
		return []string{from, to, split, cell(value), count(c.Shown()), count(c.Accepted), count(c.Declined), count(c.Abandoned),
			strconv.FormatFloat(c.AcceptanceRate(), 'f', 4, 64), ms(0.5), ms(0.9), count(c.Timed), count(c.TooFast),
			count(c.Simulated), pending}
	}
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	if err := cw.Write(row("total", "", &s.Total, count(s.Pending))); err != nil {
		return err
	}
	for i := range s.Splits {
		v := &s.Splits[i]
		if err := cw.Write(row(v.Split, v.Value, &v.ConsentCounts, "")); err != nil {
			return err
		}
	}
	for _, d := range s.Days {
		c := coft.ConsentCounts{Accepted: d.Accepted, Declined: d.Declined, Abandoned: d.Abandoned}
		r := row("day", d.Day.Format(time.DateOnly), &c, "")
		r[11], r[12], r[13] = "", "", "" // not kept by day
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell keeps a value from being read as a formula by a spreadsheet
// (=, +, -, @ first): it is written after an apostrophe.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
