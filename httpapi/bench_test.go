package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
