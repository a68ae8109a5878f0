package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"
)

// TestRefundByTxn: POST /refunds refunds a charged payment named by txn_id
// or order_id and answers the refund alone, as Juspay's API does.
func TestRefundByTxn(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		h.order(h.keyA, "rt1", false, "")
		pay := h.txn(h.keyA, newCardForm("rt1", goodCard))
		txnID := pay.str("txn_id")
		refund := func(form string) response {
			return h.do(request{method: "POST", path: "/refunds", key: h.keyA, form: form})
		}
		if r := refund("unique_request_id=t1&amount=10&txn_id=" + url.QueryEscape(txnID)); r.status != 409 || r.errorField() != "txn_id" {
			t.Fatalf("refund of an unpaid payment: %d %s", r.status, r.raw)
		}
		h.browser(false).pay(pay.str("payment.authentication.url"), "")

		r := refund("unique_request_id=t1&amount=100.25&txn_id=" + url.QueryEscape(txnID))
		for path, want := range map[string]any{
			"unique_request_id": "t1", "order_id": "rt1", "txn_id": txnID, "amount": 100.25, "status": "SUCCESS",
			"sent_to_gateway": true, "initiated_by": "API", "refund_type": "STANDARD", "refund_source": "DUMMY",
			"gateway": "DUMMY", "response_code": "00", "error_message": "Refund Success",
			"reference_id": nil, "refund_arn": nil, "authorization_id": nil,
		} {
			if got := r.get(path); got != want {
				t.Errorf("%s = %v, want %v (%s)", path, got, want, r.raw)
			}
		}
		if len(r.str("epg_txn_id")) != 12 || r.str("created") == "" {
			t.Errorf("epg_txn_id, created: %s", r.raw)
		}
		// The same unique_request_id again is the same refund.
		if again := refund("unique_request_id=t1&amount=100.25&order_id=rt1"); again.status != 200 || again.str("epg_txn_id") != r.str("epg_txn_id") {
			t.Fatalf("the same refund again: %d %s", again.status, again.raw)
		}
		// By order_id, INSTANT asked: refunded to the card as STANDARD.
		if inst := refund("unique_request_id=t2&amount=1&order_id=rt1&refund_type=INSTANT"); inst.status != 200 || inst.str("refund_type") != "STANDARD" || inst.str("txn_id") != txnID {
			t.Fatalf("by order_id: %d %s", inst.status, inst.raw)
		}
		st := h.must(200, request{method: "GET", path: "/orders/rt1", key: h.keyA})
		refs := map[string]string{} // id → ref (the refunds share one created time: any order)
		for i := range 2 {
			refs[st.str(fmt.Sprintf("refunds.%d.id", i))] = st.str(fmt.Sprintf("refunds.%d.ref", i))
		}
		if st.get("amount_refunded") != 101.25 || refs["t1"] != r.str("epg_txn_id") || refs["t2"] == "" {
			t.Fatalf("order status after the refunds: %s", st.raw)
		}
		for _, tc := range []struct {
			form, field string
			status      int
		}{
			{"unique_request_id=t3&amount=1", "order_id", 400},
			{"unique_request_id=t3&amount=1&txn_id=alpha-nosuch-1", "txn_id", 404},
			{"unique_request_id=t3&amount=1&txn_id=beta-rt1-1", "txn_id", 404},
			{"unique_request_id=t3&amount=1&txn_id=" + url.QueryEscape(txnID) + "&order_id=other", "txn_id", 400},
			{"unique_request_id=t3&amount=100000&order_id=rt1", "amount", 400},
			{"amount=1&order_id=rt1", "unique_request_id", 400},
			{"unique_request_id=t3&amount=1&order_id=rt1&refund_type=LATER", "refund_type", 400},
			{"unique_request_id=t3&amount=1&order_id=rt1&beneficiary_details.type=UPI_ID&beneficiary_details.details.vpa=x%40upi", "beneficiary_details", 400},
		} {
			if bad := refund(tc.form); bad.status != tc.status || bad.errorField() != tc.field {
				t.Errorf("%s: %d %s, want %d naming %s", tc.form, bad.status, bad.raw, tc.status, tc.field)
			}
		}
		// A failed attempt of a charged order is not the one refunded.
		h.order(h.keyA, "rt2", false, "")
		failed := h.txn(h.keyA, newCardForm("rt2", "4242420000000059"))
		h.browser(false).pay(failed.str("payment.authentication.url"), "")
		good := h.txn(h.keyA, newCardForm("rt2", goodCard))
		h.browser(false).pay(good.str("payment.authentication.url"), "")
		if bad := refund("unique_request_id=t4&amount=1&txn_id=" + url.QueryEscape(failed.str("txn_id"))); bad.status != 409 || bad.errorField() != "txn_id" {
			t.Fatalf("refund of a failed attempt: %d %s", bad.status, bad.raw)
		}
		// Beta cannot refund alpha's payment.
		if res := h.do(request{method: "POST", path: "/refunds", key: h.keyB, form: "unique_request_id=x&amount=1&order_id=rt1"}); res.status != 404 {
			t.Fatalf("beta refunds alpha's order: %d %s", res.status, res.raw)
		}
		if res := h.do(request{method: "POST", path: "/refunds", form: "unique_request_id=x&amount=1&order_id=rt1"}); res.status != 401 {
			t.Fatalf("no credentials: %d", res.status)
		}
	})
}
