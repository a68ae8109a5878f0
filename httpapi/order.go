package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/webhook"
)

// handleOrderCreate serves POST /orders.
func (s *Server) handleOrderCreate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.OrderFields)
	if err != nil {
		return err
	}
	o, err := juspay.NewOrder(a.merchant, p, "")
	if err != nil {
		return err
	}
	if err := s.checkNewOrder(a.merchant, o, ""); err != nil {
		return err
	}
	withToken, err := p.Flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	if err := s.payments.CreateOrder(r.Context(), o); err != nil {
		return err
	}
	if !withToken {
		juspay.WriteJSON(w, http.StatusOK, struct {
			Status       string              `json:"status"`
			StatusID     int                 `json:"status_id"`
			ID           string              `json:"id"`
			OrderID      string              `json:"order_id"`
			PaymentLinks juspay.PaymentLinks `json:"payment_links"`
		}{string(coft.StatusCreated), coft.StatusCreated.ID(), o.ID, o.OrderID, s.views.PaymentLinks(o)})
		return nil
	}
	v := s.views.Order(o)
	v.Juspay = s.clientAuth(authtoken.Scope{MerchantID: o.MerchantID, OrderID: o.OrderID})
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// checkReturnURL refuses a return URL (field names it) that is not on one
// of the merchant's return origins (https only in production): the
// customer's browser is sent there, with a signed result. The merchant's
// default return URL passes.
func (s *Server) checkReturnURL(m *coft.Merchant, field, raw string) error {
	if raw == "" || raw == m.ReturnURL {
		return nil
	}
	return m.CheckReturnURL(field, raw, s.cfg.Production)
}

// checkNewOrder refuses, in a new order, a return URL off the merchant's
// origins and, in production, a metadata.webhook_url whose host is not
// public (delivery checks the address it dials too). prefix is "order."
// inside /txns.
func (s *Server) checkNewOrder(m *coft.Merchant, o *coft.Order, prefix string) error {
	if err := s.checkReturnURL(m, prefix+"return_url", o.ReturnURL); err != nil {
		return err
	}
	if s.cfg.Production && o.WebhookURL != "" {
		if err := webhook.PublicHost(o.WebhookURL); err != nil {
			return coft.Invalid(prefix+"metadata.webhook_url", "metadata.webhook_url: %s.", err)
		}
	}
	return nil
}

func (s *Server) clientAuth(scope authtoken.Scope) *juspay.ClientAuth {
	tok, exp := s.cfg.Tokens.ClientAuthToken(scope, s.cfg.ClientTokenTTL)
	return &juspay.ClientAuth{ClientAuthToken: tok, ClientAuthTokenExpiry: juspay.Timestamp(exp)}
}

// orderStatusFields are the fields Order Status accepts. Juspay's
// options.add_full_gateway_response adds nothing here: the gateway
// response is always given.
var orderStatusFields = juspay.Fields{"options.add_full_gateway_response"}

// handleOrderStatus serves GET /orders/{order_id}, and the forms that name
// the order in the parameters: POST /v4/order-status (the body Juspay's
// SDKs send encrypted) and the older GET /order/status?order_id= and POST
// /order/status.
func (s *Server) handleOrderStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := juspay.ReadParams(w, r, append(juspay.Fields{"order_id"}, orderStatusFields...))
	if err != nil {
		return err
	}
	id, err := orderIDOf(r, p)
	if err != nil {
		return err
	}
	return s.writeOrderStatus(w, r, id)
}

// orderIDOf is the order a request names: in the path, or (the older
// forms /order/status, /order/update, /order/refund) in the parameters.
func orderIDOf(r *http.Request, p juspay.Params) (string, error) {
	id := r.PathValue("order_id")
	if id == "" {
		if id = strings.TrimSpace(p["order_id"]); id == "" {
			return "", coft.Missing("order_id")
		}
	}
	return id, sameID(p, "order_id", id)
}

// sameID accepts an id repeated in the parameters (Juspay's SDKs repeat
// order_id and customer_id in the query or body) only when it names the
// same object as the path.
func sameID(p juspay.Params, key, pathID string) error {
	if v, ok := p[key]; ok && v != "" && v != pathID {
		return coft.Invalid(key, "%s differs from the one in the path.", key)
	}
	return nil
}

func (s *Server) writeOrderStatus(w http.ResponseWriter, r *http.Request, orderID string) error {
	a := authFrom(r.Context())
	o, t, err := s.cfg.Store.FindOrderStatus(r.Context(), a.merchant.ID, orderID)
	if err != nil {
		return err
	}
	v, err := s.orderStatus(r.Context(), o, t)
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// orderStatus is the order with the payment it reports (nil when it has
// none), its saved card and its refunds.
func (s *Server) orderStatus(ctx context.Context, o *coft.Order, t *coft.Txn) (*juspay.Order, error) {
	var card *coft.Card
	if t != nil && t.CardReference != "" && t.Status == coft.StatusCharged {
		c, err := s.cfg.Store.FindCard(ctx, o.MerchantID, t.CardReference)
		switch {
		case err == nil:
			card = c
		case coft.ErrorCode(err) != coft.ENOTFOUND: // a deleted card shows no token
			return nil, err
		}
	}
	var refunds []*coft.Refund
	if t != nil && o.Status == coft.StatusCharged { // only charged orders have refunds
		var err error
		if refunds, err = s.cfg.Store.ListRefunds(ctx, o.MerchantID, o.OrderID); err != nil {
			return nil, err
		}
	}
	return s.views.OrderStatus(o, t, card, refunds), nil
}

var orderUpdateFields = juspay.Fields{"order_id", "amount", "udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7", "udf8", "udf9", "udf10"}

// handleOrderUpdate serves POST /orders/{order_id}: amount and udf fields
// may change while the order is NEW.
func (s *Server) handleOrderUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, orderUpdateFields)
	if err != nil {
		return err
	}
	id, err := orderIDOf(r, p)
	if err != nil {
		return err
	}
	var amount coft.Amount
	if v, ok := p["amount"]; ok {
		if amount, err = coft.ParseAmount("amount", v); err != nil {
			return err
		}
	}
	o, err := s.cfg.Store.UpdateOrder(r.Context(), a.merchant.ID, id, func(o *coft.Order) error {
		if o.Status != coft.StatusNew {
			return coft.Errorf(coft.ECONFLICT, "Order %s is %s; it can be updated only while NEW.", o.OrderID, o.Status)
		}
		if amount != 0 {
			o.Amount = amount
		}
		for i := range coft.MaxUDF {
			if v, ok := p[coft.UDFName(i)]; ok {
				o.UDF[i] = v
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, s.views.Order(o))
	return nil
}
