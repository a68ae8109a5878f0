package httpapi_test

import (
	"net/url"
	"testing"
)

// TestOlderForms: the paths Juspay's SDKs for PHP, Ruby and .NET still
// send answer as the current forms do.
func TestOlderForms(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.customer(h.keyA, "legacy1")
		created := h.must(200, request{method: "POST", path: "/order/create", key: h.keyA,
			form: "order_id=leg1&amount=100.00&customer_id=" + cst + "&return_url=https://shop.example/back"})
		if created.str("status") != "CREATED" || created.get("status_id") != 1.0 || created.str("order_id") != "leg1" {
			t.Fatalf("/order/create: %s", created.raw)
		}
		current := h.must(200, request{method: "GET", path: "/orders/leg1", key: h.keyA})
		for _, r := range []request{
			{method: "GET", path: "/order/status?order_id=leg1", key: h.keyA},
			{method: "POST", path: "/order/status", key: h.keyA, form: "order_id=leg1"},
			{method: "POST", path: "/v4/order-status", key: h.keyA, json: `{"order_id":"leg1"}`},
			{method: "GET", path: "/orders/leg1?order_id=leg1", key: h.keyA}, // the Node SDK repeats it
		} {
			if got := h.must(200, r); got.raw != current.raw {
				t.Fatalf("%s %s:\n%s\nwant\n%s", r.method, r.path, got.raw, current.raw)
			}
		}
		if e := h.must(400, request{method: "GET", path: "/orders/leg1?order_id=other", key: h.keyA}); e.errorField() != "order_id" {
			t.Fatalf("a different order_id in the query: %s", e.raw)
		}
		if e := h.must(400, request{method: "GET", path: "/order/status", key: h.keyA}); e.errorField() != "order_id" {
			t.Fatalf("no order_id: %s", e.raw)
		}
		h.must(404, request{method: "GET", path: "/order/status?order_id=nosuch", key: h.keyA})
		h.must(404, request{method: "GET", path: "/order/status?order_id=leg1", key: h.keyB})

		upd := h.must(200, request{method: "POST", path: "/order/update", key: h.keyA, form: "order_id=leg1&amount=90.00&udf1=x"})
		if upd.get("amount") != 90.0 || upd.str("udf1") != "x" {
			t.Fatalf("/order/update: %s", upd.raw)
		}

		// Pay it, then refund with the older form: without an amount the rest
		// of the order is refunded.
		res := h.txn(h.keyA, newCardForm("leg1", "4242424242424242"))
		h.browser(true).pay(res.str("payment.authentication.url"), "decline")
		part := h.must(200, request{method: "POST", path: "/order/refund", key: h.keyA, form: "order_id=leg1&unique_request_id=lr1&amount=40.00"})
		if part.get("amount_refunded") != 40.0 {
			t.Fatalf("/order/refund: %s", part.raw)
		}
		rest := h.must(200, request{method: "POST", path: "/orders/leg1/refunds", key: h.keyA, form: "order_id=leg1&unique_request_id=lr2&refund_type=STANDARD"})
		if rest.get("amount_refunded") != 90.0 || rest.get("refunded") != true {
			t.Fatalf("refund of the rest: %s", rest.raw)
		}
		// Asked again, the same refund answers the same; nothing is left for a new one.
		if again := h.must(200, request{method: "POST", path: "/order/refund", key: h.keyA, form: "order_id=leg1&unique_request_id=lr2"}); again.get("amount_refunded") != 90.0 {
			t.Fatalf("repeated refund: %s", again.raw)
		}
		if e := h.must(400, request{method: "POST", path: "/order/refund", key: h.keyA, form: "order_id=leg1&unique_request_id=lr3"}); e.errorField() != "amount" {
			t.Fatalf("nothing left: %s", e.raw)
		}
		if e := h.must(400, request{method: "POST", path: "/order/refund", key: h.keyA, form: "order_id=leg1&unique_request_id=lr4&amount=1&refund_type=FAST"}); e.errorField() != "refund_type" {
			t.Fatalf("refund_type: %s", e.raw)
		}

		saved := h.saveCard("alpha", cst, "4242424242424242")
		list := h.must(200, request{method: "GET", path: "/card/list?customer_id=" + url.QueryEscape(cst), key: h.keyA})
		cards, _ := list.get("cards").([]any)
		if len(cards) != 1 || list.str("cards.0.card_reference") != saved.Reference {
			t.Fatalf("/card/list: %s", list.raw)
		}
	})
}
