package juspay

import (
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

// Session actions this service serves.
const (
	ActionPaymentPage       = "paymentPage"
	ActionPaymentManagement = "paymentManagement"
)

// SessionFields are what the Order Session API accepts: Create Order's
// Fields and the session's own.
var SessionFields = append(Fields{"payment_page_client_id", "action", "first_name", "last_name",
	"mobile_country_code", "service", "language", "payment_filter", "payment_filter."}, OrderFields...)

// Session is the Order Session API's answer.
type Session struct {
	Status       string       `json:"status,omitempty"`
	ID           string       `json:"id,omitempty"`
	OrderID      string       `json:"order_id,omitempty"`
	PaymentLinks SessionLinks `json:"payment_links"`
	SDKPayload   SDKPayload   `json:"sdk_payload"`
	OrderExpiry  string       `json:"order_expiry,omitempty"`
}

type SessionLinks struct {
	Web    string `json:"web"`
	Expiry string `json:"expiry"`
}

// SDKPayload is the payload Juspay's HyperSDK takes. This service has no
// mobile SDK of its own: payment_links.web opens the same payment page in
// a browser or a web view.
type SDKPayload struct {
	RequestID string            `json:"requestId"`
	Service   string            `json:"service"`
	Payload   map[string]string `json:"payload"`
	Expiry    string            `json:"expiry"`
}

// NewSDKPayload wraps the payload for Juspay's HyperSDK service (a
// "service" field of the request is echoed inside the payload only).
func NewSDKPayload(payload map[string]string, expiry string) SDKPayload {
	return SDKPayload{RequestID: coft.RandomHex(16), Service: "in.juspay.hyperpay", Payload: payload, Expiry: expiry}
}

// SessionTTL is how long a session's payment link lives: Juspay's
// metadata.expiryInMins when given (1 minute to 30 days), else def.
func SessionTTL(p Params, def time.Duration) (time.Duration, error) {
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

// SessionPayload echoes the request's fields in the SDK payload's
// camelCase (billing_address_first_name → billingAddressFirstName,
// options.create_mandate → options.createMandate), as Juspay's does. Keys
// not in snake case (metadata.PAYTM:CUST_ID) are kept as they are.
func SessionPayload(p Params) map[string]string {
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
