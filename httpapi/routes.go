package httpapi

import (
	"net/http"
	"strings"
)

// Handler returns the whole URL surface of the service. Its middleware
// runs, in order: recover → request id, log and metrics → security headers
// → authentication (per route).
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	handle := func(pattern string, level access, h handlerFunc) {
		mux.Handle(pattern, s.authenticate(level, h))
	}

	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.metrics.handler())

	handle("POST /orders", merchantOnly, s.handleOrderCreate)
	handle("GET /orders/{order_id}", merchantOnly, s.handleOrderStatus)
	handle("POST /orders/{order_id}", merchantOnly, s.handleOrderUpdate)

	handle("POST /customers", merchantOnly, s.handleCustomerCreate)
	handle("GET /customers/{customer_id}", merchantOnly, s.handleCustomerGet)
	handle("POST /customers/{customer_id}", merchantOnly, s.handleCustomerUpdate)

	handle("GET /cardbins/{bin}", publicAllowed, s.handleCardBin)
	handle("GET /cards", clientAllowed, s.handleCardList)
	handle("POST /card/delete", merchantOnly, s.handleCardDelete)
	handle("POST /card/update", merchantOnly, s.handleCardUpdate)
	handle("POST /v4/card/delete", merchantOnly, s.handleCardDeleteV4)

	mux.Handle("/", handlerFunc(s.handleNotFound))

	return recoverPanics(s.observe(secureHeaders(mux)))
}

// camelCaseAPI reports whether the request is for one of the newer JSON
// APIs, whose errors take the camelCase shape.
func camelCaseAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/tokenization/") || strings.HasPrefix(p, "/v4/") || p == "/get/altId"
}
