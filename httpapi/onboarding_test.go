package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

// onboardingHeaders are the headers the seed makes mandatory.
func onboardingHeaders() map[string]string {
	return map[string]string{"x-merchantid": "gamma", "version": "2023-11-01", "x-routing-id": "customer_1122"}
}

// onboardingBody is a valid onboarding request with edits applied
// (dotted paths; a nil value removes the key).
func onboardingBody(associate, flow string, testMode bool, network string) string {
	b := `{"associateId":"` + associate + `","testMode":` + map[bool]string{true: "true", false: "false"}[testMode] +
		`,"companyDetails":{"legalName":"Air Example Ltd","tradeName":"Air Example","websiteURL":"https://air.example",` +
		`"contactEmail":"ops@air.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"},` +
		`"flow":"` + flow + `"`
	if network != "" {
		b += `,"network":"` + network + `"`
	}
	return b + "}"
}

func (h *harness) onboard(key, body string) response {
	h.t.Helper()
	return h.do(request{method: "POST", path: "/tokenization/onboarding", key: key, json: body, header: onboardingHeaders()})
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOnboardingAPI(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		key := h.newMerchant("gamma", true)

		res := h.onboard(key, onboardingBody("gamma", "COFT", true, ""))
		if res.status != 200 || res.str("status") != "SUCCESS" || res.str("associateId") != "gamma" {
			t.Fatalf("onboarding: %d %s", res.status, res.raw)
		}
		// As the seed's sample, key for key.
		if !strings.Contains(res.raw, `{"status":"SUCCESS","associateId":"gamma","response":{"visa":"onboarded",`+
			`"mastercard":"onboarded","rupay":"onboarded","amex":"onboarded","diners":"onboarded"}}`) {
			t.Errorf("response %s", res.raw)
		}

		// One network, then another: idempotent, and networks are added.
		res = h.onboard(key, onboardingBody("air_AI", "ALT_ID", true, "VISA"))
		if res.str("response.visa") != "onboarded" || res.str("response.rupay") != "not_onboarded" {
			t.Fatalf("VISA only: %s", res.raw)
		}
		again := h.onboard(key, onboardingBody("air_AI", "ALT_ID", true, "VISA"))
		if again.raw != res.raw {
			t.Fatalf("re-onboarding changed the answer: %s then %s", res.raw, again.raw)
		}
		res = h.onboard(key, onboardingBody("air_AI", "ALT_ID", true, "rupay,Mastercard"))
		if res.str("response.visa") != "onboarded" || res.str("response.rupay") != "onboarded" ||
			res.str("response.mastercard") != "onboarded" || res.str("response.amex") != "not_onboarded" {
			t.Fatalf("adding networks: %s", res.raw)
		}

		// Fetch by submerchantId.
		st := h.must(200, request{method: "GET", path: "/tokenization/onboarding/status?submerchantId=air_AI", key: key,
			header: onboardingHeaders()})
		if st.str("submerchantId") != "air_AI" || st.str("onboardings.0.flow") != "ALT_ID" ||
			st.str("onboardings.0.response.rupay") != "onboarded" || st.str("onboardings.0.companyDetails.businessIdentificationValue") != "AAAPL1234C" ||
			st.get("onboardings.0.testMode") != true || st.get("onboardings.1") != nil {
			t.Fatalf("status: %s", st.raw)
		}
		nf := h.do(request{method: "GET", path: "/tokenization/onboarding/status?submerchantId=nobody", key: key, header: onboardingHeaders()})
		if nf.status != 404 || nf.str("errorCode") != "NOT_FOUND" || nf.str("field") != "submerchantId" {
			t.Fatalf("unknown submerchant: %d %s", nf.status, nf.raw)
		}
		// Another merchant sees none of it.
		other := onboardingHeaders()
		other["x-merchantid"] = "beta"
		if res := h.do(request{method: "GET", path: "/tokenization/onboarding/status?submerchantId=air_AI", key: h.keyB, header: other}); res.status != 404 {
			t.Fatalf("beta sees gamma's onboarding: %d %s", res.status, res.raw)
		}
	})
}

// TestOnboardingBadInput sends each kind of bad request: 4xx in the
// camelCase shape naming the field, and nothing stored.
func TestOnboardingBadInput(t *testing.T) {
	h := newHarness(t, "sqlite")
	key := h.newMerchant("gamma", true)
	valid := onboardingBody("sub9", "COFT", true, "")
	set := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("%q not in the body", old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string // changes to the headers; "" removes
		status int
		field  string
	}{
		{"no x-merchantid", valid, map[string]string{"x-merchantid": ""}, 400, "x-merchantid"},
		{"no version", valid, map[string]string{"version": ""}, 400, "version"},
		{"version not a date", valid, map[string]string{"version": "latest"}, 400, "version"},
		{"no x-routing-id", valid, map[string]string{"x-routing-id": ""}, 400, "x-routing-id"},
		{"form content-type", valid, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "content-type"},
		{"other merchant's id", valid, map[string]string{"x-merchantid": "beta"}, 403, "x-merchantid"},
		{"not JSON", "{", nil, 400, ""},
		{"unknown field", set(`"flow"`, `"flows":"COFT","flow"`), nil, 400, "flows"},
		{"no associateId", set(`"associateId":"sub9",`, ``), nil, 400, "associateId"},
		{"no flow", set(`,"flow":"COFT"`, ``), nil, 400, "flow"},
		{"unknown flow", set(`"COFT"`, `"CARDS"`), nil, 400, "flow"},
		{"unknown network", set(`"flow":"COFT"`, `"flow":"COFT","network":"DISCOVER"`), nil, 400, "network"},
		{"testMode not boolean", set(`"testMode":true`, `"testMode":"yes"`), nil, 400, "testMode"},
		{"no companyDetails", set(`"legalName":"Air Example Ltd",`, ``), nil, 400, "companyDetails.legalName"},
		{"no tradeName", set(`"tradeName":"Air Example",`, ``), nil, 400, "companyDetails.tradeName"},
		{"websiteURL", set(`https://air.example`, `Partner's merchant URL`), nil, 400, "companyDetails.websiteURL"},
		{"contactEmail", set(`ops@air.example`, `ops.air.example`), nil, 400, "companyDetails.contactEmail"},
		{"id type", set(`"PAN"`, `""`), nil, 400, "companyDetails.businessIdentificationType"},
		{"PAN format", set(`AAAPL1234C`, `AAAPL12345`), nil, 400, "companyDetails.businessIdentificationValue"},
	} {
		hdr := onboardingHeaders()
		for k, v := range tc.header {
			if v == "" {
				delete(hdr, k)
			} else {
				hdr[k] = v
			}
		}
		res := h.do(request{method: "POST", path: "/tokenization/onboarding", key: key, json: tc.body, header: hdr})
		if res.status != tc.status || res.str("errorCode") == "" || res.str("errorMessage") == "" || res.str("field") != tc.field {
			t.Errorf("%s: %d %s; want %d naming %q", tc.name, res.status, res.raw, tc.status, tc.field)
		}
	}
	// Without credentials: 401 {errorMessage, errorCode}.
	res := h.do(request{method: "POST", path: "/tokenization/onboarding", json: valid, header: onboardingHeaders()})
	if res.status != 401 || res.str("errorCode") != "UNAUTHORIZED" || res.str("errorMessage") == "" {
		t.Fatalf("no credentials: %d %s", res.status, res.raw)
	}
	res = h.do(request{method: "POST", path: "/tokenization/onboarding", key: "WRONG", json: valid, header: onboardingHeaders()})
	if res.status != 401 || res.str("errorCode") != "UNAUTHORIZED" {
		t.Fatalf("wrong key: %d %s", res.status, res.raw)
	}
	st := h.do(request{method: "GET", path: "/tokenization/onboarding/status?submerchantId=sub9", key: key, header: onboardingHeaders()})
	if st.status != 404 {
		t.Fatalf("a refused onboarding was stored: %s", st.raw)
	}
	if cards := h.must(200, request{method: "GET", path: "/cardbins/424242?options.check_tokenize_support=true", key: key}); cards.get("tokenize_support") != false {
		t.Fatalf("refused onboardings made cards eligible: %s", cards.raw)
	}
}

// TestOnboardingOutsideTestMode: networks answer later, through the
// sandbox network's callback; reject_ associates are rejected, hold_ ones
// wait for the sandbox control API.
func TestOnboardingOutsideTestMode(t *testing.T) {
	h := newHarness(t, "sqlite")
	key := h.newMerchant("gamma", true)
	status := func(associate, network string) string {
		st := h.must(200, request{method: "GET", path: "/tokenization/onboarding/status?flow=COFT&submerchantId=" + associate,
			key: key, header: onboardingHeaders()})
		return st.str("onboardings.0.response." + network)
	}

	res := h.onboard(key, onboardingBody("air_AI", "COFT", false, "VISA,RUPAY"))
	if res.str("status") != "SUCCESS" || res.str("response.visa") != "pending" || res.str("response.rupay") != "pending" ||
		res.str("response.amex") != "not_onboarded" {
		t.Fatalf("pending: %s", res.raw)
	}
	waitFor(t, "VISA to onboard air_AI", func() bool { return status("air_AI", "visa") == "onboarded" })
	waitFor(t, "RUPAY to onboard air_AI", func() bool { return status("air_AI", "rupay") == "onboarded" })

	h.onboard(key, onboardingBody("reject_air", "COFT", false, "MASTERCARD"))
	waitFor(t, "MASTERCARD to reject", func() bool { return status("reject_air", "mastercard") == "rejected" })
	// Asking again after a rejection asks the network again.
	if res := h.onboard(key, onboardingBody("reject_air", "COFT", true, "MASTERCARD")); res.str("response.mastercard") != "onboarded" {
		t.Fatalf("re-onboarding after rejection: %s", res.raw)
	}

	h.onboard(key, onboardingBody("hold_air", "COFT", false, ""))
	if status("hold_air", "visa") != "pending" {
		t.Fatal("held onboarding answered")
	}
	res = h.do(request{method: "POST", path: "/sandbox/onboarding", key: key,
		form: "associate_id=hold_air&flow=COFT&network=AMEX&status=rejected"})
	if res.status != 200 || res.str("response.amex") != "rejected" || res.str("response.visa") != "pending" {
		t.Fatalf("sandbox rejection: %d %s", res.status, res.raw)
	}
	res = h.do(request{method: "POST", path: "/sandbox/onboarding", key: key, form: "associate_id=hold_air&flow=COFT&status=onboarded"})
	if res.str("response.visa") != "onboarded" || res.str("response.diners") != "onboarded" {
		t.Fatalf("sandbox onboarding: %s", res.raw)
	}
	for _, tc := range []struct{ form, field string }{
		{"associate_id=hold_air&flow=COFT&status=maybe", "status"},
		{"associate_id=hold_air&status=onboarded", "flow"},
		{"associate_id=nobody&flow=COFT&status=onboarded", "associate_id"},
		{"associate_id=air_AI&flow=COFT&network=AMEX&status=onboarded", "network"},
	} {
		if res := h.do(request{method: "POST", path: "/sandbox/onboarding", key: key, form: tc.form}); res.status/100 != 4 || res.errorField() != tc.field {
			t.Errorf("sandbox onboarding %s: %d %s; want an error on %s", tc.form, res.status, res.raw, tc.field)
		}
	}

	// A pending onboarding whose answer was lost (a restart) is submitted
	// again by the reconciler.
	lost := &coft.Onboarding{MerchantID: "gamma", AssociateID: "lost_air", Flow: coft.FlowCOFT,
		Status:  map[string]string{coft.BrandDiners: coft.OnboardingPending},
		Company: coft.Company{LegalName: "L", TradeName: "T", WebsiteURL: "https://l.example", BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
	if err := h.db.SaveOnboarding(t.Context(), lost); err != nil {
		t.Fatal(err)
	}
	if n, err := h.api.Payments().ResubmitPendingOnboardings(t.Context()); err != nil || n != 1 {
		t.Fatalf("ResubmitPendingOnboardings = %d, %v", n, err)
	}
	waitFor(t, "the resubmitted onboarding", func() bool { return status("lost_air", "diners") == "onboarded" })
}

// TestEligibilityFollowsOnboarding drives onboarding → eligibility flip →
// tokenized payment → suspend, and checks that every change shows in
// card info, saved cards, order status and the token API.
func TestEligibilityFollowsOnboarding(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		key := h.newMerchant("gamma", true)
		support := func(bin, extra string) any {
			return h.must(200, request{method: "GET", path: "/cardbins/" + bin + "?options.check_tokenize_support=true" + extra, key: key}).get("tokenize_support")
		}
		if support("424242", "") != false {
			t.Fatal("eligible before onboarding")
		}
		// Not onboarded: a payment asks no consent.
		h.order(key, "g1", true, "")
		res := h.txn(key, newCardForm("g1", goodCard))
		if strings.Contains(res.str("payment.authentication.url"), "/consent/") {
			t.Fatalf("consent asked before onboarding: %s", res.raw)
		}

		// Onboarded to VISA for COFT: Visa cards flip, Mastercard does not;
		// an ALT_ID onboarding does not count.
		h.onboard(key, onboardingBody("gamma", "ALT_ID", true, "MASTERCARD"))
		h.onboard(key, onboardingBody("gamma", "COFT", true, "VISA"))
		if support("424242", "") != true || support("555555", "") != false {
			t.Fatal("eligibility did not follow the COFT onboarding")
		}
		// A sub-merchant is eligible only once it is onboarded itself.
		if support("424242", "&submerchant_id=air_AI") != false {
			t.Fatal("sub-merchant eligible before its onboarding")
		}
		cst := h.order(key, "g2", true, "&metadata.submerchant_id=air_AI")
		if res := h.txn(key, newCardForm("g2", goodCard)); strings.Contains(res.str("payment.authentication.url"), "/consent/") {
			t.Fatal("consent asked for a sub-merchant not onboarded")
		}
		h.onboard(key, onboardingBody("air_AI", "COFT", true, ""))
		if support("424242", "&submerchant_id=air_AI") != true {
			t.Fatal("sub-merchant not eligible after its onboarding")
		}
		h.must(200, request{method: "POST", path: "/orders", key: key,
			form: "order_id=g3&amount=10&metadata.submerchant_id=air_AI&customer_id=" + cst})
		res = h.txn(key, newCardForm("g3", goodCard))
		if !strings.Contains(res.str("payment.authentication.url"), "/consent/") {
			t.Fatalf("no consent for an onboarded sub-merchant: %s", res.raw)
		}
		h.browser(true).pay(res.str("payment.authentication.url"), "accept")
		st := h.must(200, request{method: "GET", path: "/orders/g3", key: key})
		if st.str("card.token.tokenization_status") != "ACTIVE" {
			t.Fatalf("not tokenized: %s", st.raw)
		}
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: key})
		cardRef, tokenRef := cards.str("cards.0.card_reference"), cards.str("cards.0.token.card_reference")
		par, last4 := cards.str("cards.0.token.par"), cards.str("cards.0.token.last_four_digits")
		getCard := func() response {
			return h.do(request{method: "POST", path: "/v4/card/get", key: key,
				json: `{"card_reference":"` + cardRef + `","customer_id":"` + cst + `"}`})
		}
		tokenStatus := func() (cardsView, orderView string) {
			c := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: key})
			o := h.must(200, request{method: "GET", path: "/orders/g3", key: key})
			return c.str("cards.0.token.tokenization_status"), o.str("card.token.tokenization_status")
		}

		// ACTIVE: a token and a fresh cryptogram.
		g := getCard()
		if g.status != 200 || g.str("token_details.status") != "ACTIVE" || g.str("token_details.last_four") != last4 ||
			g.str("card_details.par") != par || len(g.str("authentication_details.cryptogram")) != 28 ||
			!coft.LuhnValid(g.str("authentication_details.token")) || !strings.HasSuffix(g.str("authentication_details.token"), last4) ||
			g.str("reference") != tokenRef || g.header.Get("Cache-Control") != "no-store" || strings.Contains(g.raw, goodCard) {
			t.Fatalf("card/get: %d %s", g.status, g.raw)
		}
		if g2 := getCard(); g2.str("authentication_details.cryptogram") == g.str("authentication_details.cryptogram") {
			t.Fatal("the cryptogram is not fresh")
		}

		sandboxToken := func(ref, action string) response {
			return h.do(request{method: "POST", path: "/sandbox/tokens/" + ref + "/" + action, key: key})
		}
		// Suspend (by card reference): visible everywhere, no cryptogram.
		if res := sandboxToken(cardRef, "suspend"); res.status != 200 || res.str("token.tokenization_status") != "SUSPENDED" {
			t.Fatalf("suspend: %d %s", res.status, res.raw)
		}
		if c, o := tokenStatus(); c != "SUSPENDED" || o != "SUSPENDED" {
			t.Fatalf("after suspend: cards %s, order %s", c, o)
		}
		if g := getCard(); g.status != 409 || !strings.Contains(g.str("errorMessage"), "SUSPENDED") || g.str("field") != "card_reference" {
			t.Fatalf("card/get of a suspended token: %d %s", g.status, g.raw)
		}
		if res := sandboxToken(cardRef, "suspend"); res.status != 409 {
			t.Fatalf("suspending twice: %d %s", res.status, res.raw)
		}
		// Resume (by token reference), then replace: new last four and
		// expiry, same PAR.
		if res := sandboxToken(tokenRef, "resume"); res.status != 200 || res.str("token.tokenization_status") != "ACTIVE" {
			t.Fatalf("resume: %d %s", res.status, res.raw)
		}
		res = sandboxToken(cardRef, "replace")
		if res.status != 200 || res.str("token.last_four_digits") == last4 || res.str("token.par") != par ||
			res.str("token.tokenization_status") != "ACTIVE" || res.str("token.card_reference") != tokenRef {
			t.Fatalf("replace: %d %s", res.status, res.raw)
		}
		newLast4 := res.str("token.last_four_digits")
		if g := getCard(); !strings.HasSuffix(g.str("authentication_details.token"), newLast4) || g.str("token_details.exp_year") != res.str("token.expiry_year") {
			t.Fatalf("card/get after replace: %s", g.raw)
		}
		if o := h.must(200, request{method: "GET", path: "/orders/g3", key: key}); o.str("card.token.last_four_digits") != newLast4 {
			t.Fatalf("order status after replace: %s", o.raw)
		}
		// Deactivate: INACTIVE for good; the card may be tokenized again.
		if res := sandboxToken(cardRef, "deactivate"); res.status != 200 || res.str("token.tokenization_status") != "INACTIVE" ||
			res.get("tokenize_support") != true {
			t.Fatalf("deactivate: %d %s", res.status, res.raw)
		}
		if c, o := tokenStatus(); c != "INACTIVE" || o != "INACTIVE" {
			t.Fatalf("after deactivate: cards %s, order %s", c, o)
		}
		res = sandboxToken(cardRef, "resume")
		if res.status != 409 || !strings.Contains(res.str("error_message"), "INACTIVE token cannot be resumed") {
			t.Fatalf("resuming an INACTIVE token: %d %s", res.status, res.raw)
		}
		for _, action := range []string{"suspend", "replace", "deactivate"} {
			if res := sandboxToken(cardRef, action); res.status != 409 {
				t.Errorf("%s an INACTIVE token: %d %s", action, res.status, res.raw)
			}
		}
		if res := sandboxToken(cardRef, "delete"); res.status != 400 || res.errorField() != "action" {
			t.Errorf("unknown action: %d %s", res.status, res.raw)
		}
		if res := sandboxToken("0123456789abcdef0123456789abcdef", "suspend"); res.status != 404 || res.errorField() != "reference" {
			t.Errorf("unknown reference: %d %s", res.status, res.raw)
		}
		// Another merchant can neither read nor change the token.
		if res := h.do(request{method: "POST", path: "/sandbox/tokens/" + tokenRef + "/suspend", key: h.keyB}); res.status != 404 {
			t.Errorf("beta changed gamma's token: %d %s", res.status, res.raw)
		}
		if res := h.do(request{method: "POST", path: "/v4/card/get", key: h.keyB,
			json: `{"card_reference":"` + cardRef + `","customer_id":"` + cst + `"}`}); res.status != 404 {
			t.Errorf("beta read gamma's token: %d %s", res.status, res.raw)
		}
	})
}

func TestCardGetBadInput(t *testing.T) {
	h := newHarness(t, "sqlite")
	cst := h.customer(h.keyA, "cg1")
	plain := h.saveCard("alpha", cst, goodCard)
	for _, tc := range []struct {
		body   string
		status int
		field  string
	}{
		{`{"customer_id":"` + cst + `"}`, 400, "card_reference"},
		{`{"card_reference":"` + plain.Reference + `"}`, 400, "customer_id"},
		{`{"card_reference":"` + plain.Reference + `","customer_id":"nobody"}`, 404, "customer_id"},
		{`{"card_reference":"nope","customer_id":"` + cst + `"}`, 404, "card_reference"},
		{`{"card_reference":"` + plain.Reference + `","customer_id":"` + cst + `"}`, 409, "card_reference"}, // no token
		{`{"card_reference":"` + plain.Reference + `","customer_id":"` + cst + `","cvv":"123"}`, 400, "cvv"},
	} {
		res := h.do(request{method: "POST", path: "/v4/card/get", key: h.keyA, json: tc.body})
		if res.status != tc.status || res.str("field") != tc.field || res.str("errorMessage") == "" {
			t.Errorf("%s: %d %s; want %d on %s", tc.body, res.status, res.raw, tc.status, tc.field)
		}
	}
	if res := h.do(request{method: "POST", path: "/v4/card/get", json: `{}`}); res.status != 401 {
		t.Errorf("no credentials: %d", res.status)
	}
}
