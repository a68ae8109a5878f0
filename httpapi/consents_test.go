package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// TestConsentExport: GET /consents/export answers the caller's own
// chain, signed to its end, as a file that verifies; another merchant's
// key gets its own (empty) chain, never this one; a malformed bound is
// refused.
func TestConsentExport(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, d)
			h.db.Secrets = h.locker
			ctx := context.Background()
			h.order(h.keyA, "c1", false, "")
			for range 3 {
				if err := h.db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "alpha", OrderID: "c1", Decision: true,
					TextID: "tokenize-en-v1", Locale: "en"}); err != nil {
					t.Fatal(err)
				}
			}
			res := h.must(200, request{method: "GET", path: "/consents/export", key: h.keyA})
			if ct := res.header.Get("Content-Type"); ct != "application/x-ndjson" {
				t.Fatalf("Content-Type = %q", ct)
			}
			rep, err := evidence.Verify(strings.NewReader(res.raw))
			if err != nil || rep.MerchantID != "alpha" || rep.Entries != 3 || rep.LastCheckpoint != 3 {
				t.Fatalf("alpha's export: %+v, %v\n%s", rep, err, res.raw)
			}
			res = h.must(200, request{method: "GET", path: "/consents/export?from=2000-01-01T00:00:00Z", key: h.keyB})
			rep, err = evidence.Verify(strings.NewReader(res.raw))
			if err != nil || rep.MerchantID != "beta" || rep.Entries != 0 || strings.Contains(res.raw, `\"merchant_id\":\"alpha\"`) {
				t.Fatalf("beta's export: %+v, %v\n%s", rep, err, res.raw)
			}
			h.must(400, request{method: "GET", path: "/consents/export?to=yesterday", key: h.keyA})
			h.must(401, request{method: "GET", path: "/consents/export"})
		})
	}
}
