package coft

import (
	"context"
	"time"
)

// Event names. Order events are Juspay's; token events are the service's
// own (Juspay has none): a card's network token was created, changed
// status or details, or was deleted.
const (
	EventTxnCreated         = "TXN_CREATED"
	EventTxnCharged         = "TXN_CHARGED"
	EventTxnFailed          = "TXN_FAILED"
	EventOrderSucceeded     = "ORDER_SUCCEEDED"
	EventOrderFailed        = "ORDER_FAILED"
	EventTokenCreated       = "TOKEN_CREATED"
	EventTokenStatusUpdated = "TOKEN_STATUS_UPDATED"
	EventTokenUpdated       = "TOKEN_UPDATED"
	EventTokenDeleted       = "TOKEN_DELETED"
)

// Delivery statuses of an event.
const (
	DeliveryPending   = "PENDING"   // waiting for its next attempt
	DeliveryDelivered = "DELIVERED" // the receiver answered 2xx
	DeliveryFailed    = "FAILED"    // every attempt of the schedule failed
	DeliveryNoURL     = "NO_URL"    // the merchant has no webhook URL
)

// Event is a webhook event in the outbox. It is written in the same
// database transaction as the change that causes it, and delivered at
// least once; ID is stable for deduplication.
type Event struct {
	ID         string // evt_V2_<32 hex>
	MerchantID string
	Name       string
	OrderID    string // order events: the merchant's order_id
	TxnUUID    string
	// Token events: the card and token as they were at the change.
	Token      *NetworkToken
	CustomerID string
	CardRef    string
	// Body is the JSON sent, fixed at the first attempt so that every
	// retry sends the same bytes.
	Body          []byte
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// NewEventID returns a new event id: "evt_V2_" and 32 hex digits.
func NewEventID() string { return "evt_V2_" + RandomHex(16) }

// DeliveryAttempt is one try at delivering an event.
type DeliveryAttempt struct {
	EventID    string
	N          int // 1 for the first attempt
	At         time.Time
	URL        string
	HTTPStatus int    // 0 when no answer came
	Error      string // why it failed; "" when delivered
	Duration   time.Duration
}

// RetrySchedule says when to try an event again.
type RetrySchedule struct {
	First time.Duration // delay before the first retry
	Max   time.Duration // the delays double up to this
	Total time.Duration // give up once the event is this old
}

// DefaultRetrySchedule retries after 5 s, doubling up to an hour apart,
// for 24 hours.
var DefaultRetrySchedule = RetrySchedule{First: 5 * time.Second, Max: time.Hour, Total: 24 * time.Hour}

// Delay returns the delay before retry n (1 for the first retry),
// without jitter.
func (s RetrySchedule) Delay(n int) time.Duration {
	d := s.First
	for i := 1; i < n && d < s.Max; i++ {
		d *= 2
	}
	return min(d, s.Max)
}

// EventStore keeps the outbox.
type EventStore interface {
	// ClaimEvents leases up to limit due PENDING events, oldest due first
	// and at most perMerchant of any one merchant, until now+lease: no
	// other worker claims them meanwhile. Events of the merchants in skip
	// are left.
	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit, perMerchant int, skip []string) ([]*Event, error)
	// RecordDelivery stores an attempt and the event's new state (Status,
	// Attempts, NextAttemptAt, LastError, DeliveredAt, Body), ending its
	// lease.
	RecordDelivery(ctx context.Context, e *Event, a *DeliveryAttempt) error
	// ListEvents returns the merchant's events, newest first; for one order
	// when orderID is not empty. At most limit.
	ListEvents(ctx context.Context, merchantID, orderID string, limit int) ([]*Event, error)
	// FindEvent returns ENOTFOUND if the merchant has no such event.
	FindEvent(ctx context.Context, merchantID, id string) (*Event, []*DeliveryAttempt, error)
	// RedeliverEvent makes an event due now, whatever its status.
	RedeliverEvent(ctx context.Context, merchantID, id string, now time.Time) error
	// PruneEvents deletes up to limit events, of every merchant, that are
	// done with and older than before, with their delivery attempts:
	// DELIVERED ones delivered before before, and FAILED and NO_URL ones
	// (never tried again unless redelivered) last due before before.
	// PENDING events are never pruned. It returns how many it deleted.
	PruneEvents(ctx context.Context, before time.Time, limit int) (int, error)
}
