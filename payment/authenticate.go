package payment

import (
	"context"

	"github.com/coftkit/coft"
)

// MaxOTPAttempts is how many wrong one-time passwords end a payment.
const MaxOTPAttempts = 3

// RecordConsent records the customer's decision on a payment, once, with
// its evidence. The channel is the hosted page's, or the saved-cards
// screen's for the one-rupee check of out-of-band tokenization, which a
// decline ends there, uncharged. ECONFLICT when a different decision was
// recorded or the bank page was already shown.
func (s *Service) RecordConsent(ctx context.Context, m *coft.Merchant, t *coft.Txn, c coft.Consent) (*coft.Txn, error) {
	c.MerchantID, c.TxnUUID, c.Channel = m.ID, t.UUID, coft.ChannelHostedPage
	if o, err := s.Store.FindOrder(ctx, m.ID, t.OrderID); err == nil && o.Purpose == coft.PurposeCardTokenization {
		c.Channel = coft.ChannelManagementPage
	}
	t, err := s.Store.RecordConsent(ctx, &c)
	if err != nil || c.Channel != coft.ChannelManagementPage || c.Decision {
		return t, err
	}
	// The one-rupee payment exists only to secure the card: declined, it
	// ends here.
	return s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		t.Status, t.ErrorMessage, t.PANCiphertext, t.KeyID = coft.StatusAuthenticationFailed,
			"The customer chose not to secure the card.", nil, ""
		return nil
	})
}

// OpenBank records that the bank's page was shown: the consent step is
// closed. ECONFLICT while the decision is pending.
func (s *Service) OpenBank(ctx context.Context, m *coft.Merchant, t *coft.Txn) (*coft.Txn, error) {
	if t.AuthStarted {
		return t, nil
	}
	return s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		if t.ConsentPending() {
			return coft.Errorf(coft.ECONFLICT, "The customer's decision is pending.")
		}
		t.AuthStarted = true
		return nil
	})
}

// Authenticate is the bank step: the customer's one-time password, or the
// customer's cancellation. A wrong password counts (MaxOTPAttempts end the
// payment); the right one asks the bank to authorize, and a charged
// payment's card work is done before Authenticate returns. wrong reports a
// wrong password that left the payment open. A payment already ended is
// returned as it is.
func (s *Service) Authenticate(ctx context.Context, m *coft.Merchant, t *coft.Txn, otp string, cancel bool) (_ *coft.Txn, wrong bool, err error) {
	charged := false
	t, err = s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		if t.Done() {
			return nil // a repeated post: it shows how it ended
		}
		switch {
		case cancel:
			t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthenticationFailed, "AUTHENTICATION_FAILED", "The customer cancelled the payment."
		case !s.Bank.VerifyOTP(ctx, t, otp):
			t.OTPAttempts++
			wrong = true
			if t.OTPAttempts >= MaxOTPAttempts {
				t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthenticationFailed, "AUTHENTICATION_FAILED", "Too many incorrect one-time passwords."
			}
		default:
			approved, code, msg := s.Bank.Authorize(ctx, t)
			t.RespCode, t.RespMessage = code, msg
			if approved {
				t.Status, charged = coft.StatusCharged, true
			} else {
				t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthorizationFailed, "AUTHORIZATION_FAILED", "The bank declined the payment: "+msg+"."
			}
		}
		if t.Done() && t.Status != coft.StatusCharged {
			t.PANCiphertext, t.KeyID = nil, "" // nothing will use the number now
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if charged {
		t, _ = s.FinishCard(ctx, m, t, true)
	}
	return t, wrong && !t.Done(), nil
}
