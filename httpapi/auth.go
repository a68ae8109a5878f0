package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/juspay"
)

// auth is who a request acts for: a merchant, through its API key, or a
// browser holding a client_auth_token scoped to one order or customer.
type auth struct {
	merchant *coft.Merchant
	// client is set when the request came with a client_auth_token.
	client *authtoken.Scope
	// jwe is set when the request came encrypted and signed (JWE+JWS).
	jwe *jweSession
	// anonymous is set when the caller sent no credentials, only a
	// merchant_id (publicAllowed routes). The merchant may not exist:
	// merchant is then one with nothing enabled, so that the answer is
	// the same as a real merchant's with no eligibility.
	anonymous bool
}

// authFrom returns the request's auth, set by authenticate.
func authFrom(ctx context.Context) *auth {
	a, _ := ctx.Value(authKey).(*auth)
	return a
}

// Who may call an endpoint.
type access int

const (
	merchantOnly  access = iota // the API key
	clientAllowed               // the API key or a client_auth_token
	publicAllowed               // also anonymous, with a merchant_id parameter
)

// authenticate resolves the caller and puts its auth in the context.
func (s *Server) authenticate(level access, next http.Handler) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.resolveAuth(w, r, level)
		if err != nil {
			if coft.ErrorCode(err) == coft.EUNAUTHORIZED && r.Header.Get("Authorization") == "" {
				w.Header().Set("WWW-Authenticate", `Basic realm="merchant API key"`)
			}
			return err
		}
		if ri := infoFrom(r.Context()); ri != nil && !a.anonymous {
			ri.merchantID = a.merchant.ID
		}
		r = r.WithContext(context.WithValue(r.Context(), authKey, a))
		if a.jwe != nil {
			sw := &sealingWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			sw.finish(r, a.jwe)
			return nil
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

func (s *Server) resolveAuth(w http.ResponseWriter, r *http.Request, level access) (*auth, error) {
	ctx := r.Context()
	// The merchant is known from the key id of an encrypted body, the API
	// key, or both (Juspay's documented form sends both: they must agree).
	var jwe *jweSession
	var merchant *coft.Merchant
	if acceptsJWE(r) {
		var err error
		if jwe, merchant, err = s.openJWE(w, r); err != nil {
			return nil, err
		}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := basicKey(h)
		if !ok {
			return nil, coft.Errorf(coft.EUNAUTHORIZED, "Authorization must be Basic with the API key as username.")
		}
		m, err := s.findMerchantByKeyHash(ctx, coft.HashAPIKey(key))
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			return nil, coft.Errorf(coft.EUNAUTHORIZED, "Invalid Authentication")
		} else if err != nil {
			return nil, err
		}
		if merchant != nil && merchant.ID != m.ID {
			return nil, coft.Errorf(coft.EUNAUTHORIZED, "The API key and the key id belong to different merchants.")
		}
		merchant = m
	}
	if merchant != nil {
		if id := r.Header.Get("x-merchantid"); id != "" && id != merchant.ID {
			return nil, coft.FieldError(coft.EFORBIDDEN, "x-merchantid", "x-merchantid does not match the API key's merchant.")
		}
		return &auth{merchant: merchant, jwe: jwe}, nil
	}
	if level >= clientAllowed {
		if tok := clientToken(r); tok != "" {
			scope, err := s.cfg.Tokens.VerifyClientAuthToken(tok)
			if err != nil {
				return nil, err
			}
			m, err := s.findMerchantByID(ctx, scope.MerchantID)
			if err != nil {
				return nil, coft.Errorf(coft.EUNAUTHORIZED, "Invalid client_auth_token.")
			}
			return &auth{merchant: m, client: &scope}, nil
		}
	}
	if level >= publicAllowed {
		if id := r.URL.Query().Get("merchant_id"); id != "" {
			// An unknown merchant is answered as one that has nothing
			// enabled: whether a merchant exists is not told to anyone.
			m, err := s.findMerchantByID(ctx, id)
			if coft.ErrorCode(err) == coft.ENOTFOUND {
				m = &coft.Merchant{ID: id}
			} else if err != nil {
				return nil, err
			}
			return &auth{merchant: m, anonymous: true}, nil
		}
	}
	return nil, coft.Errorf(coft.EUNAUTHORIZED, "Authentication required: Basic auth with the API key.")
}

// basicKey reads the API key from an Authorization header of the Basic
// scheme. Clients send it in two forms: base64(key + ":") (curl -u KEY:,
// most HTTP libraries) and base64(key) with no colon (Juspay's Node SDK).
// With a colon the key is the username and the password is not read.
func basicKey(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", false
	}
	key, _, _ := strings.Cut(string(raw), ":")
	return key, key != ""
}

// clientToken finds a client_auth_token in the x-client-auth-token
// header, the query string or a POST body (which is put back for the
// handler to read).
func clientToken(r *http.Request) string {
	if t := r.Header.Get("x-client-auth-token"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("client_auth_token"); t != "" {
		return strings.TrimSpace(t)
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, juspay.MaxBodyBytes+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil {
		return ""
	}
	p := juspay.Params{}
	if juspay.DecodeBody(r, body, p) != nil {
		return ""
	}
	return strings.TrimSpace(p["client_auth_token"])
}
