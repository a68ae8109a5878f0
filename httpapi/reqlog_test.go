package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/reqlog"
)

// TestRecentRequests: each call of the merchant API by an authenticated
// caller is kept in its merchant's recent requests, newest first, with its
// method, route pattern (never the path: its ids may be capabilities),
// status, time, duration and request id; never a body. Calls that no
// merchant made (anonymous, unauthenticated, the customer's pages) are not
// kept, and one merchant's calls are never in another's list.
func TestRecentRequests(t *testing.T) {
	log := reqlog.New(reqlog.Config{})
	h := newHarness(t, "sqlite", func(c *httpapi.Config) { c.RequestLog = log })
	if got := h.api.RecentRequests("alpha", 0); got != nil {
		t.Fatalf("before any call: %v", got)
	}
	cst := h.customer(h.keyA, "reqlog")
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=rl1&amount=10&customer_id=" + cst})
	h.must(200, request{method: "GET", path: "/orders/rl1", key: h.keyA, header: map[string]string{"X-Request-Id": "mine-1"}})
	h.must(404, request{method: "GET", path: "/orders/nosuchorder", key: h.keyA})
	res := h.txn(h.keyA, newCardForm("rl1", goodCard))
	h.must(200, request{method: "POST", path: "/orders", key: h.keyB, form: "order_id=rlb&amount=10"})
	// Not the merchant API's, or not a merchant's: not kept.
	h.must(401, request{method: "GET", path: "/orders/rl1", key: "KEYWRONG"})
	h.must(200, request{method: "GET", path: "/cardbins/424242?merchant_id=alpha"})
	h.must(200, request{method: "GET", path: "/healthz"})
	if status, _, _ := h.browser(true).visit(res.str("payment.authentication.url")); status != 200 {
		t.Fatalf("consent page: %d", status)
	}

	got := h.api.RecentRequests("alpha", 0)
	want := []struct {
		method, route string
		status        int
	}{
		{"POST", "POST /txns", 200},
		{"GET", "GET /orders/{order_id}", 404},
		{"GET", "GET /orders/{order_id}", 200},
		{"POST", "POST /orders", 200},
		{"POST", "POST /customers", 200},
	}
	if len(got) != len(want) {
		t.Fatalf("alpha's recent requests: %d, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		if e.Method != w.method || e.Route != w.route || e.Status != w.status {
			t.Errorf("request %d: %s %q %d, want %s %q %d", i, e.Method, e.Route, e.Status, w.method, w.route, w.status)
		}
		if e.RequestID == "" || e.Time.IsZero() || e.Duration <= 0 {
			t.Errorf("request %d lacks its id, time or duration: %+v", i, e)
		}
		if i > 0 && e.Time.After(got[i-1].Time) {
			t.Errorf("request %d is newer than request %d", i, i-1)
		}
		text := fmt.Sprintf("%+v", e)
		for _, secret := range []string{"rl1", "nosuchorder", goodCard, res.str("txn_uuid")} {
			if strings.Contains(text, secret) {
				t.Errorf("request %d holds %q: %s", i, secret, text)
			}
		}
	}
	if got[2].RequestID != "mine-1" {
		t.Errorf("the caller's X-Request-Id is %q in the log", got[2].RequestID)
	}
	if got := h.api.RecentRequests("alpha", 2); len(got) != 2 || got[0].Route != "POST /txns" {
		t.Errorf("the last two: %+v", got)
	}
	beta := h.api.RecentRequests("beta", 0)
	if len(beta) != 1 || beta[0].Route != "POST /orders" {
		t.Fatalf("beta's recent requests: %+v", beta)
	}
	for _, e := range beta {
		for _, a := range got {
			if e.RequestID == a.RequestID {
				t.Fatalf("alpha's request %s is in beta's list", a.RequestID)
			}
		}
	}
}

// TestRecentRequestsOptional: without a RequestLog nothing is kept and
// RecentRequests answers nil.
func TestRecentRequestsOptional(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=rl2&amount=10"})
	if got := h.api.RecentRequests("alpha", 0); got != nil {
		t.Fatalf("without a RequestLog: %+v", got)
	}
}
