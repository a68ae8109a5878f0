package coft

import (
	"context"
	"time"
)

// Refund statuses.
const (
	RefundPending = "PENDING"
	RefundSuccess = "SUCCESS"
	RefundFailure = "FAILURE"
)

// Refund events.
const (
	EventOrderRefunded       = "ORDER_REFUNDED"
	EventAutoRefundSucceeded = "AUTO_REFUND_SUCCEEDED"
)

// PurposeCardTokenization marks the one-rupee order that authenticates the
// customer to tokenize a saved card out of band. Its amount is refunded
// automatically.
const PurposeCardTokenization = "CARD_TOKENIZATION"

// VerificationAmount is the out-of-band transaction's amount: ₹1.00.
const VerificationAmount Amount = 100

// Refund returns (part of) a charged order's amount to the customer.
type Refund struct {
	ID              string // rfd_…
	MerchantID      string
	OrderID         string
	UniqueRequestID string // the merchant's id for the refund, unique per order
	Amount          Amount
	Status          string // RefundPending, RefundSuccess or RefundFailure
	// Auto is true for refunds the service made itself (the one-rupee
	// verification transaction).
	Auto bool
	// ErrorCode and ErrorMessage are the gateway's response code and
	// message for the refund; "" while it has not answered.
	ErrorCode    string
	ErrorMessage string
	// GatewayRef is the gateway's id for the refund, "" until it approved it.
	GatewayRef string
	CreatedAt  time.Time
	// UpdatedAt is when the gateway's answer was recorded, once there is one.
	UpdatedAt time.Time
}

// RefundAnswer is a gateway's answer to a refund.
type RefundAnswer struct {
	Approved  bool
	Code      string // the gateway's response code
	Message   string // the gateway's response message
	Reference string // the gateway's id for the refund, when approved
}

// RefundStore keeps refunds. Every method is scoped to one merchant.
type RefundStore interface {
	// StartRefund records a PENDING refund of a CHARGED order (ECONFLICT
	// otherwise), if the amount, with the order's other refunds that have
	// not failed, does not exceed what was charged (ERANGE otherwise). A
	// refund with the same UniqueRequestID is returned instead, with
	// existing = true.
	StartRefund(ctx context.Context, r *Refund) (refund *Refund, existing bool, err error)
	// FinishRefund records the gateway's answer to a PENDING refund:
	// SUCCESS when approved (writing the refund event), else FAILURE. A
	// refund that is no longer PENDING is returned unchanged.
	FinishRefund(ctx context.Context, merchantID, id string, answer RefundAnswer) (*Refund, error)
	// ListRefunds returns an order's refunds, oldest first.
	ListRefunds(ctx context.Context, merchantID, orderID string) ([]*Refund, error)
}

// Withdrawal records a customer taking back consent to keep a card: the
// card is removed and its token de-registered.
type Withdrawal struct {
	ID             string
	MerchantID     string
	CustomerID     string
	CardReference  string
	TokenReference string // "" when the card had no token
	Fingerprint    string
	Channel        string // ChannelManagementPage, or ChannelMerchantDeclared for the API
	ClientIP       string
	UserAgent      string
	At             time.Time
}
