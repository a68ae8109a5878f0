package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coftkit/coft"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ConsentView is what the consent dialog shows. Every field is display-ready:
// the dialog formats nothing.
type ConsentView struct {
	MerchantName string // "Demo Store"
	Amount       string // "₹1,250.00"
	CardBrand    string // "Mastercard"; also the {network} of the text
	CardLast4    string // "4242"
	Action       string // the form's POST URL, normally the page's own URL
	FormToken    string // posted back as form_token
	// TextID, when set, must be the ID of the text shown,
	// coft.ConsentTextFor(Locale).ID; see Text.
	TextID string
	// Locale is the customer's locale. The dialog shows
	// coft.ConsentTextFor(Locale) and posts that text's ID and locale
	// (text_id, locale), which is what the customer read.
	Locale string
	// Error, when set, is shown above the choices, e.g. "Your choice could
	// not be recorded. Please choose again."
	Error string
	// SavedCard says the customer picked the card from their saved cards
	// rather than typing it; the card line then reads "Your saved …".
	SavedCard bool
	// Theme, when set, is the URL of the merchant's theme stylesheet
	// (/v2/theme.css?brand=…), loaded after the service's.
	Theme string
	// Logo, when set, is the URL of the merchant's logo.
	Logo string
}

// Text returns the consent text the view shows. It fails when TextID is set
// and names another text: the decision would then record words the customer
// never read.
func (v ConsentView) Text() (coft.ConsentText, error) {
	t := coft.ConsentTextFor(v.Locale)
	if v.TextID != "" && v.TextID != t.ID {
		return t, fmt.Errorf("consent view: text id %q is not the text shown for locale %q (%q)", v.TextID, v.Locale, t.ID)
	}
	return t, nil
}

// TemplateRoute is the path pattern under which go-app prerenders the
// consent page for a given view (see TemplatePath): package webapp renders
// its templates through it, once, at start-up. No public route leads to it.
const TemplateRoute = `^/coft-template/[A-Za-z0-9_-]+$`

const templatePrefix = "/coft-template/"

// TemplatePath is the path that prerenders the consent page with view v.
func TemplatePath(v ConsentView) string { return viewPath(templatePrefix, v) }

// viewPath is prefix followed by v, encoded: a path that carries a view to
// go-app's server-side prerender, so that prerendering needs no state
// shared between requests.
func viewPath(prefix string, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // views are structs of strings, bools and slices of them
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// pathView decodes viewPath's view into v; false when path is not one.
func pathView(path, prefix string, v any) bool {
	enc, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	return err == nil && json.Unmarshal(b, v) == nil
}

// Element IDs shared by the markup, the stylesheet and the wasm.
const (
	rootID    = "coft-consent"
	titleID   = "coft-title"
	leadID    = "coft-lead"
	errorID   = "coft-error"
	acceptID  = "coft-accept"
	declineID = "coft-decline"
)

// Decision values posted by the two submit buttons (name "decision").
const (
	DecisionAccept  = "accept"
	DecisionDecline = "decline"
)

// chrome holds the words around the consent text: the payment summary and
// the invalid-link message. They are not part of the recorded consent text.
type chrome struct {
	PayingBefore, PayingMiddle string // "Paying " ₹1,250.00 " to " Demo Store
	Card                       string // "{brand} card ending {last4}"
	SavedCard                  string // "Your saved {brand} card ending {last4}"
	InvalidTitle, InvalidHint  string
}

var chromes = map[string]chrome{
	"en": {
		PayingBefore: "Paying ",
		PayingMiddle: " to ",
		Card:         "{brand} card ending {last4}",
		SavedCard:    "Your saved {brand} card ending {last4}",
		InvalidTitle: "This payment link is not valid",
		InvalidHint:  "Go back to the store and start the payment again.",
	},
	"hi": {
		PayingBefore: "भुगतान ", PayingMiddle: " — ",
		Card: "{brand} कार्ड, अंतिम अंक {last4}", SavedCard: "आपका सेव किया हुआ {brand} कार्ड, अंतिम अंक {last4}",
		InvalidTitle: "यह भुगतान लिंक मान्य नहीं है", InvalidHint: "स्टोर पर वापस जाएँ और भुगतान फिर से शुरू करें।",
	},
	"bn": {
		PayingBefore: "পেমেন্ট ", PayingMiddle: " — ",
		Card: "{brand} কার্ড, শেষ চারটি সংখ্যা {last4}", SavedCard: "আপনার সেভ করা {brand} কার্ড, শেষ চারটি সংখ্যা {last4}",
		InvalidTitle: "এই পেমেন্ট লিঙ্কটি বৈধ নয়", InvalidHint: "স্টোরে ফিরে গিয়ে আবার পেমেন্ট শুরু করুন।",
	},
	"ta": {
		PayingBefore: "செலுத்துவது ", PayingMiddle: " — ",
		Card: "{brand} கார்டு, கடைசி நான்கு இலக்கங்கள் {last4}", SavedCard: "நீங்கள் சேமித்த {brand} கார்டு, கடைசி நான்கு இலக்கங்கள் {last4}",
		InvalidTitle: "இந்தப் பணம் செலுத்தும் இணைப்பு செல்லாது", InvalidHint: "கடைக்குத் திரும்பிச் சென்று மீண்டும் தொடங்குங்கள்.",
	},
	"te": {
		PayingBefore: "చెల్లింపు ", PayingMiddle: " — ",
		Card: "{brand} కార్డ్, చివరి నాలుగు అంకెలు {last4}", SavedCard: "మీరు సేవ్ చేసిన {brand} కార్డ్, చివరి నాలుగు అంకెలు {last4}",
		InvalidTitle: "ఈ చెల్లింపు లింక్ చెల్లదు", InvalidHint: "స్టోర్‌కు తిరిగి వెళ్లి చెల్లింపును మళ్లీ ప్రారంభించండి.",
	},
	"mr": {
		PayingBefore: "पेमेंट ", PayingMiddle: " — ",
		Card: "{brand} कार्ड, शेवटचे चार अंक {last4}", SavedCard: "तुमचे सेव्ह केलेले {brand} कार्ड, शेवटचे चार अंक {last4}",
		InvalidTitle: "ही पेमेंट लिंक वैध नाही", InvalidHint: "स्टोअरवर परत जा आणि पेमेंट पुन्हा सुरू करा.",
	},
}

func chromeFor(locale string) chrome {
	if c, ok := chromes[locale]; ok {
		return c
	}
	return chromes[coft.DefaultLocale]
}

// ConsentPage is the hosted consent dialog. On the server it takes its view
// from its TemplatePath; in the browser it reads it from the data attributes of
// the prerendered root element (#coft-consent), which go-app replaces only
// after OnInit.
type ConsentPage struct {
	goapp.Compo

	view  ConsentView
	text  coft.ConsentText
	valid bool

	live     bool   // running in the browser
	pending  bool   // a choice was submitted
	focus    string // the id to focus when mounted
	pageShow goapp.Func
	// formFactor is the screen the dialog is shown on (coft.FormFactors),
	// posted with the choice; measured in the browser only.
	formFactor string
}

// OnInit reads the view from the prerendered DOM when running in the browser.
func (c *ConsentPage) OnInit() {
	if goapp.IsServer {
		return
	}
	c.live = true
	c.focus = titleID
	doc := goapp.Window().Get("document")
	root := doc.Call("getElementById", rootID)
	if !root.Truthy() {
		return
	}
	attr := func(name string) string {
		v := root.Call("getAttribute", "data-"+name)
		if !v.Truthy() {
			return ""
		}
		return v.String()
	}
	c.view = ConsentView{
		MerchantName: attr("merchant"),
		Amount:       attr("amount"),
		CardBrand:    attr("brand"),
		CardLast4:    attr("last4"),
		Action:       attr("action"),
		FormToken:    attr("token"),
		TextID:       attr("text-id"),
		Locale:       attr("locale"),
		Error:        attr("error"),
		SavedCard:    root.Call("hasAttribute", "data-saved").Bool(),
		Theme:        attr("theme"),
		Logo:         attr("logo"),
	}
	c.setView(c.view, c.view.Action != "")
	c.formFactor = screenFormFactor()

	// The new DOM replaces the old one: keep the customer's place if they
	// had already tabbed to a choice.
	if active := doc.Get("activeElement"); active.Truthy() {
		if id := active.Get("id"); id.Truthy() && (id.String() == acceptID || id.String() == declineID) {
			c.focus = id.String()
		}
	}
}

// OnPreRender takes the view from the template path on the server. Any
// other path leaves the page as it is: without a view, it says the link is
// not valid.
func (c *ConsentPage) OnPreRender(ctx goapp.Context) {
	var v ConsentView
	if !pathView(ctx.Page().URL().Path, templatePrefix, &v) {
		return
	}
	c.setView(v, true)
	if c.valid {
		ctx.Page().SetLang(c.text.Locale)
	}
}

func (c *ConsentPage) setView(v ConsentView, ok bool) {
	t, err := v.Text()
	c.view, c.text, c.valid = v, t, ok && err == nil
}

// OnMount moves the focus into the dialog and resets the pending state when
// the page comes back from the back-forward cache. In a frame, it takes the
// focus only if the frame has it (the customer is paying in it): a frame
// the customer is not using, such as the demo gallery's previews, must not
// pull the focus, and the page's scroll with it, away from its parent page.
func (c *ConsentPage) OnMount(ctx goapp.Context) {
	win := goapp.Window()
	doc := win.Get("document")
	framed := !win.Get("parent").Equal(win.JSValue())
	if el := doc.Call("getElementById", c.focus); el.Truthy() && (!framed || doc.Call("hasFocus").Bool()) {
		el.Call("focus")
	}
	c.pageShow = goapp.FuncOf(func(this goapp.Value, args []goapp.Value) any {
		if len(args) > 0 && args[0].Get("persisted").Truthy() {
			ctx.Dispatch(func(goapp.Context) { c.pending = false })
		}
		return nil
	})
	goapp.Window().Call("addEventListener", "pageshow", c.pageShow)
}

// OnDismount releases the pageshow listener.
func (c *ConsentPage) OnDismount() {
	if c.pageShow != nil {
		goapp.Window().Call("removeEventListener", "pageshow", c.pageShow)
		c.pageShow.Release()
		c.pageShow = nil
	}
}

// onChoice shows the pending state. It neither prevents the native submit
// nor disables the buttons (disabling the clicked submit button in its
// click handler cancels the submission): the form POST does the work. A
// second activation while pending is prevented, so the form is sent once.
func (c *ConsentPage) onChoice(ctx goapp.Context, e goapp.Event) {
	if c.pending {
		e.PreventDefault()
		return
	}
	c.pending = true
	if !c.live {
		return
	}
	// The screen may have turned since the dialog was shown: the field is
	// set in the DOM, since the native submit goes before the next render.
	c.formFactor = screenFormFactor()
	if form := ctx.JSSrc().Get("form"); form.Truthy() && c.formFactor != "" {
		if in := form.Get("elements").Call("namedItem", formFactorField); in.Truthy() {
			in.Set("value", c.formFactor)
		}
	}
}

// formFactorField is the posted field that says the dialog's form factor.
const formFactorField = "form_factor"

// screenFormFactor classifies the window the dialog is shown in, or the
// device's screen when the dialog is framed (a frame's size says little
// about the device), with coft.ViewportFormFactor; static/frame.js does
// the same where the wasm has not started.
func screenFormFactor() string {
	win := goapp.Window()
	if goapp.IsServer || !win.Truthy() {
		return ""
	}
	w, h := win.Get("innerWidth"), win.Get("innerHeight")
	if parent := win.Get("parent"); parent.Truthy() && !parent.Equal(win) {
		screen := win.Get("screen")
		w, h = screen.Get("width"), screen.Get("height")
	}
	if w.Type() != goapp.TypeNumber || h.Type() != goapp.TypeNumber {
		return ""
	}
	return coft.ViewportFormFactor(w.Int(), h.Int())
}

// focusable lists the elements Tab can reach inside the dialog.
const focusable = `a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])`

// onKeyDown keeps Tab and Shift-Tab inside the dialog (aria-modal).
func (c *ConsentPage) onKeyDown(ctx goapp.Context, e goapp.Event) {
	ctx.PreventUpdate()
	switch e.Get("key").String() {
	case "Tab":
	case "Escape":
		// The dialog cannot be dismissed without an answer (that would be
		// a choice nobody made): Escape takes the focus back to the
		// question, from where Tab reaches the two answers.
		e.PreventDefault()
		if el := goapp.Window().Get("document").Call("getElementById", titleID); el.Truthy() {
			el.Call("focus")
		}
		return
	default:
		return
	}
	items := ctx.JSSrc().Call("querySelectorAll", focusable)
	n := items.Length()
	if n == 0 {
		e.PreventDefault()
		return
	}
	active := goapp.Window().Get("document").Get("activeElement")
	at := -1
	for i := 0; i < n; i++ {
		if items.Index(i).Equal(active) {
			at = i
			break
		}
	}
	next := -1
	switch back := e.Get("shiftKey").Bool(); {
	case back && at <= 0:
		next = n - 1
	case !back && (at == -1 || at == n-1):
		next = 0
	}
	if next >= 0 {
		e.PreventDefault()
		items.Index(next).Call("focus")
	}
}

// Render returns the dialog, the same markup on both sides (plus the class
// coft-live in the browser). Boolean attributes are set only when true:
// go-app prerenders a false one as present (pitfall 1).
func (c *ConsentPage) Render() goapp.UI {
	ch := chromeFor(c.text.Locale)
	if !c.valid {
		return goapp.Div().ID(rootID).Class("coft-page").Body(
			goapp.Main().Class("coft-dialog", "coft-invalid").Body(
				goapp.H1().ID(titleID).TabIndex(-1).Text(ch.InvalidTitle),
				goapp.P().Text(ch.InvalidHint),
			),
		)
	}

	v, t := c.view, c.text
	cardName := strings.NewReplacer("{brand}", v.CardBrand, "{last4}", v.CardLast4)
	card := cardName.Replace(ch.Card)
	cardLine := card
	if v.SavedCard {
		cardLine = cardName.Replace(ch.SavedCard)
	}
	// One pass: a merchant name containing "{card}" stays as typed.
	fill := strings.NewReplacer("{merchant}", v.MerchantName, "{card}", card, "{network}", v.CardBrand)

	points := make([]goapp.UI, len(t.Points))
	for i, p := range t.Points {
		points[i] = goapp.Li().Text(fill.Replace(p))
	}

	describedBy := leadID
	if v.Error != "" {
		describedBy = errorID + " " + leadID
	}

	root := goapp.Div().ID(rootID).Class("coft-page").
		DataSet("merchant", v.MerchantName).
		DataSet("amount", v.Amount).
		DataSet("brand", v.CardBrand).
		DataSet("last4", v.CardLast4).
		DataSet("action", v.Action).
		DataSet("token", v.FormToken).
		DataSet("text-id", t.ID).
		DataSet("locale", t.Locale).
		DataSet("error", v.Error)
	if v.SavedCard {
		root = root.DataSet("saved", "true")
	}
	var theme goapp.UI
	if v.Theme != "" {
		root = root.DataSet("theme", v.Theme)
		theme = goapp.Link().Rel("stylesheet").Href(v.Theme)
	}
	var logo goapp.UI
	if v.Logo != "" {
		root = root.DataSet("logo", v.Logo)
		logo = goapp.Img().Class("coft-logo").Src(v.Logo).Alt(v.MerchantName).Height(32)
	}
	if c.live {
		root = root.Class("coft-live")
	}

	choices := goapp.Div().Class("coft-choices")
	status := goapp.P().ID("coft-status").Class("coft-status").Role("status").Aria("live", "polite")
	if c.pending {
		choices = choices.Class("pending")
		status = status.Text(t.Pending)
	}

	return root.Body(
		theme,
		goapp.Div().Class("coft-dialog").
			Role("dialog").
			Aria("modal", "true").
			Aria("labelledby", titleID).
			Aria("describedby", describedBy).
			OnKeyDown(c.onKeyDown).
			Body(
				goapp.Div().Class("coft-text").Body(
					logo,
					goapp.H1().ID(titleID).TabIndex(-1).Text(t.Title),
					goapp.P().Class("coft-summary").Body(
						goapp.Text(ch.PayingBefore),
						goapp.Strong().Class("coft-amount").Text(v.Amount),
						goapp.Text(ch.PayingMiddle),
						goapp.Strong().Class("coft-merchant").Text(v.MerchantName),
					),
					goapp.P().Class("coft-card").Text(cardLine),
					goapp.P().ID(leadID).Class("coft-lead").Text(fill.Replace(t.Lead)),
					goapp.Ul().Class("coft-points").Body(points...),
				),
				goapp.Div().Class("coft-act").Body(
					goapp.If(v.Error != "", func() goapp.UI {
						return goapp.P().ID(errorID).Class("coft-error").Role("alert").Text(v.Error)
					}),
					goapp.Form().Class("coft-form").Method("post").Action(v.Action).Body(
						goapp.Input().Type("hidden").Name("form_token").Value(v.FormToken),
						goapp.Input().Type("hidden").Name("text_id").Value(t.ID),
						goapp.Input().Type("hidden").Name("locale").Value(t.Locale),
						goapp.If(c.formFactor != "", func() goapp.UI {
							return goapp.Input().Type("hidden").Name(formFactorField).Value(c.formFactor)
						}),
						choices.Body(
							goapp.Button().ID(acceptID).Class("coft-choice").
								Type("submit").Name("decision").Value(DecisionAccept).
								OnClick(c.onChoice).Text(t.Accept),
							goapp.Button().ID(declineID).Class("coft-choice").
								Type("submit").Name("decision").Value(DecisionDecline).
								OnClick(c.onChoice).Text(t.Decline),
						),
						status,
					),
				),
			),
	)
}
