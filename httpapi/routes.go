package httpapi

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
	"github.com/coftkit/coft/static"
)

// route is one endpoint of the merchant API.
type route struct {
	pattern string
	access  access
	handle  handlerFunc
	doc     string // shown on the home page
}

// apiRoutes is the merchant API, in the order the home page lists it.
func (s *Server) apiRoutes() []route {
	routes := []route{
		{"POST /orders", merchantOnly, s.handleOrderCreate, "Create an order (options.get_client_auth_token for a browser token)."},
		{"POST /v4/orders", merchantOnly, s.handleOrderCreate, "Create an order, as /orders (JWE+JWS or API key)."},
		{"GET /orders/{order_id}", merchantOnly, s.handleOrderStatus, "Order status."},
		{"POST /v4/order-status", merchantOnly, s.handleOrderStatus, "Order status, order_id in the body (JWE+JWS or API key)."},
		{"POST /orders/{order_id}", merchantOnly, s.handleOrderUpdate, "Update amount or udf fields while the order is NEW."},
		{"POST /orders/{order_id}/refunds", merchantOnly, s.handleRefund, "Refund a CHARGED order (unique_request_id, amount)."},
		{"POST /v4/orders/{order_id}/refunds", merchantOnly, s.handleRefund, "Refund, as /orders/{order_id}/refunds (JWE+JWS or API key)."},
		{"POST /refunds", merchantOnly, s.handleRefundByTxn, "Refund a CHARGED payment named by txn_id or order_id (unique_request_id, amount); answers the refund."},
		{"POST /customers", merchantOnly, s.handleCustomerCreate, "Create a customer."},
		{"GET /customers/{customer_id}", merchantOnly, s.handleCustomerGet, "Get a customer by id or object_reference_id."},
		{"POST /customers/{customer_id}", merchantOnly, s.handleCustomerUpdate, "Update a customer."},
		{"GET /customers/{customer_id}/consents", merchantOnly, s.handleCustomerConsents, "A customer's consent history: every decision and withdrawal, from the consent ledger, with its hashes."},
		{"GET /cardbins/{bin}", publicAllowed, s.handleCardBin, "Card info for a BIN, with tokenize_support."},
		{"GET /cards", clientAllowed, s.handleCardList, "A customer's saved cards, with tokenize_support and token."},
		{"POST /card/delete", merchantOnly, s.handleCardDelete, "Delete a saved card by card_token."},
		{"POST /card/update", merchantOnly, s.handleCardUpdate, "Set a saved card's nickname."},
		{"POST /v4/card/delete", merchantOnly, s.handleCardDeleteV4, "Delete a card and its network token by card_reference."},
		{"POST /card/tokenize", clientAllowed, s.handleCardTokenize, "Tokenize a saved card out of band: a ₹1.00 authenticated payment, refunded (card_token, tokenize=true|absent)."},
		{"POST /session", merchantOnly, s.handleSession, "Order Session API: create the order and get its payment page link and SDK payload (action=paymentPage), or a customer's saved-cards screen (action=paymentManagement)."},
		{"POST /v4/session", merchantOnly, s.handleSession, "Order Session API, as /session (JWE+JWS or API key)."},
		{"POST /txns", clientAllowed, s.handleTxnCreate, "Start a card payment (tokenize=true|false|absent, save_to_locker)."},
		{"POST /v4/txns", merchantOnly, s.handleTxnCreate, "Start a card payment, as /txns (JWE+JWS or API key)."},
		{"POST /tokenization/onboarding", merchantOnly, s.handleOnboarding, "Onboard the merchant or a sub-merchant (associateId) to the card networks for COFT or ALT_ID."},
		{"GET /tokenization/onboarding/status", merchantOnly, s.handleOnboardingStatus, "Onboarding status per network, by submerchantId."},
		{"POST /v4/card/get", merchantOnly, s.handleCardGet, "A saved card's network token with a fresh cryptogram (ACTIVE tokens only)."},
		{"GET /webhooks/events", merchantOnly, s.handleEventList, "Webhook events and their delivery status (order_id, limit)."},
		{"GET /webhooks/events/{id}", merchantOnly, s.handleEventGet, "One webhook event: its body and every delivery attempt."},
		{"POST /webhooks/events/{id}/redeliver", merchantOnly, s.handleEventRedeliver, "Send a webhook event again now."},
		{"GET /consents/export", merchantOnly, s.handleConsentExport, "The merchant's consent ledger as JSON Lines, entries appended in [from, to) (RFC 3339), with its checkpoints and public keys; customer_id: one customer's entries, each with its inclusion proof (docs/EVIDENCE.md)."},
		{"GET /consents/stats", merchantOnly, s.handleConsentStats, "Consent insight: dialogs shown, accepted, declined and abandoned, acceptance rate, median and p90 time to decide, by channel, language, form factor, card brand and text version, for the days [from, to) in India (default: the last 30); format=csv for CSV."},
		{"POST /get/altId", merchantOnly, s.handleAltID, "An Alt ID and TAVV for a guest's card, sent as a JWE to the key at /tokenization/keys."},
	}
	// The older forms Juspay's SDKs for PHP, Ruby and .NET still send: the
	// order or customer in the parameters instead of the path, the same
	// answers as the current forms.
	routes = append(routes,
		route{"POST /order/create", merchantOnly, s.handleOrderCreate, "Create an order (older form of POST /orders)."},
		route{"GET /order/status", merchantOnly, s.handleOrderStatus, "Order status by order_id (older form of GET /orders/{order_id})."},
		route{"POST /order/status", merchantOnly, s.handleOrderStatus, "Order status by order_id in the body (older form)."},
		route{"POST /order/update", merchantOnly, s.handleOrderUpdate, "Update an order by order_id in the body (older form of POST /orders/{order_id})."},
		route{"POST /order/refund", merchantOnly, s.handleRefund, "Refund by order_id in the body (older form of POST /orders/{order_id}/refunds)."},
		route{"GET /card/list", clientAllowed, s.handleCardList, "A customer's saved cards (older form of GET /cards)."},
	)
	if s.cfg.Sandbox != nil {
		routes = append(routes,
			route{"POST /sandbox/tokens/{reference}/{action}", merchantOnly, s.handleSandboxToken, "Sandbox network: suspend, resume, deactivate or replace a card's token."},
			route{"POST /sandbox/onboarding", merchantOnly, s.handleSandboxOnboarding, "Sandbox network: answer a pending onboarding now (status=onboarded|rejected)."},
		)
	}
	return routes
}

// routes builds the whole URL surface of the service. Its middleware runs,
// in order: recover → request id, log and metrics → security headers →
// authentication (per route).
func (s *Server) routes() http.Handler {
	mux := &patternMux{ServeMux: http.NewServeMux()}

	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /tokenization/keys", handlerFunc(s.handleCardKeys))
	mux.Handle("GET /v2/theme.css", handlerFunc(s.pages.Theme))
	mux.HandleFunc("GET /readyz", s.handleReady)
	if s.cfg.MetricsToken != "" { // else /metrics is not on this handler (MetricsHandler)
		mux.Handle("GET /metrics", s.metricsBearer())
	}

	for _, rt := range s.apiRoutes() {
		mux.Handle(rt.pattern, s.authenticate(rt.access, rt.handle))
	}

	// The customer's pages. Their URLs carry the capability (the
	// transaction's uuid); posts also need the form token and a same-origin
	// browser (pages.Server.Post).
	mux.Handle("GET /orders/{id}/payment-page", s.pages.Page(s.pages.PayPage))
	mux.Handle("POST /orders/{id}/payment-page", s.pages.Post(s.pages.PayPageSubmit))
	mux.Handle("GET "+pages.WidgetPath, s.pages.Page(s.pages.Widget))
	mux.Handle("POST "+pages.WidgetPath, s.pages.Post(s.pages.WidgetDecision))
	mux.Handle("GET /v2/consent/drop-in.json", handlerFunc(s.pages.DropIn))
	mux.Handle("GET /cards/manage", s.pages.Page(s.pages.ManagePage))
	mux.Handle("POST /cards/manage/secure", s.pages.Post(s.pages.ManageSecure))
	mux.Handle("POST /cards/manage/remove", s.pages.Post(s.pages.ManageRemove))
	mux.Handle("GET /v2/txns/consent/{merchant_id}/{txn_uuid}", s.pages.Page(s.pages.ConsentPage))
	mux.Handle("POST /v2/txns/consent/{merchant_id}/{txn_uuid}", s.pages.Post(s.pages.ConsentDecision))
	mux.Handle("GET /v2/pay/start/{merchant_id}/{txn_uuid}", s.pages.Page(s.pages.BankPage))
	mux.Handle("POST /v2/pay/start/{merchant_id}/{txn_uuid}", s.pages.Post(s.pages.BankSubmit))
	for _, p := range s.cfg.FrontendPaths {
		mux.Handle("GET "+p, s.cfg.Frontend)
	}

	if s.cfg.Demo { // the demo pays the sandbox merchant
		mux.Handle("GET /demo", s.pages.Page(s.pages.Demo))
		mux.Handle("GET /demo/dialog", s.pages.Page(s.pages.DemoDialog))
		mux.Handle("POST /demo/dialog", s.pages.Post(s.pages.DemoDialog))
		mux.Handle("POST /demo/checkout", s.pages.Post(s.pages.DemoCheckout))
		mux.Handle("POST /demo/pay", s.pages.Post(s.pages.DemoPay))
	}
	if s.console != nil { // the merchant console (package console lists its routes)
		for _, rt := range s.console.Routes() {
			mux.Handle(rt.Pattern, rt.Handler)
		}
	}
	mux.Handle("GET /{$}", handlerFunc(s.handleHome))
	assets, _ := fs.Sub(static.FS, ".")
	mux.Handle("GET /static/", filesOnly(assets, "/static/", handlerFunc(s.handleNotFound),
		http.StripPrefix("/static/", cacheAssets(http.FileServerFS(assets)))))
	s.patterns = mux.patterns
	mux.ServeMux.Handle("/", s.notFound(mux.ServeMux))

	return s.recoverPanics(s.observe(secureHeaders(mux)))
}

// notFound answers what no route serves: 405 with Allow when the path is
// served for other methods, else 404.
func (s *Server) notFound(mux *http.ServeMux) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: method, URL: r.URL, Host: r.Host}
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, method)
				if method == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) == 0 {
			return s.handleNotFound(w, r)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return &juspay.StatusError{Status: http.StatusMethodNotAllowed,
			Err: coft.Errorf(coft.EINVALID, "%s %s is not served: use %s.", r.Method, maskCardNumbers(r.URL.Path), strings.Join(allow, " or "))}
	})
}

// patternMux is a ServeMux that keeps the patterns it is given, for the
// route table (Server.Patterns).
type patternMux struct {
	*http.ServeMux
	patterns []string
}

func (m *patternMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *patternMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// filesOnly serves through next the regular files of fsys, under prefix,
// and answers notFound for anything else: a directory (/static/, which the
// file server would list) or a missing file.
func filesOnly(fsys fs.FS, prefix string, notFound, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if info, err := fs.Stat(fsys, name); name == "" || !fs.ValidPath(name) || err != nil || !info.Mode().IsRegular() {
			notFound.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
