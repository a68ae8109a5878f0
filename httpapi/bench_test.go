package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft/httpapi"
)

// BenchmarkOrderStatus measures GET /orders/{id} through the whole handler
// chain (auth, store, JSON) on SQLite, without the network.
func BenchmarkOrderStatus(b *testing.B) {
	h := newHarness(&testing.T{}, "sqlite")
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=bench1&amount=100.00&udf1=x"})
	handler := h.api.Handler()
	req := httptest.NewRequest("GET", "/orders/bench1", nil)
	req.SetBasicAuth(h.keyA, "")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req.Clone(req.Context()))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkOrderStatusJWE is BenchmarkOrderStatus as Juspay's SDKs ask it
// with JWE+JWS (POST /v4/order-status, encrypted and signed, the answer
// sealed), next to the same route with the API key: the cost of the mode.
func BenchmarkOrderStatusJWE(b *testing.B) {
	// As served: keys cached like merchants.
	h := newHarness(&testing.T{}, "sqlite", func(c *httpapi.Config) { c.MerchantCacheTTL = time.Minute })
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=bench1&amount=100.00&udf1=x"})
	c := h.jweKeyFor("alpha")
	handler := h.api.Handler()
	for _, mode := range []string{"basic", "jwe"} {
		b.Run(mode, func(b *testing.B) {
			body, ct := `{"order_id":"bench1"}`, "application/json"
			if mode == "jwe" {
				body = c.seal(body, c.priv, c.service, c.kid)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", "/v4/order-status", strings.NewReader(body))
					req.Header.Set("Content-Type", ct)
					if mode == "basic" {
						req.SetBasicAuth(h.keyA, "")
					}
					rec := httptest.NewRecorder()
					handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
