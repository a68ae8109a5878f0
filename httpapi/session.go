package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
)

// Session actions this service serves.
const (
	actionPaymentPage       = "paymentPage"
	actionPaymentManagement = "paymentManagement"
)

// sessionFields are what the Order Session API accepts: Create Order's
// fields and the session's own.
var sessionFields = append(fields{"payment_page_client_id", "action", "first_name", "last_name",
	"mobile_country_code", "service", "language", "payment_filter", "payment_filter."}, orderFields...)

// sessionResponse is the Order Session API's answer.
type sessionResponse struct {
	Status       string       `json:"status,omitempty"`
	ID           string       `json:"id,omitempty"`
	OrderID      string       `json:"order_id,omitempty"`
	PaymentLinks sessionLinks `json:"payment_links"`
	SDKPayload   sdkPayload   `json:"sdk_payload"`
	OrderExpiry  string       `json:"order_expiry,omitempty"`
}

type sessionLinks struct {
	Web    string `json:"web"`
	Expiry string `json:"expiry"`
}

// sdkPayload is the payload Juspay's HyperSDK takes. This service has no
// mobile SDK of its own: payment_links.web opens the same payment page in
// a browser or a web view.
type sdkPayload struct {
	RequestID string            `json:"requestId"`
	Service   string            `json:"service"`
	Payload   map[string]string `json:"payload"`
	Expiry    string            `json:"expiry"`
}

// handleSession serves POST /session (and /v4/session under JWE+JWS): it
// creates the order, or takes the existing unpaid order of the same
// order_id, and answers the links to pay it: the hosted payment page (card
// entry, the consent dialog, the bank) and the SDK payload. With
// action=paymentManagement it needs only a customer and opens the
// customer's saved-cards screen.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, sessionFields)
	if err != nil {
		return err
	}
	action := strings.TrimSpace(p["action"])
	if action == "" {
		action = actionPaymentPage
	}
	clientID := strings.TrimSpace(p["payment_page_client_id"])
	if clientID == "" {
		clientID = a.merchant.ID
	}
	switch action {
	case actionPaymentPage:
		return s.paymentPageSession(w, r, a.merchant, p, clientID)
	case actionPaymentManagement:
		return s.managementSession(w, r, a.merchant, p, clientID)
	}
	return coft.Invalid("action", "action must be paymentPage or paymentManagement: %s is not offered.", safeKey(action))
}

func (s *Server) paymentPageSession(w http.ResponseWriter, r *http.Request, m *coft.Merchant, p params, clientID string) error {
	ctx := r.Context()
	o, err := s.orderFromParams(r, m, p, "")
	if err != nil {
		return err
	}
	ttl, err := sessionTTL(p, s.cfg.ClientTokenTTL)
	if err != nil {
		return err
	}
	o.ExpiresAt = s.cfg.Now().Add(ttl).UTC().Truncate(time.Second)
	err = s.cfg.Store.CreateOrder(ctx, o)
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
	expiry := timestamp(o.ExpiresAt)
	payload := sessionPayload(p)
	for k, v := range map[string]string{
		"clientId": clientID, "merchantId": m.ID, "action": actionPaymentPage, "environment": s.cfg.Environment,
		"clientAuthToken": ca.ClientAuthToken, "clientAuthTokenExpiry": ca.ClientAuthTokenExpiry,
		"orderId": o.OrderID, "amount": o.Amount.String(), "currency": o.Currency, "customerId": o.CustomerID,
		"customerEmail": o.CustomerEmail, "customerPhone": o.CustomerPhone, "returnUrl": o.ReturnURL,
		"description": o.Description,
	} {
		payload[k] = v
	}
	writeJSON(w, http.StatusOK, sessionResponse{Status: string(coft.StatusNew), ID: o.ID, OrderID: o.OrderID,
		PaymentLinks: sessionLinks{Web: s.paymentLinks(o).Web, Expiry: expiry},
		SDKPayload:   newSDKPayload(payload, expiry), OrderExpiry: expiry})
	return nil
}

func (s *Server) managementSession(w http.ResponseWriter, r *http.Request, m *coft.Merchant, p params, clientID string) error {
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
	payload := sessionPayload(p)
	for k, v := range map[string]string{
		"clientId": clientID, "merchantId": m.ID, "action": actionPaymentManagement, "environment": s.cfg.Environment,
		"clientAuthToken": ca.ClientAuthToken, "clientAuthTokenExpiry": ca.ClientAuthTokenExpiry, "customerId": id,
	} {
		payload[k] = v
	}
	web := s.cfg.BaseURL + "/cards/manage?client_auth_token=" + url.QueryEscape(ca.ClientAuthToken)
	writeJSON(w, http.StatusOK, sessionResponse{PaymentLinks: sessionLinks{Web: web, Expiry: ca.ClientAuthTokenExpiry},
		SDKPayload: newSDKPayload(payload, ca.ClientAuthTokenExpiry)})
	return nil
}

// newSDKPayload wraps the payload for Juspay's HyperSDK service (a
// "service" field of the request is echoed inside the payload only).
func newSDKPayload(payload map[string]string, expiry string) sdkPayload {
	return sdkPayload{RequestID: coft.RandomHex(16), Service: "in.juspay.hyperpay", Payload: payload, Expiry: expiry}
}

// sessionTTL is how long a session's payment link lives: Juspay's
// metadata.expiryInMins when given (1 minute to 30 days), else def.
func sessionTTL(p params, def time.Duration) (time.Duration, error) {
	for _, k := range []string{"metadata.expiryInMins", "metadata.expiryinmins"} {
		v, ok := p[k]
		if !ok || v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30*24*60 {
			return 0, coft.FieldError(coft.ERANGE, k, "%s must be a number of minutes from 1 to 43200.", k)
		}
		return time.Duration(n) * time.Minute, nil
	}
	return def, nil
}

// sessionPayload echoes the request's fields in the SDK payload's
// camelCase (billing_address_first_name → billingAddressFirstName,
// options.create_mandate → options.createMandate), as Juspay's does. Keys
// not in snake case (metadata.PAYTM:CUST_ID) are kept as they are.
func sessionPayload(p params) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		switch k {
		case "payment_page_client_id", "merchant_id", "format", "version", "client_auth_token":
			continue
		}
		parts := strings.Split(k, ".")
		for i, part := range parts {
			parts[i] = camelCase(part)
		}
		out[strings.Join(parts, ".")] = v
	}
	return out
}

// camelCase turns a snake_case word into camelCase; anything else is
// returned as it is.
func camelCase(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return s
		}
	}
	var b strings.Builder
	up := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			up = b.Len() > 0
		case up:
			b.WriteByte(c - 'a' + 'A')
			up = false
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
