package httpapi_test

import (
	"encoding/json"
	"net/url"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestTxnAnswer: /txns answers offer_details with no offers, and the
// order's client token when the same call created the order with
// order.options.get_client_auth_token=true.
func TestTxnAnswer(t *testing.T) {
	h := newHarness(t, "sqlite")
	form := newCardForm("", goodCard)
	form.Del("order_id")
	form.Set("format", "json")
	form.Set("order.order_id", "ta1")
	form.Set("order.amount", "10.00")
	form.Set("order.options.get_client_auth_token", "true")
	res := h.txn(h.keyA, form)
	tok := res.str("juspay.client_auth_token")
	if res.status != 200 || tok == "" || res.str("juspay.client_auth_token_expiry") == "" {
		t.Fatalf("order and payment with a client token: %d %s", res.status, res.raw)
	}
	if offers, ok := res.get("offer_details.offers").([]any); !ok || len(offers) != 0 {
		t.Fatalf("offer_details: %s", res.raw)
	}
	// The token is the order's: it reads card info, and pays that order only.
	h.must(200, request{method: "GET", path: "/cardbins/424242?client_auth_token=" + url.QueryEscape(tok)})
	h.order(h.keyA, "ta2", false, "")
	other := newCardForm("ta2", goodCard)
	other.Set("client_auth_token", tok)
	if r := h.txn("", other); r.status != 403 {
		t.Fatalf("the token paid another order: %d %s", r.status, r.raw)
	}
	// Without the option, or on an existing order: no token.
	for _, f := range []url.Values{newCardForm("ta2", goodCard), func() url.Values {
		f := newCardForm("", goodCard)
		f.Del("order_id")
		f.Set("order.order_id", "ta3")
		f.Set("order.amount", "10.00")
		return f
	}()} {
		f.Set("format", "json")
		if r := h.txn(h.keyA, f); r.status != 200 || r.get("juspay") != nil {
			t.Fatalf("%v: %d %s", f, r.status, r.raw)
		}
	}
	form.Set("order.order_id", "ta4")
	form.Set("order.options.get_client_auth_token", "maybe")
	if r := h.txn(h.keyA, form); r.status != 400 || r.errorField() != "order.options.get_client_auth_token" {
		t.Fatalf("a bad option: %d %s", r.status, r.raw)
	}
}

// TestAltIDPayload: /get/altId answers Juspay's payload block, with the
// Alt ID's details sealed to the merchant's JWE key once it has one, and
// errorCode/errorMessage null; its failures carry Juspay's error keys.
func TestAltIDPayload(t *testing.T) {
	h := newHarness(t, "sqlite")
	ask := func() response {
		card := h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"12","expYear":"2031"}`)
		return h.do(request{method: "POST", path: "/get/altId", key: h.keyA, header: altIDHeaders("alpha"),
			json: `{"cardData":"` + card + `","correlationId":"c-1"}`})
	}
	res := ask()
	for path, want := range map[string]any{"status": "SUCCESS", "errorCode": nil, "errorMessage": nil,
		"payload.cardBrand": "VISA", "payload.cardIssuerBank": "Sandbox Bank", "payload.cardIssuerCountry": "INDIA",
		"payload.provider": "VISA", "payload.providerCategory": "NETWORK", "payload.correlationId": "c-1", "payload.altIdDetails": nil} {
		if got := res.get(path); got != want {
			t.Errorf("without a key, %s = %v, want %v", path, got, want)
		}
	}
	key := h.jweKeyFor("alpha")
	res = ask()
	obj, err := jose.ParseEncrypted(res.str("payload.altIdDetails"), []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A128GCM})
	if err != nil || obj.Header.KeyID != key.kid {
		t.Fatalf("altIdDetails %q: %v", res.str("payload.altIdDetails"), err)
	}
	plain, err := obj.Decrypt(key.priv)
	if err != nil {
		t.Fatal(err)
	}
	var details map[string]string
	if err := json.Unmarshal(plain, &details); err != nil || len(details) != 5 {
		t.Fatalf("altIdDetails: %s %v", plain, err)
	}
	for k, top := range map[string]string{"altId": "altId", "expMonth": "expMonth", "expYear": "expYear", "tavv": "tavv", "par": "par"} {
		if details[k] == "" || details[k] != res.str(top) {
			t.Errorf("altIdDetails.%s = %q, the answer's %s = %q", k, details[k], top, res.str(top))
		}
	}

	// Not onboarded: ALT_ID_GENERATION_FAILED with Juspay's error keys.
	gamma := h.newMerchant("gamma", true)
	card := h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"12","expYear":"2031"}`)
	fail := h.do(request{method: "POST", path: "/get/altId", key: gamma, header: altIDHeaders("gamma"), json: `{"cardData":"` + card + `"}`})
	for path, want := range map[string]any{"status": "FAILURE", "errorCode": "ALT_ID_GENERATION_FAILED", "error": true,
		"error_code": "ALT_ID_GENERATION_FAILED", "error_message": "ALT_ID_GENERATION_FAILED", "error_info.code": "INVALID_INPUT",
		"error_info.category": "USER_ERROR", "error_info.href": "NA"} {
		if got := fail.get(path); fail.status != 400 || got != want {
			t.Errorf("not onboarded: %s = %v, want %v (%d %s)", path, got, want, fail.status, fail.raw)
		}
	}
	if fail.str("user_message") == "" || fail.str("user_message") != fail.str("errorMessage") || fail.str("error_info.request_id") == "" {
		t.Errorf("not onboarded: %s", fail.raw)
	}
}

// TestErrorKeys: classic errors carry error_info.href "NA" as Juspay's do;
// camelCase errors add Juspay's error, status, error_code, error_message,
// user_message and error_info to {errorCode, errorMessage, field}.
func TestErrorKeys(t *testing.T) {
	h := newHarness(t, "sqlite")
	res := h.do(request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=e1&amount=1.001"})
	if res.status != 400 || res.str("error_info.href") != "NA" || res.errorField() != "amount" {
		t.Fatalf("classic error: %d %s", res.status, res.raw)
	}
	cst := h.customer(h.keyA, "ek")
	res = h.do(request{method: "POST", path: "/v4/card/delete", key: h.keyA, json: `{"card_reference":"nosuch","customer_id":"` + cst + `"}`})
	for path, want := range map[string]any{"errorCode": "NOT_FOUND", "field": "card_reference", "error": true, "status": "FAILURE",
		"error_code": "NOT_FOUND", "error_message": "NOT_FOUND", "error_info.code": "RESOURCE_NOT_FOUND",
		"error_info.fields.0.field_name": "card_reference", "error_info.href": "NA"} {
		if got := res.get(path); res.status != 404 || got != want {
			t.Errorf("/v4/card/delete: %s = %v, want %v (%d %s)", path, got, want, res.status, res.raw)
		}
	}
	if res.str("user_message") == "" || res.str("user_message") != res.str("errorMessage") {
		t.Errorf("/v4/card/delete: %s", res.raw)
	}
}

// TestCardAnswers: extended_card_type from the BIN table, the saving
// merchant in /cards' metadata, /card/update's {user_message, status},
// and /v4/card/get's eci, token_requestor_id (from the network with the
// cryptogram), issuer_country_code, and null sub_type and nickname when the
// card has none.
func TestCardAnswers(t *testing.T) {
	h := newHarness(t, "sqlite")
	for bin, want := range map[string]string{"43358710": "PREPAID", "424242": "CREDIT", "555555": "DEBIT"} {
		res := h.must(200, request{method: "GET", path: "/cardbins/" + bin, key: h.keyA})
		if res.str("extended_card_type") != want || res.str("type") != want {
			t.Errorf("cardbins/%s: %s", bin, res.raw)
		}
	}

	cst := h.order(h.keyA, "ca1", true, "")
	pay := h.txn(h.keyA, newCardForm("ca1", goodCard))
	h.browser(true).pay(pay.str("payment.authentication.url"), "accept")
	cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
	if cards.str("cards.0.metadata.origin_merchant_id") != "alpha" || cards.str("cards.0.extended_card_type") != "CREDIT" {
		t.Fatalf("cards: %s", cards.raw)
	}
	ref := cards.str("cards.0.card_reference")

	get := func() response {
		return h.must(200, request{method: "POST", path: "/v4/card/get", key: h.keyA,
			json: `{"card_reference":"` + ref + `","customer_id":"` + cst + `"}`})
	}
	g1, g2 := get(), get()
	for path, want := range map[string]any{"eci": "07", "issuer_country_code": nil, "sub_type": nil, "nickname": nil} {
		if got := g1.get(path); got != want {
			t.Errorf("/v4/card/get %s = %v, want %v", path, got, want)
		}
	}
	if trid := g1.str("token_requestor_id"); len(trid) != 11 || trid[0] != '4' || g2.str("token_requestor_id") != trid ||
		g1.str("authentication_details.cryptogram") == g2.str("authentication_details.cryptogram") {
		t.Errorf("TRID and cryptograms: %s\n%s", g1.raw, g2.raw)
	}

	upd := h.must(200, request{method: "POST", path: "/card/update", key: h.keyA,
		form: "card_token=" + url.QueryEscape(cards.str("cards.0.card_token")) + "&nickname=Salary"})
	if upd.str("status") != "SUCCESS" || upd.str("user_message") != "Card details updated" ||
		upd.str("card_token") == "" || upd.str("nickname") != "Salary" {
		t.Fatalf("card update: %s", upd.raw)
	}
	if g := get(); g.str("nickname") != "Salary" {
		t.Errorf("nickname after the update: %s", g.raw)
	}
}
