package console

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/jweauth"
)

// RotateAPIKey serves POST /console/{merchant_id}/settings/api-key: a new
// API key, shown on this answer only (only its hash is stored); the old
// key is refused from now on, here at once (the API's cache is told) and
// by other instances within their cache's time.
func (s *Server) RotateAPIKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	key := coft.NewAPIKey()
	m, err := s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
		c.entries = append(c.entries, &coft.AuditEntry{MerchantID: m.ID, Actor: v.actor(), Setting: "api_key",
			Old: coft.Redacted, New: coft.Redacted})
		m.APIKeyHash = coft.HashAPIKey(key)
	})
	if err != nil {
		return err
	}
	sv, err := s.settingsView(r.Context(), v, m)
	if err != nil {
		return err
	}
	sv.NewAPIKey = key
	s.render(w, r, http.StatusOK, components.ConsoleSettings(v.frame("settings", "Settings"), sv))
	return nil
}

// JWTKeys serves GET /console/{merchant_id}/settings/jwt-keys: the
// merchant's JWT key ids, live and revoked.
func (s *Server) JWTKeys(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	return s.renderJWTKeys(w, r, v, http.StatusOK, components.JWTKeysView{}, q.Get("uploaded"), q.Get("revoked"))
}

// renderJWTKeys shows the key ids, with a notice when one was just
// uploaded or revoked (named by the redirect's query: only a key of the
// merchant's is ever named in it).
func (s *Server) renderJWTKeys(w http.ResponseWriter, r *http.Request, v *viewer, status int, kv components.JWTKeysView, uploaded, revoked string) error {
	ks, err := s.cfg.Store.ListJWTKeys(r.Context(), v.merchant.ID)
	if err != nil {
		return err
	}
	for _, k := range ks {
		switch k.ID {
		case uploaded:
			kv.Notice = "Your public key is registered as " + k.ID + "."
		case revoked:
			kv.Notice = k.ID + " is revoked: calls signed with it are refused."
		}
		row := components.JWTKeyRow{ID: k.ID, Created: k.CreatedAt.In(india).Format("2 Jan 2006, 15:04"), ServicePublicKey: k.ServicePublicKey}
		if k.Revoked() {
			row.Revoked = k.RevokedAt.In(india).Format("2 Jan 2006, 15:04")
		}
		kv.Keys = append(kv.Keys, row)
	}
	kv.Can, kv.CanIssue = v.can(coft.PermKeys), s.cfg.Locker != nil
	if kv.Errors == nil {
		kv.Errors = components.FieldErrors{}
	}
	s.render(w, r, status, components.ConsoleJWTKeys(v.frame("settings", "JWT keys"), kv))
	return nil
}

// issueJWTKey stores a new key id of the merchant (publicPEM "": a key
// pair made here) with its audit entry.
func (s *Server) issueJWTKey(r *http.Request, v *viewer, publicPEM, how string) (*coft.JWTKey, string, error) {
	if s.cfg.Locker == nil {
		return nil, "", coft.Errorf(coft.ENOTFOUND, "This service cannot issue keys here (it has no key locker).")
	}
	k, private, err := jweauth.Issue(v.merchant.ID, publicPEM, s.cfg.Locker)
	if err != nil {
		return nil, "", err
	}
	if err := s.cfg.Store.CreateJWTKey(r.Context(), k); err != nil {
		return nil, "", err
	}
	// The key is written first: an entry for a key that failed to be
	// stored would record a change that never was.
	if err := s.cfg.Store.RecordAudit(r.Context(), &coft.AuditEntry{MerchantID: v.merchant.ID, Actor: v.actor(),
		Setting: "jwt_key", New: k.ID + ", " + how}); err != nil {
		return nil, "", err
	}
	s.cfg.MerchantChanged(v.merchant.ID)
	return k, private, nil
}

// GenerateJWTKey serves POST /console/{merchant_id}/settings/jwt-keys/generate:
// a key pair made here; its private key is on this answer only, never
// kept.
func (s *Server) GenerateJWTKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	k, private, err := s.issueJWTKey(r, v, "", "key pair generated here")
	if err != nil {
		return err
	}
	return s.renderJWTKeys(w, r, v, http.StatusOK, components.JWTKeysView{
		Issued: &components.IssuedKey{ID: k.ID, PrivateKey: private, ServicePublicKey: k.ServicePublicKey}}, "", "")
}

// maxPEM bounds an uploaded public key (a 16384-bit RSA key's PEM is
// about 2,900 characters; a certificate more).
const maxPEM = 16 << 10

// UploadJWTKey serves POST /console/{merchant_id}/settings/jwt-keys/upload:
// the merchant's own RSA public key (PEM, 2048 bits or more) gets a key id.
func (s *Server) UploadJWTKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	pem := r.PostFormValue("public_key")
	var err error
	switch {
	case strings.TrimSpace(pem) == "":
		err = coft.FieldError(coft.EMISSING, "public_key", "The public key is required.")
	case len(pem) > maxPEM:
		err = coft.FieldError(coft.ERANGE, "public_key", "The public key is longer than any RSA public key: at most %d characters.", maxPEM)
	}
	var k *coft.JWTKey
	if err == nil {
		k, _, err = s.issueJWTKey(r, v, pem, "public key uploaded")
	}
	if err != nil {
		if coft.ErrorField(err) == "" {
			return err
		}
		_, status := statusOf(err)
		return s.renderJWTKeys(w, r, v, status, components.JWTKeysView{PublicKey: pem,
			Errors: components.FieldErrors{"public_key": coft.ErrorMessage(err)}}, "", "")
	}
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/settings/jwt-keys?uploaded="+k.ID, http.StatusSeeOther)
	return nil
}

// RevokeJWTKey serves POST /console/{merchant_id}/settings/jwt-keys/revoke:
// the key id is refused from now on (here at once: the API's cache is
// told). Another merchant's key id is not found.
func (s *Server) RevokeJWTKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id := r.PostFormValue("key_id")
	k, err := s.cfg.Store.FindJWTKey(r.Context(), id)
	if err == nil && k.MerchantID != v.merchant.ID {
		err = coft.Errorf(coft.ENOTFOUND, "There is no such key.")
	}
	if err != nil {
		return err
	}
	if !k.Revoked() {
		if err := s.cfg.Store.RevokeJWTKey(r.Context(), v.merchant.ID, id, s.cfg.Now()); err != nil {
			return err
		}
		if err := s.cfg.Store.RecordAudit(r.Context(), &coft.AuditEntry{MerchantID: v.merchant.ID, Actor: v.actor(),
			Setting: "jwt_key", Old: id + ", live", New: id + ", revoked"}); err != nil {
			return err
		}
		s.cfg.MerchantChanged(v.merchant.ID)
	}
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/settings/jwt-keys?revoked="+id, http.StatusSeeOther)
	return nil
}
