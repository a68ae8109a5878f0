package httpapi

import (
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
	"github.com/coftkit/coft/payment"
)

var cardTokenizeFields = juspay.Fields{"card_token", "tokenize", "return_url"}

// handleCardTokenize serves POST /card/tokenize: out-of-band tokenization
// of a saved card. It creates a ₹1.00 order and a payment on the card;
// the customer consents on the consent page (or the merchant passes
// tokenize=true for consent it took itself) and authenticates with the
// bank; the token is provisioned and the rupee refunded automatically.
func (s *Server) handleCardTokenize(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, cardTokenizeFields)
	if err != nil {
		return err
	}
	tokenize, err := p.Bool("tokenize")
	if err != nil {
		return err
	}
	if tokenize != nil && !*tokenize {
		return coft.Invalid("tokenize", "tokenize must be true (consent taken by the merchant) or absent (asked on the consent page).")
	}
	if err := coft.ValidateHTTPURL("return_url", p["return_url"]); err != nil {
		return err
	}
	if p["return_url"] != "" && a.client != nil {
		// A browser's token names no place to send the customer: the
		// merchant's server does (or the order's default is used).
		return coft.FieldError(coft.EFORBIDDEN, "return_url", "return_url cannot be set with a client_auth_token: send it from your server with the API key.")
	}
	if err := s.checkReturnURL(a.merchant, "return_url", p["return_url"]); err != nil {
		return err
	}
	req := payment.TokenizeCardRequest{Merchant: a.merchant, CardToken: p["card_token"], Declared: tokenize != nil,
		ReturnURL: p["return_url"], ClientIP: pages.ClientIP(r), UserAgent: pages.UserAgent(r)}
	if a.client != nil {
		req.ByClient, req.CustomerID = true, a.client.CustomerID
	}
	txn, err := s.payments.TokenizeCard(r.Context(), req, s.cfg.AuthWindow)
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, s.views.TxnResponse(txn))
	return nil
}
