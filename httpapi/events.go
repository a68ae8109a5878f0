package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/coftkit/coft"
)

// eventEnvelope is a webhook's body, in Juspay's envelope.
type eventEnvelope struct {
	ID          string       `json:"id"`
	EventName   string       `json:"event_name"`
	DateCreated string       `json:"date_created"`
	Content     eventContent `json:"content"`
}

// eventContent holds the order (order events; TXN_CHARGED and TXN_FAILED
// add the transaction, as Juspay's do) or the token block of saved cards
// with the card and customer it belongs to (token events).
type eventContent struct {
	Txn           *txnView   `json:"txn,omitempty"`
	Order         *orderView `json:"order,omitempty"`
	Token         *tokenView `json:"token,omitempty"`
	CardReference string     `json:"card_reference,omitempty"`
	CustomerID    string     `json:"customer_id,omitempty"`
	Provider      string     `json:"provider,omitempty"`
}

// RenderEvent returns the JSON body of a webhook event: order events carry
// the order as order status shows it (with the card's consent and token),
// token events the token as it was at the change.
func (s *Server) RenderEvent(ctx context.Context, e *coft.Event) ([]byte, error) {
	env := eventEnvelope{ID: e.ID, EventName: e.Name, DateCreated: timestamp(e.CreatedAt)}
	if t := e.Token; t != nil {
		env.Content.Token = &tokenView{CardReference: t.Reference, LastFourDigits: t.Last4, CardISIN: t.ISIN,
			ExpiryYear: t.ExpYear, ExpiryMonth: t.ExpMonth, PAR: t.PAR, TokenizationStatus: t.Status}
		env.Content.CardReference, env.Content.CustomerID, env.Content.Provider = e.CardRef, e.CustomerID, t.Provider
		if c, err := s.cfg.Store.FindCard(ctx, e.MerchantID, e.CardRef); err == nil {
			env.Content.Token.CardFingerprint = c.Fingerprint
		}
	} else {
		o, t, err := s.cfg.Store.FindOrderStatus(ctx, e.MerchantID, e.OrderID)
		if err != nil {
			return nil, err
		}
		if e.TxnUUID != "" && (t == nil || t.UUID != e.TxnUUID) {
			// The event is about another attempt than the one the order
			// reports now: show that one.
			if t, err = s.cfg.Store.FindTxn(ctx, e.MerchantID, e.TxnUUID); err != nil {
				return nil, err
			}
		}
		if env.Content.Order, err = s.orderStatusView(ctx, o, t); err != nil {
			return nil, err
		}
		if v := env.Content.Order; t != nil && (e.Name == coft.EventTxnCharged || e.Name == coft.EventTxnFailed) {
			env.Content.Txn = &txnView{txnDetail: v.TxnDetail, StatusID: t.Status.ID(), PaymentMethod: v.PaymentMethod,
				PaymentMethodType: v.PaymentMethodType, PaymentGatewayResponse: v.PaymentGatewayResponse, Card: v.Card}
		}
	}
	return json.Marshal(env)
}

// txnView is the transaction object of TXN_CHARGED and TXN_FAILED
// webhooks: the order's txn_detail with its status id, payment method,
// gateway response and card.
type txnView struct {
	*txnDetail
	StatusID               int              `json:"status_id"`
	PaymentMethod          string           `json:"payment_method"`
	PaymentMethodType      string           `json:"payment_method_type"`
	PaymentGatewayResponse *gatewayResponse `json:"payment_gateway_response"`
	Card                   *orderCard       `json:"card"`
}

// eventView is an event as the events API lists it.
type eventView struct {
	ID               string          `json:"id"`
	EventName        string          `json:"event_name"`
	OrderID          string          `json:"order_id,omitempty"`
	CardReference    string          `json:"card_reference,omitempty"`
	DateCreated      string          `json:"date_created"`
	Status           string          `json:"delivery_status"`
	Attempts         int             `json:"attempts"`
	NextAttemptAt    string          `json:"next_attempt_at,omitempty"`
	DeliveredAt      string          `json:"delivered_at,omitempty"`
	LastError        string          `json:"last_error,omitempty"`
	Body             json.RawMessage `json:"body,omitempty"`
	DeliveryAttempts []attemptView   `json:"delivery_attempts,omitempty"`
}

type attemptView struct {
	N          int    `json:"attempt"`
	At         string `json:"at"`
	URL        string `json:"url"`
	HTTPStatus int    `json:"http_status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

func eventViewOf(e *coft.Event) eventView {
	v := eventView{ID: e.ID, EventName: e.Name, OrderID: e.OrderID, CardReference: e.CardRef,
		DateCreated: timestamp(e.CreatedAt), Status: e.Status, Attempts: e.Attempts, LastError: e.LastError}
	if e.Status == coft.DeliveryPending {
		v.NextAttemptAt = timestamp(e.NextAttemptAt)
	}
	if !e.DeliveredAt.IsZero() {
		v.DeliveredAt = timestamp(e.DeliveredAt)
	}
	if len(e.Body) > 0 {
		v.Body = e.Body
	}
	return v
}

// handleEventList serves GET /webhooks/events[?order_id=…&limit=…].
func (s *Server) handleEventList(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, fields{"order_id", "limit"})
	if err != nil {
		return err
	}
	limit := 50
	if v := p["limit"]; v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return coft.FieldError(coft.ERANGE, "limit", "limit must be 1 to 500.")
		}
	}
	events, err := s.cfg.Store.ListEvents(r.Context(), a.merchant.ID, strings.TrimSpace(p["order_id"]), limit)
	if err != nil {
		return err
	}
	views := make([]eventView, len(events))
	for i, e := range events {
		views[i] = eventViewOf(e)
		views[i].Body = nil
	}
	writeJSON(w, http.StatusOK, struct {
		Events []eventView `json:"events"`
	}{views})
	return nil
}

// handleEventGet serves GET /webhooks/events/{id}: the event, its body and
// every delivery attempt.
func (s *Server) handleEventGet(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	e, attempts, err := s.cfg.Store.FindEvent(r.Context(), a.merchant.ID, r.PathValue("id"))
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.ENOTFOUND, "event_id", "Event not found.")
	} else if err != nil {
		return err
	}
	v := eventViewOf(e)
	for _, at := range attempts {
		v.DeliveryAttempts = append(v.DeliveryAttempts, attemptView{N: at.N, At: timestamp(at.At), URL: at.URL,
			HTTPStatus: at.HTTPStatus, Error: at.Error, DurationMS: at.Duration.Milliseconds()})
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleEventRedeliver serves POST /webhooks/events/{id}/redeliver.
func (s *Server) handleEventRedeliver(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	if _, err := readParams(w, r, nil); err != nil {
		return err
	}
	if err := s.cfg.Store.RedeliverEvent(r.Context(), a.merchant.ID, r.PathValue("id"), s.cfg.Now()); err != nil {
		return err
	}
	if s.cfg.Webhooks != nil {
		s.cfg.Webhooks.Notify()
	}
	e, _, err := s.cfg.Store.FindEvent(r.Context(), a.merchant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, eventViewOf(e))
	return nil
}
