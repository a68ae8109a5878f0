package coft

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Merchant is a business that takes card payments through the service.
type Merchant struct {
	ID   string // merchant_id, chosen at onboarding
	Name string // shown to customers on the consent and bank pages

	// APIKeyHash is the SHA-256 of the merchant's API key. The key itself is
	// shown once, when it is created, and never stored.
	APIKeyHash []byte
	// ResponseKey signs the parameters sent back to the return URL.
	ResponseKey string

	// TokenizationEnabled turns card-on-file tokenization on for the merchant.
	TokenizationEnabled bool
	// HostedConsent shows the service's consent page before the bank page when
	// a payment does not say whether to tokenize.
	HostedConsent bool

	// ReturnOrigins are the origins (scheme://host[:port]) an order's or a
	// tokenization's return_url may point to, besides ReturnURL's own: the
	// customer's browser is sent there with the payment's result.
	ReturnOrigins []string
	// FrameOrigins are the origins (scheme://host[:port]) allowed to frame
	// the merchant's customer pages: the iframe checkout and the
	// saved-cards screen. Empty: no framing.
	FrameOrigins []string
	// BrandColor (#rrggbb) themes the merchant's customer pages; the pages
	// adjust it to keep WCAG AA contrast (see Theme). Empty: the service's.
	BrandColor string
	// LogoURL is an http(s) image shown at the top of the merchant's
	// customer pages; its origin is added to their img-src.
	LogoURL string

	// RequireTOTP makes every console user of the merchant sign in with a
	// second factor (a TOTP authenticator).
	RequireTOTP bool

	ReturnURL       string // default return URL for orders that give none
	WebhookURL      string
	WebhookUsername string
	WebhookPassword string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the merchant's settings.
func (m *Merchant) Validate() error {
	if m.ID == "" {
		return Missing("id")
	}
	if !IsIdentifier(m.ID, 64) {
		return Invalid("id", "id must be 1 to 64 letters, digits, '_' or '-'.")
	}
	if len(m.Name) > 120 {
		return FieldError(ERANGE, "name", "name must be at most 120 characters.")
	}
	if err := ValidateHTTPURL("return_url", m.ReturnURL); err != nil {
		return err
	}
	if m.BrandColor != "" && !ValidColor(m.BrandColor) {
		return Invalid("brand_color", "brand_color must be a colour like #0b5cad.")
	}
	if m.LogoURL != "" {
		if err := ValidateHTTPURL("logo_url", m.LogoURL); err != nil {
			return err
		}
		if len(m.LogoURL) > 500 || strings.ContainsAny(m.LogoURL, " '\";") {
			return Invalid("logo_url", "logo_url must be a plain http(s) URL of at most 500 characters.")
		}
	}
	if len(m.FrameOrigins) > 20 {
		return FieldError(ERANGE, "frame_origins", "At most 20 frame origins.")
	}
	for _, o := range m.FrameOrigins {
		if !ValidOrigin(o) {
			return Invalid("frame_origins", "%q is not an origin: want scheme://host[:port], e.g. https://shop.example.", o)
		}
	}
	if len(m.ReturnOrigins) > 20 {
		return FieldError(ERANGE, "return_origins", "At most 20 return origins.")
	}
	for _, o := range m.ReturnOrigins {
		if !ValidOrigin(o) {
			return Invalid("return_origins", "%q is not an origin: want scheme://host[:port], e.g. https://shop.example.", o)
		}
	}
	return ValidateHTTPURL("webhook_url", m.WebhookURL)
}

// CheckReturnURL refuses a return URL (field names it) that is not an
// http(s) URL on one of the merchant's return origins or its default
// return URL's; https only when httpsOnly.
func (m *Merchant) CheckReturnURL(field, raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && (u.Scheme != "http" || httpsOnly)) || u.Host == "" || u.User != nil {
		want := "an http(s) URL"
		if httpsOnly {
			want = "an https URL"
		}
		return Invalid(field, "%s must be %s.", field, want)
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	if d, err := url.Parse(m.ReturnURL); err == nil && m.ReturnURL != "" && origin == d.Scheme+"://"+strings.ToLower(d.Host) {
		return nil
	}
	for _, o := range m.ReturnOrigins {
		if strings.EqualFold(o, origin) {
			return nil
		}
	}
	return Invalid(field, "%s must be on one of the merchant's registered return origins (merchants update -return-origins): %s is not.", field, origin)
}

// ValidOrigin reports whether s is an http(s) origin: scheme, "://", a
// host of letters, digits, dots and dashes, an optional port, nothing else.
func ValidOrigin(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	host, port, hasPort := strings.Cut(rest, ":")
	if host == "" || len(host) > 253 || hasPort && (port == "" || len(port) > 5 || !AllDigits(port)) {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return host[0] != '.' && host[0] != '-'
}

// DisplayName is the name customers see: the merchant's name, else its id.
func (m *Merchant) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.ID
}

// ValidateHTTPURL accepts an empty string or an absolute http(s) URL.
func ValidateHTTPURL(field, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2048 {
		return Invalid(field, "%s must be an absolute http or https URL.", field)
	}
	return nil
}

// MerchantStore keeps merchants.
type MerchantStore interface {
	// CreateMerchant stores a new merchant. Returns ECONFLICT if the id is taken.
	CreateMerchant(ctx context.Context, m *Merchant) error
	// UpdateMerchant replaces a merchant's settings. Returns ENOTFOUND if
	// the merchant does not exist.
	UpdateMerchant(ctx context.Context, m *Merchant) error
	// FindMerchantByID returns ENOTFOUND if the merchant does not exist.
	FindMerchantByID(ctx context.Context, id string) (*Merchant, error)
	// FindMerchantByAPIKeyHash returns ENOTFOUND if no merchant has the key.
	FindMerchantByAPIKeyHash(ctx context.Context, hash []byte) (*Merchant, error)
	// ListMerchants returns every merchant, ordered by id.
	ListMerchants(ctx context.Context) ([]*Merchant, error)
}

// IsIdentifier reports whether s is 1..max characters of [A-Za-z0-9_-]:
// the shape of merchant ids, key ids and request ids.
func IsIdentifier(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
