package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
)

type cardView struct {
	CardToken         string     `json:"card_token"`
	CardReference     string     `json:"card_reference"`
	CardNumber        string     `json:"card_number"`
	CardISIN          string     `json:"card_isin"`
	CardExpYear       string     `json:"card_exp_year"`
	CardExpMonth      string     `json:"card_exp_month"`
	CardType          string     `json:"card_type"`
	CardIssuer        string     `json:"card_issuer"`
	CardBrand         string     `json:"card_brand"`
	Nickname          string     `json:"nickname"`
	NameOnCard        string     `json:"name_on_card"`
	Expired           bool       `json:"expired"`
	CardFingerprint   string     `json:"card_fingerprint"`
	JuspayBankCode    string     `json:"juspay_bank_code"`
	CardSubType       string     `json:"card_sub_type"`
	CardIssuerCountry string     `json:"card_issuer_country"`
	TokenizeSupport   bool       `json:"tokenize_support"`
	ProviderCategory  string     `json:"provider_category"`
	Provider          string     `json:"provider"`
	Token             *tokenView `json:"token,omitempty"`
	// ExtendedCardType is the BIN table's type: CREDIT, DEBIT or PREPAID.
	ExtendedCardType string `json:"extended_card_type"`
	// Metadata.OriginMerchantID is the merchant that saved the card.
	Metadata struct {
		OriginMerchantID string `json:"origin_merchant_id"`
	} `json:"metadata"`
}

// tokenView is the "token" block of saved cards, order status and webhooks.
type tokenView struct {
	CardReference      string `json:"card_reference"`
	LastFourDigits     string `json:"last_four_digits"`
	CardFingerprint    string `json:"card_fingerprint"`
	CardISIN           string `json:"card_isin"`
	ExpiryYear         string `json:"expiry_year"`
	ExpiryMonth        string `json:"expiry_month"`
	PAR                string `json:"par"`
	TokenizationStatus string `json:"tokenization_status"`
	// Set on GET /cards: whether the card pays without its security code,
	// and through which gateways.
	CVVLessSupport          *bool     `json:"cvv_less_support,omitempty"`
	CVVLessSupportedGateway *[]string `json:"cvv_less_supported_gateways,omitempty"`
}

func tokenViewOf(c *coft.Card) *tokenView {
	t := c.Token
	if t == nil {
		return nil
	}
	return &tokenView{CardReference: t.Reference, LastFourDigits: t.Last4, CardFingerprint: c.Fingerprint,
		CardISIN: t.ISIN, ExpiryYear: t.ExpYear, ExpiryMonth: t.ExpMonth, PAR: t.PAR, TokenizationStatus: t.Status}
}

// cardView shows a saved card. A card can be tokenized when its BIN is
// eligible for the merchant (or sub-merchant) and it has no live token yet.
func (s *Server) cardView(ctx context.Context, m *coft.Merchant, c *coft.Card, submerchantID string) (*cardView, error) {
	v := &cardView{
		CardToken: s.cfg.Tokens.CardToken(m.ID, c.CustomerID, c.Reference, s.cfg.ClientTokenTTL), CardReference: c.Reference,
		CardNumber: c.MaskedNumber(), CardISIN: c.ISIN, CardExpYear: c.ExpYear, CardExpMonth: c.ExpMonth,
		CardType: c.Type, CardIssuer: c.Issuer, CardBrand: c.Brand, Nickname: c.Nickname, NameOnCard: c.NameOnCard,
		Expired: c.Expired(s.cfg.Now()), CardFingerprint: c.Fingerprint, JuspayBankCode: c.BankCode,
		CardSubType: orNA(c.SubType), CardIssuerCountry: c.IssuerCountry,
		ProviderCategory: "CONTAINER", Provider: "JUSPAY", Token: tokenViewOf(c), ExtendedCardType: c.Type,
	}
	v.Metadata.OriginMerchantID = c.MerchantID
	if c.Token != nil {
		v.ProviderCategory, v.Provider = "NETWORK", c.Token.Provider
		cvvLess := s.payments.CVVLess(c)
		v.Token.CVVLessSupport, v.Token.CVVLessSupportedGateway = &cvvLess, s.cvvLessGateways(cvvLess)
	}
	support, err := s.payments.TokenizeSupport(ctx, m, submerchantID, c.Bin())
	v.TokenizeSupport = support && !c.HasLiveToken()
	return v, err
}

// cvvLessGateways lists the gateways that take CVV-less payments: the
// bank's, when supported; an empty array otherwise, as Juspay answers.
func (s *Server) cvvLessGateways(supported bool) *[]string {
	gws := []string{}
	if supported {
		gws = append(gws, s.cfg.Bank.Gateway().Name)
	}
	return &gws
}

func orNA(s string) string {
	if s == "" {
		return "NA"
	}
	return s
}

// handleCardList serves GET /cards?customer_id=…
func (s *Server) handleCardList(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, fields{"customer_id", "options.check_cvv_less_support", "options.check_atm_pin_auth_support", "submerchant_id"})
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
	views := make([]*cardView, len(cards))
	for i, card := range cards {
		if views[i], err = s.cardView(r.Context(), a.merchant, card, sub); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, struct {
		CustomerID string      `json:"customer_id"`
		MerchantID string      `json:"merchantId"`
		Cards      []*cardView `json:"cards"`
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
	p, err := readParams(w, r, fields{"card_token", "customer_id"})
	if err != nil {
		return err
	}
	c, err := s.payments.CardByToken(r.Context(), a.merchant, p["card_token"])
	if err != nil {
		return err
	}
	if err := s.payments.RemoveCard(r.Context(), a.merchant, c, withdrawal(r, coft.ChannelMerchantDeclared)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		CardToken     string `json:"card_token"`
		CardReference string `json:"card_reference"`
		Deleted       bool   `json:"deleted"`
	}{p["card_token"], c.Reference, true})
	return nil
}

// handleCardUpdate serves POST /card/update (the card's nickname).
func (s *Server) handleCardUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, fields{"card_token", "customer_id", "nickname"})
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
	writeJSON(w, http.StatusOK, struct {
		*cardView
		UserMessage string `json:"user_message"`
		Status      string `json:"status"`
	}{v, "Card details updated", "SUCCESS"})
	return nil
}

// handleCardDeleteV4 serves POST /v4/card/delete: by card_reference and
// customer_id, removing the card and its network token.
func (s *Server) handleCardDeleteV4(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, fields{"card_reference", "customer_id"})
	if err != nil {
		return err
	}
	c, _, err := s.customerCard(r.Context(), a.merchant, p)
	if err != nil {
		return err
	}
	if err := s.payments.RemoveCard(r.Context(), a.merchant, c, withdrawal(r, coft.ChannelMerchantDeclared)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{"SUCCESS"})
	return nil
}

// cardBinView is the Card Info response; the *_support keys appear only
// when asked for.
type cardBinView struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Brand             string `json:"brand"`
	Bank              string `json:"bank"`
	Country           string `json:"country"`
	Type              string `json:"type"`
	CardSubType       string `json:"card_sub_type"`
	JuspayBankCode    string `json:"juspay_bank_code"`
	ExtendedCardType  string `json:"extended_card_type"` // the BIN table's type: CREDIT, DEBIT or PREPAID
	TokenizeSupport   *bool  `json:"tokenize_support,omitempty"`
	MandateSupport    *bool  `json:"mandate_support,omitempty"`
	DirectOTPSupport  *bool  `json:"direct_otp_support,omitempty"`
	ATMPinAuthSupport *bool  `json:"atm_pin_auth_support,omitempty"`
	// With options.check_cvv_less_support: whether the card, once
	// tokenized for this merchant, pays without its security code.
	CVVLessSupport          *bool     `json:"cvv_less_support,omitempty"`
	CVVLessSupportedGateway *[]string `json:"cvv_less_supported_gateways,omitempty"`
}

var cardBinFields = fields{"submerchant_id", "options.check_tokenize_support", "options.check_mandate_support",
	"options.check_direct_otp_support", "options.check_atm_pin_auth_support", "options.check_cvv_less_support"}

// handleCardBin serves GET /cardbins/{bin}.
func (s *Server) handleCardBin(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, cardBinFields)
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
	support, err := s.payments.TokenizeSupport(r.Context(), a.merchant, sub, b)
	if err != nil {
		return err
	}
	v := cardBinView{ID: bin, Object: "cardbin", Brand: b.Brand, Bank: b.Bank, Country: b.Country,
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
		asked, err := p.flag(opt.key)
		if err != nil {
			return err
		}
		if asked {
			val := opt.val
			*opt.dst = &val
		}
	}
	if asked, err := p.flag("options.check_cvv_less_support"); err != nil {
		return err
	} else if asked {
		cvvLess := support && s.cfg.Network.CVVLess(b.Brand)
		v.CVVLessSupport, v.CVVLessSupportedGateway = &cvvLess, s.cvvLessGateways(cvvLess)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// withdrawal is the evidence of a customer's withdrawal of consent by this
// request: the channel, the client's address and user agent.
func withdrawal(r *http.Request, channel string) coft.Withdrawal {
	return coft.Withdrawal{Channel: channel, ClientIP: clientIP(r), UserAgent: truncate(r.UserAgent(), 512)}
}
