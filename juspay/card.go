package juspay

import (
	"time"

	"github.com/coftkit/coft"
)

// Card is a saved card, as GET /cards lists it.
type Card struct {
	CardToken         string `json:"card_token"`
	CardReference     string `json:"card_reference"`
	CardNumber        string `json:"card_number"`
	CardISIN          string `json:"card_isin"`
	CardExpYear       string `json:"card_exp_year"`
	CardExpMonth      string `json:"card_exp_month"`
	CardType          string `json:"card_type"`
	CardIssuer        string `json:"card_issuer"`
	CardBrand         string `json:"card_brand"`
	Nickname          string `json:"nickname"`
	NameOnCard        string `json:"name_on_card"`
	Expired           bool   `json:"expired"`
	CardFingerprint   string `json:"card_fingerprint"`
	JuspayBankCode    string `json:"juspay_bank_code"`
	CardSubType       string `json:"card_sub_type"`
	CardIssuerCountry string `json:"card_issuer_country"`
	TokenizeSupport   bool   `json:"tokenize_support"`
	ProviderCategory  string `json:"provider_category"`
	Provider          string `json:"provider"`
	Token             *Token `json:"token,omitempty"`
	// ExtendedCardType is the BIN table's type: CREDIT, DEBIT or PREPAID.
	ExtendedCardType string `json:"extended_card_type"`
	// Metadata.OriginMerchantID is the merchant that saved the card.
	Metadata struct {
		OriginMerchantID string `json:"origin_merchant_id"`
	} `json:"metadata"`
}

// Token is the "token" block of saved cards, order status and webhooks.
type Token struct {
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

func TokenOf(c *coft.Card) *Token {
	t := c.Token
	if t == nil {
		return nil
	}
	return &Token{CardReference: t.Reference, LastFourDigits: t.Last4, CardFingerprint: c.Fingerprint,
		CardISIN: t.ISIN, ExpiryYear: t.ExpYear, ExpiryMonth: t.ExpMonth, PAR: t.PAR, TokenizationStatus: t.Status}
}

// Card shows a saved card. CardToken and TokenizeSupport are the
// caller's to fill: a fresh card_token, and whether the card can be
// tokenized now.
func (v Views) Card(c *coft.Card, now time.Time, cvvLess bool) *Card {
	cv := &Card{
		CardReference: c.Reference,
		CardNumber:    c.MaskedNumber(), CardISIN: c.ISIN, CardExpYear: c.ExpYear, CardExpMonth: c.ExpMonth,
		CardType: c.Type, CardIssuer: c.Issuer, CardBrand: c.Brand, Nickname: c.Nickname, NameOnCard: c.NameOnCard,
		Expired: c.Expired(now), CardFingerprint: c.Fingerprint, JuspayBankCode: c.BankCode,
		CardSubType: orNA(c.SubType), CardIssuerCountry: c.IssuerCountry,
		ProviderCategory: "CONTAINER", Provider: "JUSPAY", Token: TokenOf(c), ExtendedCardType: c.Type,
	}
	cv.Metadata.OriginMerchantID = c.MerchantID
	if c.Token != nil {
		cv.ProviderCategory, cv.Provider = "NETWORK", c.Token.Provider
		cv.Token.CVVLessSupport, cv.Token.CVVLessSupportedGateway = &cvvLess, v.CVVLessGateways(cvvLess)
	}
	return cv
}

// CVVLessGateways lists the gateways that take CVV-less payments: the
// bank's, when supported; an empty array otherwise, as Juspay answers.
func (v Views) CVVLessGateways(supported bool) *[]string {
	gws := []string{}
	if supported {
		gws = append(gws, v.Bank.Gateway().Name)
	}
	return &gws
}

func orNA(s string) string {
	if s == "" {
		return "NA"
	}
	return s
}

// CardBin is the Card Info response; the *_support keys appear only
// when asked for.
type CardBin struct {
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

// CardBinFields are what Card Info accepts.
var CardBinFields = Fields{"submerchant_id", "options.check_tokenize_support", "options.check_mandate_support",
	"options.check_direct_otp_support", "options.check_atm_pin_auth_support", "options.check_cvv_less_support"}
