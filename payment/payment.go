// Package payment holds the service's use cases: starting a payment,
// recording consent, authenticating and authorizing, the card work after a
// charge (saving, tokenizing, the one-rupee refund), refunds,
// de-registration, the reconciler, token-lifecycle and onboarding changes.
// It speaks the domain's interfaces only: the store, the locker, the card
// network, the bank, a clock. The HTTP API, the admin command and the
// sandbox network's callbacks all come through it.
package payment

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coftkit/coft"
)

// Store is the storage the use cases need.
type Store interface {
	coft.MerchantStore
	coft.CustomerStore
	coft.OrderStore
	coft.CardStore
	coft.TxnStore
	coft.OnboardingStore
	coft.RefundStore
	coft.PageConsentStore
}

// Locker seals card and token numbers and computes their fingerprints.
type Locker interface {
	Seal(plaintext, aad string) (ciphertext []byte, keyID string, err error)
	Open(ciphertext []byte, keyID, aad string) (string, error)
	Fingerprint(pan string) string
}

// SandboxControls make the sandbox network act on demand, as a real
// network acts on its own.
type SandboxControls interface {
	DecideOnboarding(ctx context.Context, u coft.OnboardingUpdate) error
	ChangeToken(ctx context.Context, merchantID string, tok *coft.NetworkToken, action string) (*coft.Card, error)
}

// CardTokens verifies the card_token handles of saved cards.
type CardTokens interface {
	// VerifyCardToken returns the customer and card a merchant's token
	// names; EINVALID (field card_token) when it is malformed, forged or
	// expired.
	VerifyCardToken(merchantID, token string) (customerID, reference string, err error)
}

// Config is what a Service needs.
type Config struct {
	Store      Store
	Locker     Locker
	Bins       coft.BinLookup
	CardTokens CardTokens
	Network    coft.Network
	Bank       coft.Bank
	// Sandbox, when set, lets merchants make the sandbox network act.
	Sandbox SandboxControls
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives what the use cases log; nil logs nothing.
	Logger *slog.Logger
	// AuthWindow is how long a payment waits for its customer at the
	// consent and bank pages: the reconciler ends a PENDING_VBV payment
	// older than that as AUTHENTICATION_FAILED (see FinishCharges).
	// 0 means DefaultAuthWindow.
	AuthWindow time.Duration
	// CacheTTL is how long eligibility (the networks that onboarded a
	// merchant) may be served from memory: a change made through another
	// instance is seen within it. 0 caches nothing.
	CacheTTL time.Duration
}

// DefaultAuthWindow is how long a payment waits for its customer's
// authentication unless Config.AuthWindow says otherwise.
const DefaultAuthWindow = 15 * time.Minute

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	Config
	onboarded onboardedCache
	// busy holds the payments whose authorization or card work runs in
	// this process: txn uuid → a channel closed when it ends. See
	// exclusive.
	busy sync.Map
}

// New returns a Service. Store, Locker, Network and Bank are required.
func New(c Config) (*Service, error) {
	switch {
	case c.Store == nil:
		return nil, errMissing("Store")
	case c.Locker == nil:
		return nil, errMissing("Locker")
	case c.Network == nil:
		return nil, errMissing("Network")
	case c.Bank == nil:
		return nil, errMissing("Bank")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AuthWindow == 0 {
		c.AuthWindow = DefaultAuthWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{Config: c}, nil
}

func errMissing(what string) error {
	return coft.Errorf(coft.EINTERNAL, "payment: Config.%s is required", what)
}
