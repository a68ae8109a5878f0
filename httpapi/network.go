package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/jweauth"
)

// handleCardGet serves POST /v4/card/get: a saved card's network token
// and a fresh cryptogram for one payment, for ACTIVE tokens only.
func (s *Server) handleCardGet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	p, err := juspay.ReadParams(w, r, juspay.Fields{"card_reference", "customer_id", "check_cvv_less_support", "submerchantId"})
	if err != nil {
		return err
	}
	c, custID, err := s.customerCard(ctx, a.merchant, p)
	if err != nil {
		return err
	}
	t := c.Token
	switch {
	case t == nil:
		return coft.FieldError(coft.ECONFLICT, "card_reference", "The card has no network token.")
	case t.Status != coft.TokenActive:
		return coft.FieldError(coft.ECONFLICT, "card_reference",
			"The card's token is %s: cryptograms are issued for ACTIVE tokens only.", t.Status)
	}
	number, err := s.cfg.Locker.Open(t.Ciphertext, t.KeyID, t.Reference)
	if err != nil {
		return err
	}
	crypt, err := s.cfg.Network.Cryptogram(ctx, t.Provider, number)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	juspay.WriteJSON(w, http.StatusOK, juspay.CardGet{
		Reference: t.Reference, CardReference: c.Reference, CustomerID: custID, NameOnCard: c.NameOnCard,
		Nickname: nonEmpty(c.Nickname), Fingerprint: c.Fingerprint, CardType: c.Type, SubType: nonEmpty(c.SubType),
		Network: c.Brand, Issuer: c.Issuer, IssuerCountry: c.IssuerCountry,
		TokenDetails: juspay.TokenDetails{Status: t.Status, FirstSix: t.ISIN, LastFour: t.Last4, ExpMonth: t.ExpMonth,
			ExpYear: t.ExpYear, Provider: t.Provider, ProviderCategory: "NETWORK"},
		ECI: crypt.ECI, TokenRequestorID: crypt.TokenRequestorID,
		AuthenticationDetails: juspay.AuthDetails{Cryptogram: crypt.Value, Token: number},
		CardDetails:           juspay.CardDetails{LastFour: c.Last4, PAR: t.PAR, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear},
	})
	return nil
}

// nonEmpty is s, or nil (null) when it is "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// customerCard finds the card a {card_reference, customer_id} request
// names; it returns the customer_id as given.
func (s *Server) customerCard(ctx context.Context, m *coft.Merchant, p juspay.Params) (*coft.Card, string, error) {
	ref, custID := strings.TrimSpace(p["card_reference"]), strings.TrimSpace(p["customer_id"])
	if ref == "" {
		return nil, "", coft.Missing("card_reference")
	}
	if custID == "" {
		return nil, "", coft.Missing("customer_id")
	}
	cust, err := s.cfg.Store.FindCustomer(ctx, m.ID, custID)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, "", coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
	} else if err != nil {
		return nil, "", err
	}
	c, err := s.cfg.Store.FindCard(ctx, m.ID, ref)
	if coft.ErrorCode(err) == coft.ENOTFOUND || err == nil && c.CustomerID != cust.ID {
		return nil, "", coft.FieldError(coft.ENOTFOUND, "card_reference", "The customer has no card with this card_reference.")
	}
	return c, custID, err
}

var altIDFields = juspay.Fields{"cardData", "keyId", "cardBrand", "correlationId", "submerchantId",
	"orderData.amount", "orderData.currency", "orderData.authRefNumber"}

// handleAltID serves POST /get/altId: an Alt ID and its TAVV for a guest's
// card, which arrives as a JWE encrypted to the service's key.
func (s *Server) handleAltID(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	if err := requireHeaders(r, hdrMerchantID, hdrContentType); err != nil {
		return err
	}
	p, err := juspay.ReadParams(w, r, altIDFields)
	if err != nil {
		return err
	}
	req, err := s.altIDRequest(p)
	if err != nil {
		return err
	}
	req.MerchantID = a.merchant.ID
	_, alt, err := s.payments.Onboarded(ctx, a.merchant.ID, req.SubmerchantID)
	if err != nil {
		return err
	}
	bin, _ := s.cfg.Bins.Lookup(req.PAN)
	var failure string
	switch {
	case !alt.Has(req.Brand):
		failure = "Contact support to register for ALT_ID: not onboarded to " + req.Brand + " for ALT_ID."
	case bin.Country != "INDIA":
		failure = "Alt IDs are issued for cards issued in India only."
	}
	var id *coft.AltID
	if failure == "" {
		id, err = s.cfg.Network.AltID(ctx, req)
		if coft.ErrorCode(err) == coft.EINVALID {
			failure = coft.ErrorMessage(err)
		} else if err != nil {
			return err
		}
	}
	if failure != "" {
		juspay.WriteCamelError(w, coft.Errorf(coft.EINVALID, "%s", failure), "ALT_ID_GENERATION_FAILED", requestID(ctx))
		return nil
	}
	corr := p["correlationId"]
	if corr == "" {
		corr = coft.RandomHex(16)
	}
	card := juspay.AltIDCard{CardBrand: req.Brand, CardIssuerBank: bin.Bank, CardIssuerCountry: bin.Country,
		Provider: req.Brand, ProviderCategory: "NETWORK", CorrelationID: corr}
	v := juspay.AltID{Status: "SUCCESS", AltIDDetails: juspay.AltIDDetails{AltID: id.Number, ExpMonth: id.ExpMonth, ExpYear: id.ExpYear,
		TAVV: id.TAVV, PAR: id.PAR}, AltIDCard: card, Payload: juspay.AltIDPayload{AltIDCard: card}}
	if v.Payload.AltIDDetails, err = s.sealToMerchant(ctx, a.merchant.ID, v.AltIDDetails); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// sealToMerchant encrypts v's JSON to the merchant's newest live JWE key
// (RSA-OAEP-256, A128GCM, its kid in the header), as Juspay seals what
// only the merchant may read; "" when the merchant has no key.
func (s *Server) sealToMerchant(ctx context.Context, merchantID string, v any) (string, error) {
	keys, err := s.cfg.Store.ListJWTKeys(ctx, merchantID)
	if err != nil {
		return "", err
	}
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Revoked() {
			continue
		}
		pub, err := jweauth.ParsePublicKey(keys[i].MerchantPublicKey)
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		return cardjwe.Seal(pub, keys[i].ID, b)
	}
	return "", nil
}

// altIDRequest reads and checks an Alt ID request, opening its card data.
func (s *Server) altIDRequest(p juspay.Params) (coft.AltIDRequest, error) {
	var req coft.AltIDRequest
	if s.cfg.CardKey == nil {
		return req, coft.Errorf(coft.EINTERNAL, "no card data key configured")
	}
	if p["cardData"] == "" {
		return req, coft.Missing("cardData")
	}
	if kid := p["keyId"]; kid != "" && kid != s.cfg.CardKey.ID() {
		return req, coft.Invalid("keyId", "keyId is not the service's key: fetch it from /tokenization/keys.")
	}
	plain, err := s.cfg.CardKey.Open(p["cardData"])
	if err != nil {
		return req, coft.Invalid("cardData", "cardData could not be decrypted: %v.", err)
	}
	var card struct {
		CardNumber       string `json:"cardNumber"`
		ExpMonth         string `json:"expMonth"`
		ExpYear          string `json:"expYear"`
		CardSecurityCode string `json:"cardSecurityCode"`
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&card); err != nil {
		return req, coft.Invalid("cardData", "cardData must decrypt to a JSON object with cardNumber, expMonth, expYear and optionally cardSecurityCode.")
	}
	pan := card.CardNumber
	switch {
	case pan == "":
		return req, coft.Missing("cardData.cardNumber")
	case len(pan) < 12 || len(pan) > 19 || !coft.LuhnValid(pan):
		return req, coft.Invalid("cardData.cardNumber", "cardData.cardNumber is not a valid card number.")
	case len(card.ExpMonth) != 2 || card.ExpMonth < "01" || card.ExpMonth > "12":
		return req, coft.Invalid("cardData.expMonth", "cardData.expMonth must be MM.")
	case len(card.ExpYear) != 4 || !coft.AllDigits(card.ExpYear):
		return req, coft.Invalid("cardData.expYear", "cardData.expYear must be YYYY.")
	case coft.CardExpired(card.ExpMonth, card.ExpYear, s.cfg.Now()):
		return req, coft.Invalid("cardData.expYear", "The card has expired.")
	case card.CardSecurityCode != "" && (len(card.CardSecurityCode) < 3 || len(card.CardSecurityCode) > 4 || !coft.AllDigits(card.CardSecurityCode)):
		return req, coft.Invalid("cardData.cardSecurityCode", "cardData.cardSecurityCode must be 3 or 4 digits.")
	}
	bin, _ := s.cfg.Bins.Lookup(pan)
	if !coft.NetworkSet(coft.AllNetworks).Has(bin.Brand) {
		return req, coft.Invalid("cardBrand", "Alt IDs are issued for VISA, MASTERCARD, RUPAY, AMEX and DINERS cards.")
	}
	if b := strings.ToUpper(p["cardBrand"]); b != "" && b != bin.Brand {
		return req, coft.Invalid("cardBrand", "cardBrand does not match the card number.")
	}
	req = coft.AltIDRequest{PAN: pan, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear, Brand: bin.Brand, Currency: "INR",
		SubmerchantID: strings.TrimSpace(p["submerchantId"])}
	if err := validSubmerchant("submerchantId", req.SubmerchantID); err != nil {
		return req, err
	}
	if v := p["orderData.amount"]; v != "" {
		amt, err := coft.ParseAmount("orderData.amount", v)
		if err != nil {
			return req, err
		}
		req.Amount = amt
	}
	if c := p["orderData.currency"]; c != "" && c != "INR" {
		return req, coft.Invalid("orderData.currency", "orderData.currency must be INR.")
	}
	return req, nil
}

// handleCardKeys serves GET /tokenization/keys: the public key merchants
// encrypt card data to, as a JWKS (or PEM with ?format=pem).
func (s *Server) handleCardKeys(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.CardKey == nil {
		return coft.Errorf(coft.ENOTFOUND, "No card data key is configured.")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if r.URL.Query().Get("format") == "pem" {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(s.cfg.CardKey.PublicPEM())
		return nil
	}
	js, err := s.cfg.CardKey.JWKS()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(js)
	return nil
}

// handleSandboxToken serves POST /sandbox/tokens/{reference}/{action}.
func (s *Server) handleSandboxToken(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	if _, err := juspay.ReadParams(w, r, nil); err != nil {
		return err
	}
	c, err := s.payments.SandboxChangeToken(r.Context(), a.merchant.ID, r.PathValue("reference"), r.PathValue("action"))
	if err != nil {
		return err
	}
	v, err := s.cardView(r.Context(), a.merchant, c, "")
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// handleSandboxOnboarding serves POST /sandbox/onboarding.
func (s *Server) handleSandboxOnboarding(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"associate_id", "flow", "network", "status"})
	if err != nil {
		return err
	}
	o, err := s.payments.SandboxDecideOnboarding(r.Context(), a.merchant.ID, strings.TrimSpace(p["associate_id"]),
		p["flow"], p["network"], p["status"])
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, juspay.Onboarding{Status: "SUCCESS", AssociateID: o.AssociateID, Response: juspay.NetworkStatusesOf(o)})
	return nil
}
