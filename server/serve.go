package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/reqlog"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/webapp"
	"github.com/coftkit/coft/webhook"
)

// serve runs the service until ctx is cancelled, then shuts down
// gracefully: in-flight requests get up to ten seconds to finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	printRoutes := fs.Bool("routes", false, "print the routes this configuration serves, then exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.logLevel)

	// Listen first, so a taken port fails before anything else starts.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.baseURL == "" {
		cfg.baseURL = "http://" + ln.Addr().String()
	}
	warnings, err := checkProduction(cfg, getenv)
	if err != nil {
		return err
	}
	if !cfg.production() { // the sandbox tightens its data directory; production refuses a loose one
		if fi, err := os.Stat(cfg.dataDir); err == nil && fi.IsDir() && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(cfg.dataDir, 0o700); err != nil {
				return fmt.Errorf("DATA_DIR: %w", err)
			}
		}
	}
	for _, w := range warnings {
		logger.Warn(w)
	}

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	lk, err := openLocker(cfg, getenv)
	if err != nil {
		return err
	}
	db.Secrets = lk
	if n, err := db.SealMerchantSecrets(ctx); err != nil {
		return err
	} else if n > 0 {
		logger.Info("sealed merchants' secrets stored in plain text", "merchants", n)
	}
	bins, err := bintable.New()
	if err != nil {
		return err
	}
	if !cfg.production() { // the sandbox's demo merchant; production makes none
		if err := ensureDemoMerchant(ctx, db, cfg, stdout); err != nil {
			return err
		}
		if err := allowDemoFraming(ctx, db, cfg.baseURL); err != nil {
			return err
		}
	}
	cardKey, err := cardjwe.Load(cfg.dataDir, getenv("CARD_JWE_KEY"))
	if err != nil {
		return fmt.Errorf("CARD_JWE_KEY: %w", err)
	}

	front, err := webapp.New(webapp.Config{WebDir: cfg.webDir, Title: "Secure your card"})
	if err != nil {
		return err
	}
	network := &sandbox.Network{PAR: lk.PAR, OnboardingDelay: cfg.onboardingDelay, Logger: logger, CVVLessNetworks: cfg.cvvLessNetworks}
	// The webhook worker renders events with the API's views and the API
	// wakes it after a write: each is given the other before either runs.
	hooks := &webhook.Worker{Store: db, Schedule: cfg.retry, Timeout: cfg.hookTimeout, Logger: logger,
		AllowPrivate: cfg.mode != "production"}
	apiCfg := httpapi.Config{
		Store: db, Bins: bins, Locker: lk, Logger: logger, BaseURL: cfg.baseURL,
		Tokens:           authtoken.New(lk.SigningKey(), nil),
		MerchantCacheTTL: 5 * time.Second,
		Network:          network,
		Environment:      cfg.mode,
		Production:       cfg.production(),
		Warnings:         warnings,
		CardKey:          cardKey,
		Bank:             sandbox.Bank{},
		Consent:          front,
		Frontend:         front.Assets(),
		FrontendPaths:    front.AssetPaths(),
		Webhooks:         hooks,
		MetricsToken:     cfg.metricsToken,
		ConsoleStore:     db,
		// Each instance remembers the API requests it served, for the
		// console's developers' corner; in memory, never a write per request.
		RequestLog:      reqlog.New(reqlog.Config{}),
		ConsoleWebhooks: hooks,
	}
	if !cfg.production() { // the sandbox's controls, test cards and demo
		apiCfg.Sandbox, apiCfg.TestCards, apiCfg.Demo = network, testCards(bins), true
	}
	api, err := httpapi.New(apiCfg)
	if err != nil {
		return err
	}
	if *printRoutes {
		for _, p := range api.Patterns() {
			fmt.Fprintln(stdout, p)
		}
		return nil
	}
	hooks.Render = api.RenderEvent
	network.Events = api.Payments() // the network's callbacks go to the use cases, not to the HTTP server
	hooksDone := make(chan struct{})
	hooksCtx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
	go func() { hooks.Run(hooksCtx); close(hooksDone) }()
	defer func() { stopHooks(); <-hooksDone }()
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: cfg.readHeaderTimeout, // slow headers (slowloris) are cut off
		ReadTimeout:       cfg.readTimeout,       // and so are slow bodies
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go reconcile(ctx, api.Payments(), db, db, db, logger, cfg.reconcileAfter, cfg.webhookRetention)
	if addr := getenv("DEBUG_ADDR"); addr != "" {
		// Profiles on a separate listener, never on the public one.
		dln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("DEBUG_ADDR: %w", err)
		}
		dsrv := &http.Server{Handler: debugMux(), ReadHeaderTimeout: 5 * time.Second}
		go dsrv.Serve(dln)
		defer dsrv.Close()
		logger.Info("debug listener", "addr", dln.Addr().String())
	}
	if cfg.metricsAddr != "" {
		// The metrics on a listener of their own, for the operator's
		// network only.
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api.MetricsHandler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		logger.Info("metrics listener", "addr", mln.Addr().String())
	}
	logger.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.baseURL, "database", string(db.Dialect()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// reconcile finishes, now and every 30 seconds until ctx ends, the card
// work of charged payments that a crash interrupted, and ends the payments
// their customers abandoned past the authentication window (their card
// numbers erased). A payment is left after (RECONCILE_AFTER, a minute by
// default) to finish on its own first. Each time it also prunes the
// webhook events done with for longer than retention (WEBHOOK_RETENTION).
// Now and every ten minutes it also submits again onboardings still
// waiting for a network's answer, and now and every hour it signs the
// consent ledgers' heads. Each time it adds the consent dialogs ended
// since to the consent stats' counts.
func reconcile(ctx context.Context, payments *payment.Service, events eventPruner, ledger ledgerSigner, stats statsCompactor,
	logger *slog.Logger, after, retention time.Duration) {
	tick := time.NewTicker(min(30*time.Second, max(after, time.Second)))
	defer tick.Stop()
	var signed time.Time
	for i := 0; ; i++ {
		if time.Since(signed) >= ledgerCheckpointEvery {
			signed = time.Now()
			if n, err := ledger.CheckpointLedgers(ctx, ""); err != nil && ctx.Err() == nil {
				logger.Error("signing consent ledger checkpoints", "error", err.Error())
			} else if n > 0 {
				logger.Info("signed consent ledger checkpoints", "chains", n)
			}
		}
		if n, err := payments.FinishCharges(ctx, time.Now().Add(-after)); err != nil && ctx.Err() == nil {
			logger.Error("finishing interrupted and abandoned payments", "error", err.Error())
		} else if n > 0 {
			logger.Info("finished interrupted and abandoned payments", "count", n)
		}
		if _, err := stats.CompactConsentStats(ctx); err != nil && ctx.Err() == nil {
			logger.Error("adding consent outcomes to the stats", "error", err.Error())
		}
		if n, err := pruneEvents(ctx, events, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			logger.Error("pruning webhook events", "error", err.Error())
		} else if n > 0 {
			logger.Info("pruned webhook events", "count", n)
		}
		if i%20 == 0 {
			if n, err := payments.ResubmitPendingOnboardings(ctx); err != nil && ctx.Err() == nil {
				logger.Error("resubmitting pending onboardings", "error", err.Error())
			} else if n > 0 {
				logger.Info("resubmitted pending onboardings", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ledgerSigner signs the consent ledgers' heads; see coft.LedgerStore.
type ledgerSigner interface {
	CheckpointLedgers(ctx context.Context, merchantID string) (int, error)
}

// statsCompactor adds recorded consent outcomes to the stats' counts; see
// coft.ConsentStatsStore.
type statsCompactor interface {
	CompactConsentStats(ctx context.Context) (int, error)
}

// ledgerCheckpointEvery is how often the reconciler signs the heads of
// the consent ledgers that grew (besides every coft.LedgerCheckpointEvery
// entries).
const ledgerCheckpointEvery = time.Hour

// eventPruner deletes webhook events done with; see coft.EventStore.
type eventPruner interface {
	PruneEvents(ctx context.Context, before time.Time, limit int) (int, error)
}

// Pruning is done in writes of pruneBatch events each, at most
// pruneBatches of them a round: each write is short, so SQLite's one
// writer is never held long and other writes run between them, and a
// backlog (the first start with retention) is worked off over the
// following rounds.
const pruneBatch, pruneBatches = 200, 25

// pruneEvents deletes the webhook events done with before before, with
// their attempts, batch by batch; it returns how many it deleted.
func pruneEvents(ctx context.Context, events eventPruner, before time.Time) (int, error) {
	total := 0
	for range pruneBatches {
		n, err := events.PruneEvents(ctx, before, pruneBatch)
		total += n
		if err != nil || n < pruneBatch || ctx.Err() != nil {
			return total, err
		}
	}
	return total, nil
}

// debugMux serves the runtime profiles of net/http/pprof.
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// testCards lists a test card for every BIN of the sandbox table.
func testCards(t *bintable.Table) []components.TestCard {
	var cards []components.TestCard
	for _, b := range t.Entries() {
		if n, ok := t.TestCard(b.BIN); ok {
			cards = append(cards, components.TestCard{Number: n, Bin: b})
		}
	}
	return cards
}

// bare serves a minimal handler that answers a small JSON body, the
// baseline the load run compares the service's endpoints with; with -file,
// Go's file server serving that one file at every path instead.
func bare(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "serve this file with http.ServeFile at every path")
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	body := []byte(`{"id":"541919","object":"cardbin","brand":"MASTERCARD","bank":"HDFC Bank","country":"INDIA","type":"DEBIT","card_sub_type":"PLATINUM","juspay_bank_code":"JP_HDFC","tokenize_support":true}` + "\n")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	if *file != "" {
		handler = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" {
				w.Write([]byte("ok"))
				return
			}
			http.ServeFile(w, r, *file)
		}
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: handler}
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Fprintln(stderr, "bare handler listening on", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
