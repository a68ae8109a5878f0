package authtoken

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

var (
	testKey  = bytes.Repeat([]byte{0x42}, 32)
	otherKey = bytes.Repeat([]byte{0x43}, 32)
	t0       = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
)

const ref = "0123456789abcdef0123456789abcdef"

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newIssuer() (*Issuer, *clock) {
	c := &clock{t: t0}
	return New(testKey, c.now), c
}

func wantErr(t *testing.T, err error, code, field, msg string) {
	t.Helper()
	var e *coft.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *coft.Error", err)
	}
	if e.Code != code || e.Field != field || e.Message != msg {
		t.Fatalf("err = %+v, want {%s %s %q}", *e, code, field, msg)
	}
}

func wantInvalidClient(t *testing.T, err error) {
	t.Helper()
	wantErr(t, err, coft.EUNAUTHORIZED, "", "Invalid client_auth_token.")
}

func wantInvalidCard(t *testing.T, err error) {
	t.Helper()
	wantErr(t, err, coft.EINVALID, "card_token", "card_token is invalid.")
}

func TestClientAuthTokenRoundTrip(t *testing.T) {
	is, _ := newIssuer()
	for _, s := range []Scope{
		{MerchantID: "acme", OrderID: "ord1234567890"},
		{MerchantID: "acme", CustomerID: "cst_abcdefghijklmnop"},
		{MerchantID: strings.Repeat("m", 300), OrderID: "o"}, // multi-byte length prefix
	} {
		tok, exp := is.ClientAuthToken(s, 15*time.Minute)
		if !strings.HasPrefix(tok, Prefix) {
			t.Errorf("token %q lacks the prefix", tok)
		}
		if !exp.Equal(t0.Add(15 * time.Minute)) {
			t.Errorf("expiry = %v, want %v", exp, t0.Add(15*time.Minute))
		}
		got, err := is.VerifyClientAuthToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		if got != s {
			t.Errorf("scope = %+v, want %+v", got, s)
		}
		// Another instance with the same key accepts it.
		if got, err := New(testKey, func() time.Time { return t0 }).VerifyClientAuthToken(tok); err != nil || got != s {
			t.Errorf("another issuer with the same key: %+v, %v", got, err)
		}
		// One with another key does not.
		_, err = New(otherKey, func() time.Time { return t0 }).VerifyClientAuthToken(tok)
		wantInvalidClient(t, err)
	}
	tok, _ := is.ClientAuthToken(Scope{MerchantID: "acme", OrderID: "ord1234567890"}, time.Hour)
	t.Logf("client auth token: %s (%d chars)", tok, len(tok))
	if len(tok) > 70 {
		t.Errorf("token is %d characters, expected it shorter", len(tok))
	}
}

func TestClientAuthTokenExpiry(t *testing.T) {
	is, c := newIssuer()
	tok, exp := is.ClientAuthToken(Scope{MerchantID: "m", OrderID: "o"}, time.Minute)
	c.t = exp.Add(-time.Second)
	if _, err := is.VerifyClientAuthToken(tok); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	c.t = exp
	_, err := is.VerifyClientAuthToken(tok)
	wantErr(t, err, coft.EUNAUTHORIZED, "", "client_auth_token has expired.")
	c.t = exp.Add(24 * time.Hour)
	_, err = is.VerifyClientAuthToken(tok)
	wantErr(t, err, coft.EUNAUTHORIZED, "", "client_auth_token has expired.")

	// A token with no lifetime is born expired.
	c.t = t0
	tok, _ = is.ClientAuthToken(Scope{MerchantID: "m", OrderID: "o"}, 0)
	_, err = is.VerifyClientAuthToken(tok)
	wantErr(t, err, coft.EUNAUTHORIZED, "", "client_auth_token has expired.")
}

func TestClientAuthTokenBadScopePanics(t *testing.T) {
	is, _ := newIssuer()
	for _, s := range []Scope{
		{MerchantID: "m"},
		{MerchantID: "m", OrderID: "o", CustomerID: "cst_1"},
		{OrderID: "o"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ClientAuthToken(%+v) did not panic", s)
				}
			}()
			is.ClientAuthToken(s, time.Minute)
		}()
	}
}

func TestNewPanicsOnShortKey(t *testing.T) {
	for _, k := range [][]byte{nil, {}, make([]byte, 31)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with a %d-byte key did not panic", len(k))
				}
			}()
			New(k, nil)
		}()
	}
	if New(testKey, nil).now == nil {
		t.Error("nil now not defaulted")
	}
}

// mutations returns every token that differs from tok in one character of
// its encoded part (each position changed to a few other base64url
// characters), plus truncations and extensions.
func mutations(tok string) []string {
	var out []string
	const alphabet = "AQgwBaz09-_"
	for i := len(Prefix); i < len(tok); i++ {
		for _, c := range alphabet {
			if byte(c) != tok[i] {
				out = append(out, tok[:i]+string(c)+tok[i+1:])
			}
		}
	}
	for i := 0; i < len(tok); i++ {
		out = append(out, tok[:i])
	}
	for _, junk := range []string{"\n", "\r", "\r\n", " ", "=", "+", "/", ".", "\x00"} {
		for _, i := range []int{len(Prefix), len(Prefix) + 5, len(tok) - 1, len(tok)} {
			out = append(out, tok[:i]+junk+tok[i:])
		}
	}
	out = append(out, tok+"A", tok+"AA", tok+"AAAA", "x"+tok, strings.ToUpper(tok), "TKN_"+tok[len(Prefix):])
	return out
}

func TestClientAuthTokenTampering(t *testing.T) {
	is, _ := newIssuer()
	tok, _ := is.ClientAuthToken(Scope{MerchantID: "acme", CustomerID: "cst_123"}, time.Hour)
	for _, m := range mutations(tok) {
		if s, err := is.VerifyClientAuthToken(m); err == nil {
			t.Fatalf("tampered token %q verified: %+v", m, s)
		} else {
			wantInvalidClient(t, err)
		}
	}
	// Flipping any bit of the decoded bytes fails too.
	raw, err := base64.RawURLEncoding.DecodeString(tok[len(Prefix):])
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			_, err := is.VerifyClientAuthToken(Prefix + base64.RawURLEncoding.EncodeToString(b))
			wantInvalidClient(t, err)
		}
	}
}

func TestCardTokenRoundTrip(t *testing.T) {
	is, _ := newIssuer()
	for _, r := range []string{ref, "ffffffffffffffffffffffffffffffff", "0123456789ABCDEF0123456789ABCDEF", "short", "", strings.Repeat("é", 40)} {
		tok := is.CardToken("acme", "cst_42", r, 15*time.Minute)
		cust, gotRef, err := is.VerifyCardToken("acme", tok)
		if err != nil {
			t.Fatalf("reference %q: %v", r, err)
		}
		if cust != "cst_42" || gotRef != r {
			t.Errorf("got (%q, %q), want (cst_42, %q)", cust, gotRef, r)
		}
	}
	tok := is.CardToken("acme", "cst_1234567890abcdef", ref, 15*time.Minute)
	t.Logf("card token: %s (%d chars)", tok, len(tok))
	if strings.Contains(tok, ref) || strings.Contains(tok, "acme") {
		t.Error("card token is not opaque")
	}
}

func TestCardTokenOtherMerchant(t *testing.T) {
	is, _ := newIssuer()
	tok := is.CardToken("merchantA", "cst_1", ref, time.Hour)
	for _, m := range []string{"merchantB", "", "merchanta", "merchantA ", "merchantAA"} {
		_, _, err := is.VerifyCardToken(m, tok)
		wantInvalidCard(t, err)
	}
	if _, _, err := is.VerifyCardToken("merchantA", tok); err != nil {
		t.Fatal(err)
	}
}

func TestCardTokenExpiry(t *testing.T) {
	is, c := newIssuer()
	tok := is.CardToken("m", "cst_1", ref, 10*time.Minute)
	c.t = t0.Add(10*time.Minute - time.Second)
	if _, _, err := is.VerifyCardToken("m", tok); err != nil {
		t.Fatal(err)
	}
	c.t = t0.Add(10 * time.Minute)
	_, _, err := is.VerifyCardToken("m", tok)
	wantErr(t, err, coft.EINVALID, "card_token", "card_token has expired; list the customer's cards again.")
	// An expired token of another merchant is invalid, not expired.
	_, _, err = is.VerifyCardToken("other", tok)
	wantInvalidCard(t, err)
}

func TestCardTokenTampering(t *testing.T) {
	is, _ := newIssuer()
	tok := is.CardToken("acme", "cst_1", ref, time.Hour)
	for _, m := range mutations(tok) {
		if c, r, err := is.VerifyCardToken("acme", m); err == nil {
			t.Fatalf("tampered token %q verified: %q %q", m, c, r)
		} else {
			wantInvalidCard(t, err)
		}
	}
}

func TestCrossKindConfusion(t *testing.T) {
	is, _ := newIssuer()
	client, _ := is.ClientAuthToken(Scope{MerchantID: "acme", CustomerID: "cst_1"}, time.Hour)
	_, _, err := is.VerifyCardToken("acme", client)
	wantInvalidCard(t, err)

	card := is.CardToken("acme", "cst_1", ref, time.Hour)
	_, err = is.VerifyClientAuthToken(card)
	wantInvalidClient(t, err)

	// Even a payload re-signed with the other kind's key but carrying the
	// wrong kind byte is rejected by the parser.
	raw, _ := base64.RawURLEncoding.DecodeString(client[len(Prefix):])
	payload := raw[:len(raw)-macSize]
	forged := seal(is.cardKey, bytes.Clone(payload), []byte("acme"))
	_, _, err = is.VerifyCardToken("acme", forged)
	wantInvalidCard(t, err)
	raw, _ = base64.RawURLEncoding.DecodeString(card[len(Prefix):])
	payload = raw[:len(raw)-macSize]
	forged = seal(is.clientKey, bytes.Clone(payload), nil)
	_, err = is.VerifyClientAuthToken(forged)
	wantInvalidClient(t, err)
}

// TestParserRejectsMalformedPayloads signs malformed payloads with the right
// key, to exercise the parser behind the MAC.
func TestParserRejectsMalformedPayloads(t *testing.T) {
	is, _ := newIssuer()
	exp := []byte{0, 0, 0, 0, 0x7f, 0, 0, 0}
	hdr := func(v, k byte) []byte { return append([]byte{v, k}, exp...) }
	str := func(s string) []byte { return appendString(nil, s) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	for name, p := range map[string][]byte{
		"empty":          {},
		"bad version":    cat(hdr(2, kindClientAuth), str("m"), str("o"), str("")),
		"short header":   hdr(version, kindClientAuth)[:9],
		"no strings":     hdr(version, kindClientAuth),
		"trailing bytes": cat(hdr(version, kindClientAuth), str("m"), str("o"), str(""), []byte{0}),
		"long length":    cat(hdr(version, kindClientAuth), str("m"), str("o"), []byte{5, 'a'}),
		"huge length":    cat(hdr(version, kindClientAuth), str("m"), str("o"), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		"both scopes":    cat(hdr(version, kindClientAuth), str("m"), str("o"), str("c")),
		"no scope":       cat(hdr(version, kindClientAuth), str("m"), str(""), str("")),
		"no merchant":    cat(hdr(version, kindClientAuth), str(""), str("o"), str("")),
	} {
		_, err := is.VerifyClientAuthToken(seal(is.clientKey, p, nil))
		if err == nil {
			t.Errorf("client %s: verified", name)
		}
	}
	for name, p := range map[string][]byte{
		"no ref":         cat(hdr(version, kindCard), str("c")),
		"bad ref enc":    cat(hdr(version, kindCard), str("c"), []byte{7}, str("r")),
		"short packed":   cat(hdr(version, kindCard), str("c"), []byte{refPacked}, make([]byte, 15)),
		"long packed":    cat(hdr(version, kindCard), str("c"), []byte{refPacked}, make([]byte, 17)),
		"trailing bytes": cat(hdr(version, kindCard), str("c"), []byte{refString}, str("r"), []byte{1}),
	} {
		_, _, err := is.VerifyCardToken("m", seal(is.cardKey, p, []byte("m")))
		if err == nil {
			t.Errorf("card %s: verified", name)
		}
	}
}

func TestGarbage(t *testing.T) {
	is, _ := newIssuer()
	for _, g := range []string{
		"", "tkn_", "tkn", "tkn_A", "tkn_AA", "tkn_====", "tkn_!!!!", "tkn_ AAAA", "tkn_\x00\xff",
		"tkn_" + strings.Repeat("A", 100), "tkn_" + strings.Repeat("A", 10_000_000),
		strings.Repeat("x", 1<<20), "tkn_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 40)),
		"tkn_" + base64.RawURLEncoding.EncodeToString(make([]byte, 26)),
		"tkn_" + base64.RawURLEncoding.EncodeToString(make([]byte, 100)),
		"6uvve3h71mpgrr88848hr4vsat", "4111111111111111",
	} {
		_, err := is.VerifyClientAuthToken(g)
		wantInvalidClient(t, err)
		_, _, err = is.VerifyCardToken("m", g)
		wantInvalidCard(t, err)
	}
}

func FuzzVerifyClientAuthToken(f *testing.F) {
	is, _ := newIssuer()
	good, _ := is.ClientAuthToken(Scope{MerchantID: "acme", OrderID: "o1"}, time.Hour)
	card := is.CardToken("acme", "cst_1", ref, time.Hour)
	for _, s := range []string{good, card, "", "tkn_", "tkn_AAAA", good[:len(good)-1], good + "A", "tkn_" + strings.Repeat("_", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		s, err := is.VerifyClientAuthToken(tok)
		if err != nil {
			if coft.ErrorCode(err) != coft.EUNAUTHORIZED {
				t.Fatalf("err = %v", err)
			}
			return
		}
		// Only the genuine token verifies: forging one would need the key.
		if tok != good || s != (Scope{MerchantID: "acme", OrderID: "o1"}) {
			t.Fatalf("%q verified as %+v", tok, s)
		}
	})
}

func FuzzVerifyCardToken(f *testing.F) {
	is, _ := newIssuer()
	good := is.CardToken("acme", "cst_1", ref, time.Hour)
	client, _ := is.ClientAuthToken(Scope{MerchantID: "acme", OrderID: "o1"}, time.Hour)
	for _, s := range []string{good, client, "", "tkn_", good[:len(good)-2]} {
		f.Add("acme", s)
	}
	f.Fuzz(func(t *testing.T, merchant, tok string) {
		c, r, err := is.VerifyCardToken(merchant, tok)
		if err != nil {
			if coft.ErrorCode(err) != coft.EINVALID || coft.ErrorField(err) != "card_token" {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if tok != good || merchant != "acme" || c != "cst_1" || r != ref {
			t.Fatalf("(%q, %q) verified as (%q, %q)", merchant, tok, c, r)
		}
	})
}

func BenchmarkClientAuthToken(b *testing.B) {
	is := New(testKey, nil)
	s := Scope{MerchantID: "acme", OrderID: "ord1234567890"}
	b.ReportAllocs()
	for b.Loop() {
		is.ClientAuthToken(s, 15*time.Minute)
	}
}

func BenchmarkVerifyClientAuthToken(b *testing.B) {
	is := New(testKey, nil)
	tok, _ := is.ClientAuthToken(Scope{MerchantID: "acme", OrderID: "ord1234567890"}, 15*time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := is.VerifyClientAuthToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCardToken(b *testing.B) {
	is := New(testKey, nil)
	b.ReportAllocs()
	for b.Loop() {
		is.CardToken("acme", "cst_1234567890abcdef", ref, 15*time.Minute)
	}
}

func BenchmarkVerifyCardToken(b *testing.B) {
	is := New(testKey, nil)
	tok := is.CardToken("acme", "cst_1234567890abcdef", ref, 15*time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := is.VerifyCardToken("acme", tok); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFormToken(t *testing.T) {
	is := New(bytes.Repeat([]byte{7}, 32), nil)
	served := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	const uuid = "0123456789abcdef0123456789abcdef"
	tok := is.FormToken("m1", uuid, served)
	if at, ok := is.VerifyFormToken("m1", uuid, tok); !ok || !at.Equal(served) {
		t.Fatalf("own token: %v %v", at, ok)
	}
	ts, mac, _ := strings.Cut(tok, ".")
	later := is.FormToken("m1", uuid, served.Add(time.Hour))
	laterTS, _, _ := strings.Cut(later, ".")
	for _, tc := range [][3]string{
		{"m2", uuid, tok},
		{"m1", "0123456789abcdef0123456789abcdee", tok},
		{"m1", uuid, tok[:len(tok)-1]},
		{"m1", uuid, ""},
		{"m1", uuid, tok + "A"},
		{"m1", uuid, laterTS + "." + mac}, // a changed time
		{"m1", uuid, ts},
	} {
		if _, ok := is.VerifyFormToken(tc[0], tc[1], tc[2]); ok {
			t.Errorf("token accepted for %q %q %q", tc[0], tc[1], tc[2])
		}
	}
	other := New(bytes.Repeat([]byte{8}, 32), nil)
	if _, ok := other.VerifyFormToken("m1", uuid, tok); ok {
		t.Fatal("token of another key accepted")
	}
	h1, b1 := is.SessionKeys()
	if len(h1) != 32 || len(b1) != 32 || bytes.Equal(h1, b1) {
		t.Fatal("session keys")
	}
}
