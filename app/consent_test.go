package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

var sampleView = ConsentView{
	MerchantName: "Demo Store",
	Amount:       "₹1,250.00",
	CardBrand:    "Mastercard",
	CardLast4:    "4242",
	Action:       "/v2/txns/consent/demo/0123456789abcdef0123456789abcdef",
	FormToken:    "tok_1",
	TextID:       "tokenize-en-v1",
	Locale:       "en",
}

// prerender loads a ConsentPage with view v (none when nil) in a test
// engine, as the server does from the view's TemplatePath, and returns it
// with its HTML.
func prerender(t *testing.T, v *ConsentView) (*ConsentPage, string) {
	t.Helper()
	e := goapp.NewTestEngine()
	c := &ConsentPage{}
	if v != nil {
		c.setView(*v, true)
	}
	if err := e.Load(c); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	return c, goapp.HTMLString(c)
}

func TestConsentRoute(t *testing.T) {
	re := regexp.MustCompile(ConsentRoute)
	for path, want := range map[string]bool{
		"/v2/txns/consent/demo/0123456789abcdef0123456789abcdef":      true,
		"/v2/txns/consent/shop_1-A/0123456789abcdef0123456789abcdef":  true,
		"/v2/txns/consent/demo/0123456789ABCDEF0123456789abcdef":      false,
		"/v2/txns/consent/demo/0123456789abcdef0123456789abcde":       false,
		"/v2/txns/consent/de.mo/0123456789abcdef0123456789abcdef":     false,
		"/v2/txns/consent/demo/0123456789abcdef0123456789abcdef/x":    false,
		"/v2/txns/consent//0123456789abcdef0123456789abcdef":          false,
		"/x/v2/txns/consent/demo/0123456789abcdef0123456789abcdef":    false,
		"/v2/txns/consent/" + strings.Repeat("a", 65) + "/" + hex32(): false,
	} {
		if got := re.MatchString(path); got != want {
			t.Errorf("ConsentRoute matches %q = %v, want %v", path, got, want)
		}
	}
	Register()
	Register() // idempotent
}

func hex32() string { return strings.Repeat("ab", 16) }

func TestConsentPageWithoutView(t *testing.T) {
	c, html := prerender(t, nil)
	if c.valid {
		t.Fatal("page is valid without a view")
	}
	if !strings.Contains(html, "This payment link is not valid") {
		t.Errorf("no invalid-link message in:\n%s", html)
	}
	if strings.Contains(html, "<form") {
		t.Errorf("invalid page has a form:\n%s", html)
	}
}

// TestTemplatePath: the view travels whole in its template path, and a
// path that is not one carries none.
func TestTemplatePath(t *testing.T) {
	v := sampleView
	v.Error, v.SavedCard = "An error <b>&", true
	var got ConsentView
	if p := TemplatePath(v); !pathView(p, templatePrefix, &got) || got != v || !regexp.MustCompile(TemplateRoute).MatchString(p) {
		t.Fatalf("TemplatePath(%+v) = %q, decoded %+v", v, p, got)
	}
	for _, p := range []string{"/", "/coft-template/", "/coft-template/!!", "/coft-template/e30x", "/v2/txns/consent/m/" + hex32()} {
		var v ConsentView
		if pathView(p, templatePrefix, &v) && v != (ConsentView{}) {
			t.Errorf("pathView(%q) = %+v", p, v)
		}
	}
}

func TestConsentPagePrerender(t *testing.T) {
	v := sampleView
	c, html := prerender(t, &v)
	if !c.valid {
		t.Fatal("page not valid")
	}

	// Attributes come out in map order: check them one by one.
	// Root > dialog > (text > h1), (action > form > inputs).
	for i, in := range []goapp.UI{
		goapp.Input().Type("hidden").Name("form_token").Value("tok_1"),
		goapp.Input().Type("hidden").Name("text_id").Value("tokenize-en-v1"),
		goapp.Input().Type("hidden").Name("locale").Value("en"),
	} {
		if err := goapp.Match(in, c, 0, 0, 1, 0, i); err != nil {
			t.Error(err)
		}
	}
	if err := goapp.Match(goapp.H1().ID("coft-title").TabIndex(-1).Text("Save this card securely?"), c, 0, 0, 0, 0); err != nil {
		t.Error(err)
	}

	for _, want := range []string{
		`role="dialog"`, `aria-labelledby="coft-title"`, `aria-describedby="coft-lead"`,
		`<form`, `method="post"`, `action="` + sampleView.Action + `"`,
		`value="accept"`, `value="decline"`, `role="status"`, `aria-live="polite"`,
		"Yes, save my card", "No, don&#39;t save",
		"Demo Store can save your Mastercard card ending 4242 as a secure token",
		"a token issued by Mastercard. Demo Store never stores",
		"₹1,250.00", "Mastercard card ending 4242",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("prerendered page lacks %q", want)
		}
	}
	for _, bad := range []string{"{merchant}", "{card}", "{network}", "checkbox", "radio", "autofocus", "checked", "disabled", "coft-error", "data-saved", "pending", "Saving your choice"} {
		if strings.Contains(html, bad) {
			t.Errorf("prerendered page contains %q", bad)
		}
	}
}

func TestConsentPageVariants(t *testing.T) {
	v := sampleView
	v.Error = "Your choice could not be recorded. Please choose again."
	v.SavedCard = true
	_, html := prerender(t, &v)
	for _, want := range []string{
		`id="coft-error"`, `role="alert"`, v.Error, `aria-describedby="coft-error coft-lead"`,
		"Your saved Mastercard card ending 4242", " data-saved",
		// {card} in the text stays the plain card name.
		"can save your Mastercard card ending 4242",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("prerendered page lacks %q", want)
		}
	}
}

func TestConsentViewText(t *testing.T) {
	v := sampleView
	if txt, err := v.Text(); err != nil || txt.ID != "tokenize-en-v1" {
		t.Errorf("Text() = %q, %v", txt.ID, err)
	}
	v.TextID = ""
	if _, err := v.Text(); err != nil {
		t.Errorf("Text() with no TextID: %v", err)
	}
	v.Locale = "xx" // falls back to the default locale's text
	if txt, err := v.Text(); err != nil || txt.ID != coft.ConsentTextFor(coft.DefaultLocale).ID {
		t.Errorf("Text() for an unknown locale = %q, %v", txt.ID, err)
	}
	v.TextID = "tokenize-en-v0"
	if _, err := v.Text(); err == nil {
		t.Error("Text() accepts a TextID that is not the text shown")
	}

	// The page refuses to show a text other than the one the form records.
	if c, _ := prerender(t, &v); c.valid {
		t.Error("page valid with a mismatched TextID")
	}
}

func TestConsentPagePending(t *testing.T) {
	v := sampleView
	c, _ := prerender(t, &v)
	ev := goapp.Event{Value: goapp.Window()}
	c.onChoice(goapp.Context{}, ev)
	if !c.pending {
		t.Fatal("not pending after a choice")
	}
	c.onChoice(goapp.Context{}, ev) // a second activation keeps the state
	if !c.pending {
		t.Fatal("second choice cleared pending")
	}
	html := goapp.HTMLString(c.Render())
	for _, want := range []string{`class="coft-choices pending"`, "Saving your choice…"} {
		if !strings.Contains(html, want) {
			t.Errorf("pending page lacks %q:\n%s", want, html)
		}
	}
	// Still two enabled submit buttons: disabling them would cancel the
	// native submission.
	if strings.Contains(html, "disabled") || strings.Count(html, `type="submit"`) != 2 {
		t.Errorf("pending page changed the buttons:\n%s", html)
	}
}

// TestConsentFormFactorField: in the browser the dialog posts the form
// factor it measured with the choice; prerendered, it has none (the
// server falls back to the request's hints, or frame.js adds it).
func TestConsentFormFactorField(t *testing.T) {
	_, html := prerender(t, &sampleView)
	if strings.Contains(html, `name="form_factor"`) {
		t.Errorf("prerendered page has a form factor field:\n%s", html)
	}
	e := goapp.NewTestEngine()
	c := &ConsentPage{}
	c.setView(sampleView, true)
	c.formFactor = coft.FormFactorMobileLandscape
	if err := e.Load(c); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	html = goapp.HTMLString(c)
	if !regexp.MustCompile(`<input[^>]*name="form_factor"[^>]*>`).MatchString(html) || !strings.Contains(html, `value="mobile-landscape"`) {
		t.Errorf("no form factor field in:\n%s", html)
	}
	if screenFormFactor() != "" {
		t.Error("the server measured a screen")
	}
}
