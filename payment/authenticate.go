package payment

import (
	"context"
	"errors"

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

// Authenticate is the bank step: the customer's one-time password, or the
// customer's cancellation. The password is checked with the bank before
// anything is written (checking changes nothing at the bank); then one
// write records the attempt: a wrong password counts (MaxOTPAttempts end
// the payment), the right one marks the payment AUTHORIZING, so that the
// authorization is asked of the bank outside any transaction (see
// authorize). wrong reports a wrong password that left the payment open.
// A payment already ended is returned as it is; one left AUTHORIZING (a
// crash lost the bank's answer, or another request is waiting for it) is
// authorized again: the bank's authorization is idempotent, and one answer
// alone is recorded.
func (s *Service) Authenticate(ctx context.Context, m *coft.Merchant, t *coft.Txn, otp string, cancel bool) (_ *coft.Txn, wrong bool, err error) {
	switch {
	case t.Done():
		return t, false, nil
	case t.Status == coft.StatusAuthorizing:
		cur, err := s.Store.FindTxn(ctx, m.ID, t.UUID) // t may predate the answer
		if err != nil {
			return nil, false, err
		}
		return s.exclusive(ctx, cur, true, func(t *coft.Txn) *coft.Txn { return s.authorize(ctx, m, t) }), false, nil
	}
	verified := !cancel && s.Bank.VerifyOTP(ctx, t, otp)
	authorize := false
	attempt, err := s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		if t.Done() || t.Status == coft.StatusAuthorizing {
			return errRecorded // a repeated or concurrent post
		}
		t.AuthStarted = true
		switch {
		case cancel:
			t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthenticationFailed, "AUTHENTICATION_FAILED", "The customer cancelled the payment."
		case !verified:
			t.OTPAttempts++
			wrong = true
			if t.OTPAttempts >= MaxOTPAttempts {
				t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthenticationFailed, "AUTHENTICATION_FAILED", "Too many incorrect one-time passwords."
			}
		default:
			t.Status, authorize = coft.StatusAuthorizing, true
		}
		if t.Done() {
			t.PANCiphertext, t.KeyID = nil, "" // nothing will use the number now
		}
		return nil
	})
	switch {
	case errors.Is(err, errRecorded): // where the other post took it
		cur, err := s.Store.FindTxn(ctx, m.ID, t.UUID)
		if err != nil {
			return nil, false, err
		}
		return s.Authenticate(ctx, m, cur, otp, cancel) // ended: returned as it is; AUTHORIZING: authorized
	case err != nil:
		return nil, false, err
	case authorize:
		attempt = s.exclusive(ctx, attempt, true, func(t *coft.Txn) *coft.Txn { return s.authorize(ctx, m, t) })
	}
	return attempt, wrong && !attempt.Done(), nil
}

// authorize asks the bank to authorize an AUTHORIZING payment, outside any
// transaction, and records its answer: a decline in one write; a charge
// together with the first part of its card work (see charge). A payment
// no longer AUTHORIZING is returned as it is.
func (s *Service) authorize(ctx context.Context, m *coft.Merchant, t *coft.Txn) *coft.Txn {
	if t.Status != coft.StatusAuthorizing {
		return t
	}
	approved, code, msg := s.Bank.Authorize(ctx, t)
	if approved {
		return s.charge(ctx, m, t, code, msg)
	}
	done, err := s.Store.UpdateTxn(ctx, m.ID, t.UUID, func(t *coft.Txn) error {
		if t.Status != coft.StatusAuthorizing {
			return nil
		}
		t.RespCode, t.RespMessage = code, msg
		t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthorizationFailed, "AUTHORIZATION_FAILED", "The bank declined the payment: "+msg+"."
		t.PANCiphertext, t.KeyID = nil, ""
		return nil
	})
	if err != nil {
		s.Logger.ErrorContext(ctx, "recording the bank's decline failed", "txn_id", t.ID, "error", err.Error())
		return t // left AUTHORIZING: the reconciler asks again
	}
	return done
}
