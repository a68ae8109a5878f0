package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

// serviceBrand is the service's own brand colour (site.css's --brand), the
// colour input's value when the merchant has none.
const serviceBrand = "#0b5cad"

// dialogSizes are the brand page's previews of the dialog: two phones,
// held both ways, and a desktop browser.
var dialogSizes = []components.DialogPreview{
	{Label: "Mobile, portrait (360 × 740)", Class: "preview-portrait", Width: 360, Height: 740},
	{Label: "Mobile, landscape (740 × 360)", Class: "preview-landscape", Width: 740, Height: 360},
	{Label: "Desktop (1280 × 800)", Class: "preview-desktop", Width: 1280, Height: 800},
}

// brandColor reads a colour field: "" (the service's colours), or
// #rrggbb, with or without its '#', any case.
func brandColor(raw string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(raw))
	if c == "" {
		return "", nil
	}
	c = "#" + strings.TrimPrefix(c, "#")
	if !coft.ValidColor(c) {
		return "", coft.Invalid("color", "The brand colour must be a colour like #0b5cad.")
	}
	return c, nil
}

// brandLogo reads a logo field: "" (none), or a plain http(s) URL as
// coft.Merchant.Validate accepts it.
func brandLogo(raw string) (string, error) {
	logo := strings.TrimSpace(raw)
	if err := (&coft.Merchant{ID: "m", LogoURL: logo}).Validate(); err != nil {
		return "", coft.Invalid("logo", "The logo URL must be a plain http(s) URL of at most 500 characters, without spaces or quotes.")
	}
	return logo, nil
}

// previewed reads the brand a request previews (color and logo, from the
// brand page's form or the preview's URL; an empty color is the service's
// colours); what it does not give is the merchant's saved brand.
func previewed(q url.Values, m *coft.Merchant) (color, logo string, err error) {
	color, logo = m.BrandColor, m.LogoURL
	if q.Has("color") {
		color, err = brandColor(q.Get("color"))
	}
	if err == nil && q.Has("logo") {
		logo, err = brandLogo(q.Get("logo"))
	}
	return color, logo, err
}

// Brand serves GET /console/{merchant_id}/settings/brand[?color=&logo=]:
// the brand colour and logo, and the consent dialog previewed with the
// ones the query names (not saved yet) or the saved ones.
func (s *Server) Brand(w http.ResponseWriter, r *http.Request, v *viewer) error {
	color, logo, err := previewed(r.URL.Query(), v.merchant)
	bv := components.BrandView{Errors: components.FieldErrors{}}
	if r.URL.Query().Has("saved") {
		bv.Notice = "The brand is saved."
	}
	status := http.StatusOK
	if err != nil {
		bv.Errors[coft.ErrorField(err)] = coft.ErrorMessage(err)
		color, logo, status = v.merchant.BrandColor, v.merchant.LogoURL, http.StatusBadRequest
	}
	s.renderBrand(w, r, v, status, bv, color, logo)
	return nil
}

func (s *Server) renderBrand(w http.ResponseWriter, r *http.Request, v *viewer, status int, bv components.BrandView, color, logo string) {
	bv.Color, bv.Picker, bv.Logo = color, color, logo
	bv.SavedColor, bv.SavedLogo, bv.Can = v.merchant.BrandColor, v.merchant.LogoURL, v.can(coft.PermBrand)
	if color == "" {
		bv.Picker = serviceBrand
	} else if th, err := coft.NewTheme(color); err == nil {
		bv.Light, bv.Dark = th.Light.Brand, th.Dark.Brand
	}
	if s.cfg.Preview != nil {
		bv.Previews = dialogSizes
		bv.PreviewURL = "/console/" + v.merchant.ID + "/settings/brand/preview"
		bv.PreviewQ = url.Values{"color": {strings.TrimPrefix(color, "#")}, "logo": {logo}}.Encode()
	}
	s.render(w, r, status, components.ConsoleBrand(v.frame("settings", "Brand"), bv))
}

// BrandPreview serves GET /console/{merchant_id}/settings/brand/preview
// [?color=rrggbb&logo=URL&lang=]: the real consent dialog, over a sample
// payment, in the merchant's name and the colour and logo given (else
// the saved ones). The brand page frames it, sandboxed; only the service's
// own pages may.
func (s *Server) BrandPreview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if s.cfg.Preview == nil {
		return errNotFound
	}
	q := r.URL.Query()
	color, logo, err := previewed(q, v.merchant)
	if err != nil {
		return err
	}
	m := *v.merchant
	m.BrandColor, m.LogoURL = color, logo
	return s.cfg.Preview.PreviewDialog(w, &m, q.Get("lang"))
}

// SaveBrand serves POST /console/{merchant_id}/settings/brand: the brand
// colour ("" for the service's) and the logo URL ("" for none).
func (s *Server) SaveBrand(w http.ResponseWriter, r *http.Request, v *viewer) error {
	color, err := brandColor(r.PostFormValue("color"))
	logo := strings.TrimSpace(r.PostFormValue("logo"))
	if err == nil {
		logo, err = brandLogo(logo)
	}
	if err == nil {
		_, err = s.update(r.Context(), v, func(m *coft.Merchant, c *changes) {
			c.set("brand_color", m.BrandColor, color)
			c.set("logo_url", m.LogoURL, logo)
			m.BrandColor, m.LogoURL = color, logo
		})
	}
	if err != nil {
		if coft.ErrorField(err) == "" {
			return err
		}
		_, status := statusOf(err)
		s.renderBrand(w, r, v, status, components.BrandView{Errors: components.FieldErrors{coft.ErrorField(err): coft.ErrorMessage(err)}},
			v.merchant.BrandColor, v.merchant.LogoURL)
		return nil
	}
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/settings/brand?saved=1", http.StatusSeeOther)
	return nil
}
