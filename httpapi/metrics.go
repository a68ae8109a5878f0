package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers can run in one test process.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// Register adds collectors (store, webhook, … metrics) to the registry.
func (s *Server) Register(cs ...prometheus.Collector) { s.metrics.registry.MustRegister(cs...) }

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// MetricsHandler serves the Prometheus metrics to anyone: mount it only on
// a listener of its own (METRICS_ADDR), never on the public one.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// metricsBearer serves the metrics to callers holding the bearer token
// MetricsToken; others get 401. The comparison takes the same time
// whatever the token sent.
func (s *Server) metricsBearer() http.Handler {
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	next := s.metrics.handler()
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			return coft.Errorf(coft.EUNAUTHORIZED, "The metrics need the bearer token (METRICS_TOKEN).")
		}
		next.ServeHTTP(w, r)
		return nil
	})
}
