package httpapi

import (
	"context"
	"time"

	"github.com/coftkit/coft"
)

// notifyingStore wakes the webhook worker after each change that writes
// events, so that they go out at once rather than at the next poll.
type notifyingStore struct {
	Store
	hooks interface{ Notify() }
}

func (n notifyingStore) StartTxn(ctx context.Context, t *coft.Txn, reuseAfter time.Time, declared *coft.Consent) (*coft.Txn, bool, error) {
	txn, reused, err := n.Store.StartTxn(ctx, t, reuseAfter, declared)
	n.notify(err)
	return txn, reused, err
}

func (n notifyingStore) UpdateTxn(ctx context.Context, merchantID, uuid string, fn func(*coft.Txn) error) (*coft.Txn, error) {
	t, err := n.Store.UpdateTxn(ctx, merchantID, uuid, fn)
	n.notify(err)
	return t, err
}

func (n notifyingStore) SaveNetworkToken(ctx context.Context, merchantID, cardReference string, t *coft.NetworkToken) error {
	err := n.Store.SaveNetworkToken(ctx, merchantID, cardReference, t)
	n.notify(err)
	return err
}

func (n notifyingStore) UpdateNetworkToken(ctx context.Context, merchantID, tokenReference string,
	fn func(*coft.Card, *coft.NetworkToken) error) (*coft.Card, error) {
	c, err := n.Store.UpdateNetworkToken(ctx, merchantID, tokenReference, fn)
	n.notify(err)
	return c, err
}

func (n notifyingStore) DeleteNetworkToken(ctx context.Context, merchantID, cardReference string) error {
	err := n.Store.DeleteNetworkToken(ctx, merchantID, cardReference)
	n.notify(err)
	return err
}

func (n notifyingStore) DeleteCard(ctx context.Context, merchantID, reference string, w *coft.Withdrawal) error {
	err := n.Store.DeleteCard(ctx, merchantID, reference, w)
	n.notify(err)
	return err
}

func (n notifyingStore) FinishRefund(ctx context.Context, merchantID, id string, a coft.RefundAnswer) (*coft.Refund, error) {
	r, err := n.Store.FinishRefund(ctx, merchantID, id, a)
	n.notify(err)
	return r, err
}

func (n notifyingStore) notify(err error) {
	if err == nil {
		n.hooks.Notify()
	}
}
