package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/coftkit/coft/sqlstore/sqltest"
)

// TestCustomerConsents: a customer's consent history is every decision
// and withdrawal of that customer, oldest first, from the merchant's
// ledger, with the hashes that place each in the chain; no other
// customer's, and no other merchant may read it.
func TestCustomerConsents(t *testing.T) {
	for _, dialect := range sqltest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			h := newHarness(t, dialect)
			b := h.browser(false)
			cst := h.order(h.keyA, "hist1", true, "")
			b.pay(h.txn(h.keyA, newCardForm("hist1", goodCard)).str("payment.authentication.url"), "accept")
			other := h.order(h.keyA, "hist2", true, "")
			b.pay(h.txn(h.keyA, newCardForm("hist2", goodCard)).str("payment.authentication.url"), "decline")

			hist := h.must(200, request{method: "GET", path: "/customers/" + cst + "/consents", key: h.keyA})
			if hist.str("customer_id") != cst || hist.str("consents.0.record.kind") != "decision" ||
				hist.get("consents.0.record.decision") != true || hist.str("consents.0.record.channel") != "HOSTED_PAGE" ||
				hist.str("consents.0.record.customer_id") != cst || len(hist.str("consents.0.hash")) != 64 ||
				hist.get("consents.1") != nil {
				t.Fatalf("history: %s", hist.raw)
			}
			// The card's removal is a withdrawal in the same history.
			cardToken := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}).str("cards.0.card_token")
			h.must(200, request{method: "POST", path: "/card/delete", key: h.keyA, form: "card_token=" + url.QueryEscape(cardToken)})
			hist = h.must(200, request{method: "GET", path: "/customers/" + cst + "/consents", key: h.keyA})
			if hist.str("consents.1.record.kind") != "withdrawal" || hist.get("consents.1.seq").(float64) <= hist.get("consents.0.seq").(float64) {
				t.Fatalf("history after removal: %s", hist.raw)
			}
			if o := h.must(200, request{method: "GET", path: "/customers/" + other + "/consents", key: h.keyA}); o.get("consents.0.record.decision") != false ||
				o.str("consents.0.record.customer_id") != other || o.get("consents.1") != nil {
				t.Fatalf("the other customer's history: %s", o.raw)
			}
			h.must(404, request{method: "GET", path: "/customers/" + cst + "/consents", key: h.keyB})
			h.must(401, request{method: "GET", path: "/customers/" + cst + "/consents"})
		})
	}
}
