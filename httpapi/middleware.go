package httpapi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/reqlog"
)

type ctxKey int

const (
	requestKey ctxKey = iota
	authKey
	loggerKey
)

// requestInfo is what the access log learns about a request while it runs.
type requestInfo struct {
	id         string
	merchantID string // set once the caller is authenticated
}

func infoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestKey).(*requestInfo)
	return ri
}

// requestID returns the id of the request the context belongs to.
func requestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// recoverPanics turns a panic into a logged internal error. It is the
// outermost middleware: it also gives the request the server's logger,
// which logOf returns to whatever logs on the request's behalf.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), loggerKey, s.cfg.Logger))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Logger.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				writeError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logOf returns the logger of the server serving the request (a logger
// that writes nothing outside one).
func logOf(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return discardLogger
}

var discardLogger = slog.New(slog.DiscardHandler)

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack lets the go-app and websocket handlers take over connections.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Flush passes flushes through.
func (s *statusRecorder) Flush() { http.NewResponseController(s.ResponseWriter).Flush() }

// observe gives each request an id (kept from a sane incoming X-Request-Id
// that holds no card number),
// logs one line when it ends and records its metrics, and, for a request
// of the merchant API whose caller was authenticated, an entry in the
// merchant's recent requests (Config.RequestLog). The line names the
// route's pattern, never the path or the query string: paths and queries
// carry capabilities (a payment's txn_uuid, a payment page's ord_ id, a
// client_auth_token) that would let a log reader act on a customer's
// payment or cards. Of the path's values it keeps only the two that are no
// capability, merchant_id and the merchant's order_id; LogHandler masks
// a card number in any of them.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !coft.IsIdentifier(id, 64) || holdsCardNumber(id) {
			id = coft.RandomHex(8)
		}
		w.Header().Set("X-Request-Id", id)
		ri := &requestInfo{id: id}
		r = r.WithContext(context.WithValue(r.Context(), requestKey, ri))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, rec.status, elapsed)
		if s.cfg.RequestLog != nil && ri.merchantID != "" { // an API route, its caller authenticated
			s.cfg.RequestLog.Record(ri.merchantID, reqlog.Entry{Method: r.Method, Route: route, Status: rec.status,
				Time: start, Duration: elapsed, RequestID: id})
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		if !s.cfg.Logger.Enabled(r.Context(), level) {
			return // LOG_LEVEL=warn: no access log line, so none built
		}
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Float64("ms", float64(elapsed.Microseconds())/1000))
		merchantID := ri.merchantID
		if merchantID == "" {
			merchantID = r.PathValue("merchant_id") // the customer's pages name it
		}
		if merchantID != "" {
			attrs = append(attrs, slog.String("merchant_id", merchantID))
		}
		if id := r.PathValue("order_id"); id != "" {
			attrs = append(attrs, slog.String("order_id", id))
		}
		s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// secureCSP is the policy of every response that sets none of its own.
var secureCSP = csp.None.String()

// secureHeaders sets headers every response should carry. Pages that must
// be framed or need scripts set their own policy over these.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", secureCSP)
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is an HTTP handler that returns its error, which serveError
// renders in the Juspay shape.
// writeError answers err in the Juspay error shape; internal errors are
// logged with their cause (the answer says only "Internal error.").
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if code, _ := juspay.Status(err); code == coft.EINTERNAL {
		logOf(r.Context()).ErrorContext(r.Context(), "request failed", "error", err.Error())
	}
	juspay.WriteError(w, r, err, requestID(r.Context()))
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (f handlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		writeError(w, r, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
