package payment

import (
	"context"
	"errors"
	"time"

	"github.com/coftkit/coft"
)

// AbandonedMessage is the error message of a payment its customer left
// unfinished past the authentication window.
const AbandonedMessage = "The payment was not completed in time."

// endAbandoned ends the payments their customers left at the consent or
// bank page: PENDING_VBV past the authentication window (AuthWindow from
// creation) and untouched since before. Each ends as
// AUTHENTICATION_FAILED, with TXN_FAILED and ORDER_FAILED, as a cancelled
// payment does, and its sealed card number is erased: a card saved for
// the customer is not the payment's copy, and stays. Consent recorded
// stays recorded. AUTHORIZING payments are not abandoned: the bank has
// the password, and FinishCharges authorizes them. The write is
// conditional, so a payment finished meanwhile (or ended by another
// instance) is left as it is. It returns how many payments it ended.
func (s *Service) endAbandoned(ctx context.Context, before time.Time) (int, error) {
	txns, err := s.Store.AbandonedTxns(ctx, s.Now().Add(-s.AuthWindow), before, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range txns {
		_, err := s.Store.UpdateTxn(ctx, t.MerchantID, t.UUID, func(t *coft.Txn) error {
			if t.Status != coft.StatusPendingVBV {
				return errRecorded // the customer finished it meanwhile
			}
			t.Status, t.ErrorCode, t.ErrorMessage = coft.StatusAuthenticationFailed, "AUTHENTICATION_FAILED", AbandonedMessage
			t.PANCiphertext, t.KeyID = nil, ""
			return nil
		})
		switch {
		case errors.Is(err, errRecorded):
			continue
		case err != nil:
			return n, err
		}
		s.Logger.InfoContext(ctx, "ended an abandoned payment", "txn_id", t.ID, "order_id", t.OrderID,
			"merchant_id", t.MerchantID)
		n++
	}
	return n, nil
}
