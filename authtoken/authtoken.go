// Package authtoken issues and verifies the service's short-lived capability
// tokens: Juspay's client_auth_token, which a browser presents instead of an
// API key, and card_token, a short-lived handle for a saved card.
//
// Tokens are stateless and tamper-proof: the claims travel in the token,
// authenticated by HMAC-SHA256 under the locker's signing key, so any server
// instance that shares the key verifies any other's tokens without reading a
// database. A token cannot be revoked before it expires; keep lifetimes short.
//
// A token is "tkn_" and the unpadded base64url encoding of a payload (a
// version byte, a kind byte, the expiry in Unix seconds and the claims) and
// the first 16 bytes of its HMAC. Each kind of token is signed with its own
// key derived from the signing key, and a card token's MAC also covers the
// merchant it was issued to. Callers must treat tokens as opaque; note that
// they are signed, not encrypted: whoever holds one can decode its claims.
package authtoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// Prefix starts every token.
const Prefix = "tkn_"

// MinKeySize is the minimum size of the signing key.
const MinKeySize = 32

// MaxTokenLen is the length beyond which a token is rejected unread.
const MaxTokenLen = 2048

const (
	version = 1
	macSize = 16 // truncated HMAC-SHA256: 128 bits

	kindClientAuth = 1
	kindCard       = 2

	// Card reference encodings in a card token.
	refPacked = 0 // 16 bytes: the reference was 32 lowercase hex digits
	refString = 1 // length-prefixed string: any other reference
)

var b64 = base64.RawURLEncoding.Strict()

// Issuer issues and verifies tokens under one signing key. It is safe for
// concurrent use.
type Issuer struct {
	// One key per kind of token, derived from the signing key, so that a
	// token of one kind can never verify as another.
	clientKey, cardKey, formKey, sessionKey []byte
	now                                     func() time.Time
}

// New returns an Issuer that signs with key (the locker's signing key, at
// least 32 bytes) and reads the time from now (nil means time.Now). It
// panics if the key is shorter: a short or empty key would let anyone forge
// tokens, and is a configuration error that must not go unnoticed.
func New(key []byte, now func() time.Time) *Issuer {
	if len(key) < MinKeySize {
		panic("authtoken: the signing key must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	return &Issuer{
		clientKey:  derive(key, "coft authtoken client_auth_token"),
		cardKey:    derive(key, "coft authtoken card_token"),
		formKey:    derive(key, "coft authtoken form_token"),
		sessionKey: derive(key, "coft authtoken session"),
		now:        now,
	}
}

func derive(key []byte, label string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	return h.Sum(nil)
}

// Scope is what a client auth token grants: access, on behalf of one
// merchant, to one order (OrderID, the merchant's order_id) or to one
// customer (CustomerID, a cst_… id). Exactly one of OrderID and CustomerID
// is set.
type Scope struct {
	MerchantID string
	OrderID    string
	CustomerID string
}

// ClientAuthToken returns a client auth token for the scope that expires
// after ttl, and its expiry (whole seconds). It panics if the scope has no
// merchant or does not name exactly one of an order and a customer: that is
// a programming error.
func (is *Issuer) ClientAuthToken(s Scope, ttl time.Duration) (token string, expiry time.Time) {
	if s.MerchantID == "" || (s.OrderID == "") == (s.CustomerID == "") {
		panic("authtoken: a client auth token Scope needs a MerchantID and exactly one of OrderID and CustomerID")
	}
	exp := is.now().Add(ttl).Unix()
	p := make([]byte, 0, 10+3+len(s.MerchantID)+len(s.OrderID)+len(s.CustomerID)+macSize)
	p = append(p, version, kindClientAuth)
	p = binary.BigEndian.AppendUint64(p, uint64(exp))
	p = appendString(p, s.MerchantID)
	p = appendString(p, s.OrderID)
	p = appendString(p, s.CustomerID)
	return seal(is.clientKey, p, nil), time.Unix(exp, 0)
}

// VerifyClientAuthToken returns the scope of a client auth token issued by
// an Issuer with the same key. A token that is malformed, altered or of
// another kind is EUNAUTHORIZED "Invalid client_auth_token."; an expired
// one is EUNAUTHORIZED "client_auth_token has expired.".
func (is *Issuer) VerifyClientAuthToken(token string) (Scope, error) {
	invalid := coft.Errorf(coft.EUNAUTHORIZED, "Invalid client_auth_token.")
	p, ok := open(is.clientKey, token, nil)
	if !ok {
		return Scope{}, invalid
	}
	r := reader{b: p}
	exp, ok := r.header(kindClientAuth)
	var s Scope
	s.MerchantID, ok = r.str(ok)
	s.OrderID, ok = r.str(ok)
	s.CustomerID, ok = r.str(ok)
	if !ok || !r.done() || s.MerchantID == "" || (s.OrderID == "") == (s.CustomerID == "") {
		return Scope{}, invalid
	}
	if !is.now().Before(time.Unix(exp, 0)) {
		return Scope{}, coft.Errorf(coft.EUNAUTHORIZED, "client_auth_token has expired.")
	}
	return s, nil
}

// CardToken returns a card token for the saved card cardReference of the
// customer customerID of merchant merchantID, which expires after ttl. The
// token is bound to the merchant: it verifies only for the same merchant.
func (is *Issuer) CardToken(merchantID, customerID, cardReference string, ttl time.Duration) string {
	exp := is.now().Add(ttl).Unix()
	p := make([]byte, 0, 10+4+len(customerID)+len(cardReference)+macSize)
	p = append(p, version, kindCard)
	p = binary.BigEndian.AppendUint64(p, uint64(exp))
	p = appendString(p, customerID)
	if packed, ok := packReference(cardReference); ok {
		p = append(p, refPacked)
		p = append(p, packed[:]...)
	} else {
		p = append(p, refString)
		p = appendString(p, cardReference)
	}
	return seal(is.cardKey, p, []byte(merchantID))
}

// VerifyCardToken returns the customer and card reference of a card token
// issued for merchantID by an Issuer with the same key. A token that is
// malformed, altered, of another kind or of another merchant is EINVALID
// (field card_token) "card_token is invalid."; an expired one is EINVALID
// "card_token has expired; list the customer's cards again.".
func (is *Issuer) VerifyCardToken(merchantID, token string) (customerID, cardReference string, err error) {
	invalid := coft.FieldError(coft.EINVALID, "card_token", "card_token is invalid.")
	p, ok := open(is.cardKey, token, []byte(merchantID))
	if !ok {
		return "", "", invalid
	}
	r := reader{b: p}
	exp, ok := r.header(kindCard)
	customerID, ok = r.str(ok)
	var enc byte
	enc, ok = r.byte(ok)
	switch {
	case !ok:
	case enc == refPacked:
		var b []byte
		b, ok = r.bytes(ok, 16)
		cardReference = hex.EncodeToString(b)
	case enc == refString:
		cardReference, ok = r.str(ok)
	default:
		ok = false
	}
	if !ok || !r.done() {
		return "", "", invalid
	}
	if !is.now().Before(time.Unix(exp, 0)) {
		return "", "", coft.FieldError(coft.EINVALID, "card_token", "card_token has expired; list the customer's cards again.")
	}
	return customerID, cardReference, nil
}

// seal returns Prefix + base64url(payload || MAC(key, bound || payload)).
// payload must have room for the MAC.
func seal(key, payload, bound []byte) string {
	m := mac(key, bound, payload)
	return Prefix + b64.EncodeToString(append(payload, m[:macSize]...))
}

// open decodes a token and checks its MAC, returning the payload.
func open(key []byte, token string, bound []byte) ([]byte, bool) {
	if len(token) > MaxTokenLen || len(token) < len(Prefix) || token[:len(Prefix)] != Prefix {
		return nil, false
	}
	enc := token[len(Prefix):]
	// The base64 decoder skips \r and \n; allow nothing but the alphabet,
	// so that a token has exactly one spelling.
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, false
		}
	}
	raw, err := b64.DecodeString(enc)
	if err != nil || len(raw) < 2+macSize {
		return nil, false
	}
	payload, tag := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	m := mac(key, bound, payload)
	if !hmac.Equal(tag, m[:macSize]) {
		return nil, false
	}
	return payload, true
}

// mac is HMAC-SHA256(key, len(bound) || bound || payload): the length
// prefix keeps the boundary between bound and payload unambiguous.
func mac(key, bound, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(bound)))])
	h.Write(bound)
	h.Write(payload)
	return h.Sum(nil)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// packReference returns the 16 bytes of a reference of 32 lowercase hex
// digits, which is what the service issues.
func packReference(ref string) (b [16]byte, ok bool) {
	if len(ref) != 32 {
		return b, false
	}
	for i := 0; i < len(ref); i++ {
		if c := ref[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return b, false
		}
	}
	hex.Decode(b[:], []byte(ref))
	return b, true
}

// reader parses a payload. Each method takes and returns ok so that a
// sequence of reads can be checked once at the end.
type reader struct{ b []byte }

func (r *reader) header(kind byte) (exp int64, ok bool) {
	if len(r.b) < 10 || r.b[0] != version || r.b[1] != kind {
		return 0, false
	}
	exp = int64(binary.BigEndian.Uint64(r.b[2:10]))
	r.b = r.b[10:]
	return exp, true
}

func (r *reader) byte(ok bool) (byte, bool) {
	if !ok || len(r.b) < 1 {
		return 0, false
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, true
}

func (r *reader) bytes(ok bool, n int) ([]byte, bool) {
	if !ok || len(r.b) < n {
		return nil, false
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b, true
}

func (r *reader) str(ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		return "", false
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s, true
}

func (r *reader) done() bool { return len(r.b) == 0 }

// FormToken returns the token a payment page's forms carry: it binds the
// form to one transaction of one merchant and records, authenticated, when
// the page was served. It does not expire: the transaction's own state
// decides what a post may still do.
func (is *Issuer) FormToken(merchantID, txnUUID string, served time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(served.Unix()))
	return b64.EncodeToString(ts[:]) + "." + b64.EncodeToString(is.formMAC(merchantID, txnUUID, ts[:]))
}

// VerifyFormToken checks a form token of the transaction and returns when
// its page was served.
func (is *Issuer) VerifyFormToken(merchantID, txnUUID, token string) (served time.Time, ok bool) {
	tsPart, macPart, found := strings.Cut(token, ".")
	ts, err1 := b64.DecodeString(tsPart)
	got, err2 := b64.DecodeString(macPart)
	if !found || err1 != nil || err2 != nil || len(ts) != 8 || !hmac.Equal(got, is.formMAC(merchantID, txnUUID, ts)) {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(ts)), 0), true
}

func (is *Issuer) formMAC(merchantID, txnUUID string, ts []byte) []byte {
	var bound []byte
	bound = appendString(bound, merchantID)
	bound = appendString(bound, txnUUID)
	return mac(is.formKey, bound, ts)[:macSize]
}

// SessionKeys returns the authentication and encryption keys of the
// browser session cookie, derived from the signing key so that every
// instance sharing it reads every other's cookies.
func (is *Issuer) SessionKeys() (hashKey, blockKey []byte) {
	return derive(is.sessionKey, "hash"), derive(is.sessionKey, "block")
}
