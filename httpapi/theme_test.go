package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestMerchantLook: the brand colour and logo reach the dialog and the
// saved-cards screen, the logo's origin is allowed as an image source
// there, and the theme stylesheet keeps contrast.
func TestMerchantLook(t *testing.T) {
	h := newHarness(t, "sqlite")
	m, _ := h.db.FindMerchantByID(context.Background(), "alpha")
	m.BrandColor, m.LogoURL = "#ffff00", "https://cdn.shop.example/logo.svg"
	if err := h.db.UpdateMerchant(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	check := func(what string, res response, titleSel string) {
		t.Helper()
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(res.raw))
		if src, _ := doc.Find("img.coft-logo").Attr("src"); src != m.LogoURL {
			t.Errorf("%s: logo %q", what, src)
		}
		if href, _ := doc.Find(`link[href^="/v2/theme.css"]`).Attr("href"); href != "/v2/theme.css?brand=ffff00" {
			t.Errorf("%s: theme %q", what, href)
		}
		if !strings.Contains(res.header.Get("Content-Security-Policy"), "img-src 'self' data: https://cdn.shop.example") {
			t.Errorf("%s: CSP %q", what, res.header.Get("Content-Security-Policy"))
		}
	}
	h.order(h.keyA, "look1", true, "")
	res := h.txn(h.keyA, newCardForm("look1", goodCard))
	check("consent page", h.do(request{method: "GET", path: strings.TrimPrefix(res.str("payment.authentication.url"), h.srv.URL)}), "#coft-title")
	_, link := h.manageLink(h.keyA, "look2")
	check("saved-cards screen", h.do(request{method: "GET", path: strings.TrimPrefix(link, h.srv.URL)}), "#coft-manage-title")

	css := h.must(200, request{method: "GET", path: "/v2/theme.css?brand=ffff00"})
	light, _, _ := strings.Cut(css.raw, "\n")
	if !strings.Contains(light, "--brand:") || strings.Contains(light, "--brand: #ffff00") || // too light on white: darkened
		!strings.Contains(css.raw, "--brand: #ffff00; --on-brand: #0d1217") || // fine on the dark card, with dark text
		!strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("theme: %s", css.raw)
	}
	if bad := h.do(request{method: "GET", path: "/v2/theme.css?brand=red"}); bad.status != 400 {
		t.Fatalf("bad colour: %d", bad.status)
	}
	for _, logo := range []string{"javascript:alert(1)", "ftp://x/logo.png", "https://x/a b.png"} {
		m.LogoURL = logo
		if err := h.db.UpdateMerchant(context.Background(), m); err == nil {
			t.Errorf("logo %q accepted", logo)
		}
	}
}
