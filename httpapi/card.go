package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
)

// juspay.Card shows a saved card. A card can be tokenized when its BIN is
// eligible for the merchant (or sub-merchant) and it has no live token yet.
func (s *Server) cardView(ctx context.Context, m *coft.Merchant, c *coft.Card, submerchantID string) (*juspay.Card, error) {
	v := s.views.Card(c, s.cfg.Now(), c.Token != nil && s.payments.CVVLess(c))
	v.CardToken = s.cfg.Tokens.CardToken(m.ID, c.CustomerID, c.Reference, s.cfg.ClientTokenTTL)
	support, err := s.payments.TokenizeSupport(ctx, m, submerchantID, c.Bin())
	v.TokenizeSupport = support && !c.HasLiveToken()
	return v, err
}

// handleCardList serves GET /cards?customer_id=…
func (s *Server) handleCardList(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"customer_id", "options.check_cvv_less_support", "options.check_atm_pin_auth_support", "submerchant_id"})
	if err != nil {
		return err
	}
	sub := strings.TrimSpace(p["submerchant_id"])
	if err := validSubmerchant("submerchant_id", sub); err != nil {
		return err
	}
	id := strings.TrimSpace(p["customer_id"])
	if a.client != nil && a.client.CustomerID != "" && id == "" {
		id = a.client.CustomerID
	}
	if id == "" {
		return coft.Missing("customer_id")
	}
	c, err := s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, id)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
	} else if err != nil {
		return err
	}
	if err := s.checkClientCustomer(r, a, c); err != nil {
		return err
	}
	cards, err := s.cfg.Store.ListCards(r.Context(), a.merchant.ID, c.ID)
	if err != nil {
		return err
	}
	views := make([]*juspay.Card, len(cards))
	for i, card := range cards {
		if views[i], err = s.cardView(r.Context(), a.merchant, card, sub); err != nil {
			return err
		}
	}
	juspay.WriteJSON(w, http.StatusOK, struct {
		CustomerID string         `json:"customer_id"`
		MerchantID string         `json:"merchantId"`
		Cards      []*juspay.Card `json:"cards"`
	}{id, a.merchant.ID, views})
	return nil
}

// checkClientCustomer refuses a client token scoped to another customer,
// or to an order of another customer.
func (s *Server) checkClientCustomer(r *http.Request, a *auth, c *coft.Customer) error {
	if a.client == nil {
		return nil
	}
	if a.client.CustomerID != "" {
		if a.client.CustomerID != c.ID {
			return coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this customer.")
		}
		return nil
	}
	o, err := s.cfg.Store.FindOrder(r.Context(), a.merchant.ID, a.client.OrderID)
	if err != nil {
		return coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this customer.")
	}
	if o.CustomerID != c.ID && o.CustomerID != c.ObjectReferenceID || o.CustomerID == "" {
		return coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this customer.")
	}
	return nil
}

// handleCardDelete serves POST /card/delete.
func (s *Server) handleCardDelete(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"card_token", "customer_id"})
	if err != nil {
		return err
	}
	c, err := s.payments.CardByToken(r.Context(), a.merchant, p["card_token"])
	if err != nil {
		return err
	}
	if err := s.payments.RemoveCard(r.Context(), a.merchant, c, pages.Withdrawal(r, coft.ChannelMerchantDeclared)); err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, struct {
		CardToken     string `json:"card_token"`
		CardReference string `json:"card_reference"`
		Deleted       bool   `json:"deleted"`
	}{p["card_token"], c.Reference, true})
	return nil
}

// handleCardUpdate serves POST /card/update (the card's nickname).
func (s *Server) handleCardUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"card_token", "customer_id", "nickname"})
	if err != nil {
		return err
	}
	c, err := s.payments.CardByToken(r.Context(), a.merchant, p["card_token"])
	if err != nil {
		return err
	}
	if id := p["customer_id"]; id != "" {
		cust, err := s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, id)
		if err != nil || cust.ID != c.CustomerID {
			return coft.Invalid("customer_id", "customer_id does not own this card.")
		}
	}
	nick, ok := p["nickname"]
	if !ok {
		return coft.Missing("nickname")
	}
	if nick = strings.TrimSpace(nick); len(nick) > 64 {
		return coft.FieldError(coft.ERANGE, "nickname", "nickname must be at most 64 characters.")
	}
	c, err = s.cfg.Store.UpdateCardNickname(r.Context(), a.merchant.ID, c.Reference, nick)
	if err != nil {
		return err
	}
	v, err := s.cardView(r.Context(), a.merchant, c, "")
	if err != nil {
		return err
	}
	// Juspay answers {card_token, user_message, status}; the card follows,
	// as this service has always answered it.
	juspay.WriteJSON(w, http.StatusOK, struct {
		*juspay.Card
		UserMessage string `json:"user_message"`
		Status      string `json:"status"`
	}{v, "Card details updated", "SUCCESS"})
	return nil
}

// handleCardDeleteV4 serves POST /v4/card/delete: by card_reference and
// customer_id, removing the card and its network token.
func (s *Server) handleCardDeleteV4(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"card_reference", "customer_id"})
	if err != nil {
		return err
	}
	c, _, err := s.customerCard(r.Context(), a.merchant, p)
	if err != nil {
		return err
	}
	if err := s.payments.RemoveCard(r.Context(), a.merchant, c, pages.Withdrawal(r, coft.ChannelMerchantDeclared)); err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{"SUCCESS"})
	return nil
}

// handleCardBin serves GET /cardbins/{bin}.
func (s *Server) handleCardBin(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.CardBinFields)
	if err != nil {
		return err
	}
	bin := r.PathValue("bin")
	if !coft.ValidBIN(bin) {
		return coft.Invalid("bin", "bin must be 6 to 9 digits.")
	}
	b, ok := s.cfg.Bins.Lookup(bin)
	if !ok {
		return coft.Errorf(coft.ENOTFOUND, "Cannot find what you are looking for")
	}
	sub := strings.TrimSpace(p["submerchant_id"])
	if err := validSubmerchant("submerchant_id", sub); err != nil {
		return err
	}
	if sub != "" && a.anonymous {
		// Whether a sub-merchant is onboarded is the merchant's to ask.
		return coft.FieldError(coft.EUNAUTHORIZED, "submerchant_id", "submerchant_id needs the API key or a client_auth_token.")
	}
	support, err := s.payments.TokenizeSupport(r.Context(), a.merchant, sub, b)
	if err != nil {
		return err
	}
	v := juspay.CardBin{ID: bin, Object: "cardbin", Brand: b.Brand, Bank: b.Bank, Country: b.Country,
		Type: b.Type, CardSubType: b.SubType, JuspayBankCode: b.BankCode, ExtendedCardType: b.Type}
	for _, opt := range []struct {
		key string
		dst **bool
		val bool
	}{
		{"options.check_tokenize_support", &v.TokenizeSupport, support},
		{"options.check_mandate_support", &v.MandateSupport, false},
		{"options.check_direct_otp_support", &v.DirectOTPSupport, false},
		{"options.check_atm_pin_auth_support", &v.ATMPinAuthSupport, false},
	} {
		asked, err := p.Flag(opt.key)
		if err != nil {
			return err
		}
		if asked {
			val := opt.val
			*opt.dst = &val
		}
	}
	if asked, err := p.Flag("options.check_cvv_less_support"); err != nil {
		return err
	} else if asked {
		cvvLess := support && s.cfg.Network.CVVLess(b.Brand)
		v.CVVLessSupport, v.CVVLessSupportedGateway = &cvvLess, s.views.CVVLessGateways(cvvLess)
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}
