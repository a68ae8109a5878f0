package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSession(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.customer(h.keyA, "sess-payer")
		// The Session API's body, as Juspay's SDKs send it: JSON.
		res := h.must(200, request{method: "POST", path: "/session", key: h.keyA, json: `{
			"order_id": "sess-1", "amount": "10.00", "customer_id": "` + cst + `",
			"customer_email": "asha@example.com", "customer_phone": "9876543210",
			"payment_page_client_id": "shopclient", "action": "paymentPage",
			"return_url": "https://shop.example/back", "description": "Complete your payment",
			"first_name": "Asha", "last_name": "Rao", "billing_address_first_name": "Asha",
			"metadata.JUSPAY:gateway_reference_id": "x", "options.create_mandate": "OPTIONAL",
			"payment_filter": {"allowDefaultOptions": true, "options": [{"paymentMethodType": "CARD", "enable": true}]}}`})
		web := res.str("payment_links.web")
		if res.str("status") != "NEW" || !strings.HasPrefix(res.str("id"), "ord_") || res.str("order_id") != "sess-1" ||
			!strings.HasSuffix(web, "/orders/"+res.str("id")+"/payment-page") || res.str("sdk_payload.service") != "in.juspay.hyperpay" ||
			len(res.str("sdk_payload.requestId")) != 32 {
			t.Fatalf("session: %s", res.raw)
		}
		expiry, err := time.Parse(time.RFC3339, res.str("payment_links.expiry"))
		if err != nil || !expiry.Equal(h.clock().Add(15*time.Minute)) || res.str("sdk_payload.expiry") != res.str("payment_links.expiry") {
			t.Fatalf("expiry: %s", res.raw)
		}
		pl := res.get("sdk_payload.payload").(map[string]any)
		want := map[string]string{"clientId": "shopclient", "merchantId": "alpha", "action": "paymentPage", "environment": "sandbox",
			"orderId": "sess-1", "amount": "10.00", "currency": "INR", "customerId": cst, "customerEmail": "asha@example.com",
			"customerPhone": "9876543210", "returnUrl": "https://shop.example/back", "description": "Complete your payment",
			"firstName": "Asha", "lastName": "Rao", "billingAddressFirstName": "Asha", "options.createMandate": "OPTIONAL",
			"metadata.JUSPAY:gateway_reference_id": "x"}
		for k, v := range want {
			if pl[k] != v {
				t.Errorf("payload %s = %v, want %q", k, pl[k], v)
			}
		}
		if tok, _ := pl["clientAuthToken"].(string); !strings.HasPrefix(tok, "tkn_") || pl["clientAuthTokenExpiry"] == "" {
			t.Errorf("payload token: %v", pl)
		}
		// The token is the order's: it reads the customer's cards.
		h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst + "&client_auth_token=" + url.QueryEscape(pl["clientAuthToken"].(string))})

		// The same order_id again is the same unpaid order (Juspay's SDK tests
		// create the order, then ask for its session); another amount is not.
		again := h.must(200, request{method: "POST", path: "/session", key: h.keyA, form: "order_id=sess-1&amount=10&payment_page_client_id=shopclient"})
		if again.str("id") != res.str("id") {
			t.Fatalf("session of an existing order: %s", again.raw)
		}
		if e := h.must(409, request{method: "POST", path: "/session", key: h.keyA, json: `{"order_id":"sess-1","amount":"11.00"}`}); e.errorField() != "amount" {
			t.Fatalf("another amount: %s", e.raw)
		}

		// The link pays the order: card entry, the consent dialog, the bank.
		b := h.browser(true)
		status, loc, _ := b.post(web, url.Values{"card_number": {"4242424242424242"}, "card_exp_month": {"12"}, "card_exp_year": {"31"},
			"card_security_code": {"123"}}, nil)
		if status != 303 || !strings.Contains(loc, "/v2/txns/consent/alpha/") {
			t.Fatalf("payment page: %d %s", status, loc)
		}
		b.pay(loc, "accept")
		st := h.must(200, request{method: "GET", path: "/orders/sess-1", key: h.keyA})
		if st.str("status") != "CHARGED" || st.str("card.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("after paying: %s", st.raw)
		}
		if e := h.must(409, request{method: "POST", path: "/session", key: h.keyA, json: `{"order_id":"sess-1","amount":"10.00"}`}); e.errorField() != "order_id" {
			t.Fatalf("session of a paid order: %s", e.raw)
		}

		// The link expires: metadata.expiryInMins, else 15 minutes.
		short := h.must(200, request{method: "POST", path: "/session", key: h.keyA,
			json: `{"order_id":"sess-2","amount":"5","customer_id":"` + cst + `","metadata.expiryInMins":"2"}`})
		if e, _ := time.Parse(time.RFC3339, short.str("payment_links.expiry")); !e.Equal(h.clock().Add(2 * time.Minute)) {
			t.Fatalf("expiryInMins: %s", short.raw)
		}
		h.advance(3 * time.Minute)
		if status, _, page := b.visit(short.str("payment_links.web")); status != 410 || !strings.Contains(page, "expired") {
			t.Fatalf("expired link: %d", status)
		}
		if e := h.txn(h.keyA, newCardForm("sess-2", "4242424242424242")); e.status != 409 || e.errorField() != "order_id" {
			t.Fatalf("payment after expiry: %d %s", e.status, e.raw)
		}

		// paymentManagement: the customer's saved-cards screen.
		pm := h.must(200, request{method: "POST", path: "/session", key: h.keyA,
			json: `{"customer_id":"sess-payer","payment_page_client_id":"shopclient","action":"paymentManagement"}`})
		if !strings.Contains(pm.str("payment_links.web"), "/cards/manage?client_auth_token=tkn_") ||
			pm.str("sdk_payload.payload.action") != "paymentManagement" || pm.str("sdk_payload.payload.customerId") != "sess-payer" || pm.str("order_id") != "" {
			t.Fatalf("paymentManagement: %s", pm.raw)
		}
		if status, _, page := b.visit(pm.str("payment_links.web")); status != 200 || !strings.Contains(page, "4242") {
			t.Fatalf("saved-cards screen: %d", status)
		}

		// Refusals name the field and create nothing.
		for _, c := range []struct{ body, field string }{
			{`{"order_id":"sess-3","amount":"5","action":"enach"}`, "action"},
			{`{"order_id":"sess-3","amount":"5","options.create_mandate":"REQUIRED"}`, "options.create_mandate"},
			{`{"order_id":"sess-3"}`, "amount"},
			{`{"amount":"5"}`, "order_id"},
			{`{"order_id":"sess-3","amount":"5","metadata.expiryInMins":"0"}`, "metadata.expiryInMins"},
			{`{"order_id":"sess-3","amount":"5","amuont":"6"}`, "amuont"},
			{`{"action":"paymentManagement"}`, "customer_id"},
			{`{"action":"paymentManagement","customer_id":"nobody"}`, "customer_id"},
		} {
			if e := h.do(request{method: "POST", path: "/session", key: h.keyA, json: c.body}); e.status/100 != 4 || e.errorField() != c.field {
				t.Errorf("%s: %d %s", c.body, e.status, e.raw)
			}
		}
		h.must(404, request{method: "GET", path: "/orders/sess-3", key: h.keyA})
		h.must(401, request{method: "POST", path: "/session", json: `{"order_id":"sess-4","amount":"5"}`})
	})
}

func TestSessionJWE(t *testing.T) {
	h := newHarness(t, "sqlite")
	c := h.jweKeyFor("alpha")
	res := c.post(200, "/v4/session", `{"order_id":"sessjwe","amount":"1.00","customer_id":"guest_1","payment_page_client_id":"alpha","action":"paymentPage"}`)
	if res.str("status") != "NEW" || res.str("order_id") != "sessjwe" || res.str("sdk_payload.payload.orderId") != "sessjwe" {
		t.Fatalf("/v4/session: %s", res.raw)
	}
}
