package coft

import (
	"context"
	"time"
)

// Tokenize is what a payment's merchant said about tokenizing its card.
type Tokenize string

// The three values of /txns' tokenize parameter.
const (
	TokenizeAbsent Tokenize = ""      // not said: hosted consent decides
	TokenizeTrue   Tokenize = "true"  // the customer consented on the merchant's page
	TokenizeFalse  Tokenize = "false" // never tokenize
)

// Txn is one payment attempt on an order.
type Txn struct {
	UUID       string // txn_uuid: 32 hex digits, the capability in the payment's URLs
	ID         string // txn_id: <merchant_id>-<order_id>-<attempt>
	MerchantID string
	OrderID    string // the merchant's order_id
	Attempt    int
	Amount     Amount
	Status     OrderStatus
	CustomerID string // cst_… of the order's customer, when it has one

	// The card, as far as it may be kept.
	CardReference   string // the saved card paid with, or saved by this payment
	Fingerprint     string
	ISIN            string
	Last4           string
	ExpMonth        string
	ExpYear         string
	NameOnCard      string
	Brand           string
	Type            string
	SubType         string
	Issuer          string
	BankCode        string
	IssuerCountry   string
	IssuerTokenizes bool
	// PANCiphertext holds a new card's number, sealed, only while the
	// payment is in progress: it is erased when the payment ends.
	PANCiphertext []byte
	KeyID         string

	UsingSavedCard bool
	UsingToken     bool // paid with the saved card's network token
	SaveToLocker   bool
	Tokenize       Tokenize
	// ConsentAsked is true when the hosted consent page is part of the flow.
	ConsentAsked bool
	// Consent is the customer's decision (asked on our page or declared by
	// the merchant with tokenize=true|false); nil when never asked.
	Consent *bool

	AuthStarted  bool // the bank page has been shown: consent can no longer change
	OTPAttempts  int
	RespCode     string
	RespMessage  string
	ErrorCode    string
	ErrorMessage string
	// TokenReference is the network token this payment created.
	TokenReference string
	// TokenError says why no token was created although one was due.
	TokenError string
	// CardDone is set once a charged payment's card has been saved and
	// tokenized as its consent said (or found to need nothing).
	CardDone bool

	ReturnURL string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Card returns the card fields of the payment as a Card (without number).
func (t *Txn) Card() *Card {
	return &Card{Reference: t.CardReference, MerchantID: t.MerchantID, CustomerID: t.CustomerID,
		Fingerprint: t.Fingerprint, ISIN: t.ISIN, Last4: t.Last4, ExpMonth: t.ExpMonth, ExpYear: t.ExpYear,
		NameOnCard: t.NameOnCard, Brand: t.Brand, Type: t.Type, SubType: t.SubType, Issuer: t.Issuer,
		BankCode: t.BankCode, IssuerCountry: t.IssuerCountry, IssuerTokenizes: t.IssuerTokenizes}
}

// ConsentPending reports whether the hosted consent page must still be
// answered before the bank page.
func (t *Txn) ConsentPending() bool {
	return t.ConsentAsked && t.Consent == nil
}

// Done reports whether the payment has ended.
func (t *Txn) Done() bool {
	return t.Status != StatusPendingVBV && t.Status != StatusAuthorizing
}

// statusRank orders statuses for an order with several attempts:
// NEW < failed < PENDING_VBV < CHARGED.
func statusRank(s OrderStatus) int {
	switch s {
	case StatusCharged:
		return 3
	case StatusPendingVBV, StatusAuthorizing:
		return 2
	case StatusNew, StatusCreated:
		return 0
	}
	return 1
}

// OrderStatusOf returns the status an order reports given its attempts,
// oldest first: the strongest, and among failures the latest.
func OrderStatusOf(attempts []OrderStatus) OrderStatus {
	best := StatusNew
	for _, s := range attempts {
		if statusRank(s) >= statusRank(best) {
			best = s
		}
	}
	return best
}

// TxnStore keeps payment attempts. Every method is scoped to one merchant.
type TxnStore interface {
	// StartTxn stores a new attempt on its order and moves the order to
	// its new status, in one transaction. If the order already has a pending
	// attempt for the same card (fingerprint) created after reuseAfter whose
	// bank step has not started, that attempt is returned instead with
	// reused = true. Returns ENOTFOUND if the order does not exist and
	// ECONFLICT if it is already CHARGED. declared, when not nil, is the
	// evidence of a decision the merchant passed (tokenize=true|false),
	// stored with the new attempt.
	StartTxn(ctx context.Context, t *Txn, reuseAfter time.Time, declared *Consent) (txn *Txn, reused bool, err error)
	// FindTxn returns ENOTFOUND if the merchant has no such transaction.
	FindTxn(ctx context.Context, merchantID, uuid string) (*Txn, error)
	// FindOrderStatus returns an order with the attempt it reports (the
	// charged one, else the latest; nil when it has none), in one read.
	// Returns ENOTFOUND if the merchant has no such order.
	FindOrderStatus(ctx context.Context, merchantID, orderID string) (*Order, *Txn, error)
	// UpdateTxn reads the attempt, applies fn and writes it back, updating
	// the order's status, in one transaction. fn's error aborts it.
	UpdateTxn(ctx context.Context, merchantID, uuid string, fn func(*Txn) error) (*Txn, error)
	// UpdateTxnWith is UpdateTxn that also writes a charged payment's card
	// work w, in the same transaction: the card saved, its network token
	// stored, or the token (and the card saved only to carry it) dropped.
	// The token's and the attempt's events are written with them.
	UpdateTxnWith(ctx context.Context, merchantID, uuid string, w CardWork, fn func(*Txn) error) (*Txn, error)
	// UnfinishedCharges claims attempts, of every merchant, that a crash
	// interrupted and that were last changed before before: charged ones
	// whose card work is not done, and AUTHORIZING ones, whose bank answer
	// was never recorded. At most limit, oldest first. A claimed
	// attempt counts as changed now, so no other caller gets it again
	// before the same delay has passed.
	UnfinishedCharges(ctx context.Context, before time.Time, limit int) ([]*Txn, error)
	// AbandonedTxns claims PENDING_VBV attempts, of every merchant, whose
	// customer never finished them: created before createdBefore (their
	// authentication window has passed) and last changed before before.
	// At most limit, oldest first. Claimed as UnfinishedCharges claims: a
	// claimed attempt counts as changed now, so no other caller gets it
	// again before the same delay has passed.
	AbandonedTxns(ctx context.Context, createdBefore, before time.Time, limit int) ([]*Txn, error)
	// RecordConsent stores a decision on a transaction together with its
	// evidence, once: the same decision again returns the transaction
	// unchanged; a different one, or one after the bank step started, or on
	// a transaction that did not ask, is ECONFLICT.
	RecordConsent(ctx context.Context, c *Consent) (*Txn, error)
}

// CardWork is what a charged payment's card work writes with the payment
// (TxnStore.UpdateTxnWith).
type CardWork struct {
	// Card is saved (added for its customer, or updated in place) when set.
	Card *Card
	// CardReference names the card the rest is about when Card is not
	// set (it is stored already, unchanged).
	CardReference string
	// Token, when set, is stored as the card's network token: INITIATED
	// before the network is asked, ACTIVE (with TOKEN_CREATED) once it
	// answers.
	Token *NetworkToken
	// DropToken deletes the card's token (the network refused it);
	// DropCard deletes the card too (it was saved only to carry the token).
	DropToken, DropCard bool
}

// Ref is the reference of the card w is about.
func (w CardWork) Ref() string {
	if w.Card != nil {
		return w.Card.Reference
	}
	return w.CardReference
}

// Bank authenticates the customer (the additional factor of
// authentication the RBI requires) and authorizes the payment. The sandbox
// simulates one; a real issuer's access control server can replace it.
type Bank interface {
	// Gateway names the payment gateway the bank is reached through.
	Gateway() Gateway
	// VerifyOTP checks the one-time password the customer typed.
	VerifyOTP(ctx context.Context, t *Txn, otp string) bool
	// Authorize asks the issuer to approve an authenticated payment. It
	// must be idempotent per payment (t.UUID): asked again after a crash
	// lost its answer, it answers the same and charges once.
	Authorize(ctx context.Context, t *Txn) (approved bool, respCode, respMessage string)
	// GatewayResponse is the gateway's own answer to the payment's
	// authorization, in its own keys, as it is shown to merchants
	// (Juspay's payment_gateway_response.gateway_response); nil when the
	// payment never reached it.
	GatewayResponse(t *Txn) map[string]string
	// Refund returns amount of a charged payment to the customer. The
	// answer says whether the gateway approved it; an error means there
	// was no answer (the refund may be asked again).
	Refund(ctx context.Context, t *Txn, amount Amount) (RefundAnswer, error)
}

// Gateway is a payment gateway as Juspay names it in its answers
// (txn_detail.gateway, gateway_id, refunds[].refund_source).
type Gateway struct {
	Name string // e.g. "DUMMY", Juspay's simulated gateway
	ID   int    // Juspay's gateway_id for it, e.g. 100 for DUMMY
}
