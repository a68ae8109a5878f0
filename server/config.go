package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
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
	// mode is "sandbox" (the default) or "production": see checkProduction.
	// Production sends webhooks only to global unicast addresses
	// (webhook.GlobalUnicast).
	mode string
	// providers names the card network and bank: "sandbox", the only ones
	// built in. Production runs them only when the operator says so.
	providers string
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
	// metricsToken serves /metrics on the public listener to bearers of
	// it; metricsAddr serves it on a listener of its own. With neither,
	// nothing serves the metrics.
	metricsToken, metricsAddr string
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		addr:        getenv("ADDR"),
		databaseURL: getenv("DATABASE_URL"),
		dataDir:     getenv("DATA_DIR"),
		webDir:      getenv("WEB_DIR"),
		baseURL:     strings.TrimRight(getenv("BASE_URL"), "/"),
		metricsAddr: getenv("METRICS_ADDR"),
	}
	if t := getenv("METRICS_TOKEN"); t != "" {
		if len(t) < 16 || strings.ContainsAny(t, " \t\r\n") {
			return c, fmt.Errorf("METRICS_TOKEN: want 16 characters or more, without spaces")
		}
		c.metricsToken = t
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
	switch c.providers = getenv("PROVIDERS"); c.providers {
	case "", "sandbox":
	default:
		return c, fmt.Errorf("PROVIDERS: want sandbox (the only card network and bank built in), got %q", c.providers)
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

// production reports whether the service runs in production mode.
func (c config) production() bool { return c.mode == "production" }

// secretNames are the keys production needs from the operator.
var secretNames = []string{locker.EnvLockerKey, locker.EnvFingerprintKey, locker.EnvSigningKey, "CARD_JWE_KEY"}

// withSecretFiles lets each key come from the environment or from the
// file its NAME_FILE variable names (a mounted secret), trimmed.
func withSecretFiles(getenv func(string) string) func(string) string {
	return func(name string) string {
		v := getenv(name)
		if v != "" || !slices.Contains(secretNames, name) {
			return v
		}
		path := getenv(name + "_FILE")
		if path == "" {
			return ""
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "" // reported by checkSecrets or the key's loader
		}
		return strings.TrimSpace(string(b))
	}
}

// checkProduction refuses to serve in production what is fit only for a
// sandbox: keys it would have to generate, a data directory others can
// read, a plain-HTTP base URL, and the
// sandbox network and bank unless the operator asks for them (staging).
// It returns the warnings the operator must see.
func checkProduction(c config, getenv func(string) string) (warnings []string, err error) {
	if !c.production() {
		return nil, nil
	}
	if err := checkSecrets(getenv); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(c.dataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("MODE=production: DATA_DIR %s is readable by others (mode %o): chmod 700 it", c.dataDir, fi.Mode().Perm())
	}
	if !strings.HasPrefix(c.baseURL, "https://") {
		return nil, fmt.Errorf("MODE=production: BASE_URL must be the service's https:// URL, got %q", c.baseURL)
	}
	if c.providers != "sandbox" {
		return nil, fmt.Errorf("MODE=production: no card network or bank is configured; the sandbox's are the only ones built in: set PROVIDERS=sandbox to run them (staging only)")
	}
	return []string{"PROVIDERS=sandbox: the sandbox card network and bank are in use; no real card is tokenized or charged"}, nil
}

// checkSecrets requires, in production, every key from the operator:
// production generates none.
func checkSecrets(getenv func(string) string) error {
	for _, name := range secretNames {
		if getenv(name) != "" {
			continue
		}
		if f := getenv(name + "_FILE"); f != "" {
			if _, err := os.ReadFile(f); err != nil {
				return fmt.Errorf("MODE=production: %s_FILE: %w", name, err)
			}
			return fmt.Errorf("MODE=production: %s_FILE names an empty file", name)
		}
		return fmt.Errorf("MODE=production: %s is not set (nor %s_FILE); production generates no keys", name, name)
	}
	return nil
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
	if err != nil {
		return cfg, nil, err
	}
	lk, err := openLocker(cfg, getenv)
	if err != nil {
		db.Close()
		return cfg, nil, err
	}
	db.Secrets = lk // merchants' response keys and webhook passwords are sealed
	return cfg, db, nil
}

// openLocker loads the card keys (generated into DATA_DIR for the sandbox
// when the environment sets none; in production, only the operator's) and
// opens the locker.
func openLocker(cfg config, getenv func(string) string) (*locker.Locker, error) {
	dir := cfg.dataDir
	if cfg.production() {
		if err := checkSecrets(getenv); err != nil {
			return nil, err
		}
		dir = "" // nothing generated, nothing read from a keys file
	}
	keys, err := locker.LoadKeys(dir, getenv)
	if err != nil {
		return nil, err
	}
	return locker.New(keys)
}
