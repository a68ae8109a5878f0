package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/insight"
	"github.com/coftkit/coft/juspay"
)

// handleConsentExport serves GET /consents/export[?from=&to=&customer_id=]:
// the caller's own consent ledger, the entries appended in [from, to) (RFC
// 3339; open when absent), as JSON Lines (docs/EVIDENCE.md); with
// customer_id (the id or the merchant's object_reference_id), only that
// customer's entries, each with its inclusion proof. Without to, the
// chain's head is signed first, so that the file is covered to its end.
func (s *Server) handleConsentExport(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"from", "to", "customer_id"})
	if err != nil {
		return err
	}
	var customer *coft.Customer
	if id := p["customer_id"]; id != "" {
		customer, err = s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, id)
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			return coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
		} else if err != nil {
			return err
		}
	}
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		if v := p[name]; v != "" {
			if bounds[i], err = time.Parse(time.RFC3339, v); err != nil {
				return coft.FieldError(coft.EINVALID, name, "%s must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z.", name)
			}
		}
	}
	ctx := r.Context()
	if bounds[1].IsZero() {
		// A head left unsigned still verifies through its chain: the export
		// goes on, and the reconciler signs it within the hour.
		if _, err := s.cfg.Store.CheckpointLedgers(ctx, a.merchant.ID); err != nil {
			s.cfg.Logger.Warn("signing the consent ledger's head for an export", "merchant_id", a.merchant.ID, "error", err.Error())
		}
	}
	var x *coft.LedgerExport
	if customer != nil {
		x, err = s.cfg.Store.ExportCustomerLedger(ctx, a.merchant.ID, customer.ID, bounds[0], bounds[1])
	} else {
		x, err = s.cfg.Store.ExportLedger(ctx, a.merchant.ID, bounds[0], bounds[1])
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="consents.jsonl"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// consentHistory is GET /customers/{customer_id}/consents' answer.
type consentHistory struct {
	CustomerID string         `json:"customer_id"`
	Consents   []consentEntry `json:"consents"`
}

// consentEntry is one ledger entry: the record as it was hashed, and the
// hashes that place it in the merchant's chain (an export proves them).
type consentEntry struct {
	Seq      int64           `json:"seq"`
	Record   json.RawMessage `json:"record"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// handleCustomerConsents serves GET /customers/{customer_id}/consents: the
// customer's consent history (decisions and withdrawals, oldest first),
// from the merchant's consent ledger.
func (s *Server) handleCustomerConsents(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"customer_id"})
	if err != nil {
		return err
	}
	c, err := s.pathCustomer(r, a.merchant, p)
	if err != nil {
		return err
	}
	entries, err := s.cfg.Store.CustomerLedger(r.Context(), a.merchant.ID, c.ID)
	if err != nil {
		return err
	}
	v := consentHistory{CustomerID: c.ID, Consents: make([]consentEntry, len(entries))}
	for i, e := range entries {
		v.Consents[i] = consentEntry{Seq: e.Seq, Record: json.RawMessage(e.Record), PrevHash: e.PrevHash, Hash: e.Hash}
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// consentStatsView is GET /consents/stats' answer.
type consentStatsView struct {
	MerchantID string `json:"merchant_id"`
	// From and To are the period's first and last days, in India's time.
	From     string                        `json:"from"`
	To       string                        `json:"to"`
	TimeZone string                        `json:"time_zone"`
	Total    consentCountsView             `json:"total"`
	Pending  int64                         `json:"pending"`
	Splits   map[string][]consentSplitView `json:"splits"`
	Days     []consentDayView              `json:"days"`
	// TimeToDecide is the total's histogram: decisions by bucket, each
	// from its lower bound.
	TimeToDecide []decideBucketView `json:"time_to_decide"`
}

type consentCountsView struct {
	Shown          int64   `json:"shown"`
	Accepted       int64   `json:"accepted"`
	Declined       int64   `json:"declined"`
	Abandoned      int64   `json:"abandoned"`
	AcceptanceRate float64 `json:"acceptance_rate"`
	MedianMS       *int64  `json:"median_decide_ms"` // null without timed decisions
	P90MS          *int64  `json:"p90_decide_ms"`
	Timed          int64   `json:"timed"`
	TooFast        int64   `json:"too_fast"`
	Simulated      int64   `json:"simulated"`
}

type consentSplitView struct {
	Value string `json:"value"` // "" when not known
	consentCountsView
}

type consentDayView struct {
	Day       string `json:"day"`
	Shown     int64  `json:"shown"`
	Accepted  int64  `json:"accepted"`
	Declined  int64  `json:"declined"`
	Abandoned int64  `json:"abandoned"`
}

type decideBucketView struct {
	FromMS    int64 `json:"from_ms"`
	Decisions int64 `json:"decisions"`
}

func countsView(c *coft.ConsentCounts) consentCountsView {
	v := consentCountsView{Shown: c.Shown(), Accepted: c.Accepted, Declined: c.Declined, Abandoned: c.Abandoned,
		AcceptanceRate: math.Round(c.AcceptanceRate()*1e4) / 1e4, Timed: c.Timed, TooFast: c.TooFast, Simulated: c.Simulated}
	if d, ok := c.Median(); ok {
		ms := d.Milliseconds()
		v.MedianMS = &ms
	}
	if d, ok := c.P90(); ok {
		ms := d.Milliseconds()
		v.P90MS = &ms
	}
	return v
}

// handleConsentStats serves GET /consents/stats[?from=&to=&format=csv]:
// the caller's consent dialogs shown in the period — from and to are
// days in India's time (2026-01-31, or a midnight there in RFC 3339), to
// excluded; by default the 30 days up to today — as JSON, or as CSV with
// format=csv (package insight).
func (s *Server) handleConsentStats(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"from", "to", "format"})
	if err != nil {
		return err
	}
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		if v := p[name]; v != "" {
			if bounds[i], err = coft.ParseStatsDay(name, v); err != nil {
				return err
			}
		}
	}
	format := p["format"]
	if format != "" && format != "json" && format != "csv" {
		return coft.Invalid("format", "format must be json or csv.")
	}
	from, to, err := coft.StatsPeriod(bounds[0], bounds[1], s.cfg.Now())
	if err != nil {
		return err
	}
	st, err := s.cfg.Store.ConsentStats(r.Context(), a.merchant.ID, from, to)
	if err != nil {
		return err
	}
	if format == "csv" {
		var buf bytes.Buffer
		if err := insight.WriteCSV(&buf, st); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="consent-stats-`+from.Format(time.DateOnly)+`-to-`+
			to.AddDate(0, 0, -1).Format(time.DateOnly)+`.csv"`)
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
		return nil
	}
	v := consentStatsView{MerchantID: st.MerchantID, From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly),
		TimeZone: "Asia/Kolkata", Total: countsView(&st.Total), Pending: st.Pending, Splits: map[string][]consentSplitView{},
		Days: []consentDayView{}, TimeToDecide: []decideBucketView{}}
	for _, split := range coft.StatsSplits {
		v.Splits[split] = []consentSplitView{}
	}
	for i := range st.Splits {
		sp := &st.Splits[i]
		v.Splits[sp.Split] = append(v.Splits[sp.Split], consentSplitView{Value: sp.Value, consentCountsView: countsView(&sp.ConsentCounts)})
	}
	for _, d := range st.Days {
		v.Days = append(v.Days, consentDayView{Day: d.Day.Format(time.DateOnly), Shown: d.Accepted + d.Declined + d.Abandoned,
			Accepted: d.Accepted, Declined: d.Declined, Abandoned: d.Abandoned})
	}
	for i, n := range st.Total.Decide {
		v.TimeToDecide = append(v.TimeToDecide, decideBucketView{FromMS: coft.DecideBuckets[i].Milliseconds(), Decisions: n})
	}
	w.Header().Set("Cache-Control", "no-store")
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}
