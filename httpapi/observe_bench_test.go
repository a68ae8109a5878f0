package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/coftkit/coft/reqlog"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the middleware, not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkObserve runs the observe middleware around an authenticated API
// route, with and without the recent-requests log, with the access log
// written (info, as in production) and not built (LOG_LEVEL=warn).
func BenchmarkObserve(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		for _, recorder := range []bool{false, true} {
			b.Run("log="+level.String()+"/recorder="+strconv.FormatBool(recorder), func(b *testing.B) {
				logger := slog.New(LogHandler{slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level})})
				s := &Server{cfg: Config{Logger: logger}, metrics: newMetrics()}
				if recorder {
					s.cfg.RequestLog = reqlog.New(reqlog.Config{})
				}
				mux := http.NewServeMux()
				mux.HandleFunc("GET /orders/{order_id}", func(w http.ResponseWriter, r *http.Request) {
					infoFrom(r.Context()).merchantID = "alpha" // as authenticate does
					w.Write([]byte(`{"status":"CHARGED"}`))
				})
				h := s.observe(mux)
				r, _ := http.NewRequest("GET", "/orders/ord1", nil)
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}
