package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/jweauth"
)

// jweSession is how a request came encrypted, so that its answer goes
// back the same way.
type jweSession struct {
	key  *jweauth.Key
	form jweauth.Form
}

// acceptsJWE reports whether a request may authenticate with JWE+JWS:
// posts to the /v4 routes, as Juspay serves them.
func acceptsJWE(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v4/")
}

// openJWE authenticates an encrypted request: the body's kid names a live
// key, the body decrypts with the service's key of that kid and is signed
// with the merchant's. The decrypted JSON replaces the body. It returns
// nil, nil when the body is not encrypted.
func (s *Server) openJWE(w http.ResponseWriter, r *http.Request) (*jweSession, *coft.Merchant, error) {
	body, err := juspay.ReadAllBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !jweauth.IsJWE(body) {
		return nil, nil, nil
	}
	req, err := jweauth.Parse(body)
	if err != nil {
		return nil, nil, coft.Errorf(coft.EUNAUTHORIZED, "The encrypted request is malformed: %s.", strings.TrimPrefix(err.Error(), "jweauth: "))
	}
	key, err := s.findJWEKey(r.Context(), req.KeyID())
	if err != nil {
		return nil, nil, err
	}
	payload, err := req.Open(key.Service, key.Merchant)
	if err != nil {
		return nil, nil, coft.Errorf(coft.EUNAUTHORIZED, "The encrypted request was refused: %s.", strings.TrimPrefix(err.Error(), "jweauth: "))
	}
	m, err := s.findMerchantByID(r.Context(), key.MerchantID)
	if err != nil {
		return nil, nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(payload))
	r.ContentLength = int64(len(payload))
	r.Header.Set("Content-Type", "application/json")
	return &jweSession{key: key, form: req.Form()}, m, nil
}

// findJWEKey returns a live key by id, from memory for MerchantCacheTTL
// (so a revocation takes effect everywhere within it).
func (s *Server) findJWEKey(ctx context.Context, id string) (*jweauth.Key, error) {
	now := s.cfg.Now()
	if v, ok := s.jweKeys.Load(id); ok && now.Before(v.(cachedJWEKey).exp) {
		return v.(cachedJWEKey).key, nil
	}
	k, err := s.cfg.Store.FindJWTKey(ctx, id)
	if coft.ErrorCode(err) == coft.ENOTFOUND || err == nil && k.Revoked() {
		s.jweKeys.Delete(id)
		return nil, coft.Errorf(coft.EUNAUTHORIZED, "Unknown or revoked key id.")
	} else if err != nil {
		return nil, err
	}
	key, err := jweauth.OpenKey(k, s.cfg.Locker)
	if err != nil {
		return nil, err
	}
	if s.cfg.MerchantCacheTTL > 0 {
		s.jweKeys.Store(id, cachedJWEKey{key, now.Add(s.cfg.MerchantCacheTTL)})
	}
	return key, nil
}

type cachedJWEKey struct {
	key *jweauth.Key
	exp time.Time
}

// sealingWriter holds an answer back so that a successful one can be
// signed and encrypted to the merchant. Errors go out as they are, plain
// JSON with their status, as Juspay's clients expect.
type sealingWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (sw *sealingWriter) WriteHeader(status int) {
	if sw.status == 0 {
		sw.status = status
	}
}

func (sw *sealingWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.buf.Write(p)
}

// finish writes the held answer, sealed when it is a success.
func (sw *sealingWriter) finish(r *http.Request, js *jweSession) {
	w, body := sw.ResponseWriter, sw.buf.Bytes()
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	if sw.status >= 200 && sw.status < 300 && len(body) > 0 {
		sealed, err := jweauth.Seal(bytes.TrimSpace(body), js.form, js.key.ID, js.key.Service, js.key.Merchant)
		if err != nil {
			writeError(w, r, err)
			return
		}
		body = sealed
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(sw.status)
	w.Write(body)
}
