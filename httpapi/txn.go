package httpapi

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
)

// handleTxnCreate serves POST /txns: a card payment on an order, with the
// hosted consent page first when the customer must still be asked.
func (s *Server) handleTxnCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := juspay.ReadParams(w, r, juspay.TxnFields)
	if err != nil {
		return err
	}
	withToken, err := p.Flag("order.options.get_client_auth_token")
	if err != nil {
		return err
	}
	txn, err := s.startPayment(r, authFrom(r.Context()), p)
	if err != nil {
		return err
	}
	res := s.views.TxnResponse(txn)
	if withToken && p.WithPrefix("order.") != nil { // the order was created by this call
		res.Juspay = s.clientAuth(authtoken.Scope{MerchantID: txn.MerchantID, OrderID: txn.OrderID})
	}
	if !strings.EqualFold(p["format"], "json") {
		http.Redirect(w, r, res.Payment.Authentication.URL, http.StatusFound)
		return nil
	}
	juspay.WriteJSON(w, http.StatusOK, res)
	return nil
}

// startPayment starts the card payment /txns' fields ask for, for a
// merchant (API key) or a browser holding the order's client token.
func (s *Server) startPayment(r *http.Request, a *auth, p juspay.Params) (*coft.Txn, error) {
	req, err := juspay.StartRequest(a.merchant, p)
	if err != nil {
		return nil, err
	}
	switch {
	case a.client != nil && req.NewOrder != nil:
		return nil, coft.Errorf(coft.EFORBIDDEN, "A client_auth_token cannot create orders.")
	case a.client != nil && a.client.OrderID != req.OrderID:
		return nil, coft.Errorf(coft.EFORBIDDEN, "The client_auth_token is not valid for this order.")
	}
	if req.NewOrder != nil {
		if err := s.checkNewOrder(a.merchant, req.NewOrder, "order."); err != nil {
			return nil, err
		}
	}
	req.ClientIP, req.UserAgent = pages.ClientIP(r), pages.UserAgent(r)
	return s.payments.Start(r.Context(), req, s.cfg.AuthWindow)
}
