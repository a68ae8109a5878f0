package juspay

import (
	"encoding/json"

	"github.com/coftkit/coft"
)

// Event is a webhook's body, in Juspay's envelope.
type Event struct {
	ID          string       `json:"id"`
	EventName   string       `json:"event_name"`
	DateCreated string       `json:"date_created"`
	Content     EventContent `json:"content"`
}

// EventContent holds the order (order events; TXN_CHARGED and TXN_FAILED
// add the transaction, as Juspay's do) or the token block of saved cards
// with the card and customer it belongs to (token events).
type EventContent struct {
	Txn           *TxnEventView `json:"txn,omitempty"`
	Order         *Order        `json:"order,omitempty"`
	Token         *Token        `json:"token,omitempty"`
	CardReference string        `json:"card_reference,omitempty"`
	CustomerID    string        `json:"customer_id,omitempty"`
	Provider      string        `json:"provider,omitempty"`
}

// TxnEventView is the transaction object of TXN_CHARGED and TXN_FAILED
// webhooks: the order's txn_detail with its status id, payment method,
// gateway response and card.
type TxnEventView struct {
	*TxnDetail
	StatusID               int              `json:"status_id"`
	PaymentMethod          string           `json:"payment_method"`
	PaymentMethodType      string           `json:"payment_method_type"`
	PaymentGatewayResponse *GatewayResponse `json:"payment_gateway_response"`
	Card                   *OrderCard       `json:"card"`
}

// EventListing is an event as the events API lists it.
type EventListing struct {
	ID               string            `json:"id"`
	EventName        string            `json:"event_name"`
	OrderID          string            `json:"order_id,omitempty"`
	CardReference    string            `json:"card_reference,omitempty"`
	DateCreated      string            `json:"date_created"`
	Status           string            `json:"delivery_status"`
	Attempts         int               `json:"attempts"`
	NextAttemptAt    string            `json:"next_attempt_at,omitempty"`
	DeliveredAt      string            `json:"delivered_at,omitempty"`
	LastError        string            `json:"last_error,omitempty"`
	Body             json.RawMessage   `json:"body,omitempty"`
	DeliveryAttempts []DeliveryAttempt `json:"delivery_attempts,omitempty"`
}

type DeliveryAttempt struct {
	N          int    `json:"attempt"`
	At         string `json:"at"`
	URL        string `json:"url"`
	HTTPStatus int    `json:"http_status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

func EventListingOf(e *coft.Event) EventListing {
	v := EventListing{ID: e.ID, EventName: e.Name, OrderID: e.OrderID, CardReference: e.CardRef,
		DateCreated: Timestamp(e.CreatedAt), Status: e.Status, Attempts: e.Attempts, LastError: e.LastError}
	if e.Status == coft.DeliveryPending {
		v.NextAttemptAt = Timestamp(e.NextAttemptAt)
	}
	if !e.DeliveredAt.IsZero() {
		v.DeliveredAt = Timestamp(e.DeliveredAt)
	}
	if len(e.Body) > 0 {
		v.Body = e.Body
	}
	return v
}
