package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/httpapi"
)

func TestOrderLifecycle(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		res := h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
			form: "order_id=ord1&amount=100.5&customer_email=a@example.com&udf1=blue&metadata.webhook_url=https://shop.example/hook&return_url=https://shop.example/back"})
		if res.str("status") != "CREATED" || res.get("status_id") != 1.0 || !strings.HasPrefix(res.str("id"), "ord_") ||
			res.str("order_id") != "ord1" || !strings.HasSuffix(res.str("payment_links.mobile"), "?mobile=true") {
			t.Fatalf("create response: %s", res.raw)
		}
		if res.get("juspay") != nil || res.get("amount") != nil {
			t.Fatalf("plain create carries the order object: %s", res.raw)
		}
		st := h.must(200, request{method: "GET", path: "/orders/ord1", key: h.keyA,
			header: map[string]string{"version": "2023-06-30", "x-routing-id": "cust1", "x-merchantid": "alpha"}})
		for path, want := range map[string]any{
			"order_id": "ord1", "merchant_id": "alpha", "amount": 100.5, "currency": "INR", "status": "NEW",
			"status_id": 10.0, "udf1": "blue", "customer_email": "a@example.com", "return_url": "https://shop.example/back",
			"refunded": false, "amount_refunded": 0.0, "effective_amount": 100.5, "date_created": "2026-11-22T10:00:00Z",
		} {
			if got := st.get(path); got != want {
				t.Errorf("order status %s = %v, want %v", path, got, want)
			}
		}
		if !strings.Contains(st.raw, `"amount":100.50`) {
			t.Errorf("amount not written with two decimals: %s", st.raw)
		}

		upd := h.must(200, request{method: "POST", path: "/orders/ord1", key: h.keyA, form: "amount=250&udf2=x"})
		if upd.get("amount") != 250.0 || upd.str("udf2") != "x" || upd.str("udf1") != "blue" {
			t.Fatalf("update: %s", upd.raw)
		}
		// Once the order has moved on, it cannot be changed.
		if _, err := h.db.UpdateOrder(context.Background(), "alpha", "ord1", func(o *coft.Order) error {
			o.Status = coft.StatusCharged
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		bad := h.must(409, request{method: "POST", path: "/orders/ord1", key: h.keyA, form: "amount=1"})
		if !strings.Contains(bad.str("error_message"), "only while NEW") {
			t.Fatalf("update of charged order: %s", bad.raw)
		}
	})
}

func TestOrderWithClientAuthToken(t *testing.T) {
	h := newHarness(t, "sqlite")
	res := h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
		json: `{"order_id":"o2","amount":"10","options":{"get_client_auth_token":true}}`})
	if res.str("status") != "NEW" || res.get("status_id") != 10.0 || !strings.HasPrefix(res.str("juspay.client_auth_token"), "tkn_") {
		t.Fatalf("create with token: %s", res.raw)
	}
	exp, err := time.Parse(time.RFC3339, res.str("juspay.client_auth_token_expiry"))
	if err != nil || !exp.Equal(h.clock().Add(15*time.Minute)) {
		t.Fatalf("expiry %q", res.str("juspay.client_auth_token_expiry"))
	}
	tok := res.str("juspay.client_auth_token")
	// A browser token reads eligibility, but never the order or other APIs.
	h.must(200, request{method: "GET", path: "/cardbins/541919?client_auth_token=" + tok})
	h.must(401, request{method: "GET", path: "/orders/o2?client_auth_token=" + tok})
	h.must(401, request{method: "POST", path: "/orders", form: "order_id=o3&amount=1&client_auth_token=" + tok})
	h.advance(16 * time.Minute)
	exp401 := h.must(401, request{method: "GET", path: "/cardbins/541919?client_auth_token=" + tok})
	if !strings.Contains(exp401.str("error_message"), "expired") {
		t.Fatalf("expired token: %s", exp401.raw)
	}
}

// TestBadInput checks that bad input gets a 4xx in the Juspay shape naming
// the field, and that nothing is stored.
func TestBadInput(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "c1")
	big := "order_id=big&amount=1&udf1=" + strings.Repeat("x", 70<<10)
	for _, tc := range []struct {
		name       string
		req        request
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"three decimals", request{form: "order_id=b1&amount=100.005"}, 400, "invalidRange", "amount"},
		{"zero amount", request{form: "order_id=b1&amount=0"}, 400, "invalidRange", "amount"},
		{"negative amount", request{form: "order_id=b1&amount=-5"}, 400, "invalid", "amount"},
		{"amount words", request{form: "order_id=b1&amount=ten"}, 400, "invalid", "amount"},
		{"missing amount", request{form: "order_id=b1"}, 400, "nullable", "amount"},
		{"missing order_id", request{form: "amount=1"}, 400, "nullable", "order_id"},
		{"order_id too long", request{form: "order_id=abcdefghijklmnopqrstu&amount=1"}, 400, "invalid", "order_id"},
		{"order_id symbols", request{form: "order_id=a.b&amount=1"}, 400, "invalid", "order_id"},
		{"order_id with a space", request{form: "order_id=a+b&amount=1"}, 400, "invalid", "order_id"},
		{"unknown field", request{form: "order_id=b1&amount=1&amuont=2"}, 400, "invalid", "amuont"},
		{"customer_id with a space", request{form: "order_id=b1&amount=1&customer_id=a+b"}, 400, "invalid", "customer_id"},
		{"unknown cst_ id", request{form: "order_id=b1&amount=1&customer_id=cst_nope"}, 400, "invalid", "customer_id"},
		{"bad email", request{form: "order_id=b1&amount=1&customer_email=nope"}, 400, "invalid", "customer_email"},
		{"bad return url", request{form: "order_id=b1&amount=1&return_url=javascript:alert(1)"}, 400, "invalid", "return_url"},
		{"bad currency", request{form: "order_id=b1&amount=1&currency=USD"}, 400, "invalid", "currency"},
		{"bad boolean", request{form: "order_id=b1&amount=1&options.get_client_auth_token=yes"}, 400, "invalid", "options.get_client_auth_token"},
		{"malformed json", request{json: `{"order_id": "b1", "amount":`}, 400, "invalid", ""},
		{"json array field", request{json: `{"order_id": ["b1"], "amount": "1"}`}, 400, "invalid", "order_id"},
		{"json trailing data", request{json: `{"order_id":"b1","amount":"1"} {}`}, 400, "invalid", ""},
		{"body too large", request{form: big}, 413, "invalid", ""},
		{"unsupported type", request{form: "x", header: map[string]string{"Content-Type": "text/plain"}}, 415, "invalid", "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.method, tc.req.path, tc.req.key = "POST", "/orders", h.keyA
			res := h.must(tc.wantStatus, tc.req)
			if res.str("status") != "error" || res.str("error_code") != tc.wantCode || res.errorField() != tc.wantField ||
				res.str("error_message") == "" || res.str("error_info.request_id") == "" {
				t.Fatalf("error body: %s", res.raw)
			}
		})
	}
	// Nothing of the refused orders was stored.
	for _, id := range []string{"b1", "big"} {
		h.must(404, request{method: "GET", path: "/orders/" + id, key: h.keyA})
	}
	// Duplicates are refused and the first order is kept as it was.
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=dup&amount=5&customer_id=" + cst})
	res := h.must(409, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=dup&amount=7"})
	if res.errorField() != "order_id" {
		t.Fatalf("duplicate: %s", res.raw)
	}
	if st := h.must(200, request{method: "GET", path: "/orders/dup", key: h.keyA}); st.get("amount") != 5.0 || st.str("customer_id") != cst {
		t.Fatalf("first order changed: %s", st.raw)
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, "sqlite")
	res := h.must(401, request{method: "GET", path: "/orders/x"})
	if res.str("error_code") != "access_denied" || res.str("error_info.code") != "UNAUTHORIZED" || res.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no auth: %s", res.raw)
	}
	h.must(401, request{method: "GET", path: "/orders/x", key: "WRONGKEY"})
	h.must(401, request{method: "GET", path: "/orders/x", header: map[string]string{"Authorization": "Bearer " + h.keyA}})

	// Both forms clients send, byte for byte: base64(key + ":") (curl -u
	// KEY:) and base64(key) with no colon (Juspay's Node SDK).
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=auth1&amount=1"})
	for _, hdr := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte(h.keyA+":")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(h.keyA)),
		"basic " + base64.StdEncoding.EncodeToString([]byte(h.keyA)),
	} {
		h.must(200, request{method: "GET", path: "/orders/auth1", header: map[string]string{"Authorization": hdr}})
	}
	for _, hdr := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":"+h.keyA)),     // the key as the password
		"Basic " + base64.StdEncoding.EncodeToString([]byte(h.keyA+"x")),     // not the key
		"Basic " + base64.StdEncoding.EncodeToString([]byte(h.keyA))[1:],     // not base64
		"Basic " + base64.RawURLEncoding.EncodeToString([]byte(h.keyA+"~~")), // base64url is not Basic
		"Basic",
		h.keyA,
	} {
		res := h.must(401, request{method: "GET", path: "/orders/auth1", header: map[string]string{"Authorization": hdr}})
		if res.str("error_code") != "access_denied" || res.str("error_info.code") != "UNAUTHORIZED" {
			t.Fatalf("%q: %s", hdr, res.raw)
		}
	}
	res = h.must(403, request{method: "GET", path: "/orders/x", key: h.keyA, header: map[string]string{"x-merchantid": "beta"}})
	if res.errorField() != "x-merchantid" {
		t.Fatalf("mismatched x-merchantid: %s", res.raw)
	}
	if logs := h.logs.String(); strings.Contains(logs, h.keyA) || !strings.Contains(logs, `"request_id"`) {
		t.Fatalf("logs hold an API key or lack request ids:\n%s", logs)
	}
}

// TestCrossMerchant checks every endpoint: merchant beta's key can neither
// read nor change merchant alpha's data.
func TestCrossMerchant(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.customer(h.keyA, "shared-ref")
		h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=secret&amount=10&customer_id=" + cst})
		card := h.saveCard("alpha", cst, "4242424242424242")
		list := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		cardToken := list.str("cards.0.card_token")
		for _, r := range []request{
			{method: "GET", path: "/orders/secret"},
			{method: "POST", path: "/orders/secret", form: "amount=1"},
			{method: "GET", path: "/customers/" + cst},
			{method: "GET", path: "/customers/shared-ref"},
			{method: "POST", path: "/customers/" + cst, form: "first_name=Mallory"},
			{method: "GET", path: "/cards?customer_id=" + cst},
			{method: "POST", path: "/card/delete", form: "card_token=" + url.QueryEscape(cardToken)},
			{method: "POST", path: "/card/update", form: "card_token=" + url.QueryEscape(cardToken) + "&nickname=x"},
			{method: "POST", path: "/v4/card/delete", json: `{"card_reference":"` + card.Reference + `","customer_id":"` + cst + `"}`},
		} {
			r.key = h.keyB
			res := h.do(r)
			if res.status < 400 || res.status >= 500 {
				t.Errorf("beta %s %s: status %d: %s", r.method, r.path, res.status, res.raw)
			}
		}
		// Alpha's data is intact.
		st := h.must(200, request{method: "GET", path: "/orders/secret", key: h.keyA})
		if st.get("amount") != 10.0 {
			t.Fatalf("order changed: %s", st.raw)
		}
		c := h.must(200, request{method: "GET", path: "/customers/" + cst, key: h.keyA})
		if c.str("first_name") != "" {
			t.Fatalf("customer changed: %s", c.raw)
		}
		if l := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}); len(l.get("cards").([]any)) != 1 {
			t.Fatalf("card gone: %s", l.raw)
		}
		// Beta's own customer with the same reference is a different one.
		other := h.customer(h.keyB, "shared-ref")
		if other == cst {
			t.Fatal("customer ids collide across merchants")
		}
	})
}

func TestCustomers(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		res := h.must(200, request{method: "POST", path: "/customers", key: h.keyA,
			json: `{"object_reference_id":"user@42","mobile_number":"9876543210","email_address":"u@example.com","first_name":"Asha","options":{"get_client_auth_token":true}}`})
		id := res.str("id")
		if !strings.HasPrefix(id, "cst_") || res.str("object") != "customer" || res.str("mobile_country_code") != "91" ||
			!strings.HasPrefix(res.str("juspay.client_auth_token"), "tkn_") || res.str("date_created") == "" {
			t.Fatalf("create: %s", res.raw)
		}
		for _, key := range []string{id, "user@42"} {
			got := h.must(200, request{method: "GET", path: "/customers/" + url.PathEscape(key), key: h.keyA})
			if got.str("id") != id || got.get("juspay") != nil {
				t.Fatalf("get %s: %s", key, got.raw)
			}
		}
		withTok := h.must(200, request{method: "GET", path: "/customers/" + id + "?options.get_client_auth_token=true", key: h.keyA})
		if withTok.str("juspay.client_auth_token") == "" {
			t.Fatalf("get with token: %s", withTok.raw)
		}
		upd := h.must(200, request{method: "POST", path: "/customers/" + id, key: h.keyA, form: "last_name=Rao&mobile_number=9123456789"})
		if upd.str("last_name") != "Rao" || upd.str("first_name") != "Asha" || upd.str("mobile_number") != "9123456789" {
			t.Fatalf("update: %s", upd.raw)
		}
		dup := h.must(409, request{method: "POST", path: "/customers", key: h.keyA,
			form: "object_reference_id=user@42&mobile_number=9876543210&email_address=u@example.com"})
		if dup.errorField() != "object_reference_id" {
			t.Fatalf("duplicate: %s", dup.raw)
		}
		for _, tc := range []struct{ form, field string }{
			{"mobile_number=9876543210&email_address=u@example.com", "object_reference_id"},
			{"object_reference_id=r2&email_address=u@example.com", "mobile_number"},
			{"object_reference_id=r2&mobile_number=12ab&email_address=u@example.com", "mobile_number"},
			{"object_reference_id=r2&mobile_number=9876543210&email_address=not-an-email", "email_address"},
			{"object_reference_id=r 2&mobile_number=9876543210&email_address=u@example.com", "object_reference_id"},
		} {
			res := h.must(400, request{method: "POST", path: "/customers", key: h.keyA, form: tc.form})
			if res.errorField() != tc.field {
				t.Errorf("%s: field %q, want %q: %s", tc.form, res.errorField(), tc.field, res.raw)
			}
		}
		h.must(404, request{method: "GET", path: "/customers/r2", key: h.keyA})
		h.must(400, request{method: "POST", path: "/customers/" + id, key: h.keyA, form: "email_address=bad"})
		if got := h.must(200, request{method: "GET", path: "/customers/" + id, key: h.keyA}); got.str("email_address") != "u@example.com" {
			t.Fatalf("refused update changed the customer: %s", got.raw)
		}
	})
}

func TestCardBins(t *testing.T) {
	h := newHarness(t, "sqlite")
	h.merchant("notok", false)
	check := "?options.check_tokenize_support=true"
	res := h.must(200, request{method: "GET", path: "/cardbins/541919" + check, key: h.keyA})
	want := map[string]any{"id": "541919", "object": "cardbin", "brand": "MASTERCARD", "bank": "HDFC Bank", "country": "INDIA",
		"type": "DEBIT", "card_sub_type": "PLATINUM", "juspay_bank_code": "JP_HDFC", "tokenize_support": true}
	for k, v := range want {
		if res.get(k) != v {
			t.Errorf("%s = %v, want %v", k, res.get(k), v)
		}
	}
	if plain := h.must(200, request{method: "GET", path: "/cardbins/541919", key: h.keyA}); plain.get("tokenize_support") != nil {
		t.Fatalf("tokenize_support present without being asked: %s", plain.raw)
	}
	all := h.must(200, request{method: "GET", path: "/cardbins/541919?options.check_mandate_support=true&options.check_direct_otp_support=true&options.check_atm_pin_auth_support=true", key: h.keyA})
	if all.get("mandate_support") != false || all.get("direct_otp_support") != false || all.get("atm_pin_auth_support") != false {
		t.Fatalf("support keys: %s", all.raw)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/cardbins/541919" + check + "&merchant_id=alpha", true},    // seed's public call, no auth
		{"/cardbins/541919" + check + "&merchant_id=notok", false},   // merchant without tokenization
		{"/cardbins/54191955" + check + "&merchant_id=alpha", false}, // 8-digit BIN: prepaid forex, issuer does not tokenize
		{"/cardbins/414720" + check + "&merchant_id=alpha", false},   // international card
		{"/cardbins/409691" + check + "&merchant_id=alpha", false},   // issuer without token support
		{"/cardbins/501812" + check + "&merchant_id=alpha", false},   // Maestro
		{"/cardbins/433587" + check + "&merchant_id=alpha", true},    // seed's SBI VISA
		{"/cardbins/608326105" + check + "&merchant_id=alpha", true}, // 9-digit refinement
	} {
		res := h.must(200, request{method: "GET", path: tc.path})
		if res.get("tokenize_support") != tc.want {
			t.Errorf("%s: tokenize_support = %v, want %v", tc.path, res.get("tokenize_support"), tc.want)
		}
	}
	inferred := h.must(200, request{method: "GET", path: "/cardbins/400000" + check, key: h.keyA})
	if inferred.str("brand") != "VISA" || inferred.get("tokenize_support") != false {
		t.Fatalf("inferred brand: %s", inferred.raw)
	}
	nf := h.must(404, request{method: "GET", path: "/cardbins/999999", key: h.keyA})
	if nf.str("status") != "invalid_request_error" || nf.str("error_code") != "object_not_found" ||
		nf.str("error_message") != "Cannot find what you are looking for" {
		t.Fatalf("unknown bin: %s", nf.raw)
	}
	for _, bin := range []string{"12345", "1234567890", "abcdef", "54191a"} {
		res := h.must(400, request{method: "GET", path: "/cardbins/" + bin, key: h.keyA})
		if res.errorField() != "bin" {
			t.Errorf("bin %q: %s", bin, res.raw)
		}
	}
	h.must(401, request{method: "GET", path: "/cardbins/541919"})
	h.must(200, request{method: "GET", path: "/cardbins/541919?merchant_id=ghost"}) // as a merchant with no eligibility
	h.must(400, request{method: "GET", path: "/cardbins/541919?options.check_tokenize_support=maybe", key: h.keyA})
}

func TestSavedCards(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		cst := h.customer(h.keyA, "owner")
		pan := "5419190000000003"
		card := h.saveCard("alpha", cst, pan)
		h.advance(time.Second)
		old := h.saveCard("alpha", cst, "4111111111111111")
		res := h.must(200, request{method: "GET", path: "/cards?customer_id=owner", key: h.keyA})
		if strings.Contains(res.raw, pan) || strings.Contains(res.raw, "4111111111111111") {
			t.Fatal("a card number left the locker")
		}
		if res.str("customer_id") != "owner" || res.str("merchantId") != "alpha" {
			t.Fatalf("list: %s", res.raw)
		}
		first := "cards.1." // newest first: the 4111 card is cards.0
		for path, want := range map[string]any{
			"card_reference": card.Reference, "card_number": "5419-XXXXXXXX-0003", "card_isin": "541919",
			"card_exp_year": "2031", "card_exp_month": "12", "card_type": "DEBIT", "card_issuer": "HDFC Bank",
			"card_brand": "MASTERCARD", "expired": false, "juspay_bank_code": "JP_HDFC", "card_sub_type": "PLATINUM",
			"card_issuer_country": "INDIA", "tokenize_support": true, "provider_category": "CONTAINER", "provider": "JUSPAY",
			"card_fingerprint": h.locker.Fingerprint(pan),
		} {
			if got := res.get(first + path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		if res.get("cards.0.tokenize_support") != false || res.get("cards.0.card_reference") != old.Reference {
			t.Errorf("non-tokenizing issuer's card: %s", res.raw)
		}

		// A tokenized card lists as NETWORK with its token, and cannot be tokenized again.
		tok := &coft.NetworkToken{Reference: coft.RandomHex(16), Last4: "7656", ISIN: "525876", ExpMonth: "06",
			ExpYear: "2030", PAR: "5001ABCDEFGHIJKLMNOPQRSTUVWXY", Status: coft.TokenActive, Provider: "MASTERCARD"}
		var err error
		if tok.Ciphertext, tok.KeyID, err = h.locker.Seal("5258760000007656", tok.Reference); err != nil {
			t.Fatal(err)
		}
		if err := h.db.SaveNetworkToken(context.Background(), "alpha", card.Reference, tok); err != nil {
			t.Fatal(err)
		}
		res = h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		for path, want := range map[string]any{
			"tokenize_support": false, "provider_category": "NETWORK", "provider": "MASTERCARD",
			"token.card_reference": tok.Reference, "token.last_four_digits": "7656", "token.card_isin": "525876",
			"token.par": tok.PAR, "token.tokenization_status": "ACTIVE", "token.card_fingerprint": card.Fingerprint,
		} {
			if got := res.get(first + path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}

		cardToken := res.str(first + "card_token")
		upd := h.must(200, request{method: "POST", path: "/card/update", key: h.keyA,
			form: url.Values{"card_token": {cardToken}, "customer_id": {cst}, "nickname": {"Salary"}}.Encode()})
		if upd.str("nickname") != "Salary" || upd.str("card_reference") != card.Reference {
			t.Fatalf("update: %s", upd.raw)
		}
		del := h.must(200, request{method: "POST", path: "/card/delete", key: h.keyA, form: url.Values{"card_token": {cardToken}}.Encode()})
		if del.get("deleted") != true || del.str("card_reference") != card.Reference {
			t.Fatalf("delete: %s", del.raw)
		}
		h.must(404, request{method: "POST", path: "/card/delete", key: h.keyA, form: url.Values{"card_token": {cardToken}}.Encode()})
		h.must(400, request{method: "POST", path: "/card/delete", key: h.keyA, form: "card_token=tkn_forged"})
		h.must(400, request{method: "POST", path: "/card/delete", key: h.keyA})

		v4 := h.must(200, request{method: "POST", path: "/v4/card/delete", key: h.keyA,
			json: `{"card_reference":"` + old.Reference + `","customer_id":"owner"}`})
		if v4.str("status") != "SUCCESS" {
			t.Fatalf("v4 delete: %s", v4.raw)
		}
		gone := h.must(404, request{method: "POST", path: "/v4/card/delete", key: h.keyA,
			json: `{"card_reference":"` + old.Reference + `","customer_id":"owner"}`})
		if gone.str("errorCode") != "NOT_FOUND" || gone.str("field") != "card_reference" {
			t.Fatalf("v4 error shape: %s", gone.raw)
		}
		if l := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA}); len(l.get("cards").([]any)) != 0 {
			t.Fatalf("cards left: %s", l.raw)
		}
		miss := h.must(400, request{method: "POST", path: "/v4/card/delete", key: h.keyA, json: `{"customer_id":"owner"}`})
		if miss.str("field") != "card_reference" {
			t.Fatalf("v4 missing field: %s", miss.raw)
		}
		h.must(400, request{method: "GET", path: "/cards", key: h.keyA})
		h.must(404, request{method: "GET", path: "/cards?customer_id=ghost", key: h.keyA})
	})
}

func TestCardsWithClientAuthToken(t *testing.T) {
	h := newHarness(t, "sqlite")
	mine := h.customer(h.keyA, "mine")
	theirs := h.customer(h.keyA, "theirs")
	h.saveCard("alpha", mine, "4242424242424242")
	res := h.must(200, request{method: "GET", path: "/customers/" + mine + "?options.get_client_auth_token=true", key: h.keyA})
	tok := url.QueryEscape(res.str("juspay.client_auth_token"))
	list := h.must(200, request{method: "GET", path: "/cards?client_auth_token=" + tok})
	if len(list.get("cards").([]any)) != 1 {
		t.Fatalf("list with customer token: %s", list.raw)
	}
	h.must(403, request{method: "GET", path: "/cards?customer_id=" + theirs + "&client_auth_token=" + tok})
	// An order's token reads the cards of the order's customer only.
	ord := h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
		form: "order_id=co1&amount=1&customer_id=mine&options.get_client_auth_token=true"})
	otok := url.QueryEscape(ord.str("juspay.client_auth_token"))
	h.must(200, request{method: "GET", path: "/cards?customer_id=mine&client_auth_token=" + otok})
	h.must(403, request{method: "GET", path: "/cards?customer_id=theirs&client_auth_token=" + otok})
	// Browser tokens cannot change cards.
	card := list.str("cards.0.card_token")
	h.must(401, request{method: "POST", path: "/card/delete?client_auth_token=" + tok, form: "card_token=" + url.QueryEscape(card)})
	h.must(401, request{method: "GET", path: "/cards?customer_id=mine&client_auth_token=tkn_AAAA"})
	// Card tokens expire.
	h.advance(20 * time.Minute)
	exp := h.must(400, request{method: "POST", path: "/card/delete", key: h.keyA, form: "card_token=" + url.QueryEscape(card)})
	if exp.errorField() != "card_token" || !strings.Contains(exp.str("error_message"), "expired") {
		t.Fatalf("expired card token: %s", exp.raw)
	}
}

const testMetricsToken = "metrics-token-for-tests"

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t, "sqlite", func(c *httpapi.Config) { c.MetricsToken = testMetricsToken })
	h.must(200, request{method: "GET", path: "/healthz"})
	h.must(200, request{method: "GET", path: "/readyz"})
	h.must(404, request{method: "GET", path: "/nope"})
	m := h.must(200, request{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer " + testMetricsToken}})
	if !strings.Contains(m.raw, `http_requests_total{code="404",route="unmatched"}`) && !strings.Contains(m.raw, `route="/"`) {
		t.Fatalf("metrics lack request counts:\n%s", m.raw)
	}
	if !strings.Contains(m.raw, `http_requests_total{code="200",route="GET /readyz"} 1`) {
		t.Fatalf("metrics lack readyz count")
	}
	h.db.Close()
	res := h.must(503, request{method: "GET", path: "/readyz"})
	if res.str("database") != "unreachable" {
		t.Fatalf("readyz with database closed: %s", res.raw)
	}
	h.must(200, request{method: "GET", path: "/healthz"})
}

// TestUnparsableContentType: a Content-Type that is not a media type is
// refused, not guessed at.
func TestUnparsableContentType(t *testing.T) {
	h := newHarness(t, "sqlite")
	res := h.do(request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=ct1&amount=10",
		header: map[string]string{"Content-Type": "00000/0;;"}})
	if res.status != 415 || res.errorField() != "Content-Type" {
		t.Fatalf("unparsable Content-Type: %d %s", res.status, res.raw)
	}
	if res := h.do(request{method: "GET", path: "/orders/ct1", key: h.keyA}); res.status != 404 {
		t.Fatalf("the refused order was stored: %d", res.status)
	}
}

// TestMethodNotAllowed: a path the API serves, asked with another method,
// is 405 with Allow; an unknown path is 404.
func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t, "sqlite")
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/txns", "POST"},
		{"DELETE", "/orders/o1", "GET, HEAD, POST"},
		{"PUT", "/session", "POST"},
		{"GET", "/v4/order-status", "POST"},
	} {
		res := h.must(405, request{method: c.method, path: c.path, key: h.keyA})
		if res.header.Get("Allow") != c.allow || res.str("error_code") != "invalid" {
			t.Errorf("%s %s: Allow %q, %s", c.method, c.path, res.header.Get("Allow"), res.raw)
		}
	}
	h.must(404, request{method: "GET", path: "/nosuch", key: h.keyA})
	h.must(404, request{method: "POST", path: "/orders/o1/nosuch", key: h.keyA})
}
