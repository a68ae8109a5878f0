package console

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/insight"
)

func (s *Server) insightRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/consents", s.Consents),
		s.get("/console/{merchant_id}/consents/stats.csv", s.ConsentsCSV),
		{Pattern: "GET /console/{merchant_id}/consents/export", Perm: coft.PermExportLedger,
			Handler: s.page(coft.PermExportLedger, s.ConsentsExport)},
	}
}

// consentPeriod reads ?from=&to= (days, India's time; to inclusive, as a
// person picks them) into the stats' [from, to).
func (s *Server) consentPeriod(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = coft.ParseStatsDay("from", v); err != nil {
			return
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = coft.ParseStatsDay("to", v); err != nil {
			return
		}
		to = to.AddDate(0, 0, 1)
	}
	return coft.StatsPeriod(from, to, s.cfg.Now())
}

// Consents serves GET /console/{merchant_id}/consents: consent insight for
// a period (by default the last 30 days): how many dialogs were shown,
// accepted, declined and abandoned, how long customers took to decide,
// split by channel, language, form factor, card brand and text version;
// each chart with its numbers in a table; the CSV and the ledger's
// download.
func (s *Server) Consents(w http.ResponseWriter, r *http.Request, v *viewer) error {
	view := components.ConsentsView{CanExport: v.can(coft.PermExportLedger)}
	from, to, err := s.consentPeriod(r)
	if err != nil {
		view.Error = coft.ErrorMessage(err)
		from, to, _ = coft.StatsPeriod(time.Time{}, time.Time{}, s.cfg.Now())
	}
	view.From, view.To = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	q := url.Values{"from": {view.From}, "to": {view.To}}.Encode()
	view.CSV = "/console/" + v.merchant.ID + "/consents/stats.csv?" + q
	view.Export = "/console/" + v.merchant.ID + "/consents/export"
	st, err := s.cfg.Store.ConsentStats(r.Context(), v.merchant.ID, from, to)
	if err != nil {
		return err
	}
	t := &st.Total
	view.Shown, view.Accepted, view.Declined, view.Abandoned = count(t.Shown()), count(t.Accepted), count(t.Declined), count(t.Abandoned)
	view.Pending, view.Simulated, view.TooFast = count(st.Pending), count(t.Simulated), count(t.TooFast)
	if t.Shown() > 0 {
		view.Rate = insight.Percent(t.AcceptanceRate())
	}
	if d, ok := t.Median(); ok {
		view.Median = coft.FormatDecideTime(d)
	}
	if d, ok := t.P90(); ok {
		view.P90 = coft.FormatDecideTime(d)
	}
	charts, err := insight.Charts(st)
	if err != nil {
		return err
	}
	for _, c := range charts {
		view.Charts = append(view.Charts, components.InsightChart{ID: c.ID, Title: c.Title, Summary: c.Summary, SVG: c.SVG,
			Headers: c.Headers, Rows: c.Rows})
	}
	status := http.StatusOK
	if view.Error != "" {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, components.ConsoleConsents(v.frame("consents", "Consents"), view))
	return nil
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

// ConsentsCSV serves GET /console/{merchant_id}/consents/stats.csv: the
// period's numbers as GET /consents/stats?format=csv gives them.
func (s *Server) ConsentsCSV(w http.ResponseWriter, r *http.Request, v *viewer) error {
	from, to, err := s.consentPeriod(r)
	if err != nil {
		return err
	}
	st, err := s.cfg.Store.ConsentStats(r.Context(), v.merchant.ID, from, to)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := insight.WriteCSV(&buf, st); err != nil {
		return err
	}
	download(w, "text/csv; charset=utf-8", "consent-stats-"+from.Format(time.DateOnly)+"-to-"+
		to.AddDate(0, 0, -1).Format(time.DateOnly)+".csv", buf.Bytes())
	return nil
}

// ConsentsExport serves GET /console/{merchant_id}/consents/export: the
// merchant's whole consent ledger as JSON Lines, its head signed first,
// for an auditor (docs/EVIDENCE.md; `server consents verify FILE`).
func (s *Server) ConsentsExport(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	if _, err := s.cfg.Store.CheckpointLedgers(ctx, v.merchant.ID); err != nil {
		s.cfg.Logger.Warn("signing the consent ledger's head for an export", "merchant_id", v.merchant.ID, "error", err.Error())
	}
	x, err := s.cfg.Store.ExportLedger(ctx, v.merchant.ID, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		return err
	}
	download(w, "application/x-ndjson", "consents-"+v.merchant.ID+".jsonl", buf.Bytes())
	return nil
}

// download answers a file to save.
func download(w http.ResponseWriter, contentType, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
