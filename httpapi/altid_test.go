package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/cardjwe"
)

// sealCard encrypts card data as a merchant's client does: to the key
// published at /tokenization/keys.
func (h *harness) sealCard(card string) string {
	h.t.Helper()
	res := h.must(200, request{method: "GET", path: "/tokenization/keys"})
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(res.raw), &set); err != nil || len(set.Keys) != 1 {
		h.t.Fatalf("JWKS %s: %v", res.raw, err)
	}
	k := set.Keys[0]
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok || k.Algorithm != "RSA-OAEP-256" || k.Use != "enc" || res.header.Get("Content-Type") != "application/jwk-set+json" {
		h.t.Fatalf("published key: %s", res.raw)
	}
	jwe, err := cardjwe.Seal(pub, k.KeyID, []byte(card))
	if err != nil {
		h.t.Fatal(err)
	}
	return jwe
}

func altIDHeaders(merchant string) map[string]string {
	return map[string]string{"x-merchantid": merchant, "x-routing-id": "guest_cart_9"}
}

func TestAltID(t *testing.T) {
	h := newHarness(t, "sqlite")
	card := h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"12","expYear":"2031","cardSecurityCode":"123"}`)
	body := `{"cardData":"` + card + `","orderData":{"amount":1.0,"currency":"INR"},"correlationId":"corr-1","cardBrand":"VISA"}`
	res := h.do(request{method: "POST", path: "/get/altId", key: h.keyA, json: body, header: altIDHeaders("alpha")})
	if res.status != 200 || res.str("status") != "SUCCESS" || !strings.HasPrefix(res.str("altId"), "489538") ||
		len(res.str("tavv")) != 28 || res.str("par") != h.locker.PAR("4242424242424242") || len(res.str("expYear")) != 4 ||
		len(res.str("expMonth")) != 2 || res.str("correlationId") != "corr-1" || res.str("cardBrand") != "VISA" ||
		res.str("providerCategory") != "NETWORK" || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("altId: %d %s", res.status, res.raw)
	}
	if strings.Contains(res.raw, "4242424242424242") || strings.Contains(h.logs.String(), "4242424242424242") ||
		strings.Contains(h.logs.String(), res.str("altId")) {
		t.Fatal("the card number or Alt ID leaked into the response or logs")
	}
	// Each request gets a new Alt ID; none is stored.
	again := h.do(request{method: "POST", path: "/get/altId", key: h.keyA, json: body, header: altIDHeaders("alpha")})
	if again.str("altId") == res.str("altId") || again.str("tavv") == res.str("tavv") {
		t.Fatal("Alt ID reused")
	}
	if countRowsContaining(t, h, "Shop alpha") == 0 {
		t.Fatal("the database search finds nothing: it would not see an Alt ID either")
	}
	if n := countRowsContaining(t, h, res.str("altId")); n != 0 {
		t.Fatalf("the Alt ID is stored in %d rows", n)
	}
	// The PEM form of the key works too.
	if pem := h.must(200, request{method: "GET", path: "/tokenization/keys?format=pem"}); !strings.Contains(pem.raw, "BEGIN PUBLIC KEY") {
		t.Fatalf("PEM: %s", pem.raw)
	}
}

// countRowsContaining counts the test's SQLite files (database and
// write-ahead log, in the test's temporary directories) that contain s.
func countRowsContaining(t *testing.T, h *harness, s string) int {
	t.Helper()
	if _, err := h.db.ListMerchants(context.Background()); err != nil { // the database is open and written
		t.Fatal(err)
	}
	n, files := 0, 0
	root := filepath.Dir(t.TempDir())
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "test.db") {
			return nil
		}
		files++
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
			n++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no database file found to search")
	}
	return n
}

func TestAltIDRefusals(t *testing.T) {
	h := newHarness(t, "sqlite")
	gammaKey := h.newMerchant("gamma", true) // onboarded to nothing
	good := `{"cardNumber":"4242424242424242","expMonth":"12","expYear":"2031"}`
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	wrongKey, _ := cardjwe.Seal(&other.PublicKey, "", []byte(good))
	sealed := h.sealCard(good)
	for _, tc := range []struct {
		name, key, merchant, body string
		status                    int
		code, field               string
	}{
		{"not onboarded", gammaKey, "gamma", `{"cardData":"` + sealed + `"}`, 400, "ALT_ID_GENERATION_FAILED", ""},
		{"network refuses", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4242420000000109","expMonth":"12","expYear":"2031"}`) + `"}`, 400, "ALT_ID_GENERATION_FAILED", ""},
		{"international card", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4147200000000002","expMonth":"12","expYear":"2031"}`) + `"}`, 400, "ALT_ID_GENERATION_FAILED", ""},
		{"sub-merchant not onboarded", h.keyA, "alpha", `{"cardData":"` + sealed + `","submerchantId":"air_AI"}`, 400, "ALT_ID_GENERATION_FAILED", ""},
		{"no cardData", h.keyA, "alpha", `{"orderData":{"amount":1}}`, 400, "INVALID_REQUEST", "cardData"},
		{"malformed JWE", h.keyA, "alpha", `{"cardData":"eyJhbGciOi.not.a.jwe"}`, 400, "INVALID_REQUEST", "cardData"},
		{"plain card", h.keyA, "alpha", `{"cardData":` + jsonString(good) + `}`, 400, "INVALID_REQUEST", "cardData"},
		{"another key", h.keyA, "alpha", `{"cardData":"` + wrongKey + `"}`, 400, "INVALID_REQUEST", "cardData"},
		{"keyId", h.keyA, "alpha", `{"cardData":"` + sealed + `","keyId":"key_other"}`, 400, "INVALID_REQUEST", "keyId"},
		{"bad number", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4242424242424241","expMonth":"12","expYear":"2031"}`) + `"}`, 400, "INVALID_REQUEST", "cardData.cardNumber"},
		{"expired", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"01","expYear":"2020"}`) + `"}`, 400, "INVALID_REQUEST", "cardData.expYear"},
		{"bad month", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"13","expYear":"2031"}`) + `"}`, 400, "INVALID_REQUEST", "cardData.expMonth"},
		{"unknown card field", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"4242424242424242","expMonth":"12","expYear":"2031","pin":"1234"}`) + `"}`, 400, "INVALID_REQUEST", "cardData"},
		{"brand mismatch", h.keyA, "alpha", `{"cardData":"` + sealed + `","cardBrand":"RUPAY"}`, 400, "INVALID_REQUEST", "cardBrand"},
		{"maestro", h.keyA, "alpha", `{"cardData":"` + h.sealCard(`{"cardNumber":"5018120000000005","expMonth":"12","expYear":"2031"}`) + `"}`, 400, "INVALID_REQUEST", "cardBrand"},
		{"amount", h.keyA, "alpha", `{"cardData":"` + sealed + `","orderData":{"amount":-1}}`, 400, "INVALID_REQUEST", "orderData.amount"},
		{"currency", h.keyA, "alpha", `{"cardData":"` + sealed + `","orderData":{"currency":"USD"}}`, 400, "INVALID_REQUEST", "orderData.currency"},
		{"unknown field", h.keyA, "alpha", `{"cardData":"` + sealed + `","cvv":"123"}`, 400, "INVALID_REQUEST", "cvv"},
		{"no x-merchantid", h.keyA, "", `{"cardData":"` + sealed + `"}`, 400, "INVALID_REQUEST", "x-merchantid"},
		{"wrong x-merchantid", h.keyA, "beta", `{"cardData":"` + sealed + `"}`, 403, "FORBIDDEN", "x-merchantid"},
		{"no credentials", "", "alpha", `{"cardData":"` + sealed + `"}`, 401, "UNAUTHORIZED", ""},
	} {
		hdr := altIDHeaders(tc.merchant)
		if tc.merchant == "" {
			delete(hdr, "x-merchantid")
		}
		res := h.do(request{method: "POST", path: "/get/altId", key: tc.key, json: tc.body, header: hdr})
		if res.status != tc.status || res.str("errorCode") != tc.code || res.str("field") != tc.field || res.str("errorMessage") == "" {
			t.Errorf("%s: %d %s; want %d %s on %q", tc.name, res.status, res.raw, tc.status, tc.code, tc.field)
		}
		if strings.Contains(res.raw, "424242424242") {
			t.Errorf("%s: the card number is in the answer", tc.name)
		}
	}
	if strings.Contains(h.logs.String(), "4242424242424242") {
		t.Fatal("a card number reached the logs")
	}
	// Onboarded for ALT_ID, the sub-merchant gets Alt IDs.
	h.do(request{method: "POST", path: "/tokenization/onboarding", key: h.keyA, json: onboardingBody("air_AI", "ALT_ID", true, "VISA"),
		header: map[string]string{"x-merchantid": "alpha", "version": "2023-11-01", "x-routing-id": "r"}})
	res := h.do(request{method: "POST", path: "/get/altId", key: h.keyA, json: `{"cardData":"` + sealed + `","submerchantId":"air_AI"}`, header: altIDHeaders("alpha")})
	if res.status != 200 || res.str("altId") == "" {
		t.Fatalf("onboarded sub-merchant: %d %s", res.status, res.raw)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
