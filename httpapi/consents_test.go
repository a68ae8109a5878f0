package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/cardscan"
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

// TestConsentExportCustomer: GET /consents/export?customer_id= answers
// one customer's entries only (by id or object_reference_id), each with
// its inclusion proof, as a file that verifies alone; neither it nor the
// whole chain's export holds card data (cardscan: the cards paid with,
// their security code); a customer of another merchant, or none, is 404
// naming customer_id.
func TestConsentExportCustomer(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		h.db.Secrets = h.locker
		pans := []string{goodCard, "5419190000000003"}
		var customers []string
		for i, pan := range append(pans, pans[1]) { // customers 0, 1, 0
			id := fmt.Sprintf("cx%d", i)
			cst := h.order(h.keyA, id, true, "")
			if i == 2 {
				cst = customers[0]
				h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=cx2b&amount=10&customer_id=" + cst})
				id = "cx2b"
			} else {
				customers = append(customers, cst)
			}
			res := h.txn(h.keyA, newCardForm(id, pan))
			h.browser(false).pay(res.str("payment.authentication.url"), []string{"accept", "decline"}[i%2])
		}
		whole := h.must(200, request{method: "GET", path: "/consents/export", key: h.keyA})
		for _, ref := range []string{customers[0], "ccx0"} {
			res := h.must(200, request{method: "GET", path: "/consents/export?customer_id=" + ref, key: h.keyA})
			rep, err := evidence.Verify(strings.NewReader(res.raw))
			if err != nil || rep.CustomerID != customers[0] || rep.Entries < 2 || len(rep.Unproven) != 0 || rep.RootsChecked == 0 {
				t.Fatalf("customer %s's export: %+v, %v\n%s", ref, rep, err, res.raw)
			}
			if strings.Contains(res.raw, customers[1]) || strings.Contains(res.raw, `\"order_id\":\"cx1\"`) {
				t.Fatalf("another customer's entry in %s's export:\n%s", ref, res.raw)
			}
			scan := cardscan.New(pans, "123")
			var leaks cardscan.Report
			leaks.Add(scan, "the customer's export", []byte(res.raw))
			leaks.Add(scan, "the whole export", []byte(whole.raw))
			if len(leaks.Findings) != 0 {
				t.Fatalf("card data in an export: %+v", leaks.Findings)
			}
		}
		for _, tc := range []struct {
			key, ref string
		}{{h.keyB, customers[0]}, {h.keyB, "ccx0"}, {h.keyA, "cst_nope"}} {
			if res := h.must(404, request{method: "GET", path: "/consents/export?customer_id=" + tc.ref, key: tc.key}); res.errorField() != "customer_id" {
				t.Errorf("customer %s: %s", tc.ref, res.raw)
			}
		}
	})
}
