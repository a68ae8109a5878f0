package app

import (
	"encoding/base64"
	"encoding/json"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ManageRoute is the path of the saved-cards screen, GET /cards/manage.
const ManageRoute = `^/cards/manage$`

// ManageView is the saved-cards screen of one customer. Every field is
// display-ready.
type ManageView struct {
	MerchantName string        `json:"merchant_name"`
	Token        string        `json:"token"` // the customer's client_auth_token, carried by each form
	Notice       string        `json:"notice,omitempty"`
	NoticeError  bool          `json:"notice_error,omitempty"`
	Theme        string        `json:"theme,omitempty"` // the merchant's theme stylesheet, or ""
	Logo         string        `json:"logo,omitempty"`  // the merchant's logo URL, or ""
	Cards        []ManagedCard `json:"cards"`
}

// ManagedCard is one saved card as the customer sees it.
type ManagedCard struct {
	Reference string `json:"reference"` // card_reference
	Brand     string `json:"brand"`     // e.g. "Visa"
	Number    string `json:"number"`    // masked
	Expiry    string `json:"expiry"`    // MM/YYYY
	Status    string `json:"status"`    // e.g. "Secured with a Visa token"
	TokenOK   bool   `json:"token_ok,omitempty"`
	CanSecure bool   `json:"can_secure,omitempty"` // eligible and not tokenized
	// Consent is the customer's last decision about this card, from the
	// consent evidence: when, and what was agreed ("" when none).
	Consent string `json:"consent,omitempty"`
}

// ManageViewRoute is the path pattern under which go-app prerenders the
// saved-cards screen for a given view (see ManageViewPath), as package
// webapp does per request. No public route leads to it.
const ManageViewRoute = `^/coft-manage/[A-Za-z0-9_-]+$`

const manageViewPrefix = "/coft-manage/"

// ManageViewPath is the path that prerenders the saved-cards screen with
// view v.
func ManageViewPath(v ManageView) string { return viewPath(manageViewPrefix, v) }

// Element IDs of the screen.
const (
	manageRootID  = "coft-manage"
	manageTitleID = "coft-manage-title"
	noticeID      = "notice"
)

// ManagePage lists a customer's saved cards with, for each, "Secure this
// card" (fresh consent in the consent dialog, then a one-rupee
// authenticated payment, refunded) and "Remove" (the card deleted, its
// token de-registered). Both are native form posts: the screen works
// without the wasm, which adds focus handling and a pending state.
type ManagePage struct {
	goapp.Compo
	view    ManageView
	pending string // the form being submitted: "secure:<ref>" or "remove:<ref>"
}

// OnPreRender takes the view from the path on the server (ManageViewPath).
func (c *ManagePage) OnPreRender(ctx goapp.Context) {
	var v ManageView
	if pathView(ctx.Page().URL().Path, manageViewPrefix, &v) {
		c.view = v
	}
}

// OnInit reads the view from the prerendered DOM in the browser.
func (c *ManagePage) OnInit() {
	if goapp.IsServer {
		return
	}
	root := goapp.Window().Get("document").Call("getElementById", manageRootID)
	if !root.Truthy() {
		return
	}
	if v := root.Call("getAttribute", "data-view"); v.Truthy() {
		if b, err := base64.RawURLEncoding.DecodeString(v.String()); err == nil {
			json.Unmarshal(b, &c.view)
		}
	}
}

// OnMount moves the focus to the notice, when there is one, so that screen
// readers announce the outcome; else to the title.
func (c *ManagePage) OnMount(goapp.Context) {
	id := manageTitleID
	if c.view.Notice != "" {
		id = noticeID
	}
	if el := goapp.Window().Get("document").Call("getElementById", id); el.Truthy() {
		el.Call("focus")
	}
}

func (c *ManagePage) onSubmit(key string) goapp.EventHandler {
	return func(ctx goapp.Context, e goapp.Event) {
		if c.pending != "" { // one action at a time
			e.PreventDefault()
			return
		}
		c.pending = key
	}
}

// Render draws the screen.
func (c *ManagePage) Render() goapp.UI {
	v := c.view
	// The view travels to the wasm in an attribute, base64: go-app's
	// server encoder escapes quotes in attribute values with backslashes,
	// which HTML does not understand.
	data, _ := json.Marshal(v)
	var notice goapp.UI
	if v.Notice != "" {
		p := goapp.P().ID(noticeID).TabIndex(-1).Text(v.Notice)
		if v.NoticeError {
			notice = p.Class("error").Attr("role", "alert")
		} else {
			notice = p.Class("saved").Attr("role", "status")
		}
	}
	var theme goapp.UI
	if v.Theme != "" {
		theme = goapp.Link().Rel("stylesheet").Href(v.Theme)
	}
	var logo goapp.UI
	if v.Logo != "" {
		logo = goapp.Img().Class("coft-logo").Src(v.Logo).Alt(v.MerchantName).Height(32)
	}
	var empty goapp.UI
	if len(v.Cards) == 0 {
		empty = goapp.P().ID("no-cards").Text("You have no saved cards.")
	}
	return goapp.Main().Body(
		goapp.Section().ID(manageRootID).Class("manage").Attr("aria-labelledby", manageTitleID).
			Attr("data-view", base64.RawURLEncoding.EncodeToString(data)).Body(
			theme,
			logo,
			goapp.H1().ID(manageTitleID).TabIndex(-1).Text("Your saved cards at "+v.MerchantName),
			notice,
			empty,
			goapp.Ul().Class("cards").Body(
				goapp.Range(v.Cards).Slice(func(i int) goapp.UI { return c.renderCard(v.Cards[i]) }),
			),
			goapp.P().Class("fine").Text("Securing a card asks for your consent, then your bank confirms a ₹1.00 "+
				"payment, which is refunded at once. Removing a card deletes it and its token for good."),
		),
	)
}

func (c *ManagePage) renderCard(card ManagedCard) goapp.UI {
	status := goapp.P().Class("card-status").Text(card.Status)
	if card.TokenOK {
		status = status.Class("ok")
	}
	form := func(action, label, key string, primary bool, aria string) goapp.UI {
		b := goapp.Button().Type("submit").Attr("data-action", action).Text(label)
		if primary {
			b = b.Class("primary")
		} else {
			b = b.Class("secondary")
		}
		if aria != "" {
			b = b.Aria("label", aria)
		}
		if c.pending == key {
			b = b.Aria("busy", "true").Aria("disabled", "true")
		}
		return goapp.Form().Method("post").Action("/cards/manage/"+action).OnSubmit(c.onSubmit(key)).Body(
			goapp.Input().Type("hidden").Name("client_auth_token").Value(c.view.Token),
			goapp.Input().Type("hidden").Name("card_reference").Value(card.Reference),
			b,
		)
	}
	var secure goapp.UI
	if card.CanSecure {
		secure = form("secure", "Secure this card", "secure:"+card.Reference, true, "")
	}
	var consent goapp.UI
	if card.Consent != "" {
		consent = goapp.P().Class("card-meta card-consent").Text(card.Consent)
	}
	return goapp.Li().Class("card").ID("card-"+card.Reference).Body(
		goapp.P().Class("card-name").Body(goapp.Strong().Text(card.Brand), goapp.Text(" "+card.Number)),
		goapp.P().Class("card-meta").Text("Expires "+card.Expiry),
		status,
		consent,
		goapp.Div().Class("card-actions").Body(
			secure,
			form("remove", "Remove", "remove:"+card.Reference, false, "Remove "+card.Brand+" "+card.Number),
		),
	)
}
