package pages

import (
	"bytes"
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
)

// PreviewDialog writes the consent dialog as the merchant's customers see
// it, over a sample payment (₹1,250.00, a Visa card ending 4242), in the
// merchant's name, brand colour and logo; m may carry a colour or a logo
// not saved yet, which the console previews before saving. The service's
// own pages, and only they, may frame it; its form records nothing (the
// console frames it sandboxed, so it cannot even be sent).
func (s *Server) PreviewDialog(w http.ResponseWriter, m *coft.Merchant, locale string) error {
	locale = coft.MatchLocale(locale, "")
	v := app.ConsentView{MerchantName: m.DisplayName(), Amount: coft.DisplayAmount(125000), CardBrand: "Visa", CardLast4: "4242",
		Action: "#", FormToken: "preview", TextID: coft.ConsentTextFor(locale).ID, Locale: locale,
		Theme: themeURL(m.BrandColor), Logo: m.LogoURL}
	var buf bytes.Buffer
	if err := s.cfg.Consent.RenderConsent(&buf, v); err != nil {
		return err
	}
	writeHTML(w, http.StatusOK, withLogo(s.cfg.Consent.ConsentCSP("'self'"), m.LogoURL), true, &buf)
	return nil
}
