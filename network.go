package coft

import "context"

// ProvisionRequest asks a card network for a token for a card.
type ProvisionRequest struct {
	PAN        string
	ExpMonth   string
	ExpYear    string
	Brand      string
	MerchantID string
	// TokenReference is the service's reference for the token; the
	// network quotes it when it later notifies a change.
	TokenReference string
}

// ProvisionedToken is what a network answers.
type ProvisionedToken struct {
	Number   string // the token number; sealed by the locker, never shown
	ExpMonth string
	ExpYear  string
	PAR      string
	Status   string
}

// AltIDRequest asks a card network for an Alt ID: a one-time stand-in for
// a guest's card number.
type AltIDRequest struct {
	PAN           string
	ExpMonth      string
	ExpYear       string
	Brand         string
	MerchantID    string
	SubmerchantID string
	Amount        Amount
	Currency      string
}

// AltID is a network's answer: never stored.
type AltID struct {
	Number   string // altId
	ExpMonth string
	ExpYear  string
	TAVV     string // the cryptogram authenticating its use
	PAR      string
}

// Network issues and manages network tokens and Alt IDs, and onboards
// merchants. The sandbox simulates one; a real network client can replace
// it.
type Network interface {
	// Provision asks for a token. It returns a *Error with code EINVALID
	// when the network declines the card.
	Provision(ctx context.Context, req ProvisionRequest) (*ProvisionedToken, error)
	// Cryptogram returns a fresh cryptogram for one payment with an ACTIVE
	// token, given its number.
	Cryptogram(ctx context.Context, brand, tokenNumber string) (*Cryptogram, error)
	// AltID returns an Alt ID for a card, or a *Error with code EINVALID
	// when the network declines the card.
	AltID(ctx context.Context, req AltIDRequest) (*AltID, error)
	// Deregister tells the network a token is no longer wanted: the
	// customer removed the card. Deregistering a token the network no
	// longer knows is not an error.
	Deregister(ctx context.Context, brand, tokenNumber string) error
	// CVVLess reports whether the network lets a card with an ACTIVE token
	// pay without its security code (RBI allows it for tokenized cards
	// where the network and issuer do).
	CVVLess(brand string) bool
	// Onboard submits an onboarding to the networks in o.Status. It returns
	// each network's status now: onboarded, rejected, or pending, in which
	// case the network reports its answer later through NetworkEvents.
	// Submitting again is harmless.
	Onboard(ctx context.Context, o *Onboarding) (map[string]string, error)
}

// Cryptogram is a network's authentication of one payment with a token.
type Cryptogram struct {
	Value string // the cryptogram (Visa's TAVV, …), base64
	ECI   string // the electronic commerce indicator the network gives with it
	// TokenRequestorID is the id (TRID) the network knows the service by
	// as a token requestor: the token was issued to it.
	TokenRequestorID string
}

// OnboardingUpdate is a network's answer to a pending onboarding.
type OnboardingUpdate struct {
	MerchantID  string
	AssociateID string
	Flow        string
	Network     string
	Status      string // OnboardingOnboarded or OnboardingRejected
}

// NetworkEvents receives what card networks report on their own: answers
// to onboardings and changes to tokens. The service implements it.
type NetworkEvents interface {
	OnboardingChanged(ctx context.Context, u OnboardingUpdate) error
	TokenChanged(ctx context.Context, u TokenUpdate) (*Card, error)
}
