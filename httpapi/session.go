package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/juspay"
)

// handleSession serves POST /session (and /v4/session under JWE+JWS): it
// creates the order, or takes the existing unpaid order of the same
// order_id, and answers the links to pay it: the hosted payment page (card
// entry, the consent dialog, the bank) and the SDK payload. With
// action=paymentManagement it needs only a customer and opens the
// customer's saved-cards screen.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.SessionFields)
	if err != nil {
		return err
	}
	action := strings.TrimSpace(p["action"])
	if action == "" {
		action = juspay.ActionPaymentPage
	}
	clientID := strings.TrimSpace(p["payment_page_client_id"])
	if clientID == "" {
		clientID = a.merchant.ID
	}
	switch action {
	case juspay.ActionPaymentPage:
		return s.paymentPageSession(w, r, a.merchant, p, clientID)
	case juspay.ActionPaymentManagement:
		return s.managementSession(w, r, a.merchant, p, clientID)
	}
	return coft.Invalid("action", "action must be paymentPage or paymentManagement: %s is not offered.", juspay.SafeKey(action))
}

func (s *Server) paymentPageSession(w http.ResponseWriter, r *http.Request, m *coft.Merchant, p juspay.Params, clientID string) error {
	ctx := r.Context()
	o, err := juspay.NewOrder(m, p, "")
	if err != nil {
		return err
	}
	if err := s.checkNewOrder(m, o, ""); err != nil {
		return err
	}
	ttl, err := juspay.SessionTTL(p, s.cfg.ClientTokenTTL)
	if err != nil {
		return err
	}
	o.ExpiresAt = s.cfg.Now().Add(ttl).UTC().Truncate(time.Second)
	err = s.payments.CreateOrder(ctx, o)
	if coft.ErrorCode(err) == coft.ECONFLICT {
		// Juspay's own SDK tests create the order first and then ask for
		// its session: the unpaid order of that order_id is the session's.
		amount, expires := o.Amount, o.ExpiresAt
		o, err = s.cfg.Store.UpdateOrder(ctx, m.ID, o.OrderID, func(o *coft.Order) error {
			switch {
			case o.Status == coft.StatusCharged:
				return coft.FieldError(coft.ECONFLICT, "order_id", "Order %s is already paid.", o.OrderID)
			case o.Amount != amount:
				return coft.FieldError(coft.ECONFLICT, "amount", "Order %s exists with another amount (%s).", o.OrderID, o.Amount)
			case o.Purpose != "":
				return coft.FieldError(coft.ECONFLICT, "order_id", "Order %s is the service's own.", o.OrderID)
			}
			o.ExpiresAt = expires
			return nil
		})
	}
	if err != nil {
		return err
	}
	ca := s.clientAuth(authtoken.Scope{MerchantID: m.ID, OrderID: o.OrderID})
	expiry := juspay.Timestamp(o.ExpiresAt)
	payload := juspay.SessionPayload(p)
	for k, v := range map[string]string{
		"clientId": clientID, "merchantId": m.ID, "action": juspay.ActionPaymentPage, "environment": s.cfg.Environment,
		"clientAuthToken": ca.ClientAuthToken, "clientAuthTokenExpiry": ca.ClientAuthTokenExpiry,
		"orderId": o.OrderID, "amount": o.Amount.String(), "currency": o.Currency, "customerId": o.CustomerID,
		"customerEmail": o.CustomerEmail, "customerPhone": o.CustomerPhone, "returnUrl": o.ReturnURL,
		"description": o.Description,
	} {
		payload[k] = v
	}
	juspay.WriteJSON(w, http.StatusOK, juspay.Session{Status: string(coft.StatusNew), ID: o.ID, OrderID: o.OrderID,
		PaymentLinks: juspay.SessionLinks{Web: s.views.PaymentLinks(o).Web, Expiry: expiry},
		SDKPayload:   juspay.NewSDKPayload(payload, expiry), OrderExpiry: expiry})
	return nil
}

func (s *Server) managementSession(w http.ResponseWriter, r *http.Request, m *coft.Merchant, p juspay.Params, clientID string) error {
	id := strings.TrimSpace(p["customer_id"])
	if id == "" {
		return coft.Missing("customer_id")
	}
	c, err := s.cfg.Store.FindCustomer(r.Context(), m.ID, id)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
	} else if err != nil {
		return err
	}
	ca := s.clientAuth(authtoken.Scope{MerchantID: m.ID, CustomerID: c.ID})
	payload := juspay.SessionPayload(p)
	for k, v := range map[string]string{
		"clientId": clientID, "merchantId": m.ID, "action": juspay.ActionPaymentManagement, "environment": s.cfg.Environment,
		"clientAuthToken": ca.ClientAuthToken, "clientAuthTokenExpiry": ca.ClientAuthTokenExpiry, "customerId": id,
	} {
		payload[k] = v
	}
	web := s.cfg.BaseURL + "/cards/manage?client_auth_token=" + url.QueryEscape(ca.ClientAuthToken)
	juspay.WriteJSON(w, http.StatusOK, juspay.Session{PaymentLinks: juspay.SessionLinks{Web: web, Expiry: ca.ClientAuthTokenExpiry},
		SDKPayload: juspay.NewSDKPayload(payload, ca.ClientAuthTokenExpiry)})
	return nil
}
