package pages

import (
	"fmt"
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/csp"
)

// themeURL is the stylesheet that themes a merchant's dialog, or "".
func themeURL(brandColor string) string {
	if brandColor == "" {
		return ""
	}
	return "/v2/theme.css?brand=" + brandColor[1:]
}

// Theme serves GET /v2/theme.css?brand=rrggbb: the brand colour as
// CSS variables, adjusted for WCAG AA contrast in light and dark schemes.
// The URL names the colour, so the answer never changes: cached for a year.
func (s *Server) Theme(w http.ResponseWriter, r *http.Request) error {
	th, err := coft.NewTheme("#" + r.URL.Query().Get("brand"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	fmt.Fprintf(w, ":root { --brand: %s; --on-brand: %s; --brand-tint: %s; --focus: %s; }\n"+
		"@media (prefers-color-scheme: dark) {\n  :root { --brand: %s; --on-brand: %s; --brand-tint: %s; --focus: %s; }\n}\n",
		th.Light.Brand, th.Light.OnBrand, th.Light.Tint, th.Light.Brand,
		th.Dark.Brand, th.Dark.OnBrand, th.Dark.Tint, th.Dark.Brand)
	return nil
}

// withLogo adds the logo's origin to a policy's img-src.
func withLogo(policy csp.Policy, logoURL string) csp.Policy {
	return policy.Add("img-src", urlOrigin(logoURL))
}
