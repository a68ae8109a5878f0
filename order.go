package coft

import (
	"context"
	"time"
)

// OrderStatus is the status word of an order or transaction.
type OrderStatus string

// Order and transaction statuses, as Juspay names them.
const (
	StatusCreated              OrderStatus = "CREATED"
	StatusNew                  OrderStatus = "NEW"
	StatusPendingVBV           OrderStatus = "PENDING_VBV"
	StatusCharged              OrderStatus = "CHARGED"
	StatusJuspayDeclined       OrderStatus = "JUSPAY_DECLINED"
	StatusAuthenticationFailed OrderStatus = "AUTHENTICATION_FAILED"
	StatusAuthorizationFailed  OrderStatus = "AUTHORIZATION_FAILED"
	StatusAuthorizing          OrderStatus = "AUTHORIZING"
)

var statusIDs = map[OrderStatus]int{
	StatusCreated:              1,
	StatusNew:                  10,
	StatusCharged:              21,
	StatusJuspayDeclined:       22,
	StatusPendingVBV:           23,
	StatusAuthenticationFailed: 26,
	StatusAuthorizationFailed:  27,
	StatusAuthorizing:          28,
}

// ID returns the numeric status_id of the status.
func (s OrderStatus) ID() int { return statusIDs[s] }

// MaxUDF is the number of user-defined fields an order carries.
const MaxUDF = 10

// Order is a merchant's request to be paid an amount.
type Order struct {
	ID            string // ord_…, assigned by the service
	MerchantID    string
	OrderID       string // the merchant's id for the order, unique per merchant
	Amount        Amount
	Currency      string
	Status        OrderStatus
	CustomerID    string // as the merchant passed it: a cst_… id or an object_reference_id
	CustomerEmail string
	CustomerPhone string
	ReturnURL     string
	WebhookURL    string // metadata.webhook_url: overrides the merchant's
	Description   string
	ProductID     string
	UDF           [MaxUDF]string
	// Metadata holds metadata.* fields other than webhook_url.
	Metadata        map[string]string
	BillingAddress  map[string]string // billing_address_* fields, prefix removed
	ShippingAddress map[string]string // shipping_address_* fields, prefix removed
	// Purpose is PurposeCardTokenization for the one-rupee out-of-band
	// verification order, else "".
	Purpose string
	// ExpiresAt, when set, is when the order's payment link stops taking
	// payments (the Session API's payment_links.expiry).
	ExpiresAt time.Time
	// TxnUUID is the attempt the order reports: the charged one, else the
	// latest; "" before the first.
	TxnUUID   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Expired reports whether the order's payment link has expired at now.
func (o *Order) Expired(now time.Time) bool { return !o.ExpiresAt.IsZero() && now.After(o.ExpiresAt) }

// Validate checks the order's fields.
func (o *Order) Validate() error {
	if o.OrderID == "" {
		return Missing("order_id")
	}
	if !IsIdentifier(o.OrderID, 20) {
		return Invalid("order_id", "order_id must be 1 to 20 letters, digits, '_' or '-'.")
	}
	if o.Amount <= 0 {
		return FieldError(ERANGE, "amount", "amount must be greater than 0.")
	}
	if o.Currency != "INR" {
		return Invalid("currency", "currency must be INR.")
	}
	if err := ValidateEmail("customer_email", o.CustomerEmail); err != nil {
		return err
	}
	if o.CustomerPhone != "" && (!AllDigits(o.CustomerPhone) || len(o.CustomerPhone) < 6 || len(o.CustomerPhone) > 15) {
		return Invalid("customer_phone", "customer_phone must be 6 to 15 digits.")
	}
	if err := ValidateHTTPURL("return_url", o.ReturnURL); err != nil {
		return err
	}
	if err := ValidateHTTPURL("metadata.webhook_url", o.WebhookURL); err != nil {
		return err
	}
	if len(o.Description) > 255 {
		return FieldError(ERANGE, "description", "description must be at most 255 characters.")
	}
	if len(o.ProductID) > 64 {
		return FieldError(ERANGE, "product_id", "product_id must be at most 64 characters.")
	}
	for i, u := range o.UDF {
		if len(u) > 255 {
			return FieldError(ERANGE, UDFName(i), "%s must be at most 255 characters.", UDFName(i))
		}
	}
	return nil
}

// UDFName returns the field name of the i-th (0-based) user-defined field.
func UDFName(i int) string { return udfNames[i] }

var udfNames = [MaxUDF]string{"udf1", "udf2", "udf3", "udf4", "udf5", "udf6", "udf7", "udf8", "udf9", "udf10"}

// OrderStore keeps orders. Every method is scoped to one merchant: an order
// of another merchant is reported as ENOTFOUND.
type OrderStore interface {
	// CreateOrder stores a new order. Returns ECONFLICT (field order_id) if
	// the merchant already has an order with the same order_id.
	CreateOrder(ctx context.Context, o *Order) error
	// FindOrder finds an order by the merchant's order_id. Returns ENOTFOUND.
	FindOrder(ctx context.Context, merchantID, orderID string) (*Order, error)
	// FindOrderByID finds an order by the service's id (ord_…), which is a
	// capability: it is only in the order's payment links. Returns ENOTFOUND.
	FindOrderByID(ctx context.Context, id string) (*Order, error)
	// UpdateOrder reads the order, applies fn and writes the result, all in
	// one transaction. fn's error aborts the update and is returned as is.
	// Returns ENOTFOUND if the order does not exist.
	UpdateOrder(ctx context.Context, merchantID, orderID string, fn func(*Order) error) (*Order, error)
	// ListOrders returns a merchant's orders that match the filter, newest
	// first, at most f.Limit (keyset paging: f.Before).
	ListOrders(ctx context.Context, f OrderFilter) ([]*Order, error)
}

// OrderFilter selects a merchant's orders. Empty fields match every order.
type OrderFilter struct {
	MerchantID string
	OrderID    string // exactly
	CustomerID string // exactly, as the order names it
	Status     OrderStatus
	From, To   time.Time // created in [From, To)
	// Before continues a list after its last order: orders created before
	// it (or at the same time with a smaller id).
	Before *Order
	Limit  int // 1..500; default 50
}
