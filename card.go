package coft

import (
	"context"
	"time"
)

// Card brands (networks).
const (
	BrandVisa       = "VISA"
	BrandMastercard = "MASTERCARD"
	BrandRuPay      = "RUPAY"
	BrandAmex       = "AMEX"
	BrandDiners     = "DINERS"
	BrandMaestro    = "MAESTRO"
)

// BrandName is a network's name as customers know it.
func BrandName(brand string) string {
	switch brand {
	case BrandVisa:
		return "Visa"
	case BrandMastercard:
		return "Mastercard"
	case BrandRuPay:
		return "RuPay"
	case BrandAmex:
		return "American Express"
	case BrandDiners:
		return "Diners Club"
	case BrandMaestro:
		return "Maestro"
	}
	return brand
}

// Card is a card kept in the locker for a customer. Its number is held only
// as ciphertext; the fields here are the ones that may leave the locker.
type Card struct {
	Reference  string // card_reference: permanent, 32 hex digits
	MerchantID string
	CustomerID string // cst_…

	// Fingerprint is equal for the same card number across customers and
	// merchants (a keyed hash), so merchants can spot duplicates.
	Fingerprint string
	ISIN        string // first six digits
	Last4       string
	ExpMonth    string // MM
	ExpYear     string // YYYY
	NameOnCard  string
	Nickname    string

	Brand         string
	Type          string // CREDIT, DEBIT, PREPAID
	SubType       string
	Issuer        string
	BankCode      string // juspay_bank_code
	IssuerCountry string
	// IssuerTokenizes records whether the issuer supported network tokens
	// for this card when it was saved.
	IssuerTokenizes bool

	// PANCiphertext is the card number sealed by the locker under key KeyID.
	PANCiphertext []byte
	KeyID         string

	// Token is the card's network token, if it has one.
	Token *NetworkToken

	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaskedNumber returns the card number as it may be shown:
// first four, eight X's, last four (e.g. "4335-XXXXXXXX-2216").
func (c *Card) MaskedNumber() string {
	if len(c.ISIN) < 4 {
		return "XXXX-XXXXXXXX-" + c.Last4
	}
	return c.ISIN[:4] + "-XXXXXXXX-" + c.Last4
}

// Bin returns what the card's eligibility depends on, as a CardBin.
func (c *Card) Bin() CardBin {
	return CardBin{BIN: c.ISIN, Brand: c.Brand, Bank: c.Issuer, BankCode: c.BankCode, Country: c.IssuerCountry,
		Type: c.Type, SubType: c.SubType, IssuerTokenizes: c.IssuerTokenizes, Known: true}
}

// HasLiveToken reports whether the card has a network token that is not
// INACTIVE: such a card is not tokenized again.
func (c *Card) HasLiveToken() bool {
	return c.Token != nil && c.Token.Status != TokenInactive
}

// Expired reports whether the card's expiry month has passed at now.
func (c *Card) Expired(now time.Time) bool {
	return CardExpired(c.ExpMonth, c.ExpYear, now)
}

// CardExpired reports whether a card expiring at the end of month mm of year
// yyyy has expired at now (in India's time zone, where the cards are issued).
func CardExpired(mm, yyyy string, now time.Time) bool {
	m, y := atoi(mm), atoi(yyyy)
	if m < 1 || m > 12 || y == 0 {
		return true
	}
	now = now.In(ist)
	return y < now.Year() || y == now.Year() && m < int(now.Month())
}

var ist = time.FixedZone("IST", 5*3600+1800)

// InIndia is t in India's time (IST), as customers read dates.
func InIndia(t time.Time) time.Time { return t.In(ist) }

func atoi(s string) int {
	if !AllDigits(s) || len(s) > 9 {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Token statuses, as the card networks report them.
const (
	TokenInitiated = "INITIATED"
	TokenActive    = "ACTIVE"
	TokenInactive  = "INACTIVE"
	TokenSuspended = "SUSPENDED"
)

// NetworkToken is a card network's token standing in for a card number.
type NetworkToken struct {
	// Reference is the service's permanent reference to the token.
	Reference  string
	Last4      string // the token's last four; never shown to the customer
	ISIN       string // the token's BIN; for routing, never shown
	ExpMonth   string
	ExpYear    string
	PAR        string // Payment Account Reference, stable for the card
	Status     string // TokenInitiated, TokenActive, TokenInactive, TokenSuspended
	Provider   string // the network that issued it
	Ciphertext []byte // the token number, sealed by the locker
	KeyID      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CardStore keeps saved cards. Every method is scoped to one merchant: a
// card of another merchant is reported as ENOTFOUND.
type CardStore interface {
	// SaveCard stores a card for a customer under c.Reference, which the
	// caller assigns (the locker binds the ciphertext to it). If the customer
	// already has the card (same fingerprint) under the same reference, it is
	// updated in place; under another reference, ECONFLICT.
	SaveCard(ctx context.Context, c *Card) error
	// FindCardByFingerprint returns the customer's card with the
	// fingerprint, or ENOTFOUND.
	FindCardByFingerprint(ctx context.Context, merchantID, customerID, fingerprint string) (*Card, error)
	// SaveNetworkToken stores or replaces a card's network token.
	// Returns ENOTFOUND if the merchant has no such card.
	SaveNetworkToken(ctx context.Context, merchantID, cardReference string, t *NetworkToken) error
	// DeleteNetworkToken removes a card's network token, if it has one.
	DeleteNetworkToken(ctx context.Context, merchantID, cardReference string) error
	// ListCards returns the customer's cards, newest first.
	ListCards(ctx context.Context, merchantID, customerID string) ([]*Card, error)
	// FindCard returns ENOTFOUND if the merchant has no card with the reference.
	FindCard(ctx context.Context, merchantID, reference string) (*Card, error)
	// UpdateCardNickname returns ENOTFOUND if the merchant has no such card.
	UpdateCardNickname(ctx context.Context, merchantID, reference, nickname string) (*Card, error)
	// FindCardByTokenReference returns the card holding the network token,
	// or ENOTFOUND.
	FindCardByTokenReference(ctx context.Context, merchantID, tokenReference string) (*Card, error)
	// UpdateNetworkToken reads the card holding the token, applies fn to
	// its token and writes the token back, in one transaction. fn's error
	// aborts it. Returns ENOTFOUND if the merchant has no such token.
	UpdateNetworkToken(ctx context.Context, merchantID, tokenReference string, fn func(*Card, *NetworkToken) error) (*Card, error)
	// DeleteCard removes a card and its token from the locker, recording
	// w (when not nil) as the customer's withdrawal of consent, in one
	// transaction. Returns ENOTFOUND if the merchant has no such card.
	DeleteCard(ctx context.Context, merchantID, reference string, w *Withdrawal) error
	// ListWithdrawals returns a customer's withdrawals, oldest first.
	ListWithdrawals(ctx context.Context, merchantID, customerID string) ([]*Withdrawal, error)
}

// Token lifecycle actions a card network notifies.
const (
	TokenSuspend    = "suspend"    // ACTIVE → SUSPENDED (e.g. card reported lost, pending review)
	TokenResume     = "resume"     // SUSPENDED → ACTIVE
	TokenDeactivate = "deactivate" // any live status → INACTIVE, for good
	TokenReplace    = "replace"    // the card was reissued: new token number and expiry, same PAR
)

// TokenStatusAfter returns the status a token in status from moves to on
// action, or ECONFLICT naming why the network cannot do it.
func TokenStatusAfter(from, action string) (string, error) {
	switch action {
	case TokenSuspend:
		if from == TokenActive {
			return TokenSuspended, nil
		}
	case TokenResume:
		if from == TokenSuspended {
			return TokenActive, nil
		}
	case TokenDeactivate:
		if from != TokenInactive {
			return TokenInactive, nil
		}
	case TokenReplace:
		if from == TokenActive || from == TokenSuspended {
			return from, nil
		}
	default:
		return "", Invalid("action", "action must be suspend, resume, deactivate or replace.")
	}
	return "", Errorf(ECONFLICT, "A %s token cannot be %s.", from, actionPast[action])
}

var actionPast = map[string]string{
	TokenSuspend: "suspended", TokenResume: "resumed", TokenDeactivate: "deactivated", TokenReplace: "replaced",
}

// TokenUpdate is a change a card network made to a token on its own.
type TokenUpdate struct {
	MerchantID     string
	TokenReference string
	Action         string // TokenSuspend, TokenResume, TokenDeactivate or TokenReplace
	// For TokenReplace: the new token number and expiry. The PAR stays.
	Number   string
	ExpMonth string
	ExpYear  string
}
