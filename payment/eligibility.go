package payment

import (
	"context"
	"sync"
	"time"

	"github.com/coftkit/coft"
)

// onboardedCache keeps, per merchant and associate, the networks that
// onboarded it, sparing a read on every eligibility check. Changes made
// through this instance are seen at once; through another, within
// CacheTTL.
type onboardedCache struct {
	mu sync.RWMutex
	m  map[onboardedKey]onboardedEntry
}

type onboardedKey struct{ merchant, associate string }

type onboardedEntry struct {
	coft, altID coft.NetworkSet
	exp         time.Time
}

// Onboarded returns the networks that onboarded the associate (the
// merchant itself when associateID is empty) for COFT and for ALT_ID.
func (s *Service) Onboarded(ctx context.Context, merchantID, associateID string) (cof, alt coft.NetworkSet, err error) {
	if associateID == "" {
		associateID = merchantID
	}
	key := onboardedKey{merchantID, associateID}
	now := s.Now()
	c := &s.onboarded
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && now.Before(e.exp) {
		return e.coft, e.altID, nil
	}
	cof, alt, err = s.Store.OnboardedNetworks(ctx, merchantID, associateID)
	if err != nil {
		return 0, 0, err
	}
	if s.CacheTTL > 0 {
		c.mu.Lock()
		if c.m == nil || len(c.m) > 100_000 { // bounded: start over rather than grow without end
			c.m = map[onboardedKey]onboardedEntry{}
		}
		c.m[key] = onboardedEntry{cof, alt, now.Add(s.CacheTTL)}
		c.mu.Unlock()
	}
	return cof, alt, nil
}

func (s *Service) forgetOnboarded(merchantID, associateID string) {
	c := &s.onboarded
	c.mu.Lock()
	delete(c.m, onboardedKey{merchantID, associateID})
	c.mu.Unlock()
}

// TokenizeSupport reports whether a card with the BIN can be tokenized
// for the merchant, or the sub-merchant when submerchantID is set.
func (s *Service) TokenizeSupport(ctx context.Context, m *coft.Merchant, submerchantID string, b coft.CardBin) (bool, error) {
	if !m.TokenizationEnabled {
		return false, nil
	}
	cof, _, err := s.Onboarded(ctx, m.ID, submerchantID)
	if err != nil {
		return false, err
	}
	return coft.TokenizeSupport(m, b, cof), nil
}

// CVVLess reports whether a saved card may pay without its security code:
// it has an ACTIVE network token and its network allows it.
func (s *Service) CVVLess(c *coft.Card) bool {
	return c.Token != nil && c.Token.Status == coft.TokenActive && s.Network.CVVLess(c.Brand)
}
