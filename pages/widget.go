package pages

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"slices"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/static"
)

// WidgetPath is the consent dialog embedded in a merchant's page by the
// drop-in script (/static/coft.js), in an iframe from this origin.
const WidgetPath = "/v2/consent/widget"

// widgetRequest is what the embedded dialog is about, read from its URL.
type widgetRequest struct {
	m      *coft.Merchant
	order  *coft.Order
	origin string // the merchant page's origin, one of its FrameOrigins
	bin    coft.CardBin
	last4  string
	saved  bool
	query  string // the URL's query, kept for the form's action
}

// widgetFrom reads and checks the embedded dialog's URL: the order's
// client_auth_token, the merchant page's origin, and the card (bin and
// last4 of a typed number, or a saved card's card_token).
func (s *Server) widgetFrom(r *http.Request) (*widgetRequest, error) {
	q := r.URL.Query()
	scope, err := s.cfg.Tokens.VerifyClientAuthToken(q.Get("client_auth_token"))
	if err != nil {
		return nil, err
	}
	if scope.OrderID == "" {
		return nil, coft.Invalid("client_auth_token", "The drop-in needs the order's client_auth_token.")
	}
	m, err := s.findMerchantByID(r.Context(), scope.MerchantID)
	if err != nil {
		return nil, coft.Errorf(coft.EUNAUTHORIZED, "Invalid client_auth_token.")
	}
	w := &widgetRequest{m: m, origin: q.Get("origin"), query: r.URL.RawQuery}
	if !slices.Contains(m.FrameOrigins, w.origin) {
		return nil, coft.FieldError(coft.EFORBIDDEN, "origin", "This page's origin is not allowed to embed the dialog.")
	}
	if w.order, err = s.cfg.Store.FindOrder(r.Context(), m.ID, scope.OrderID); err != nil {
		return nil, err
	}
	if tok := q.Get("card_token"); tok != "" {
		c, err := s.payments.CardByToken(r.Context(), m, tok)
		if err != nil {
			return nil, err
		}
		w.bin, w.last4, w.saved = c.Bin(), c.Last4, true
		return w, nil
	}
	bin, last4 := q.Get("bin"), q.Get("last4")
	if !coft.ValidBIN(bin) {
		return nil, coft.Invalid("bin", "bin must be 6 to 9 digits.")
	}
	if len(last4) != 4 || !coft.AllDigits(last4) {
		return nil, coft.Invalid("last4", "last4 must be 4 digits.")
	}
	b, ok := s.cfg.Bins.Lookup(bin)
	if !ok {
		b = coft.CardBin{BIN: bin}
	}
	w.bin, w.last4 = b, last4
	return w, nil
}

// formSubject is what the dialog's form token is bound to: the order and
// the card the dialog is about, so that a form served for one card cannot
// record a decision about another.
func (req *widgetRequest) formSubject() string {
	return "widget:" + req.order.OrderID + ":" + req.isin() + ":" + req.last4
}

// isin is the card's first six digits, as the decision records them.
func (req *widgetRequest) isin() string { return req.bin.BIN[:min(6, len(req.bin.BIN))] }

// widgetHeaders lets only the merchant page's origin frame the answer;
// without one, nothing may.
func widgetHeaders(w http.ResponseWriter, policy csp.Policy, origin string) {
	h := w.Header()
	fa := "'none'"
	if origin != "" {
		fa = origin
		h.Del("X-Frame-Options")
	}
	h.Set("Content-Security-Policy", policy.With("frame-ancestors", fa).String())
}

// widgetPage answers the embedded dialog with a message page.
func (s *Server) widgetPage(w http.ResponseWriter, r *http.Request, origin string, status int, v components.WidgetView) {
	widgetHeaders(w, CSP, origin)
	s.page(w, r, status, components.WidgetPage(v))
}

// Widget serves GET /v2/consent/widget: the consent dialog for the
// card typed (or saved) in the merchant's page, shown only when the card
// can be tokenized; otherwise a page telling the drop-in it cannot.
func (s *Server) Widget(w http.ResponseWriter, r *http.Request) error {
	req, err := s.widgetFrom(r)
	if err != nil {
		origin := ""
		if coft.ErrorField(err) != "origin" {
			origin = r.URL.Query().Get("origin") // the page may learn why, if it can frame us at all
			if m := s.widgetMerchant(r); m == nil || !slices.Contains(m.FrameOrigins, origin) {
				origin = ""
			}
		}
		s.widgetPage(w, r, origin, http.StatusBadRequest, components.WidgetView{Message: "error",
			Title: "The dialog cannot be shown", Text: coft.ErrorMessage(err)})
		return nil
	}
	support, err := s.payments.TokenizeSupport(r.Context(), req.m, req.order.Metadata["submerchant_id"], req.bin)
	if err != nil {
		return err
	}
	if !support || req.order.CustomerID == "" {
		s.widgetPage(w, r, req.origin, http.StatusOK, components.WidgetView{Message: "eligibility",
			Title: "Card cannot be saved", Text: "This card cannot be saved as a token."})
		return nil
	}
	s.renderWidget(w, r, req, http.StatusOK, "")
	return nil
}

// widgetMerchant is the merchant of the URL's client token, if valid.
func (s *Server) widgetMerchant(r *http.Request) *coft.Merchant {
	scope, err := s.cfg.Tokens.VerifyClientAuthToken(r.URL.Query().Get("client_auth_token"))
	if err != nil {
		return nil
	}
	m, _ := s.findMerchantByID(r.Context(), scope.MerchantID)
	return m
}

func (s *Server) renderWidget(w http.ResponseWriter, r *http.Request, req *widgetRequest, status int, msg string) {
	explicit := r.URL.Query().Get("lang")
	if r.PostForm != nil && r.PostForm.Get("locale") != "" {
		explicit = r.PostForm.Get("locale")
	}
	locale := coft.MatchLocale(explicit, r.Header.Get("Accept-Language"))
	v := app.ConsentView{
		MerchantName: req.m.DisplayName(), Amount: coft.DisplayAmount(req.order.Amount), CardBrand: coft.BrandName(req.bin.Brand),
		CardLast4: req.last4, Action: WidgetPath + "?" + req.query,
		FormToken: s.cfg.Tokens.FormToken(req.m.ID, req.formSubject(), s.cfg.Now()),
		TextID:    coft.ConsentTextFor(locale).ID, Locale: locale, Error: msg, SavedCard: req.saved,
		Theme: themeURL(req.m.BrandColor), Logo: req.m.LogoURL,
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if err := s.cfg.Consent.RenderConsent(buf, v); err != nil {
		s.Error(w, r, err)
		return
	}
	writeHTML(w, status, withLogo(s.cfg.Consent.ConsentCSP(req.origin), req.m.LogoURL), true, buf)
}

// WidgetDecision serves POST /v2/consent/widget: the customer's
// choice in the embedded dialog, recorded as evidence (channel
// MERCHANT_PAGE); the page then hands the merchant's page the decision
// and its consent_id, for /txns.
func (s *Server) WidgetDecision(w http.ResponseWriter, r *http.Request) error {
	req, err := s.widgetFrom(r)
	if err != nil {
		s.widgetPage(w, r, "", http.StatusBadRequest, components.WidgetView{Message: "error",
			Title: "Choice not accepted", Text: coft.ErrorMessage(err)})
		return nil
	}
	if err := r.ParseForm(); err != nil {
		s.renderWidget(w, r, req, http.StatusBadRequest, "Please choose whether to save your card.")
		return nil
	}
	served, ok := s.cfg.Tokens.VerifyFormToken(req.m.ID, req.formSubject(), r.PostForm.Get("form_token"))
	if !ok {
		s.widgetPage(w, r, req.origin, http.StatusForbidden, components.WidgetView{Message: "error",
			Title: "Choice not accepted", Text: "This form has expired. Please choose again."})
		return nil
	}
	var decision bool
	switch r.PostForm.Get("decision") {
	case app.DecisionAccept:
		decision = true
	case app.DecisionDecline:
	default:
		s.renderWidget(w, r, req, http.StatusBadRequest, "Please choose whether to save your card.")
		return nil
	}
	locale := r.PostForm.Get("locale")
	text, ok := coft.ConsentTexts[locale]
	if !ok || r.PostForm.Get("text_id") != text.ID {
		s.renderWidget(w, r, req, http.StatusBadRequest, "This page was out of date. Please choose again.")
		return nil
	}
	pc := &coft.PageConsent{MerchantID: req.m.ID, OrderID: req.order.OrderID, ISIN: req.isin(),
		Last4: req.last4, Brand: req.bin.Brand, Decision: decision, TextID: text.ID, Locale: locale, Origin: req.origin,
		ClientIP: ClientIP(r), UserAgent: UserAgent(r), ShownAt: served}
	pc.FormFactor, pc.FormFactorSource = FormFactor(r)
	// One decision per dialog shown: a replay gets the same consent_id.
	if err := s.cfg.Store.RecordPageConsent(r.Context(), pc); coft.ErrorCode(err) == coft.ECONFLICT {
		s.widgetPage(w, r, req.origin, http.StatusConflict, components.WidgetView{Message: "error",
			Title: "Choice already made", Text: coft.ErrorMessage(err)})
		return nil
	} else if err != nil {
		return err
	}
	v := components.WidgetView{Message: "decision", Eligible: true, Decision: r.PostForm.Get("decision"), ConsentID: pc.ID,
		Title: "Choice saved", Text: "Your card will not be saved."}
	if decision {
		v.Text = "Your card will be saved as a secure token after you pay."
	}
	s.widgetPage(w, r, req.origin, http.StatusOK, v)
	return nil
}

// dropInScript is the drop-in as served, and its subresource-integrity
// value (sha384), published at /v2/consent/drop-in.json.
var dropInScript, dropInIntegrity = func() ([]byte, string) {
	b, err := static.FS.ReadFile("coft.js")
	if err != nil {
		return nil, ""
	}
	sum := sha512.Sum384(b)
	return b, "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// DropIn serves GET /v2/consent/drop-in.json: the drop-in script's
// URL and integrity, for the merchant's <script> tag.
func (s *Server) DropIn(w http.ResponseWriter, r *http.Request) error {
	juspay.WriteJSON(w, http.StatusOK, struct {
		Src       string `json:"src"`
		Integrity string `json:"integrity"`
		Tag       string `json:"tag"`
	}{s.cfg.BaseURL + "/static/coft.js", dropInIntegrity,
		`<script src="` + s.cfg.BaseURL + `/static/coft.js" integrity="` + dropInIntegrity + `" crossorigin="anonymous" ` +
			`data-client-auth-token="…" data-card-input="#card-number" data-form="#checkout"></script>`})
	return nil
}
