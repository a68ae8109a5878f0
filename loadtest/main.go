// Command loadtest measures the service's HTTP throughput against a bare
// net/http handler, in the same run and on the same machine, so that the
// ratios hold even where the absolute numbers drift.
//
//	go run ./loadtest [-c 32] [-d 5s] [-database-url postgres://…] [-log-level warn] [-json FILE] [-strict]
//	go run ./loadtest -scale …   order status with 10,000 vs 1,000,000 stored orders
//	go run ./loadtest -checkout -c 500 -d 30s …   whole checkouts, step by step
//	go run ./loadtest -checkout -instances 2 -database-url postgres://…   the same across two instances
//
// It builds the server command, starts "server bare" and "server serve" as
// child processes on free local ports (SQLite in a scratch directory, or a
// fresh schema of the PostgreSQL database given), creates a merchant and
// runs each scenario with -c concurrent keep-alive clients for -d after a
// warm-up. Goals are printed as PASS or MISS; only -strict makes a miss
// fail the run. Every child is stopped on exit, Ctrl-C included.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/coftkit/coft/cardscan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	concurrency      int
	duration, warmup time.Duration
	server           string
	databaseURL      string
	logLevel         string
	scale            bool
	checkout         bool
	instances        int
	jsonFile         string
	strict           bool
	stderr           io.Writer
}

// report is everything a run measured, as -json writes it.
type report struct {
	Database    string  `json:"database"`
	Concurrency int     `json:"concurrency"`
	Duration    string  `json:"duration"`
	Warmup      string  `json:"warmup"`
	LogLevel    string  `json:"log_level"`
	CPUs        int     `json:"cpus"`
	BaselineRPS float64 `json:"baseline_rps,omitempty"`
	// BaselineDrift is bare_after's req/s over bare's: far from 1, the
	// machine's other load changed during the run and skews the ratios.
	BaselineDrift float64         `json:"baseline_drift,omitempty"`
	Scenarios     []result        `json:"scenarios,omitempty"`
	Memory        *memoryReport   `json:"memory,omitempty"`
	Scale         []result        `json:"scale,omitempty"`
	ScaleP50      *goal           `json:"scale_p50_ratio,omitempty"`
	Checkout      *checkoutReport `json:"checkout,omitempty"`
}

// memoryReport is the service's memory, in MB.
type memoryReport struct {
	IdleRSS *goal `json:"idle_rss_mb"`
	PeakRSS *goal `json:"peak_rss_mb"`
}

// goal is a measured value and the bound it should keep.
type goal struct {
	Value float64 `json:"value"`
	Op    string  `json:"op"` // ">=" or "<="
	Limit float64 `json:"limit"`
	Pass  bool    `json:"pass"`
}

func atLeast(v, limit float64) *goal { return &goal{v, ">=", limit, v >= limit} }
func atMost(v, limit float64) *goal  { return &goal{v, "<=", limit, v <= limit} }

// String is the goal as the tables show it, e.g. "≥0.80 PASS".
func (g *goal) String() string {
	if g == nil {
		return ""
	}
	op, verdict := "≥", "MISS"
	if g.Op == "<=" {
		op = "≤"
	}
	if g.Pass {
		verdict = "PASS"
	}
	limit := fmt.Sprintf("%.2f", g.Limit)
	if g.Limit == float64(int(g.Limit)) {
		limit = strconv.Itoa(int(g.Limit))
	}
	return op + limit + " " + verdict
}

// goals lists the report's goals.
func (r *report) goals() []*goal {
	var gs []*goal
	for _, s := range slices.Concat(r.Scenarios, r.Scale) {
		gs = append(gs, s.Goal)
	}
	if r.Memory != nil {
		gs = append(gs, r.Memory.IdleRSS, r.Memory.PeakRSS)
	}
	if r.Checkout != nil {
		gs = append(gs, r.Checkout.goals()...)
	}
	return append(gs, r.ScaleP50)
}

// run is the whole command, with its inputs and outputs passed in. It
// stops every child process and drops the PostgreSQL schema before it
// returns, whatever the outcome.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{stderr: stderr}
	fs.IntVar(&o.concurrency, "c", 32, "concurrent clients")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "measured duration of each scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each scenario")
	fs.StringVar(&o.server, "server", "", "server binary to run (default: build ./server)")
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres://… to run on PostgreSQL (a fresh schema); default SQLite")
	fs.StringVar(&o.logLevel, "log-level", "warn", "the service's LOG_LEVEL (info logs every request)")
	fs.BoolVar(&o.scale, "scale", false, "measure order status with 10,000 vs 1,000,000 stored orders instead")
	fs.BoolVar(&o.checkout, "checkout", false, "run -c shoppers making whole checkouts (order → txn → consent → OTP → status) instead")
	fs.IntVar(&o.instances, "instances", 1, "with -checkout: service instances sharing the database (PostgreSQL), each request to the next")
	fs.StringVar(&o.jsonFile, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&o.strict, "strict", false, "exit with an error if a goal is missed")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 || o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 {
		return fmt.Errorf("bad arguments; see -h")
	}
	if o.scale && o.checkout {
		return fmt.Errorf("-scale and -checkout are separate runs")
	}
	if o.instances < 1 || (o.instances > 1 && (!o.checkout || o.databaseURL == "")) {
		return fmt.Errorf("-instances above 1 needs -checkout and a PostgreSQL -database-url")
	}
	if o.databaseURL != "" && !isPostgres(o.databaseURL) {
		return fmt.Errorf("-database-url must be postgres://…")
	}

	dir, err := os.MkdirTemp("", "coft-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	l := &lab{bin: o.server, dir: filepath.Join(dir, "data"), logLevel: o.logLevel}
	if err := os.Mkdir(l.dir, 0o700); err != nil {
		return err
	}
	defer l.stopAll()
	if l.bin == "" {
		fmt.Fprintln(stderr, "building ./server …")
		// Outside the data directory, which the card-data scan reads:
		// the binary holds the sandbox's documented test cards.
		bin := filepath.Join(dir, "bin")
		if l.bin, err = buildServer(ctx, bin); err != nil {
			return err
		}
	}
	rep := &report{Database: "sqlite", Concurrency: o.concurrency, Duration: o.duration.String(),
		Warmup: o.warmup.String(), LogLevel: o.logLevel, CPUs: runtime.NumCPU()}
	if o.databaseURL != "" {
		rep.Database = "postgres"
		var drop func() error
		if l.schema, l.dbURL, drop, err = newSchema(ctx, o.databaseURL); err != nil {
			return err
		}
		defer func() {
			l.stopAll() // before the schema goes
			err = errors.Join(err, drop())
		}()
	}

	const merchant = "load"
	var flags []string
	scan := cardscan.New([]string{loadPAN}, loadCVV)
	leaks := &leakLog{}
	var hooks *hookReceiver
	if o.checkout {
		hooks = newHookReceiver(scan, leaks)
		defer hooks.Close()
		flags = append(flags, "-webhook-url", hooks.URL)
	}
	key, err := l.createMerchant(ctx, merchant, flags...)
	if err != nil {
		return err
	}
	auth := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))}}
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()

	switch {
	case o.checkout:
		if err := runCheckoutMode(ctx, l, o, auth, merchant, hooks, scan, leaks, rep); err != nil {
			return err
		}
	case o.scale:
		if rep.Scale, err = runScale(ctx, l, o, client, auth, merchant); err != nil {
			return err
		}
		rep.ScaleP50 = atMost(rep.Scale[1].P50ms/rep.Scale[0].P50ms, 1.2)
	default:
		if err := runScenarios(ctx, l, o, client, auth, rep); err != nil {
			return err
		}
	}

	if rep.Checkout != nil {
		printCheckouts(stdout, rep)
	} else {
		printReport(stdout, rep)
	}
	if o.jsonFile != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if o.strict {
		for _, g := range rep.goals() {
			if g != nil && !g.Pass {
				return errors.New("a goal was missed (-strict)")
			}
		}
	}
	return nil
}

// runScenarios starts the bare handler and the service and runs the
// scenarios in order, the bare one again last; it fills rep.
func runScenarios(ctx context.Context, l *lab, o options, client *http.Client, auth http.Header, rep *report) error {
	bare, err := l.start(ctx, "bare", []string{"bare"}, "/healthz")
	if err != nil {
		return err
	}
	svc, err := l.start(ctx, "serve", []string{"serve"}, "/healthz", "/readyz")
	if err != nil {
		return err
	}
	idle, _, err := svc.memory()
	if err != nil {
		return err
	}
	bareURL, base := "http://"+bare.addr, "http://"+svc.addr
	if err := onboard(ctx, client, base, auth, "load"); err != nil {
		return err
	}

	createGoal := 0.0 // the order_create goal is set for SQLite only
	if rep.Database == "sqlite" {
		createGoal = 0.25
	}
	pool := make([]string, 1000)
	for i := range pool {
		pool[i] = "p" + strconv.Itoa(i)
	}
	// The consent page is compared with Go's file server serving the same
	// bytes, from a bare process started once the page exists.
	var consentURL, fileURL string
	scenarios := []struct {
		scenario
		before  func() error // prepares the scenario
		goal    float64      // least ratio to the baseline; 0 for none
		against string       // the baseline scenario; "" for the bare one
	}{
		{scenario: get("bare", func(*worker) string { return bareURL + "/cardbins/541919" }, nil)},
		{scenario: get("cardbins", func(*worker) string {
			return base + "/cardbins/541919?options.check_tokenize_support=true"
		}, auth), goal: 0.8},
		{scenario: get("order_status", func(w *worker) string {
			return base + "/orders/" + pool[w.rng.IntN(len(pool))]
		}, auth), goal: 0.5, before: func() error {
			return createOrders(ctx, client, base, auth, pool, o.concurrency)
		}},
		{scenario: postForm("order_create", base+"/orders", func(w *worker) string {
			// Unique across workers: the worker's number is the id's residue.
			return "order_id=c" + strconv.FormatInt(w.n*int64(w.of)+int64(w.id), 36) + "&amount=100.00"
		}, auth), goal: createGoal},
		{scenario: get("fileserver", func(*worker) string { return fileURL }, nil), before: func() error {
			var page []byte
			var err error
			if consentURL, page, err = startConsent(ctx, client, base, auth); err != nil {
				return err
			}
			file := filepath.Join(l.dir, "consent.html")
			if err := os.WriteFile(file, page, 0o644); err != nil {
				return err
			}
			fsrv, err := l.start(ctx, "fileserver", []string{"bare", "-file", file}, "/healthz")
			if err != nil {
				return err
			}
			fileURL = "http://" + fsrv.addr + "/consent.html"
			return nil
		}},
		{scenario: get("consent_page", func(*worker) string { return consentURL }, nil), goal: 0.8, against: "fileserver"},
		{scenario: get("bare_after", func(*worker) string { return bareURL + "/cardbins/541919" }, nil)},
	}
	for _, sc := range scenarios {
		if sc.before != nil {
			if err := sc.before(); err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
		}
		fmt.Fprintf(o.stderr, "running %s …\n", sc.name)
		r, err := load(ctx, client, sc.scenario, o.concurrency, o.warmup, o.duration)
		if err != nil {
			return err
		}
		if err := errors.Join(bare.alive(), svc.alive()); err != nil {
			return err
		}
		if sc.goal > 0 {
			r.Goal = &goal{Op: ">=", Limit: sc.goal}
		}
		r.Against = sc.against
		rep.Scenarios = append(rep.Scenarios, r)
	}
	_, peak, err := svc.memory()
	if err != nil {
		return err
	}
	rep.Memory = &memoryReport{IdleRSS: atMost(mb(idle), 40), PeakRSS: atMost(mb(peak), 150)}

	n := len(rep.Scenarios)
	rep.BaselineRPS = (rep.Scenarios[0].RPS + rep.Scenarios[n-1].RPS) / 2
	rep.BaselineDrift = rep.Scenarios[n-1].RPS / rep.Scenarios[0].RPS
	rps := map[string]float64{}
	for i := range rep.Scenarios {
		r := &rep.Scenarios[i]
		rps[r.Name] = r.RPS
		r.Ratio = r.RPS / rep.BaselineRPS
		if r.Against != "" {
			r.Ratio = r.RPS / rps[r.Against]
		}
		if r.Goal != nil {
			r.Goal = atLeast(r.Ratio, r.Goal.Limit)
		}
	}
	return nil
}

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// printReport writes the report as tables.
func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "\ndatabase %s, %d clients, %v per scenario after %v warm-up, LOG_LEVEL=%s, %d CPUs\n",
		r.Database, r.Concurrency, r.Duration, r.Warmup, r.LogLevel, r.CPUs)
	const row = "%-14s %9v %10v %7v %-11v %9v %9v %8v %6v %6v\n"
	if len(r.Scenarios) > 0 {
		fmt.Fprintf(w, "baseline: mean of bare and bare_after = %.0f req/s (bare_after/bare = %.2f)\n", r.BaselineRPS, r.BaselineDrift)
		if math.Abs(r.BaselineDrift-1) > 0.1 {
			fmt.Fprintln(w, "warning: the baseline drifted by more than 10% during the run: other load on the machine skews the ratios")
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, row, "scenario", "requests", "req/s", "ratio", "goal", "p50", "p99", "non-2xx", "5xx", "errors")
		for _, s := range r.Scenarios {
			against := "bare"
			if s.Against != "" {
				against = s.Against
			}
			fmt.Fprintf(w, row, s.Name, s.Requests, fmt.Sprintf("%.0f", s.RPS), fmt.Sprintf("%.2f", s.Ratio),
				s.Goal, fmtMS(s.P50ms), fmtMS(s.P99ms), s.Non2xx, s.Status5x, s.Errors)
			if s.Against != "" {
				fmt.Fprintf(w, "  (%s: ratio to %s serving the same bytes)\n", s.Name, against)
			}
		}
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "\nserve memory (MB)  idle RSS %.1f  goal %v\n", m.IdleRSS.Value, m.IdleRSS)
		fmt.Fprintf(w, "                   peak RSS (VmHWM) under load %.1f  goal %v\n", m.PeakRSS.Value, m.PeakRSS)
	}
	if len(r.Scale) > 0 {
		fmt.Fprintf(w, "\n"+row, "stored orders", "requests", "req/s", "", "", "p50", "p99", "non-2xx", "5xx", "errors")
		for _, s := range r.Scale {
			fmt.Fprintf(w, row, s.Name, s.Requests, fmt.Sprintf("%.0f", s.RPS), "", "",
				fmtMS(s.P50ms), fmtMS(s.P99ms), s.Non2xx, s.Status5x, s.Errors)
		}
		fmt.Fprintf(w, "p50 at %d / p50 at %d = %.2f×  goal %v\n", scaleSizes[1], scaleSizes[0], r.ScaleP50.Value, r.ScaleP50)
	}
}

func fmtMS(v float64) string { return fmt.Sprintf("%.2fms", v) }
