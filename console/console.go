// Package console is the merchant console at /console: server-rendered
// pages (templ, package components) where a merchant's people sign in,
// follow every payment's story, and change the merchant's settings
// without a shell. Every action is a plain form post; every post is
// same-origin and carries the session's form token; every change of a
// setting is written with its audit entry.
//
// A page's URL names its merchant (/console/{merchant_id}/…): a user of
// another merchant is answered 404, as if the merchant did not exist.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/jweauth"
	"github.com/coftkit/coft/payment"
	"github.com/gorilla/sessions"
)

// Store is the storage the console reads and changes.
type Store interface {
	coft.MerchantStore
	coft.UserStore
	coft.AuditStore
	coft.OrderStore
	coft.TxnStore
	coft.CustomerStore
	coft.CardStore
	coft.RefundStore
	coft.EventStore
	coft.ConsentStore
	coft.PageConsentStore
	coft.LedgerStore
	coft.ConsentStatsStore
	coft.JWTKeyStore
	coft.OnboardingStore
	coft.OrderHistoryStore
}

// Config is what a Server needs. Store, Payments, Sessions, Logger and
// BaseURL are required.
type Config struct {
	Store    Store
	Payments *payment.Service
	// Sessions keeps the console's session cookie (its own name and path:
	// it is never the customer pages' cookie).
	Sessions sessions.Store
	// FormKey signs the session's form tokens.
	FormKey []byte
	Logger  *slog.Logger
	BaseURL string
	Now     func() time.Time
	// Production refuses what only the sandbox allows: an open demo
	// console, test cards.
	Production bool
	// DemoMerchant, when set (the sandbox only), is the merchant whose
	// console is open without signing in, to everyone, as an admin.
	DemoMerchant string
	// MerchantChanged is told the merchant whose settings changed, so that
	// caches forget it (the API's merchant cache: a rotated key is refused
	// at once).
	MerchantChanged func(merchantID string)
	// Requests lists a merchant's recent API requests (the developers'
	// corner); nil shows none.
	Requests RequestLog
	// Webhooks sends a test event to a merchant's webhook URL; nil hides the
	// button.
	Webhooks WebhookTester
	// Preview renders the consent dialog with a merchant's (perhaps
	// unsaved) brand for the brand settings' previews; nil shows none.
	Preview DialogPreview
	// Locker seals the service's private keys of the JWT keys the console
	// issues; nil: keys are listed and revoked, not issued.
	Locker jweauth.Locker
	// Notify wakes the webhook worker after a redelivery is asked for.
	Notify func()
	// TestCards are shown in the developers' corner (the sandbox only).
	TestCards []components.TestCard
	// IdleTimeout ends a session not used for that long (default 30
	// minutes); MaxAge ends every session that long after sign-in
	// (default 12 hours).
	IdleTimeout, MaxAge time.Duration
}

// RequestLog is a merchant's recent API requests, newest first.
type RequestLog interface {
	Recent(merchantID string) []components.APIRequest
}

// WebhookTester sends a test event to a merchant's webhook URL and says
// how it was answered.
type WebhookTester interface {
	SendTest(ctx context.Context, m *coft.Merchant) (status int, took time.Duration, err error)
}

// DialogPreview renders the consent dialog as a merchant's customers see
// it, over a sample payment, in m's name, brand colour and logo and the
// locale's language; only the service's own pages may frame it.
type DialogPreview interface {
	PreviewDialog(w http.ResponseWriter, m *coft.Merchant, locale string) error
}

// Server serves the console's pages.
type Server struct {
	cfg     Config
	limiter *ipLimiter
}

// New checks the configuration and fills its defaults.
func New(c Config) (*Server, error) {
	switch {
	case c.Store == nil:
		return nil, errConfig("Store")
	case c.Payments == nil:
		return nil, errConfig("Payments")
	case c.Sessions == nil:
		return nil, errConfig("Sessions")
	case len(c.FormKey) < 16:
		return nil, errConfig("FormKey")
	case c.Logger == nil:
		return nil, errConfig("Logger")
	case c.BaseURL == "":
		return nil, errConfig("BaseURL")
	}
	if c.Production {
		c.DemoMerchant, c.TestCards = "", nil
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.MaxAge == 0 {
		c.MaxAge = 12 * time.Hour
	}
	if c.MerchantChanged == nil {
		c.MerchantChanged = func(string) {}
	}
	return &Server{cfg: c, limiter: newIPLimiter(c.Now)}, nil
}

func errConfig(field string) error {
	return coft.Errorf(coft.EINTERNAL, "console: Config.%s is required", field)
}

// formToken is the token a session's forms carry: an HMAC of the session,
// so a form rendered for one session is refused in another.
func (s *Server) formToken(sessionKey string) string {
	mac := hmac.New(sha256.New, s.cfg.FormKey)
	mac.Write([]byte("console-form:" + sessionKey))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
