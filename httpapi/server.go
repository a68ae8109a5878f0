// Package httpapi is the service's HTTP surface: every route (routes.go),
// the merchant API's handlers in Juspay's wire shapes (decoded and
// rendered by package juspay, run by package payment's use cases),
// authentication, and the middleware. The customer's pages are package
// pages', mounted here.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/console"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/reqlog"
	"github.com/gorilla/sessions"
)

// Store is the storage the API needs.
type Store interface {
	coft.MerchantStore
	coft.CustomerStore
	coft.OrderStore
	coft.CardStore
	coft.TxnStore
	coft.ConsentStore
	coft.OnboardingStore
	coft.EventStore
	coft.RefundStore
	coft.PageConsentStore
	coft.JWTKeyStore
	coft.LedgerStore
	coft.ConsentStatsStore
	Ping(ctx context.Context) error
}

// Locker seals card numbers and computes their fingerprints.
type Locker interface {
	Seal(plaintext, aad string) (ciphertext []byte, keyID string, err error)
	Open(ciphertext []byte, keyID, aad string) (string, error)
	Fingerprint(pan string) string
}

// Config is what a Server needs. Store, Bins, Locker, Tokens, Network,
// Bank, BaseURL and Logger are required.
type Config struct {
	Store   Store
	Bins    coft.BinLookup
	Locker  Locker
	Tokens  *authtoken.Issuer
	Logger  *slog.Logger
	BaseURL string // e.g. "https://pay.example.com", used in payment links
	// ClientTokenTTL is how long a client_auth_token or card_token lives.
	ClientTokenTTL time.Duration
	// MerchantCacheTTL is how long a merchant's settings may be served from
	// memory. A settings change made through another instance takes effect
	// here within this time.
	MerchantCacheTTL time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// TestCards are listed on the home page.
	TestCards []components.TestCard

	// Network issues network tokens; Bank authenticates customers and
	// authorizes payments. The sandbox provides both.
	Network coft.Network
	Bank    coft.Bank
	// Sandbox lets merchants make the sandbox network act on demand
	// (/sandbox/… routes); nil when a real network is used, and in
	// production.
	Sandbox payment.SandboxControls
	// Demo serves /demo, which pays the sandbox merchant "demo".
	Demo bool
	// Production refuses what only a sandbox may do (testMode onboarding).
	Production bool
	// Warnings are shown by /readyz: what an operator must know about how
	// the service runs (e.g. the sandbox network in production).
	Warnings []string
	// Webhooks delivers the outbox; Notify makes it look for events now.
	Webhooks interface{ Notify() }
	// CardKey opens card data merchants encrypt to the service (Alt IDs).
	CardKey *cardjwe.Key
	// Consent renders the go-app consent page; Frontend serves its assets
	// (app.js, the wasm, …) at FrontendPaths.
	Consent       pages.ConsentRenderer
	Frontend      http.Handler
	FrontendPaths []string
	// Sessions keeps the browser session cookie.
	Sessions sessions.Store
	// Environment is "sandbox" or "production", as the Session API's SDK
	// payload names it. Default: sandbox when Sandbox is set.
	Environment string
	// AuthWindow is how long a pending payment may be resumed by an
	// identical /txns call instead of starting a new attempt, and how long
	// it waits for its customer: the reconciler ends one older than that
	// (payment.Config.AuthWindow). Default 15 minutes.
	AuthWindow time.Duration
	// ConsoleStore, when set, serves the merchant console at /console
	// (package console) over it; ConsoleRequests and ConsoleWebhooks feed
	// its developers' corner and its webhook test (optional).
	ConsoleStore    console.Store
	ConsoleRequests console.RequestLog
	ConsoleWebhooks console.WebhookTester
	// MetricsToken, when set, serves GET /metrics on the handler to
	// callers sending it as a bearer token (Authorization: Bearer …).
	// Unset, the handler has no /metrics (404): serve MetricsHandler on a
	// listener of its own instead.
	MetricsToken string
	// RequestLog, when set, keeps each merchant's recent requests of the
	// merchant API (method, route pattern, status, time, duration, request
	// id; never a path or a body), for the console: see RecentRequests.
	// It is this instance's memory only, never written to the database,
	// so that no request gains a write.
	RequestLog *reqlog.Log
}

// Server is the merchant API. Make it with New, then serve its Handler.
type Server struct {
	cfg       Config
	metrics   *metrics
	merchants merchantCache
	// jweKeys caches opened JWE+JWS keys by key id: see findJWEKey.
	jweKeys sync.Map
	// payments runs the use cases, over the same store (notifying the
	// webhook worker), locker, network and bank.
	payments *payment.Service
	// views builds the answers' objects.
	views juspay.Views
	// pages serves the customer's pages.
	pages    *pages.Server
	console  *console.Server // nil: no console
	handler  http.Handler
	patterns []string
}

// New checks the configuration, fills its defaults and returns the
// server.
func New(c Config) (*Server, error) {
	switch {
	case c.Store == nil:
		return nil, errConfig("Store")
	case c.Bins == nil:
		return nil, errConfig("Bins")
	case c.Locker == nil:
		return nil, errConfig("Locker")
	case c.Tokens == nil:
		return nil, errConfig("Tokens")
	case c.Network == nil:
		return nil, errConfig("Network")
	case c.Bank == nil:
		return nil, errConfig("Bank")
	case c.BaseURL == "":
		return nil, errConfig("BaseURL")
	case c.Logger == nil:
		return nil, errConfig("Logger")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ClientTokenTTL == 0 {
		c.ClientTokenTTL = 15 * time.Minute
	}
	if c.Environment == "" {
		c.Environment = "sandbox"
		if c.Production {
			c.Environment = "production"
		}
	}
	if c.AuthWindow == 0 {
		c.AuthWindow = payment.DefaultAuthWindow
	}
	if c.Webhooks != nil {
		c.Store = notifyingStore{c.Store, c.Webhooks}
	}
	if c.Sessions == nil {
		hashKey, blockKey := c.Tokens.SessionKeys()
		c.Sessions = sessions.NewCookieStore(hashKey, blockKey)
	}
	payments, err := payment.New(payment.Config{Store: c.Store, Locker: c.Locker, Bins: c.Bins, CardTokens: c.Tokens,
		Network: c.Network, Bank: c.Bank, Sandbox: c.Sandbox, Now: c.Now, Logger: c.Logger, CacheTTL: c.MerchantCacheTTL,
		AuthWindow: c.AuthWindow})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: c, metrics: newMetrics(), payments: payments, views: juspay.Views{BaseURL: c.BaseURL, Bank: c.Bank}}
	s.merchants.ttl = c.MerchantCacheTTL
	if s.pages, err = pages.New(pages.Config{Store: c.Store, Payments: payments, Views: s.views, Merchant: s.findMerchantByID,
		Bins: c.Bins, Tokens: c.Tokens, Consent: c.Consent, Sessions: c.Sessions, Logger: c.Logger, BaseURL: c.BaseURL,
		Now: c.Now, ClientTokenTTL: c.ClientTokenTTL, AuthWindow: c.AuthWindow, TestCards: c.TestCards,
		DemoConsole: c.Demo && !c.Production}); err != nil {
		return nil, err
	}
	if c.ConsoleStore != nil {
		hashKey, _ := c.Tokens.SessionKeys()
		notify := func() {}
		if c.Webhooks != nil {
			notify = c.Webhooks.Notify
		}
		requests := c.ConsoleRequests
		if requests == nil && c.RequestLog != nil {
			requests = consoleRequests{c.RequestLog}
		}
		demo := ""
		if c.Demo && !c.Production {
			demo = pages.DemoMerchant
		}
		if s.console, err = console.New(console.Config{Store: c.ConsoleStore, Payments: payments, Sessions: c.Sessions,
			FormKey: hashKey, Logger: c.Logger, BaseURL: c.BaseURL, Now: c.Now, Production: c.Production,
			DemoMerchant: demo, MerchantChanged: s.forgetMerchant, Requests: requests,
			Webhooks: c.ConsoleWebhooks, Notify: notify, TestCards: c.TestCards, Preview: s.pages, Locker: c.Locker}); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

func errConfig(field string) error {
	return coft.Errorf(coft.EINTERNAL, "httpapi: Config.%s is required", field)
}

// Payments returns the use cases the server runs, for the sandbox
// network's callbacks and the reconciler.
func (s *Server) Payments() *payment.Service { return s.payments }

// Console returns the merchant console the server mounts; nil when it
// serves none.
func (s *Server) Console() *console.Server { return s.console }

// RecentRequests returns the merchant's most recent requests of the
// merchant API that this instance served, newest first, at most limit
// (all that are kept when limit <= 0); nil without a Config.RequestLog.
// Requests served by other instances are not in it.
func (s *Server) RecentRequests(merchantID string, limit int) []reqlog.Entry {
	return s.cfg.RequestLog.Recent(merchantID, limit)
}

// Handler returns the whole URL surface of the service.
func (s *Server) Handler() http.Handler { return s.handler }

// Patterns lists every route the service serves ("GET /orders/{order_id}",
// …) as this configuration serves it.
func (s *Server) Patterns() []string { return s.patterns }

// merchantCache keeps recently used merchants by API key hash and by id,
// sparing a database read on every request.
type merchantCache struct {
	ttl time.Duration
	m   sync.Map // string key → cachedMerchant
}

type cachedMerchant struct {
	m   *coft.Merchant
	exp time.Time
}

func (c *merchantCache) get(key string, now time.Time) *coft.Merchant {
	if v, ok := c.m.Load(key); ok && now.Before(v.(cachedMerchant).exp) {
		return v.(cachedMerchant).m
	}
	return nil
}

// forget drops a merchant's cached settings, by id and by key hash: a
// change made here (the console) is seen at once.
func (c *merchantCache) forget(id string) {
	c.m.Range(func(k, v any) bool {
		if v.(cachedMerchant).m.ID == id {
			c.m.Delete(k)
		}
		return true
	})
}

// forgetMerchant drops what this instance keeps in memory of a merchant
// whose settings the console changed: its settings (a rotated API key is
// refused at once) and its opened JWT keys (a revoked key too).
func (s *Server) forgetMerchant(id string) {
	s.merchants.forget(id)
	s.jweKeys.Range(func(k, v any) bool {
		if v.(cachedJWEKey).key.MerchantID == id {
			s.jweKeys.Delete(k)
		}
		return true
	})
}

func (c *merchantCache) put(key string, m *coft.Merchant, now time.Time) {
	if c.ttl > 0 {
		c.m.Store(key, cachedMerchant{m, now.Add(c.ttl)})
	}
}

func (s *Server) findMerchantByID(ctx context.Context, id string) (*coft.Merchant, error) {
	now := s.cfg.Now()
	if m := s.merchants.get("id:"+id, now); m != nil {
		return m, nil
	}
	m, err := s.cfg.Store.FindMerchantByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.merchants.put("id:"+id, m, now)
	return m, nil
}

func (s *Server) findMerchantByKeyHash(ctx context.Context, hash []byte) (*coft.Merchant, error) {
	now := s.cfg.Now()
	key := "key:" + string(hash)
	if m := s.merchants.get(key, now); m != nil {
		return m, nil
	}
	m, err := s.cfg.Store.FindMerchantByAPIKeyHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	s.merchants.put(key, m, now)
	return m, nil
}
