package juspay

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

// FuzzReadBody feeds form-encoded and JSON bodies to the decoder every
// endpoint uses: it must never panic, and what it accepts is flat string
// keys and values.
func FuzzReadBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "order_id=o1&amount=10&options.get_client_auth_token=true")
	f.Add("application/json", `{"associateId":"a","companyDetails":{"legalName":"x"},"testMode":true,"n":1.5,"z":null}`)
	f.Add("application/json", `{"a":[1,2],"b":{"c":{"d":{}}}}`)
	f.Add("application/json", `{"a":1}{"b":2}`)
	f.Add("text/plain", "hello")
	f.Add("application/x-www-form-urlencoded", "%zz=1;&&=")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest("POST", "/orders", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		p := Params{}
		err := DecodeBody(r, []byte(body), p)
		if err != nil && coft.ErrorCode(err) == coft.EINTERNAL {
			t.Fatalf("internal error for %q: %v", body, err)
		}
	})
}

// FuzzSignature: the return URL's signature depends on every parameter and
// on nothing else than the parameters and the key.
func FuzzSignature(f *testing.F) {
	f.Add("key", "order_id", "o1", "status", "CHARGED")
	f.Add("", "", "", "a&b=c", "d=e")
	f.Fuzz(func(t *testing.T, key, k1, v1, k2, v2 string) {
		if k1 == k2 {
			return // one parameter, not two
		}
		a := Signature(key, map[string]string{k1: v1, k2: v2})
		b := Signature(key, map[string]string{k2: v2, k1: v1})
		if a != b {
			t.Fatal("the signature depends on map order")
		}
		if Signature(key, map[string]string{k1: v1 + "x", k2: v2}) == a {
			t.Fatal("changing a value kept the signature")
		}
	})
}
