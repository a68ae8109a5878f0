package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/webhook"
)

// The settings' pages: the general page (webhooks, origins, hosted
// consent and sign-in, the API key), the brand with its previews, JWT
// keys, network onboarding and the audit log. Every change is written with
// its audit entries (UpdateMerchantAudited, or RecordAudit for what is
// kept outside the merchant), then the API's caches are told.
func (s *Server) settingsRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/settings", s.Settings),
		s.post("/console/{merchant_id}/settings/webhooks", coft.PermWebhooks, s.SaveWebhooks),
		s.post("/console/{merchant_id}/settings/webhooks/test", coft.PermWebhooks, s.TestWebhook),
		s.post("/console/{merchant_id}/settings/origins", coft.PermOrigins, s.SaveOrigins),
		s.post("/console/{merchant_id}/settings/consent", coft.PermConsent, s.SaveHostedConsent),
		s.post("/console/{merchant_id}/settings/security", coft.PermSecurity, s.SaveRequireTOTP),
		s.post("/console/{merchant_id}/settings/api-key", coft.PermKeys, s.RotateAPIKey),
		s.get("/console/{merchant_id}/settings/brand", s.Brand),
		s.get("/console/{merchant_id}/settings/brand/preview", s.BrandPreview),
		s.post("/console/{merchant_id}/settings/brand", coft.PermBrand, s.SaveBrand),
		s.get("/console/{merchant_id}/settings/jwt-keys", s.JWTKeys),
		s.post("/console/{merchant_id}/settings/jwt-keys/generate", coft.PermKeys, s.GenerateJWTKey),
		s.post("/console/{merchant_id}/settings/jwt-keys/upload", coft.PermKeys, s.UploadJWTKey),
		s.post("/console/{merchant_id}/settings/jwt-keys/revoke", coft.PermKeys, s.RevokeJWTKey),
		s.get("/console/{merchant_id}/settings/onboarding", s.Onboarding),
		s.post("/console/{merchant_id}/settings/onboarding", coft.PermOnboarding, s.Onboard),
		s.get("/console/{merchant_id}/settings/audit", s.Audit),
	}
}

// Limits of what the settings' pages show.
const (
	recentChanges = 10  // on the general page
	auditLimit    = 200 // on the audit log's page
)

// settingLabels names the audit log's settings in plain words.
var settingLabels = map[string]string{
	"webhook_url": "Webhook URL", "webhook_username": "Webhook username", "webhook_password": "Webhook password",
	"return_origins": "Return origins", "frame_origins": "Frame origins", "brand_color": "Brand colour",
	"logo_url": "Logo", "hosted_consent": "Hosted consent", "require_totp": "Authenticator required",
	"api_key": "API key", "jwt_key": "JWT key", "onboarding": "Network onboarding",
}

// Settings serves GET /console/{merchant_id}/settings.
func (s *Server) Settings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	sv, err := s.settingsView(r.Context(), v, v.merchant)
	if err != nil {
		return err
	}
	switch sv.Saved = r.URL.Query().Get("saved"); sv.Saved {
	case "webhooks":
		sv.Notice = "The webhook settings are saved."
	case "origins":
		sv.Notice = "The origins are saved."
	case "consent":
		sv.Notice = "Hosted consent is saved."
	case "security":
		sv.Notice = "The sign-in rule is saved."
	}
	s.render(w, r, http.StatusOK, components.ConsoleSettings(v.frame("settings", "Settings"), sv))
	return nil
}

// settingsView is the general page showing m's settings.
func (s *Server) settingsView(ctx context.Context, v *viewer, m *coft.Merchant) (components.SettingsView, error) {
	sv := components.SettingsView{Errors: components.FieldErrors{},
		WebhookURL: m.WebhookURL, WebhookUsername: m.WebhookUsername, HasPassword: m.WebhookPassword != "",
		Production: s.cfg.Production, CanWebhooks: v.can(coft.PermWebhooks),
		Testable:      s.cfg.Webhooks != nil && m.WebhookURL != "",
		ReturnOrigins: strings.Join(m.ReturnOrigins, "\n"), FrameOrigins: strings.Join(m.FrameOrigins, "\n"),
		CanOrigins: v.can(coft.PermOrigins), BrandColor: m.BrandColor, LogoURL: m.LogoURL,
		HostedConsent: m.HostedConsent, RequireTOTP: m.RequireTOTP,
		CanConsent: v.can(coft.PermConsent), CanSecurity: v.can(coft.PermSecurity), CanKeys: v.can(coft.PermKeys)}
	var err error
	sv.Audit, err = s.auditRows(ctx, v.merchant.ID, recentChanges)
	return sv, err
}

func (s *Server) auditRows(ctx context.Context, merchantID string, limit int) ([]components.AuditRow, error) {
	es, err := s.cfg.Store.ListAudit(ctx, merchantID, limit)
	if err != nil {
		return nil, err
	}
	rows := make([]components.AuditRow, len(es))
	for i, e := range es {
		label := settingLabels[e.Setting]
		if label == "" {
			label = e.Setting
		}
		rows[i] = components.AuditRow{At: e.At.In(india).Format("2 Jan 2006, 15:04:05"), Actor: e.Actor, Setting: label,
			Old: auditValue(e.Old), New: auditValue(e.New)}
	}
	return rows, nil
}

// auditValue is a setting's value as the audit log shows it.
func auditValue(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Audit serves GET /console/{merchant_id}/settings/audit: the latest
// changes of the settings, newest first.
func (s *Server) Audit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	rows, err := s.auditRows(r.Context(), v.merchant.ID, auditLimit)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, components.ConsoleAudit(v.frame("settings", "Audit log"), components.AuditView{Rows: rows, Limit: auditLimit}))
	return nil
}

// changes collects a change's audit entries: one per setting whose value
// changed.
type changes struct {
	v       *viewer
	entries []*coft.AuditEntry
}

// set records a setting's change from old to new, if it changed.
func (c *changes) set(setting, old, new string) {
	if old != new {
		c.entries = append(c.entries, &coft.AuditEntry{MerchantID: c.v.merchant.ID, Actor: c.v.actor(), Setting: setting, Old: old, New: new})
	}
}

// secret records a secret's change, if it changed, its values redacted.
func (c *changes) secret(setting, old, new string) {
	if old != new {
		c.entries = append(c.entries, &coft.AuditEntry{MerchantID: c.v.merchant.ID, Actor: c.v.actor(), Setting: setting,
			Old: redacted(old), New: redacted(new)})
	}
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return coft.Redacted
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// update changes the merchant's settings with fn, which records what it
// changes; the merchant is written with those audit entries in one
// transaction (nothing changed, nothing written), and the API's caches
// forget it.
func (s *Server) update(ctx context.Context, v *viewer, fn func(m *coft.Merchant, c *changes)) (*coft.Merchant, error) {
	m, err := s.cfg.Store.UpdateMerchantAudited(ctx, v.merchant.ID, func(m *coft.Merchant) ([]*coft.AuditEntry, error) {
		c := &changes{v: v}
		fn(m, c)
		return c.entries, nil
	})
	if err != nil {
		return nil, err
	}
	s.cfg.MerchantChanged(v.merchant.ID)
	return m, nil
}

// settingsError answers a refused change of the general page: the page
// again, with what was sent in the form (the fill function) and the
// error under its field, 400. Errors that are not about a field are
// returned as they are.
func (s *Server) settingsError(w http.ResponseWriter, r *http.Request, v *viewer, err error, fill func(*components.SettingsView)) error {
	field := coft.ErrorField(err)
	if field == "" {
		return err
	}
	sv, lerr := s.settingsView(r.Context(), v, v.merchant)
	if lerr != nil {
		return lerr
	}
	fill(&sv)
	sv.Errors[field] = coft.ErrorMessage(err)
	_, status := statusOf(err)
	s.render(w, r, status, components.ConsoleSettings(v.frame("settings", "Settings"), sv))
	return nil
}

// savedRedirect sends the browser back to the general page, at the
// section (anchor) of what was saved.
func (s *Server) savedRedirect(w http.ResponseWriter, r *http.Request, v *viewer, saved, anchor string) {
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/settings?saved="+saved+"#"+anchor, http.StatusSeeOther)
}

// maxCredential bounds the webhook's username and password.
const maxCredential = 200

// SaveWebhooks serves POST /console/{merchant_id}/settings/webhooks: the
// webhook URL and its Basic credentials. A blank password keeps the one
// set (never shown back); clear_password removes it. In production the
// URL must be on a public address, as the CLI requires.
func (s *Server) SaveWebhooks(w http.ResponseWriter, r *http.Request, v *viewer) error {
	hookURL, user, pass := strings.TrimSpace(r.PostFormValue("webhook_url")), strings.TrimSpace(r.PostFormValue("webhook_username")), r.PostFormValue("webhook_password")
	removePassword := r.PostFormValue("clear_password") == "on"
	err := s.checkWebhookURL(hookURL)
	switch {
	case err != nil:
	case len(user) > maxCredential || !printable(user):
		err = coft.Invalid("webhook_username", "The username must be at most %d printable characters.", maxCredential)
	case len(pass) > maxCredential || !printable(pass):
		err = coft.Invalid("webhook_password", "The password must be at most %d printable characters.", maxCredential)
	case removePassword && pass != "":
		err = coft.Invalid("webhook_password", "Type a new password or remove it, not both.")
	}
	if err == nil {
		_, err = s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
			c.set("webhook_url", m.WebhookURL, hookURL)
			c.set("webhook_username", m.WebhookUsername, user)
			m.WebhookURL, m.WebhookUsername = hookURL, user
			if pass != "" || removePassword {
				c.secret("webhook_password", m.WebhookPassword, pass)
				m.WebhookPassword = pass
			}
		})
	}
	if err != nil {
		return s.settingsError(w, r, v, err, func(sv *components.SettingsView) {
			sv.WebhookURL, sv.WebhookUsername = hookURL, user
		})
	}
	s.savedRedirect(w, r, v, "webhooks", "webhooks")
	return nil
}

// checkWebhookURL refuses a webhook URL that is not an absolute http(s)
// URL and, in production, one whose host is not public as written (the
// worker's dialer also refuses names resolving to internal addresses).
func (s *Server) checkWebhookURL(raw string) error {
	if raw == "" {
		return nil
	}
	if err := coft.ValidateHTTPURL("webhook_url", raw); err != nil {
		return coft.Invalid("webhook_url", "The webhook URL must be an absolute http or https URL, like https://shop.example/hooks.")
	}
	if s.cfg.Production {
		if err := webhook.PublicHost(raw); err != nil {
			return coft.Invalid("webhook_url", "The webhook URL must be on a public address: %v.", err)
		}
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// TestWebhook serves POST /console/{merchant_id}/settings/webhooks/test:
// a test event to the saved webhook URL, and the page with its answer.
func (s *Server) TestWebhook(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if s.cfg.Webhooks == nil {
		return coft.Errorf(coft.ENOTFOUND, "This service sends no test events.")
	}
	sv, err := s.settingsView(r.Context(), v, v.merchant)
	if err != nil {
		return err
	}
	if v.merchant.WebhookURL == "" {
		sv.Errors["webhook_url"] = "Save a webhook URL first: the test event goes to the saved one."
		s.render(w, r, http.StatusBadRequest, components.ConsoleSettings(v.frame("settings", "Settings"), sv))
		return nil
	}
	status, took, err := s.cfg.Webhooks.SendTest(r.Context(), v.merchant)
	sv.Test = &components.WebhookTest{OK: err == nil, Status: status, Took: took.Round(time.Millisecond).String()}
	if err != nil {
		sv.Test.Error = err.Error()
	}
	s.render(w, r, http.StatusOK, components.ConsoleSettings(v.frame("settings", "Settings"), sv))
	return nil
}

// maxOrigins is how many return or frame origins a merchant may have, as
// coft.Merchant.Validate allows.
const maxOrigins = 20

// parseOrigins reads a text area of origins, one a line (blank lines
// skipped; scheme and host lower-cased, a trailing slash dropped,
// duplicates once). A line that is not an origin is refused, naming it.
func parseOrigins(field, label, text string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		o := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(line)), "/")
		if o == "" || seen[o] {
			continue
		}
		if !coft.ValidOrigin(o) {
			return nil, coft.Invalid(field, "%s, line %d: %q is not an origin. Write a scheme, a host and perhaps a port, like https://shop.example, with no path.",
				label, i+1, strings.TrimSpace(line))
		}
		seen[o] = true
		out = append(out, o)
	}
	if len(out) > maxOrigins {
		return nil, coft.FieldError(coft.ERANGE, field, "%s: at most %d origins, not %d.", label, maxOrigins, len(out))
	}
	return out, nil
}

// SaveOrigins serves POST /console/{merchant_id}/settings/origins: the
// return and frame origins.
func (s *Server) SaveOrigins(w http.ResponseWriter, r *http.Request, v *viewer) error {
	returnText, frameText := r.PostFormValue("return_origins"), r.PostFormValue("frame_origins")
	returns, err := parseOrigins("return_origins", "Return origins", returnText)
	var frames []string
	if err == nil {
		frames, err = parseOrigins("frame_origins", "Frame origins", frameText)
	}
	if err == nil {
		_, err = s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
			c.set("return_origins", strings.Join(m.ReturnOrigins, " "), strings.Join(returns, " "))
			c.set("frame_origins", strings.Join(m.FrameOrigins, " "), strings.Join(frames, " "))
			m.ReturnOrigins, m.FrameOrigins = returns, frames
		})
	}
	if err != nil {
		return s.settingsError(w, r, v, err, func(sv *components.SettingsView) {
			sv.ReturnOrigins, sv.FrameOrigins = returnText, frameText
		})
	}
	s.savedRedirect(w, r, v, "origins", "origins")
	return nil
}

// SaveHostedConsent serves POST /console/{merchant_id}/settings/consent.
func (s *Server) SaveHostedConsent(w http.ResponseWriter, r *http.Request, v *viewer) error {
	on := r.PostFormValue("hosted_consent") == "on"
	if _, err := s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
		c.set("hosted_consent", onOff(m.HostedConsent), onOff(on))
		m.HostedConsent = on
	}); err != nil {
		return err
	}
	s.savedRedirect(w, r, v, "consent", "consent")
	return nil
}

// SaveRequireTOTP serves POST /console/{merchant_id}/settings/security:
// whether every user must sign in with an authenticator (admins only).
func (s *Server) SaveRequireTOTP(w http.ResponseWriter, r *http.Request, v *viewer) error {
	on := r.PostFormValue("require_totp") == "on"
	if _, err := s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
		c.set("require_totp", onOff(m.RequireTOTP), onOff(on))
		m.RequireTOTP = on
	}); err != nil {
		return err
	}
	s.savedRedirect(w, r, v, "security", "consent")
	return nil
}

// fieldLabel words an error of the domain's validation, which names a
// field as the API does ("companyDetails.legalName is required."), with
// the field's label in the form ("Legal name is required.").
func fieldLabel(err error, labels map[string]string) error {
	field := coft.ErrorField(err)
	label, ok := labels[field]
	msg := coft.ErrorMessage(err)
	if !ok || !strings.HasPrefix(msg, field+" ") {
		return err
	}
	return coft.FieldError(coft.ErrorCode(err), field, "%s%s", label, strings.TrimPrefix(msg, field))
}
