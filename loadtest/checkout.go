package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coftkit/coft/cardscan"
)

// The checkout mode runs whole checkouts the way a merchant's server and
// its customers' browsers make them, each step a real request:
//
//	customer      POST /customers
//	order         POST /orders
//	txn           POST /txns (tokenize absent: the hosted consent page asks)
//	consent_page  GET  the payment's authentication URL
//	consent_post  POST the customer's choice (accept)
//	bank_page     GET  the bank's authentication page
//	otp           POST the one-time password
//	status        GET  /orders/{order_id}: CHARGED, with an ACTIVE token
//
// The bare baseline is the same shoppers making the same requests, with
// the same bodies, to a handler that answers each with a small JSON body.
var checkoutSteps = []string{"customer", "order", "txn", "consent_page", "consent_post", "bank_page", "otp", "status"}

// The card every checkout pays with, and its security code: the card-data
// scan afterwards looks for both everywhere the service wrote or sent.
const (
	loadPAN = "4242424242424242"
	loadCVV = "739"
)

// checkoutResult is the measure of one target's checkouts.
type checkoutResult struct {
	Target    string       `json:"target"` // "bare" or "service"
	Shoppers  int          `json:"shoppers"`
	Checkouts int          `json:"checkouts"` // completed while measured
	Seconds   float64      `json:"seconds"`
	PerSecond float64      `json:"checkouts_per_second"`
	Failed    int          `json:"failed"` // checkouts that did not end CHARGED with an ACTIVE token
	Status5x  int          `json:"status_5xx"`
	Errors    int          `json:"errors"` // transport errors
	FirstErr  string       `json:"first_error,omitempty"`
	Steps     []stepResult `json:"steps"`
}

// stepResult is the latency of one step across every measured checkout.
type stepResult struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

// goals lists the checkout goals.
func (c *checkoutReport) goals() []*goal {
	return []*goal{c.PeakRSS, c.No5xx, c.Leaks, c.Lost, c.Repeats}
}

// checkoutReport is what the checkout mode measured.
type checkoutReport struct {
	Instances int            `json:"instances"`
	Bare      checkoutResult `json:"bare"`
	Service   checkoutResult `json:"service"`
	Ratio     float64        `json:"ratio"`       // service checkouts/s over bare's
	PeakRSS   *goal          `json:"peak_rss_mb"` // of the instance that used most
	No5xx     *goal          `json:"status_5xx"`
	Webhooks  webhookFigures `json:"webhooks"`
	Scan      scanFigures    `json:"card_data_scan"`
	Tokens    map[string]int `json:"tokens_by_status"`
	Orders    map[string]int `json:"orders_by_status"`
	Leaks     *goal          `json:"card_data_hits"`
	Lost      *goal          `json:"webhooks_undelivered"`
	Repeats   *goal          `json:"webhooks_repeated,omitempty"`
}

type webhookFigures struct {
	Committed int     `json:"committed"`
	Delivered int     `json:"delivered"` // distinct events the receiver got
	Repeats   int     `json:"repeats"`   // deliveries of an event already received
	Seconds   float64 `json:"seconds_to_drain"`
}

type scanFigures struct {
	Sources int   `json:"sources"`
	Bytes   int64 `json:"bytes"`
	Hits    int   `json:"hits"`
}

// shopper is one of the concurrent customers. Each keeps its own cookies,
// latencies and counts, so that shoppers share nothing while they run.
type shopper struct {
	id      int
	ctx     context.Context
	client  *http.Client
	bases   []string // the service's instances; each request goes to the next
	auth    http.Header
	bare    bool
	scan    *cardscan.Scanner
	leaks   *leakLog
	measure func(t time.Time) bool

	n         int // checkouts started
	requests  int // requests made, to pick each one's instance
	lat       [][]time.Duration
	done      int
	failed    int
	s5xx      int
	errs      int
	firstErr  error
	lastDone  time.Time
	measuring bool // the current checkout started inside the measurement
}

// leakLog collects card data found in answers, from every shopper.
type leakLog struct {
	mu  sync.Mutex
	rep cardscan.Report
}

// add scans b, found at where; the scan runs outside the lock.
func (l *leakLog) add(s *cardscan.Scanner, where string, b []byte) {
	var r cardscan.Report
	r.Add(s, where, b)
	l.mu.Lock()
	l.rep.Merge(r)
	l.mu.Unlock()
}

var errStep = errors.New("unexpected answer")

// next returns path on the instance the next request goes to: with
// several instances, each request of a checkout lands on another one.
func (s *shopper) next(path string) string {
	s.requests++
	return s.bases[(s.id+s.requests)%len(s.bases)] + path
}

// pathOf returns the path and query of a URL the service gave.
func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.RequestURI()
	}
	return u
}

// step makes request number i of a checkout to path and returns its
// Location and body. An answer other than want fails the checkout.
func (s *shopper) step(i int, method, path, body string, want int, header http.Header) (string, []byte, error) {
	req, err := http.NewRequestWithContext(s.ctx, method, s.next(path), strings.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	copyHeader(req.Header, header)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	t0 := time.Now()
	res, err := s.client.Do(req)
	if err != nil {
		s.errs++
		return "", nil, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if s.measuring {
		s.lat[i] = append(s.lat[i], time.Since(t0))
	}
	if err != nil {
		s.errs++
		return "", nil, err
	}
	if res.StatusCode >= 500 {
		s.s5xx++
	}
	s.leaks.add(s.scan, checkoutSteps[i], b)
	if s.bare {
		want = http.StatusOK
	}
	if res.StatusCode != want {
		return "", nil, fmt.Errorf("%w: %s %s: %d %.300s", errStep, checkoutSteps[i], method, res.StatusCode, b)
	}
	return res.Header.Get("Location"), b, nil
}

// run makes checkouts until the measurement ends.
func (s *shopper) run(until time.Time) {
	for s.ctx.Err() == nil && time.Now().Before(until) {
		s.measuring = s.measure(time.Now())
		s.n++
		err := s.checkout()
		if s.ctx.Err() != nil {
			return
		}
		if !s.measuring {
			continue
		}
		if err != nil {
			s.failed++
			if s.firstErr == nil {
				s.firstErr = err
			}
			continue
		}
		s.done++
		s.lastDone = time.Now()
	}
}

var (
	formTokenInput = regexp.MustCompile(`<input[^>]*name="form_token"[^>]*>`)
	valueAttr      = regexp.MustCompile(`value="([^"]*)"`)
)

// formToken reads a page's form token, whatever order the attributes of
// its input were written in.
func formToken(page []byte) string {
	if m := valueAttr.FindSubmatch(formTokenInput.Find(page)); m != nil {
		return string(m[1])
	}
	return ""
}

// checkout makes one whole checkout.
func (s *shopper) checkout() error {
	ref := "s" + strconv.Itoa(s.id) + "x" + strconv.Itoa(s.n)
	browser := http.Header{"Sec-Fetch-Site": {"same-origin"}, "User-Agent": {"coft-loadtest"}}
	_, b, err := s.step(0, "POST", "/customers", url.Values{"object_reference_id": {ref},
		"mobile_number": {"9876543210"}, "email_address": {ref + "@example.com"}}.Encode(), 200, s.auth)
	if err != nil {
		return err
	}
	var cst struct{ ID string }
	if !s.bare && (json.Unmarshal(b, &cst) != nil || cst.ID == "") {
		return fmt.Errorf("customer: no id in %.300s", b)
	}
	if _, _, err := s.step(1, "POST", "/orders", url.Values{"order_id": {ref}, "amount": {"10.00"},
		"customer_id": {cst.ID}, "return_url": {"https://shop.example/back"}}.Encode(), 200, s.auth); err != nil {
		return err
	}
	_, b, err = s.step(2, "POST", "/txns", url.Values{"order_id": {ref}, "payment_method_type": {"CARD"},
		"card_number": {loadPAN}, "card_exp_month": {"12"}, "card_exp_year": {"2031"}, "card_security_code": {loadCVV},
		"name_on_card": {"Asha Rao"}, "format": {"json"}}.Encode(), 200, s.auth)
	if err != nil {
		return err
	}
	consentURL, bankURL := "/v2/txns/consent/x", "/v2/pay/start/x"
	if !s.bare {
		var txn struct {
			Payment struct{ Authentication struct{ URL string } }
		}
		json.Unmarshal(b, &txn)
		if consentURL = pathOf(txn.Payment.Authentication.URL); !strings.HasPrefix(consentURL, "/v2/txns/consent/") {
			return fmt.Errorf("txn: the payment does not ask for consent: %.300s", b)
		}
	}
	_, b, err = s.step(3, "GET", consentURL, "", 200, browser)
	if err != nil {
		return err
	}
	loc, _, err := s.step(4, "POST", consentURL, url.Values{"decision": {"accept"}, "form_token": {formToken(b)},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}.Encode(), 303, browser)
	if err != nil {
		return err
	}
	if !s.bare {
		if bankURL = pathOf(loc); !strings.HasPrefix(bankURL, "/v2/pay/start/") {
			return fmt.Errorf("consent: sent to %q, not the bank", loc)
		}
	}
	_, b, err = s.step(5, "GET", bankURL, "", 200, browser)
	if err != nil {
		return err
	}
	if _, _, err := s.step(6, "POST", bankURL, url.Values{"otp": {"123456"}, "action": {"verify"},
		"form_token": {formToken(b)}}.Encode(), 303, browser); err != nil {
		return err
	}
	_, b, err = s.step(7, "GET", "/orders/"+ref, "", 200, s.auth)
	if err != nil || s.bare {
		return err
	}
	var o struct {
		Status string
		Card   struct {
			Token struct {
				TokenizationStatus string `json:"tokenization_status"`
			}
		}
	}
	if json.Unmarshal(b, &o) != nil || o.Status != "CHARGED" || o.Card.Token.TokenizationStatus != "ACTIVE" {
		return fmt.Errorf("status: not CHARGED with an ACTIVE token: %.300s", b)
	}
	return nil
}

// runCheckouts runs c shoppers against bases for warmup plus d and
// measures the checkouts that start after the warm-up.
func runCheckouts(ctx context.Context, target string, bases []string, auth http.Header, bare bool, o options,
	transport http.RoundTripper, scan *cardscan.Scanner, leaks *leakLog) (checkoutResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	from, until := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	shoppers := make([]*shopper, o.concurrency)
	var wg sync.WaitGroup
	for i := range shoppers {
		jar, _ := cookiejar.New(nil)
		s := &shopper{id: i, ctx: ctx, bases: bases, auth: auth, bare: bare, scan: scan, leaks: leaks,
			client: &http.Client{Transport: transport, Jar: jar, Timeout: 60 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			measure: func(t time.Time) bool { return !t.Before(from) },
			lat:     make([][]time.Duration, len(checkoutSteps))}
		shoppers[i] = s
		wg.Go(func() { s.run(until) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return checkoutResult{}, err
	}
	r := checkoutResult{Target: target, Shoppers: o.concurrency}
	last := from
	lat := make([][]time.Duration, len(checkoutSteps))
	for _, s := range shoppers {
		r.Checkouts += s.done
		r.Failed += s.failed
		r.Status5x += s.s5xx
		r.Errors += s.errs
		if s.firstErr != nil && r.FirstErr == "" {
			r.FirstErr = s.firstErr.Error()
		}
		if s.lastDone.After(last) {
			last = s.lastDone
		}
		for i := range lat {
			lat[i] = append(lat[i], s.lat[i]...)
		}
	}
	if r.Checkouts == 0 {
		return r, fmt.Errorf("%s: no checkout completed: %s", target, r.FirstErr)
	}
	r.Seconds = last.Sub(from).Seconds()
	r.PerSecond = float64(r.Checkouts) / r.Seconds
	for i, name := range checkoutSteps {
		slices.Sort(lat[i])
		sr := stepResult{Name: name, Requests: len(lat[i])}
		if len(lat[i]) > 0 {
			sr.P50ms, sr.P99ms = ms(quantile(lat[i], 0.50)), ms(quantile(lat[i], 0.99))
		}
		r.Steps = append(r.Steps, sr)
	}
	return r, nil
}

// hookReceiver is the merchant's webhook endpoint: it records each event
// id it is sent and scans every body for card data.
type hookReceiver struct {
	*httptest.Server
	scan  *cardscan.Scanner
	leaks *leakLog
	mu    sync.Mutex
	ids   map[string]int // event id → deliveries
}

func newHookReceiver(scan *cardscan.Scanner, leaks *leakLog) *hookReceiver {
	h := &hookReceiver{scan: scan, leaks: leaks, ids: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var e struct{ ID string }
		json.Unmarshal(b, &e)
		h.leaks.add(h.scan, "webhook body", b)
		h.mu.Lock()
		h.ids[e.ID]++
		h.mu.Unlock()
	}))
	return h
}

// delivered returns the number of distinct events received, and how many
// deliveries repeated one.
func (h *hookReceiver) delivered() (distinct, repeats int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.ids {
		repeats += n - 1
	}
	return len(h.ids), repeats
}

// runCheckoutMode runs the bare baseline and then the service with the
// same shoppers, waits for every webhook, stops the service and scans
// everything it wrote or sent for the card. It fills rep.Checkout.
func runCheckoutMode(ctx context.Context, l *lab, o options, auth http.Header, merchant string, hooks *hookReceiver,
	scan *cardscan.Scanner, leaks *leakLog, rep *report) error {
	bare, err := l.start(ctx, "bare", []string{"bare"}, "/healthz")
	if err != nil {
		return err
	}
	var svcs []*child
	var bases []string
	for i := range o.instances {
		svc, err := l.start(ctx, fmt.Sprintf("serve%d", i+1), []string{"serve"}, "/healthz", "/readyz")
		if err != nil {
			return err
		}
		svcs = append(svcs, svc)
		bases = append(bases, "http://"+svc.addr)
	}
	transport := newClient(o.concurrency).Transport
	defer transport.(*http.Transport).CloseIdleConnections()
	if err := onboard(ctx, &http.Client{Transport: transport}, bases[0], auth, merchant); err != nil {
		return err
	}
	cr := &checkoutReport{Instances: o.instances}
	fmt.Fprintf(o.stderr, "running %d shoppers against the bare handler …\n", o.concurrency)
	if cr.Bare, err = runCheckouts(ctx, "bare", []string{"http://" + bare.addr}, auth, true, o, transport, scan, &leakLog{}); err != nil {
		return err
	}
	bare.stop()
	fmt.Fprintf(o.stderr, "running %d shoppers against %d instance(s) of the service (%s) …\n", o.concurrency, o.instances, rep.Database)
	if cr.Service, err = runCheckouts(ctx, "service", bases, auth, false, o, transport, scan, leaks); err != nil {
		return err
	}
	var peak int64
	for _, svc := range svcs {
		if err := svc.alive(); err != nil {
			return err
		}
		_, p, err := svc.memory()
		if err != nil {
			return err
		}
		peak = max(peak, p)
	}

	// Every committed event delivered, then the service stopped so that
	// its files are at rest when they are scanned.
	db, err := l.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	drainStart := time.Now()
	for {
		committed, pending, err := countEvents(ctx, db)
		if err != nil {
			return err
		}
		cr.Webhooks.Committed = committed
		if pending == 0 || time.Since(drainStart) > 3*time.Minute || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond) // polling the outbox until it drains
	}
	cr.Webhooks.Seconds = time.Since(drainStart).Seconds()
	cr.Webhooks.Delivered, cr.Webhooks.Repeats = hooks.delivered()
	if cr.Orders, err = countBy(ctx, db, "SELECT status, count(*) FROM orders GROUP BY status"); err != nil {
		return err
	}
	if cr.Tokens, err = countBy(ctx, db, "SELECT status, count(*) FROM network_tokens GROUP BY status"); err != nil {
		return err
	}
	for _, svc := range svcs {
		svc.stop()
	}

	files, err := scan.Dir(l.dir)
	if err != nil {
		return err
	}
	leaks.rep.Merge(files)
	if isPostgres(l.dbURL) {
		rows, err := scan.Postgres(ctx, db, l.schema)
		if err != nil {
			return err
		}
		leaks.rep.Merge(rows)
	}
	cr.Scan = scanFigures{Sources: leaks.rep.Sources, Bytes: leaks.rep.Bytes, Hits: len(leaks.rep.Findings)}
	for _, f := range leaks.rep.Findings {
		fmt.Fprintf(o.stderr, "CARD DATA: %s holds %s\n", f.Where, strings.Join(f.Hits, "; "))
	}

	cr.Ratio = cr.Service.PerSecond / cr.Bare.PerSecond
	cr.PeakRSS = atMost(mb(peak), 256)
	cr.No5xx = atMost(float64(cr.Service.Status5x), 0)
	cr.Leaks = atMost(float64(cr.Scan.Hits), 0)
	cr.Lost = atMost(float64(cr.Webhooks.Committed-cr.Webhooks.Delivered), 0)
	if o.instances > 1 {
		// Under normal operation (no crash, no lease run out) each event
		// is sent once, whichever instance sends it.
		cr.Repeats = atMost(float64(cr.Webhooks.Repeats), 0)
	}
	rep.Checkout = cr
	return nil
}

// countEvents returns the number of webhook events in the outbox and how
// many of them still wait to be delivered.
func countEvents(ctx context.Context, db *sql.DB) (all, pending int, err error) {
	err = db.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN status = 'PENDING' THEN 1 END) FROM events`).Scan(&all, &pending)
	return all, pending, err
}

// countBy runs a "SELECT key, count(*) … GROUP BY key" query.
func countBy(ctx context.Context, db *sql.DB, query string) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		m[k] = n
	}
	return m, rows.Err()
}

// printCheckouts writes the checkout mode's tables.
func printCheckouts(w io.Writer, r *report) {
	c := r.Checkout
	fmt.Fprintf(w, "\nend-to-end checkouts: database %s, %d instance(s), %d concurrent shoppers, %v measured after %v warm-up, LOG_LEVEL=%s, %d CPUs\n",
		r.Database, c.Instances, c.Service.Shoppers, r.Duration, r.Warmup, r.LogLevel, r.CPUs)
	if c.Instances > 1 {
		fmt.Fprintln(w, "each request of a checkout goes to the next instance (no affinity)")
	}
	fmt.Fprintf(w, "\n%-14s %10s %10s %10s %10s %10s %10s\n", "step", "requests", "p50", "p99", "bare p50", "bare p99", "")
	for i, s := range c.Service.Steps {
		b := c.Bare.Steps[i]
		fmt.Fprintf(w, "%-14s %10d %10s %10s %10s %10s\n", s.Name, s.Requests, fmtMS(s.P50ms), fmtMS(s.P99ms), fmtMS(b.P50ms), fmtMS(b.P99ms))
	}
	fmt.Fprintf(w, "\n%-9s %10s %12s %8s %6s %7s\n", "target", "checkouts", "checkouts/s", "failed", "5xx", "errors")
	for _, t := range []checkoutResult{c.Bare, c.Service} {
		fmt.Fprintf(w, "%-9s %10d %12.1f %8d %6d %7d\n", t.Target, t.Checkouts, t.PerSecond, t.Failed, t.Status5x, t.Errors)
	}
	if c.Service.FirstErr != "" {
		fmt.Fprintf(w, "first failure: %s\n", c.Service.FirstErr)
	}
	fmt.Fprintf(w, "service / bare throughput %.3f×\n", c.Ratio)
	fmt.Fprintf(w, "5xx answers               %.0f  goal %v\n", c.No5xx.Value, c.No5xx)
	fmt.Fprintf(w, "peak RSS (VmHWM)          %.1f MB (largest instance)  goal %v\n", c.PeakRSS.Value, c.PeakRSS)
	fmt.Fprintf(w, "orders by status          %v\n", c.Orders)
	fmt.Fprintf(w, "tokens by status          %v\n", c.Tokens)
	fmt.Fprintf(w, "webhook events            %d committed, %d delivered (drained in %.1fs)  undelivered goal %v\n",
		c.Webhooks.Committed, c.Webhooks.Delivered, c.Webhooks.Seconds, c.Lost)
	fmt.Fprintf(w, "webhook repeats           %d deliveries of an event already received", c.Webhooks.Repeats)
	if c.Repeats != nil {
		fmt.Fprintf(w, "  goal %v", c.Repeats)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "card-data scan            %d sources (files, tables, pages, answers, webhook bodies), %.1f MB: %d hits  goal %v\n",
		c.Scan.Sources, float64(c.Scan.Bytes)/(1<<20), c.Scan.Hits, c.Leaks)
}
