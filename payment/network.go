package payment

import (
	"context"

	"github.com/coftkit/coft"
)

// Onboard records an onboarding and asks the networks: pending first, so
// that an answer a network sends at once always finds its row; networks
// that rejected it before are asked again, those already asked keep their
// status. It returns the onboarding as stored after the networks' first
// answers. A network that cannot be reached leaves it pending, for
// ResubmitPendingOnboardings.
func (s *Service) Onboard(ctx context.Context, o *coft.Onboarding, networks []string) (*coft.Onboarding, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	for _, brand := range networks {
		o.Status[brand] = coft.OnboardingPending
	}
	if err := s.Store.SaveOnboarding(ctx, o); err != nil {
		return nil, err
	}
	ask := &coft.Onboarding{MerchantID: o.MerchantID, AssociateID: o.AssociateID, Flow: o.Flow, TestMode: o.TestMode,
		Company: o.Company, Status: map[string]string{}}
	for _, brand := range networks {
		switch o.Status[brand] {
		case coft.OnboardingRejected: // asked again
			if err := s.Store.SetOnboardingStatus(ctx, o.MerchantID, o.AssociateID, o.Flow, brand, coft.OnboardingPending); err != nil {
				return nil, err
			}
			fallthrough
		case coft.OnboardingPending:
			ask.Status[brand] = coft.OnboardingPending
		}
	}
	if len(ask.Status) == 0 {
		return o, nil
	}
	answers, err := s.Network.Onboard(ctx, ask)
	if err != nil {
		// Left pending: the reconciler submits it again.
		s.Logger.ErrorContext(ctx, "onboarding submission failed", "associate_id", o.AssociateID, "error", err.Error())
	}
	for brand, status := range answers {
		if status == coft.OnboardingPending || ask.Status[brand] == "" {
			continue
		}
		if err := s.Store.SetOnboardingStatus(ctx, o.MerchantID, o.AssociateID, o.Flow, brand, status); err != nil {
			return nil, err
		}
	}
	s.forgetOnboarded(o.MerchantID, o.AssociateID)
	return s.Store.FindOnboarding(ctx, o.MerchantID, o.AssociateID, o.Flow)
}

// OnboardingChanged records a network's answer to a pending onboarding.
func (s *Service) OnboardingChanged(ctx context.Context, u coft.OnboardingUpdate) error {
	if err := coft.ValidateAnswer(u.Status); err != nil {
		return err
	}
	if err := s.Store.SetOnboardingStatus(ctx, u.MerchantID, u.AssociateID, u.Flow, u.Network, u.Status); err != nil {
		return err
	}
	s.forgetOnboarded(u.MerchantID, u.AssociateID)
	s.Logger.InfoContext(ctx, "network answered onboarding", "merchant_id", u.MerchantID, "associate_id", u.AssociateID,
		"flow", u.Flow, "network", u.Network, "status", u.Status)
	return nil
}

// ResubmitPendingOnboardings submits onboardings still waiting for a
// network's answer again, e.g. after a restart lost the network's
// callback. It returns how many it submitted.
func (s *Service) ResubmitPendingOnboardings(ctx context.Context) (int, error) {
	pending, err := s.Store.PendingOnboardings(ctx, 100)
	if err != nil {
		return 0, err
	}
	for _, o := range pending {
		ask := *o
		ask.Status = map[string]string{}
		for brand, st := range o.Status {
			if st == coft.OnboardingPending {
				ask.Status[brand] = st
			}
		}
		answers, err := s.Network.Onboard(ctx, &ask)
		if err != nil {
			return 0, err
		}
		for brand, status := range answers {
			if status != coft.OnboardingPending && ask.Status[brand] != "" {
				if err := s.OnboardingChanged(ctx, coft.OnboardingUpdate{MerchantID: o.MerchantID,
					AssociateID: o.AssociateID, Flow: o.Flow, Network: brand, Status: status}); err != nil {
					return 0, err
				}
			}
		}
	}
	return len(pending), nil
}

// TokenChanged applies a change a card network made to a token:
// suspension, resumption, deactivation or replacement (new number and
// expiry, same PAR). An illegal transition is ECONFLICT and changes nothing.
func (s *Service) TokenChanged(ctx context.Context, u coft.TokenUpdate) (*coft.Card, error) {
	card, err := s.Store.UpdateNetworkToken(ctx, u.MerchantID, u.TokenReference, func(_ *coft.Card, t *coft.NetworkToken) error {
		to, err := coft.TokenStatusAfter(t.Status, u.Action)
		if err != nil {
			return err
		}
		if u.Action == coft.TokenReplace {
			if len(u.Number) < 12 || !coft.LuhnValid(u.Number) || coft.CardExpired(u.ExpMonth, u.ExpYear, s.Now()) {
				return coft.Errorf(coft.EINVALID, "The replacement token is not a valid, unexpired number.")
			}
			ct, keyID, err := s.Locker.Seal(u.Number, t.Reference)
			if err != nil {
				return err
			}
			t.Ciphertext, t.KeyID = ct, keyID
			t.ISIN, t.Last4, t.ExpMonth, t.ExpYear = u.Number[:6], u.Number[len(u.Number)-4:], u.ExpMonth, u.ExpYear
		}
		t.Status = to
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "network changed token", "merchant_id", u.MerchantID, "token_reference", u.TokenReference,
		"action", u.Action, "status", card.Token.Status)
	return card, nil
}

// errNoSandbox refuses the sandbox controls when a real network is used.
var errNoSandbox = coft.Errorf(coft.ENOTFOUND, "The card network is not the sandbox's.")

// SandboxChangeToken makes the sandbox network change the token of a card
// (by its card_reference or its token's reference).
func (s *Service) SandboxChangeToken(ctx context.Context, merchantID, reference, action string) (*coft.Card, error) {
	if s.Sandbox == nil {
		return nil, errNoSandbox
	}
	if _, err := coft.TokenStatusAfter(coft.TokenActive, action); coft.ErrorCode(err) == coft.EINVALID {
		return nil, err
	}
	c, err := s.Store.FindCard(ctx, merchantID, reference)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		c, err = s.Store.FindCardByTokenReference(ctx, merchantID, reference)
	}
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, coft.FieldError(coft.ENOTFOUND, "reference", "No card or token has this reference.")
	} else if err != nil {
		return nil, err
	}
	if c.Token == nil {
		return nil, coft.FieldError(coft.ECONFLICT, "reference", "The card has no network token.")
	}
	return s.Sandbox.ChangeToken(ctx, merchantID, c.Token, action)
}

// SandboxDecideOnboarding makes the sandbox networks answer an onboarding
// now. networks is as the onboarding API's network field; empty means
// every network asked.
func (s *Service) SandboxDecideOnboarding(ctx context.Context, merchantID, associateID, flow, networks, status string) (*coft.Onboarding, error) {
	if s.Sandbox == nil {
		return nil, errNoSandbox
	}
	if associateID == "" {
		associateID = merchantID
	}
	if err := coft.ValidateFlow(flow); err != nil {
		return nil, err
	}
	if err := coft.ValidateAnswer(status); err != nil {
		return nil, err
	}
	o, err := s.Store.FindOnboarding(ctx, merchantID, associateID, flow)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, coft.FieldError(coft.ENOTFOUND, "associate_id", "%s has not been onboarded for %s.", associateID, flow)
	} else if err != nil {
		return nil, err
	}
	brands := make([]string, 0, len(o.Status))
	if networks == "" {
		for _, b := range coft.Networks {
			if _, ok := o.Status[b]; ok {
				brands = append(brands, b)
			}
		}
	} else if brands, err = coft.ParseNetworks(networks); err != nil {
		return nil, err
	}
	for _, b := range brands {
		if _, ok := o.Status[b]; !ok {
			return nil, coft.FieldError(coft.ENOTFOUND, "network", "%s was never asked to onboard %s.", b, associateID)
		}
	}
	for _, b := range brands {
		if err := s.Sandbox.DecideOnboarding(ctx, coft.OnboardingUpdate{MerchantID: merchantID, AssociateID: associateID,
			Flow: flow, Network: b, Status: status}); err != nil {
			return nil, err
		}
	}
	return s.Store.FindOnboarding(ctx, merchantID, associateID, flow)
}
