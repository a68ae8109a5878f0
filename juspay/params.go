package juspay

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/coftkit/coft"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// Params are a request's input: the query string merged with a
// form-encoded or JSON body (body values win). JSON objects are flattened
// to the dotted keys the form encoding uses ({"options":{"a":true}} →
// "options.a" = "true").
type Params map[string]string

// Fields declares the keys an endpoint accepts: exact names, and prefixes
// ending in "." or "_" (e.g. "metadata.", "billing_address_").
type Fields []string

// commonFields are accepted everywhere: merchants' clients send them
// with every call.
var commonFields = Fields{"merchant_id", "format", "version", "client_auth_token"}

func (f Fields) Allows(key string) bool {
	for _, a := range f {
		if a == key || (strings.HasSuffix(a, ".") || strings.HasSuffix(a, "_")) && strings.HasPrefix(key, a) && len(key) > len(a) {
			return true
		}
	}
	return false
}

// ReadParams decodes the request's input and refuses keys that allowed
// does not name, so a misspelt field is reported instead of ignored.
func ReadParams(w http.ResponseWriter, r *http.Request, allowed Fields) (Params, error) {
	p := Params{}
	for k, vs := range r.URL.Query() {
		p[k] = vs[0]
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if err := readBody(w, r, p); err != nil {
			return nil, err
		}
	}
	for k := range p {
		if !allowed.Allows(k) && !commonFields.Allows(k) {
			k = SafeKey(k)
			return nil, coft.FieldError(coft.EINVALID, k, "%s is not a known field.", k)
		}
	}
	return p, nil
}

func readBody(w http.ResponseWriter, r *http.Request, p Params) error {
	body, err := ReadAllBody(w, r)
	if err != nil {
		return err
	}
	return DecodeBody(r, body, p)
}

// ReadAllBody reads the request's body, at most MaxBodyBytes of it: a
// larger one is 413.
func ReadAllBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &StatusError{http.StatusRequestEntityTooLarge, coft.Errorf(coft.EINVALID, "Request body is larger than %d bytes.", MaxBodyBytes)}
		}
		return nil, coft.Errorf(coft.EINVALID, "Request body could not be read.")
	}
	return body, nil
}

// DecodeBody decodes a form-encoded or JSON body into p.
func DecodeBody(r *http.Request, body []byte, p Params) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		mt = "invalid" // refused below, rather than read as a form
	}
	switch mt {
	case "application/x-www-form-urlencoded", "":
		vs, err := url.ParseQuery(string(body))
		if err != nil {
			return coft.Errorf(coft.EINVALID, "Request body is not valid form encoding.")
		}
		for k, v := range vs {
			p[k] = v[0]
		}
		return nil
	case "application/json":
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || dec.More() {
			return coft.Errorf(coft.EINVALID, "Request body is not a valid JSON object.")
		}
		return flatten(p, "", obj)
	default:
		return &StatusError{http.StatusUnsupportedMediaType,
			coft.FieldError(coft.EINVALID, "Content-Type", "Content-Type must be application/x-www-form-urlencoded or application/json.")}
	}
}

// SafeKey is a client's field name as an error may repeat it: not when it
// could hold a card number (12 digits or more, spaces and dashes aside),
// which would then be sent back and kept in the client's logs.
func SafeKey(k string) string {
	digits := 0
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case '0' <= c && c <= '9':
			if digits++; digits >= 12 {
				return "(a field name with a long run of digits)"
			}
		case c != ' ' && c != '-':
			digits = 0
		}
	}
	return k
}

func flatten(p Params, prefix string, obj map[string]any) error {
	for k, v := range obj {
		key := prefix + k
		switch v := v.(type) {
		case nil:
			// null is the same as absent.
		case string:
			p[key] = v
		case bool:
			if v {
				p[key] = "true"
			} else {
				p[key] = "false"
			}
		case json.Number:
			p[key] = v.String()
		case map[string]any:
			if err := flatten(p, key+".", v); err != nil {
				return err
			}
		case []any:
			// Kept as its JSON text, as form-encoded clients send such
			// fields (mutual_fund_details, payment_filter options, …).
			b, err := json.Marshal(v)
			if err != nil {
				return coft.Invalid(SafeKey(key), "%s could not be read.", SafeKey(key))
			}
			p[key] = string(b)
		}
	}
	return nil
}

// bool reads a boolean field: absent or empty is nil; "true"/"false" (any
// case) and "1"/"0" (what PHP's http_build_query makes of booleans) are the
// accepted values.
func (p Params) Bool(key string) (*bool, error) {
	v, ok := p[key]
	if !ok || v == "" {
		return nil, nil
	}
	switch strings.ToLower(v) {
	case "true", "1":
		t := true
		return &t, nil
	case "false", "0":
		f := false
		return &f, nil
	}
	return nil, coft.Invalid(key, "%s must be true or false.", key)
}

// flag reads a boolean field that defaults to false.
func (p Params) Flag(key string) (bool, error) {
	b, err := p.Bool(key)
	return b != nil && *b, err
}

// WithPrefix returns the fields under prefix, with the prefix removed.
func (p Params) WithPrefix(prefix string) map[string]string {
	var m map[string]string
	for k, v := range p {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[rest] = v
		}
	}
	return m
}
