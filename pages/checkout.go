package pages

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/payment"
)

// sessionName is the browser session's cookie. It holds only when each
// consent dialog was first shown (evidence); the flow never depends on it,
// since browsers that block third-party cookies inside an iframe send none.
const sessionName = "coft_session"

// paymentPage loads the merchant and transaction a payment URL names.
// Unknown ones are answered with a page, not an error body.
func (s *Server) paymentPage(w http.ResponseWriter, r *http.Request) (*coft.Merchant, *coft.Txn, bool) {
	m, err := s.findMerchantByID(r.Context(), r.PathValue("merchant_id"))
	var t *coft.Txn
	if err == nil {
		t, err = s.cfg.Store.FindTxn(r.Context(), m.ID, r.PathValue("txn_uuid"))
	}
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		s.Error(w, r, coft.Errorf(coft.ENOTFOUND, "Payment not found."))
		return nil, nil, false
	} else if err != nil {
		s.Error(w, r, err)
		return nil, nil, false
	}
	s.allowFraming(w, m)
	return m, t, true
}

// frameAncestors is the CSP frame-ancestors source list of a merchant's
// customer pages: its allowed origins, or 'none'.
func frameAncestors(m *coft.Merchant) []string {
	if m == nil || len(m.FrameOrigins) == 0 {
		return []string{"'none'"}
	}
	return m.FrameOrigins
}

// allowFraming lets the merchant's allowed origins, and only them, frame
// the page being answered (the iframe checkout). Pages rendered after it
// keep this policy.
func (s *Server) allowFraming(w http.ResponseWriter, m *coft.Merchant) {
	if len(m.FrameOrigins) == 0 {
		return
	}
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", CSP.With("frame-ancestors", frameAncestors(m)...).String())
}

// ConsentPage serves GET /v2/txns/consent/{merchant_id}/{txn_uuid}.
func (s *Server) ConsentPage(w http.ResponseWriter, r *http.Request) error {
	m, t, ok := s.paymentPage(w, r)
	if !ok {
		return nil
	}
	if !t.ConsentPending() || t.Done() {
		http.Redirect(w, r, s.cfg.BaseURL+"/v2/pay/start/"+m.ID+"/"+t.UUID, http.StatusSeeOther)
		return nil
	}
	s.renderConsent(w, r, m, t, http.StatusOK, "")
	return nil
}

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, m *coft.Merchant, t *coft.Txn, status int, msg string) {
	// The customer's language: ?lang=, the locale a posted form was in, or
	// the browser's Accept-Language.
	explicit := r.URL.Query().Get("lang")
	if r.PostForm != nil && r.PostForm.Get("locale") != "" {
		explicit = r.PostForm.Get("locale")
	}
	locale := coft.MatchLocale(explicit, r.Header.Get("Accept-Language"))
	v := app.ConsentView{
		MerchantName: m.DisplayName(), Amount: coft.DisplayAmount(t.Amount), CardBrand: coft.BrandName(t.Brand), CardLast4: t.Last4,
		Action: "/v2/txns/consent/" + m.ID + "/" + t.UUID, FormToken: s.cfg.Tokens.FormToken(m.ID, t.UUID, s.cfg.Now()),
		TextID: coft.ConsentTextFor(locale).ID, Locale: locale, Error: msg, SavedCard: t.UsingSavedCard,
		Theme: themeURL(m.BrandColor), Logo: m.LogoURL,
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if err := s.cfg.Consent.RenderConsent(buf, v); err != nil {
		s.Error(w, r, err)
		return
	}
	// A decline of the one-rupee check ends in a redirect to the return
	// URL, and form-action governs redirects too.
	policy := s.cfg.Consent.ConsentCSP(frameAncestors(m)...).Add("form-action", urlOrigin(t.ReturnURL))
	writeHTML(w, status, withLogo(policy, m.LogoURL), len(m.FrameOrigins) > 0, buf)
}

// writeHTML answers a rendered page: its policy, no caching (pages carry
// tokens), and, when framed, no X-Frame-Options (the policy's
// frame-ancestors decides).
func writeHTML(w http.ResponseWriter, status int, policy csp.Policy, framed bool, buf *bytes.Buffer) {
	h := w.Header()
	if framed {
		h.Del("X-Frame-Options")
	}
	h.Set("Content-Security-Policy", policy.String())
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// remember keeps the customer's choice in the session, so the bank page
// can confirm it. The cookie is a courtesy: browsers that block it (a
// third-party iframe, say) complete the flow without the confirmation.
func (s *Server) remember(w http.ResponseWriter, r *http.Request, uuid string, decision bool) {
	sess, _ := s.cfg.Sessions.Get(r, sessionName) // a bad cookie yields a new session
	if sess == nil {
		return
	}
	for k := range sess.Values { // one payment at a time keeps the cookie small
		delete(sess.Values, k)
	}
	sess.Values["decision:"+uuid] = decision
	s.sessionOptions(r, sess.Options)
	if err := sess.Save(r, w); err != nil {
		s.cfg.Logger.WarnContext(r.Context(), "session not saved", "error", err.Error())
	}
}

// remembered returns the choice the session kept for the payment.
func (s *Server) remembered(r *http.Request, uuid string) (decision, ok bool) {
	if _, err := r.Cookie(sessionName); err != nil {
		return false, false
	}
	sess, err := s.cfg.Sessions.Get(r, sessionName)
	if err != nil || sess == nil {
		return false, false
	}
	decision, ok = sess.Values["decision:"+uuid].(bool)
	return decision, ok
}

// ConsentDecision serves POST /v2/txns/consent/{merchant_id}/{txn_uuid}:
// the customer's choice, recorded once, then on to the bank.
func (s *Server) ConsentDecision(w http.ResponseWriter, r *http.Request) error {
	m, t, ok := s.paymentPage(w, r)
	if !ok {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return titled("Choice not understood", coft.Errorf(coft.EINVALID, "Please go back and choose again."))
	}
	served, ok := s.cfg.Tokens.VerifyFormToken(m.ID, t.UUID, r.PostForm.Get("form_token"))
	if !ok {
		return titled("Choice not accepted", errFormNotValid)
	}
	var decision bool
	switch r.PostForm.Get("decision") {
	case "accept":
		decision = true
	case "decline":
	default:
		s.renderConsent(w, r, m, t, http.StatusBadRequest, "Please choose whether to save your card.")
		return nil
	}
	locale := r.PostForm.Get("locale")
	text, ok := coft.ConsentTexts[locale]
	if !ok || r.PostForm.Get("text_id") != text.ID {
		s.renderConsent(w, r, m, t, http.StatusBadRequest, "This page was out of date. Please choose again.")
		return nil
	}
	ff, ffSource := FormFactor(r)
	t, err := s.payments.RecordConsent(r.Context(), m, t, coft.Consent{Decision: decision, TextID: text.ID, Locale: locale,
		ClientIP: ClientIP(r), UserAgent: UserAgent(r),
		ShownAt:    served, // when the page with this form was served
		FormFactor: ff, FormFactorSource: ffSource,
	})
	if coft.ErrorCode(err) == coft.ECONFLICT {
		return titled("Choice already made", err)
	} else if err != nil {
		return err
	}
	s.remember(w, r, t.UUID, decision)
	if t.Done() { // the one-rupee check, declined: it ends here, uncharged
		s.finish(w, r, m, t)
		return nil
	}
	http.Redirect(w, r, s.cfg.BaseURL+"/v2/pay/start/"+m.ID+"/"+t.UUID, http.StatusSeeOther)
	return nil
}

// BankPage serves GET /v2/pay/start/{merchant_id}/{txn_uuid}: the
// sandbox bank's authentication page, once the customer's decision (if
// asked) is recorded. It writes nothing: the bank step is marked begun
// with the first password's write.
func (s *Server) BankPage(w http.ResponseWriter, r *http.Request) error {
	m, t, ok := s.paymentPage(w, r)
	if !ok {
		return nil
	}
	if t.ConsentPending() {
		http.Redirect(w, r, s.cfg.BaseURL+"/v2/txns/consent/"+m.ID+"/"+t.UUID, http.StatusSeeOther)
		return nil
	}
	if t.Done() || t.Status == coft.StatusAuthorizing { // the bank has the password: nothing more to type
		s.finish(w, r, m, t)
		return nil
	}
	s.renderBank(w, r, m, t, http.StatusOK, "")
	return nil
}

func (s *Server) renderBank(w http.ResponseWriter, r *http.Request, m *coft.Merchant, t *coft.Txn, status int, msg string) {
	bank := t.Issuer
	if bank == "" {
		bank = "Sandbox Bank"
	}
	// The OTP post ends in a redirect to the order's return URL, and
	// form-action governs redirects too: allow exactly that origin.
	if origin := urlOrigin(t.ReturnURL); origin != "" {
		w.Header().Set("Content-Security-Policy",
			CSP.With("frame-ancestors", frameAncestors(m)...).Add("form-action", origin).String())
	}
	v := components.BankView{
		Bank: bank, MerchantName: m.DisplayName(), Amount: coft.DisplayAmount(t.Amount),
		MaskedCard: coft.BrandName(t.Brand) + " •••• " + t.Last4, Action: "/v2/pay/start/" + m.ID + "/" + t.UUID,
		FormToken: s.cfg.Tokens.FormToken(m.ID, t.UUID, s.cfg.Now()), Error: msg, TriesLeft: payment.MaxOTPAttempts - t.OTPAttempts,
	}
	if decision, ok := s.remembered(r, t.UUID); ok {
		v.Note = "You chose not to save this card."
		if decision {
			v.Note = "You chose to save this card as a secure token. It is saved once this payment succeeds."
		}
	}
	s.page(w, r, status, components.BankPage(v))
}

// BankSubmit serves POST /v2/pay/start/{merchant_id}/{txn_uuid}: the
// one-time password, or the customer's cancellation.
func (s *Server) BankSubmit(w http.ResponseWriter, r *http.Request) error {
	m, t, ok := s.paymentPage(w, r)
	if !ok {
		return nil
	}
	if err := r.ParseForm(); err != nil || !s.validForm(m, t, r) {
		return errFormNotValid
	}
	if t.Done() { // a repeated post: show how it ended, changing nothing
		s.finish(w, r, m, t)
		return nil
	}
	if t.ConsentPending() {
		http.Redirect(w, r, s.views.AuthenticationURL(t), http.StatusSeeOther)
		return nil
	}
	t, wrong, err := s.payments.Authenticate(r.Context(), m, t, r.PostForm.Get("otp"), r.PostForm.Get("action") == "cancel")
	if err != nil {
		return err
	}
	if wrong {
		left := payment.MaxOTPAttempts - t.OTPAttempts
		s.renderBank(w, r, m, t, http.StatusBadRequest, "Incorrect OTP. "+strconv.Itoa(left)+" "+plural(left, "try", "tries")+" left.")
		return nil
	}
	s.finish(w, r, m, t)
	return nil
}

// validForm reports whether a posted form carries the transaction's token.
func (s *Server) validForm(m *coft.Merchant, t *coft.Txn, r *http.Request) bool {
	_, ok := s.cfg.Tokens.VerifyFormToken(m.ID, t.UUID, r.PostForm.Get("form_token"))
	return ok
}

// finish ends the customer's visit: back to the order's return URL with
// signed parameters, or a result page when there is none.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, m *coft.Merchant, t *coft.Txn) {
	o, err := s.cfg.Store.FindOrder(r.Context(), m.ID, t.OrderID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if o.ReturnURL != "" {
		http.Redirect(w, r, juspay.ReturnURL(o.ReturnURL, m.ResponseKey, o), http.StatusSeeOther)
		return
	}
	v := components.ResultView{MerchantName: m.DisplayName(), OrderID: o.OrderID, Amount: coft.DisplayAmount(o.Amount),
		Status: string(o.Status), Success: o.Status == coft.StatusCharged}
	switch {
	case v.Success:
		v.Message = "Your payment is complete. You can close this page."
	case o.Status == coft.StatusAuthorizing:
		v.Message = "Your bank is still processing the payment. The merchant is told as soon as it answers."
	case t.ErrorMessage != "":
		v.Message = t.ErrorMessage
	default:
		v.Message = "The payment did not complete."
	}
	if v.Success && t.TokenReference != "" {
		v.CardSaved = "Your " + coft.BrandName(t.Brand) + " card ending " + t.Last4 + " is saved as a secure token."
	}
	s.page(w, r, http.StatusOK, components.ResultPage(v))
}

// page writes a templ page with the pages' security policy.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	// Rendered even if the client has gone (a body too slow for
	// READ_TIMEOUT cancels the request): the answer is logged as what it
	// is, not as a failure to render.
	if err := c.Render(context.WithoutCancel(r.Context()), &buf); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "rendering page", "error", err.Error())
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if policy := h.Get("Content-Security-Policy"); policy == "" || policy == csp.None.String() {
		h.Set("Content-Security-Policy", CSP.String())
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// urlOrigin returns scheme://host of an http(s) URL, or "".
func urlOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
