// Package pages serves the customer's pages: the consent dialog and the
// bank's authentication page of a payment, the hosted payment page, the
// drop-in's dialog, the saved-cards screen and the demo. Their errors are
// pages too, never JSON.
package pages

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/payment"
	"github.com/gorilla/sessions"
)

// Store is the storage the pages read (the use cases do the writing,
// except the demo's own orders and the drop-in's recorded choices).
type Store interface {
	coft.CustomerStore
	coft.OrderStore
	coft.CardStore
	coft.TxnStore
	coft.PageConsentStore
	coft.LedgerStore
}

// ConsentRenderer renders the go-app consent page.
type ConsentRenderer interface {
	RenderConsent(w io.Writer, v app.ConsentView) error
	// RenderManage renders the go-app saved-cards screen.
	RenderManage(w io.Writer, v app.ManageView) error
	// ConsentCSP is the consent page's policy, framed by frameAncestors
	// (none: 'none').
	ConsentCSP(frameAncestors ...string) csp.Policy
}

// Config is what the pages need; every field is required but TestCards.
type Config struct {
	Store    Store
	Payments *payment.Service
	Views    juspay.Views
	// Merchant finds a merchant by id (the server's cache).
	Merchant func(ctx context.Context, id string) (*coft.Merchant, error)
	Bins     coft.BinLookup
	Tokens   *authtoken.Issuer
	Consent  ConsentRenderer
	Sessions sessions.Store
	Logger   *slog.Logger
	BaseURL  string
	Now      func() time.Time
	// ClientTokenTTL is how long a card_token lives; AuthWindow how long a
	// pending payment may be resumed.
	ClientTokenTTL, AuthWindow time.Duration
	// TestCards are offered by the demo.
	TestCards []components.TestCard
	// DemoConsole links the demo's result to that order's timeline in the
	// merchant console (DemoConsolePath). Sandbox only: the demo
	// merchant's console is open without sign-in there, never in
	// production.
	DemoConsole bool
}

// Server serves the customer's pages. Make it with New.
type Server struct {
	cfg      Config
	payments *payment.Service
	views    juspay.Views
	cop      *http.CrossOriginProtection
}

// New checks the configuration and returns the pages' server.
func New(c Config) (*Server, error) {
	switch {
	case c.Store == nil, c.Payments == nil, c.Merchant == nil, c.Bins == nil, c.Tokens == nil, c.Consent == nil,
		c.Sessions == nil, c.Logger == nil, c.BaseURL == "", c.Now == nil, c.ClientTokenTTL == 0, c.AuthWindow == 0:
		return nil, coft.Errorf(coft.EINTERNAL, "pages: Config is incomplete")
	}
	s := &Server{cfg: c, payments: c.Payments, views: c.Views, cop: http.NewCrossOriginProtection()}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, coft.Errorf(coft.EFORBIDDEN, "Cross-origin post refused."))
	}))
	return s, nil
}

func (s *Server) findMerchantByID(ctx context.Context, id string) (*coft.Merchant, error) {
	return s.cfg.Merchant(ctx, id)
}

// CSP is the policy of server-rendered pages: own styles and images only.
var CSP = csp.Parse("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Post is a page's form post: from a browser, same-origin, its body
// bounded (LimitBody), its error a page.
//
// Go's cross-origin protection lets a request with neither Origin nor
// Sec-Fetch-Site through, as a request not made by a browser; a customer's
// form post is always made by one, so such a request is refused too: a
// merchant's server cannot record "the customer chose" with curl.
func (s *Server) Post(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	next := s.cop.Handler(s.LimitBody(s.Page(fn)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
			s.Error(w, r, coft.Errorf(coft.EFORBIDDEN, "This form can only be sent from your browser."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitBody bounds the body of the pages' form posts: a larger one is
// answered 413 with a page before the handler runs, and one that cannot
// be read (a client too slow for READ_TIMEOUT) 400.
func (s *Server) LimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, juspay.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.Error(w, r, &juspay.StatusError{Status: http.StatusRequestEntityTooLarge,
					Err: coft.Errorf(coft.EINVALID, "This form sent more than a payment page ever does. Please go back and try again.")})
				return
			}
			s.Error(w, r, coft.Errorf(coft.EINVALID, "Please go back and try again."))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// startPayment starts a payment the page's form asks for, as /txns would.
func (s *Server) startPayment(r *http.Request, m *coft.Merchant, p juspay.Params) (*coft.Txn, error) {
	req, err := juspay.StartRequest(m, p)
	if err != nil {
		return nil, err
	}
	req.ClientIP, req.UserAgent = ClientIP(r), UserAgent(r)
	return s.payments.Start(r.Context(), req, s.cfg.AuthWindow)
}

// sessionOptions sets the cookie's attributes: over HTTPS it must be
// SameSite=None, Secure and Partitioned to work inside a merchant's iframe.
func (s *Server) sessionOptions(r *http.Request, o *sessions.Options) {
	o.Path = "/v2/"
	o.MaxAge = int(s.cfg.AuthWindow.Seconds()) * 2
	o.HttpOnly = true
	// Every attribute is set: the store's defaults are Secure and
	// SameSite=None, which plain-HTTP development would not keep.
	if r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://") {
		o.Secure, o.SameSite, o.Partitioned = true, http.SameSiteNoneMode, true
	} else {
		o.Secure, o.SameSite, o.Partitioned = false, http.SameSiteLaxMode, false
	}
}

// ClientIP is the address the request came from.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// UserAgent is the request's user agent as evidence keeps it: at most
// 512 bytes.
func UserAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 512 {
		return ua[:512]
	}
	return ua
}

// FormFactor is the form factor of a posted consent decision (its form
// parsed) and its source: the form_factor the dialog's script posted (one
// of coft.FormFactors; anything else is ignored), else the request's
// client hints and user agent.
func FormFactor(r *http.Request) (formFactor, source string) {
	return coft.DecisionFormFactor(r.PostForm.Get("form_factor"), r.Header.Get("Sec-CH-UA-Mobile"),
		r.Header.Get("Sec-CH-UA-Platform"), r.UserAgent())
}

// Withdrawal is the evidence of a customer's withdrawal of consent by
// this request: the channel, the client's address and user agent.
func Withdrawal(r *http.Request, channel string) coft.Withdrawal {
	return coft.Withdrawal{Channel: channel, ClientIP: ClientIP(r), UserAgent: UserAgent(r)}
}
