package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/locker"
	"github.com/coftkit/coft/sqlstore"
)

// config is the service's configuration, read from the environment.
type config struct {
	addr        string
	databaseURL string
	dataDir     string
	webDir      string // the built frontend: app.wasm and its compressed copies
	baseURL     string
	logLevel    slog.Level
	// onboardingDelay is how long the sandbox networks take to answer an
	// onboarding outside test mode.
	onboardingDelay time.Duration
	// cvvLessNetworks are the sandbox networks whose tokens pay without a
	// security code; nil means the sandbox's default (Visa, Mastercard).
	cvvLessNetworks []string
	// mode is "sandbox" (the default) or "production", which refuses
	// webhook receivers on private addresses.
	mode string
	// retry is the webhook retry schedule; hookTimeout bounds one attempt.
	retry       coft.RetrySchedule
	hookTimeout time.Duration
	// webhookRetention is how long webhook events done with (delivered,
	// failed for good, or without a URL) are kept, with their attempts.
	webhookRetention time.Duration
	// reconcileAfter is how long a charged payment's card work is left to
	// finish on its own before the reconciler takes over.
	reconcileAfter time.Duration
	// The HTTP server's timeouts: reading a request's headers, reading a
	// whole request, writing a response, and keeping an idle connection.
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		addr:        getenv("ADDR"),
		databaseURL: getenv("DATABASE_URL"),
		dataDir:     getenv("DATA_DIR"),
		webDir:      getenv("WEB_DIR"),
		baseURL:     strings.TrimRight(getenv("BASE_URL"), "/"),
	}
	if c.addr == "" {
		c.addr = "127.0.0.1:8080"
	}
	if c.webDir == "" {
		c.webDir = "web"
	}
	if c.dataDir == "" {
		c.dataDir = "data"
	}
	if c.databaseURL == "" {
		c.databaseURL = filepath.Join(c.dataDir, "coft.db")
	}
	if d := getenv("SANDBOX_ONBOARDING_DELAY"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("SANDBOX_ONBOARDING_DELAY: want a positive duration such as 3s, got %q", d)
		}
		c.onboardingDelay = v
	}
	if v := getenv("SANDBOX_CVV_LESS_NETWORKS"); v != "" {
		c.cvvLessNetworks = []string{}
		if !strings.EqualFold(strings.TrimSpace(v), "none") {
			nets, err := coft.ParseNetworks(v)
			if err != nil {
				return c, fmt.Errorf("SANDBOX_CVV_LESS_NETWORKS: want networks such as VISA,MASTERCARD, or none: %s", coft.ErrorMessage(err))
			}
			c.cvvLessNetworks = nets
		}
	}
	switch c.mode = getenv("MODE"); c.mode {
	case "":
		c.mode = "sandbox"
	case "sandbox", "production":
	default:
		return c, fmt.Errorf("MODE: want sandbox or production, got %q", c.mode)
	}
	c.retry = coft.DefaultRetrySchedule
	c.reconcileAfter = time.Minute
	c.webhookRetention = 30 * 24 * time.Hour
	c.readHeaderTimeout, c.readTimeout, c.writeTimeout, c.idleTimeout = 5*time.Second, 15*time.Second, 30*time.Second, 120*time.Second
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"WEBHOOK_RETRY_FIRST", &c.retry.First}, {"WEBHOOK_RETRY_MAX", &c.retry.Max}, {"WEBHOOK_RETRY_FOR", &c.retry.Total},
		{"WEBHOOK_TIMEOUT", &c.hookTimeout}, {"WEBHOOK_RETENTION", &c.webhookRetention}, {"RECONCILE_AFTER", &c.reconcileAfter},
		{"READ_HEADER_TIMEOUT", &c.readHeaderTimeout}, {"READ_TIMEOUT", &c.readTimeout},
		{"WRITE_TIMEOUT", &c.writeTimeout}, {"IDLE_TIMEOUT", &c.idleTimeout}} {
		if v := getenv(d.name); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur <= 0 {
				return c, fmt.Errorf("%s: want a positive duration such as 5s, got %q", d.name, v)
			}
			*d.dst = dur
		}
	}
	if c.readHeaderTimeout > c.readTimeout {
		return c, fmt.Errorf("READ_HEADER_TIMEOUT (%s) must not exceed READ_TIMEOUT (%s)", c.readHeaderTimeout, c.readTimeout)
	}
	if lv := getenv("LOG_LEVEL"); lv != "" {
		if err := c.logLevel.UnmarshalText([]byte(lv)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	return c, nil
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(httpapi.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

func openStore(ctx context.Context, c config) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, c.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return db, nil
}

// openAdmin opens the configured database for an administration command.
func openAdmin(ctx context.Context, getenv func(string) string) (config, *sqlstore.DB, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openStore(ctx, cfg)
	return cfg, db, err
}

// openLocker loads the card keys (generated into DATA_DIR for the sandbox
// when the environment sets none) and opens the locker.
func openLocker(cfg config, getenv func(string) string) (*locker.Locker, error) {
	keys, err := locker.LoadKeys(cfg.dataDir, getenv)
	if err != nil {
		return nil, err
	}
	return locker.New(keys)
}
