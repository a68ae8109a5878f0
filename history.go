package coft

import "context"

// OrderHistory is everything stored about one order, read at once: what
// the console's timeline of the order tells. It holds no card or token
// number: the store leaves their ciphertexts out.
type OrderHistory struct {
	Order *Order
	// Txns are the order's payment attempts, oldest first.
	Txns []*Txn
	// Consents are the decisions recorded on the attempts, oldest first.
	Consents []*Consent
	// PageConsents are the decisions taken in the dialog on the merchant's
	// page for the order, used by an attempt or not, oldest first.
	PageConsents []*PageConsent
	// Cards are the saved cards the attempts paid with or saved, as they
	// are now, with their network tokens. A card removed since is absent.
	Cards []*Card
	// Withdrawals are the customers' withdrawals of consent for those
	// cards (removed ones included), oldest first.
	Withdrawals []*Withdrawal
	// Events are the order's webhook events and those of the network
	// tokens its attempts created, oldest first, at most MaxHistoryEvents
	// (the oldest are kept).
	Events []*Event
	// Deliveries are the delivery attempts of Events, by event id, oldest
	// first.
	Deliveries map[string][]*DeliveryAttempt
	// Refunds are the order's refunds, oldest first.
	Refunds []*Refund
}

// MaxHistoryEvents bounds the events an OrderHistory holds: a token's
// lifecycle can go on for years, and the page must stay fast.
const MaxHistoryEvents = 500

// OrderHistoryStore reads an order's whole history.
type OrderHistoryStore interface {
	// OrderHistory returns an order of the merchant with everything stored
	// about it, read as of one moment. Returns ENOTFOUND if the merchant has
	// no such order.
	OrderHistory(ctx context.Context, merchantID, orderID string) (*OrderHistory, error)
}
