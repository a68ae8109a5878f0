package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/coftkit/coft/cardscan"
)

// TestAccessLogNamesRoutesNotCapabilities: the access log names each
// request's route pattern and the ids that are no capability (merchant_id,
// the merchant's order_id), never a payment's txn_uuid, a payment page's
// ord_ id, a client_auth_token or a query string.
func TestAccessLogNamesRoutesNotCapabilities(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "logged")
	ord := h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=log1&amount=10&customer_id=" + cst})
	payLink := ord.str("payment_links.web")
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=log2&amount=10&customer_id=" + cst})
	res := h.txn(h.keyA, newCardForm("log2", goodCard))
	authURL := res.str("payment.authentication.url")
	uuid := res.str("txn_uuid")
	if uuid == "" || !strings.Contains(authURL, uuid) {
		t.Fatalf("txn: %s", res.raw)
	}
	b := h.browser(true)
	b.pay(authURL, "accept") // the consent page and the bank page, shown and posted
	if status, _, _ := b.visit(payLink); status != 200 {
		t.Fatalf("payment page: %d", status)
	}
	_, manage := h.manageLink(h.keyA, "logged2")
	if status, _, _ := b.visit(manage); status != 200 {
		t.Fatalf("management screen: %d", status)
	}
	h.must(200, request{method: "GET", path: "/orders/log2", key: h.keyA})
	h.must(400, request{method: "GET", path: "/orders/log2?querystring=1", key: h.keyA})

	logs := h.logs.String()
	u, _ := url.Parse(manage)
	token := u.Query().Get("client_auth_token")
	ordID := strings.TrimSuffix(payLink[strings.Index(payLink, "/orders/")+len("/orders/"):], "/payment-page")
	for what, capability := range map[string]string{"the txn_uuid": uuid, "the payment page's id": ordID,
		"the client_auth_token": token, "the query string": "querystring"} {
		if capability == "" || strings.Contains(logs, capability) {
			t.Errorf("the log holds %s (%q):\n%s", what, capability, logs)
		}
	}
	for _, want := range []string{
		`"route":"GET /v2/txns/consent/{merchant_id}/{txn_uuid}","status":200`,
		`"route":"POST /v2/txns/consent/{merchant_id}/{txn_uuid}","status":303`,
		`"route":"GET /v2/pay/start/{merchant_id}/{txn_uuid}","status":200`,
		`"route":"GET /orders/{id}/payment-page","status":200`,
		`"route":"GET /cards/manage","status":200`,
		`"route":"GET /orders/{order_id}","status":200`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	for _, l := range strings.Split(logs, "\n") {
		switch {
		case strings.Contains(l, `"route":"GET /v2/pay/start/`) && !strings.Contains(l, `"merchant_id":"alpha"`),
			strings.Contains(l, `"route":"GET /orders/{order_id}"`) && !strings.Contains(l, `"order_id":"log2"`),
			strings.Contains(l, `"path"`):
			t.Errorf("access log line: %s", l)
		}
	}
}

// TestLogsHoldNoSeparatedCardNumbers: card numbers sent with spaces or
// dashes between their digits, in paths, queries and bodies, are not in
// the log.
func TestLogsHoldNoSeparatedCardNumbers(t *testing.T) {
	h := newHarness(t, "sqlite")
	for _, p := range []string{"/cardbins/4242-4242-4242-4242", "/cardbins/4242%204242%204242%204242",
		"/cardbins/4242424242424242", "/orders/4242-4242-4242-4242", "/customers/4242%204242%204242%204242",
		"/cardbins/424242?merchant_id=4242-4242-4242-4242", "/orders/4242+4242+4242+4242/nope"} {
		h.do(request{method: "GET", path: p, key: h.keyA})
	}
	h.do(request{method: "POST", path: "/txns", key: h.keyA,
		form: "order_id=4242 4242 4242 4242&card_number=4242-4242-4242-4242&card_security_code=739"})
	h.do(request{method: "POST", path: "/orders", key: h.keyA,
		json: `{"order_id":"4242-4242-4242-4242","amount":"1","4242 4242 4242 4242":"x"}`})
	h.do(request{method: "GET", path: "/orders/x", header: map[string]string{"X-Request-Id": "4242424242424242"}})
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"GET /cardbins/{bin}"`) {
		t.Fatalf("no access log:\n%s", logs)
	}
	if hits := cardscan.New([]string{"4242424242424242"}, "739").Hits([]byte(logs)); hits != nil {
		t.Fatalf("the log holds card data: %v\n%s", hits, logs)
	}
}
