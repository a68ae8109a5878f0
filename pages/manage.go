package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/payment"
)

// errManageLinkExpired refuses the saved-cards screen's expired or foreign
// client token.
var errManageLinkExpired = coft.Errorf(coft.EUNAUTHORIZED, "This link to your saved cards is no longer valid. Please open it again from the store.")

// manageAuth reads the customer-scoped client_auth_token of the
// management screen.
func (s *Server) manageAuth(r *http.Request, token string) (*coft.Merchant, *authtoken.Scope, error) {
	scope, err := s.cfg.Tokens.VerifyClientAuthToken(token)
	if err != nil {
		return nil, nil, err
	}
	if scope.CustomerID == "" {
		return nil, nil, coft.Errorf(coft.EFORBIDDEN, "This link needs a customer's client_auth_token.")
	}
	m, err := s.findMerchantByID(r.Context(), scope.MerchantID)
	if err != nil {
		return nil, nil, coft.Errorf(coft.EUNAUTHORIZED, "Invalid client_auth_token.")
	}
	return m, &scope, nil
}

// ManagePage serves GET /cards/manage?client_auth_token=…: the
// customer's saved cards, each with "Secure this card" and "Remove".
func (s *Server) ManagePage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("client_auth_token")
	m, scope, err := s.manageAuth(r, token)
	if err != nil {
		return errManageLinkExpired
	}
	notice, isErr := s.manageNotice(r, m, scope)
	s.renderManage(w, r, m, scope, token, http.StatusOK, notice, isErr)
	return nil
}

// manageNotice tells the outcome of the one-rupee payment the customer
// comes back from, read from the order itself (never from the URL), or of
// the removal the screen redirected from. The URL names that removal by a
// code, never by text: anyone can send a customer a link to this page on
// the payment origin, and it must not say what they choose.
func (s *Server) manageNotice(r *http.Request, m *coft.Merchant, scope *authtoken.Scope) (string, bool) {
	q := r.URL.Query()
	id := q.Get("order_id")
	if id == "" {
		return removalNotice(q), false
	}
	o, t, err := s.cfg.Store.FindOrderStatus(r.Context(), m.ID, id)
	if err != nil || o.Purpose != coft.PurposeCardTokenization || t == nil || t.CustomerID != scope.CustomerID {
		return "", false
	}
	switch {
	case t.Status == coft.StatusCharged && t.TokenReference != "":
		return "Your card is secured. The ₹1.00 check is being refunded.", false
	case t.Status == coft.StatusCharged && t.Consent != nil && !*t.Consent:
		return "You chose not to secure the card. The ₹1.00 check is being refunded.", false
	case t.Status == coft.StatusCharged:
		return "The card network could not secure this card: " + t.TokenError + " The ₹1.00 check is being refunded.", true
	case t.Done() && t.Consent != nil && !*t.Consent:
		return "You chose not to secure the card. Nothing was charged.", false
	case t.Done():
		return "Your bank did not confirm the ₹1.00 check, so the card was not secured. Nothing was charged.", true
	}
	return "", false
}

func (s *Server) renderManage(w http.ResponseWriter, r *http.Request, m *coft.Merchant, scope *authtoken.Scope,
	token string, status int, notice string, isErr bool) {
	cards, err := s.cfg.Store.ListCards(r.Context(), m.ID, scope.CustomerID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	consents, err := s.cardConsents(r, m.ID, scope.CustomerID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v := app.ManageView{MerchantName: m.DisplayName(), Token: token, Notice: notice, NoticeError: isErr, Cards: []app.ManagedCard{},
		Theme: themeURL(m.BrandColor), Logo: m.LogoURL}
	for _, c := range cards {
		support, err := s.payments.TokenizeSupport(r.Context(), m, "", c.Bin())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		mc := app.ManagedCard{Reference: c.Reference, Brand: coft.BrandName(c.Brand), Number: c.MaskedNumber(),
			Expiry: c.ExpMonth + "/" + c.ExpYear, Status: "Not secured with a network token",
			CanSecure: support && !c.HasLiveToken() && len(c.PANCiphertext) > 0 && !c.Expired(s.cfg.Now()),
			Consent:   consents[c.Fingerprint]}
		if t := c.Token; t != nil {
			switch t.Status {
			case coft.TokenActive:
				mc.Status, mc.TokenOK = "Secured with a "+coft.BrandName(t.Provider)+" token", true
			case coft.TokenSuspended:
				mc.Status = "Token suspended by " + coft.BrandName(t.Provider)
			case coft.TokenInitiated:
				mc.Status = "Being secured…"
			case coft.TokenInactive:
				mc.Status = "Token no longer active"
			}
		}
		v.Cards = append(v.Cards, mc)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	if err := s.cfg.Consent.RenderManage(buf, v); err != nil {
		s.Error(w, r, err)
		return
	}
	writeHTML(w, status, withLogo(s.cfg.Consent.ConsentCSP(frameAncestors(m)...), m.LogoURL), len(m.FrameOrigins) > 0, buf)
}

// ManageSecure serves POST /cards/manage/secure: the customer asks
// to secure a card; the consent page and the bank follow.
func (s *Server) ManageSecure(w http.ResponseWriter, r *http.Request) error {
	m, scope, card, token, ok := s.manageForm(w, r)
	if !ok {
		return nil
	}
	back := s.cfg.BaseURL + "/cards/manage?client_auth_token=" + url.QueryEscape(token)
	cardToken := s.cfg.Tokens.CardToken(m.ID, card.CustomerID, card.Reference, s.cfg.ClientTokenTTL)
	t, err := s.payments.TokenizeCard(r.Context(), payment.TokenizeCardRequest{Merchant: m, CardToken: cardToken,
		ByClient: true, CustomerID: scope.CustomerID, ReturnURL: back}, s.cfg.AuthWindow)
	if err != nil {
		s.renderManage(w, r, m, scope, token, http.StatusBadRequest, coft.ErrorMessage(err), true)
		return nil
	}
	http.Redirect(w, r, s.views.AuthenticationURL(t), http.StatusSeeOther)
	return nil
}

// ManageRemove serves POST /cards/manage/remove: the card is deleted
// and its token de-registered; the withdrawal is recorded.
func (s *Server) ManageRemove(w http.ResponseWriter, r *http.Request) error {
	m, scope, card, token, ok := s.manageForm(w, r)
	if !ok {
		return nil
	}
	if err := s.payments.RemoveCard(r.Context(), m, card, Withdrawal(r, coft.ChannelManagementPage)); err != nil {
		s.renderManage(w, r, m, scope, token, http.StatusServiceUnavailable, coft.ErrorMessage(err), true)
		return nil
	}
	back := url.Values{"client_auth_token": {token}, "notice": {noticeRemoved}, "brand": {card.Brand}, "last4": {card.Last4}}
	http.Redirect(w, r, s.cfg.BaseURL+"/cards/manage?"+back.Encode(), http.StatusSeeOther)
	return nil
}

// noticeRemoved is the notice code of a removed card.
const noticeRemoved = "removed"

// removalNotice is the sentence of the notice code in q: "removed", with
// the card's network (one the service knows) and last four digits when
// both are valid. Anything else shows nothing.
func removalNotice(q url.Values) string {
	if q.Get("notice") != noticeRemoved {
		return ""
	}
	brand, last4 := q.Get("brand"), q.Get("last4")
	if name := coft.BrandName(brand); name != brand && len(last4) == 4 && coft.AllDigits(last4) {
		return fmt.Sprintf("Your %s card ending %s was removed.", name, last4)
	}
	return "Your card was removed."
}

// manageForm reads a management screen form: the customer's token and one
// of the customer's cards.
func (s *Server) manageForm(w http.ResponseWriter, r *http.Request) (*coft.Merchant, *authtoken.Scope, *coft.Card, string, bool) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, coft.Errorf(coft.EINVALID, "Please go back and try again."))
		return nil, nil, nil, "", false
	}
	token := r.PostForm.Get("client_auth_token")
	m, scope, err := s.manageAuth(r, token)
	if err != nil {
		s.Error(w, r, errManageLinkExpired)
		return nil, nil, nil, "", false
	}
	c, err := s.cfg.Store.FindCard(r.Context(), m.ID, strings.TrimSpace(r.PostForm.Get("card_reference")))
	if err != nil || c.CustomerID != scope.CustomerID {
		s.renderManage(w, r, m, scope, token, http.StatusNotFound, "That card is not among your saved cards.", true)
		return nil, nil, nil, "", false
	}
	return m, scope, c, token, true
}

// cardConsents returns, by card fingerprint, the customer's last decision
// about each card, from the consent ledger: when, and what was agreed.
func (s *Server) cardConsents(r *http.Request, merchantID, customerID string) (map[string]string, error) {
	entries, err := s.cfg.Store.CustomerLedger(r.Context(), merchantID, customerID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries { // oldest first: the last decision wins
		var rec struct {
			Kind        string `json:"kind"`
			Decision    *bool  `json:"decision"`
			Fingerprint string `json:"fingerprint"`
			TextID      string `json:"text_id"`
			At          string `json:"at"`
		}
		if json.Unmarshal([]byte(e.Record), &rec) != nil || rec.Kind != coft.LedgerDecision || rec.Decision == nil || rec.Fingerprint == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, rec.At)
		if err != nil {
			continue
		}
		when := coft.InIndia(at).Format("2 Jan 2006")
		if *rec.Decision {
			out[rec.Fingerprint] = "On " + when + " you agreed to save this card as a secure token (consent " + rec.TextID + ")."
		} else {
			out[rec.Fingerprint] = "On " + when + " you chose not to save this card as a token (consent " + rec.TextID + ")."
		}
	}
	return out, nil
}
