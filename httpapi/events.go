package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
)

// RenderEvent returns the JSON body of a webhook event: order events carry
// the order as order status shows it (with the card's consent and token),
// token events the token as it was at the change.
func (s *Server) RenderEvent(ctx context.Context, e *coft.Event) ([]byte, error) {
	env := juspay.Event{ID: e.ID, EventName: e.Name, DateCreated: juspay.Timestamp(e.CreatedAt)}
	if t := e.Token; t != nil {
		env.Content.Token = &juspay.Token{CardReference: t.Reference, LastFourDigits: t.Last4, CardISIN: t.ISIN,
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
		if env.Content.Order, err = s.orderStatus(ctx, o, t); err != nil {
			return nil, err
		}
		if v := env.Content.Order; t != nil && (e.Name == coft.EventTxnCharged || e.Name == coft.EventTxnFailed) {
			env.Content.Txn = &juspay.TxnEventView{TxnDetail: v.TxnDetail, StatusID: t.Status.ID(), PaymentMethod: v.PaymentMethod,
				PaymentMethodType: v.PaymentMethodType, PaymentGatewayResponse: v.PaymentGatewayResponse, Card: v.Card}
		}
	}
	return json.Marshal(env)
}

// handleEventList serves GET /webhooks/events[?order_id=…&limit=…].
func (s *Server) handleEventList(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"order_id", "limit"})
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
	views := make([]juspay.EventListing, len(events))
	for i, e := range events {
		views[i] = juspay.EventListingOf(e)
		views[i].Body = nil
	}
	juspay.WriteJSON(w, http.StatusOK, struct {
		Events []juspay.EventListing `json:"events"`
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
	v := juspay.EventListingOf(e)
	for _, at := range attempts {
		v.DeliveryAttempts = append(v.DeliveryAttempts, juspay.DeliveryAttempt{N: at.N, At: juspay.Timestamp(at.At), URL: at.URL,
			HTTPStatus: at.HTTPStatus, Error: at.Error, DurationMS: at.Duration.Milliseconds()})
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// handleEventRedeliver serves POST /webhooks/events/{id}/redeliver.
func (s *Server) handleEventRedeliver(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	if _, err := juspay.ReadParams(w, r, nil); err != nil {
		return err
	}
	if err := s.cfg.Store.RedeliverEvent(r.Context(), a.merchant.ID, r.PathValue("id"), s.cfg.Now()); err != nil {
		return err
	}
	// The answer is the event as scheduled: read before the worker is
	// woken, which may deliver it at once.
	e, _, err := s.cfg.Store.FindEvent(r.Context(), a.merchant.ID, r.PathValue("id"))
	if s.cfg.Webhooks != nil {
		s.cfg.Webhooks.Notify()
	}
	if err != nil {
		return err
	}
	juspay.WriteJSON(w, http.StatusOK, juspay.EventListingOf(e))
	return nil
}
