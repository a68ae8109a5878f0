package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestListOrdersPages: the orders list, newest first, a page at a time
// (orders made at the same instant by their ids), filtered by status,
// customer and dates; another merchant's orders never show.
func TestListOrdersPages(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		mustMerchant(t, db, "a")
		mustMerchant(t, db, "b")
		var want []string
		for i := range 9 {
			if i%3 == 0 {
				now = now.Add(time.Hour) // three at each instant
			}
			o := newOrder("a", fmt.Sprintf("o%d", i))
			o.CustomerID = []string{"c1", "c2"}[i%2]
			if i%4 == 0 {
				o.Status = coft.StatusCharged
			}
			if err := db.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
			want = append(want, o.OrderID)
			if err := db.CreateOrder(ctx, newOrder("b", fmt.Sprintf("o%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		list := func(f coft.OrderFilter) []string {
			t.Helper()
			f.MerchantID, f.Limit = "a", 2
			var out []string
			for range 20 {
				os, err := db.ListOrders(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range os {
					if o.MerchantID != "a" {
						t.Fatalf("another merchant's order %s", o.ID)
					}
					out = append(out, o.OrderID)
				}
				if len(os) < f.Limit {
					return out
				}
				f.Before = os[len(os)-1]
			}
			t.Fatal("the pages do not end")
			return nil
		}
		all := list(coft.OrderFilter{})
		if len(all) != 9 {
			t.Fatalf("pages: %v", all)
		}
		slices.Sort(all)
		if !slices.Equal(all, want) {
			t.Fatalf("pages hold %v, want each of %v once", all, want)
		}
		// Newest first: the last three were made last.
		if got := list(coft.OrderFilter{}); !slices.Contains(got[:3], "o8") || !slices.Contains(got[6:], "o0") {
			t.Fatalf("order: %v", got)
		}
		if got := list(coft.OrderFilter{Status: coft.StatusCharged}); !slices.Equal(got, []string{"o8", "o4", "o0"}) {
			t.Fatalf("charged: %v", got)
		}
		if got := list(coft.OrderFilter{CustomerID: "c2"}); len(got) != 4 || slices.Contains(got, "o0") {
			t.Fatalf("customer c2: %v", got)
		}
		start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
		if got := list(coft.OrderFilter{From: start, To: start.Add(time.Hour)}); len(got) != 3 || !slices.Contains(got, "o3") {
			t.Fatalf("the second hour: %v", got)
		}
	})
}

// TestOrderHistory: an order's history holds its attempts, their consent,
// cards and tokens, the order's and its tokens' events with their
// deliveries, its refunds, decisions on the merchant's page and
// withdrawals; no card or token number; nothing of another order or
// merchant.
func TestOrderHistory(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { now = now.Add(time.Second); return now }
		for _, m := range []string{"a", "b"} {
			mustMerchant(t, db, m)
		}
		cst := &coft.Customer{MerchantID: "a", ObjectReferenceID: "asha"}
		if err := db.CreateCustomer(ctx, cst); err != nil {
			t.Fatal(err)
		}
		attempt := func(merchant, orderID, fp string) *coft.Txn {
			t.Helper()
			tx := newTxn(merchant, orderID, fp)
			tx.CustomerID = cst.ID
			tx, _, err := db.StartTxn(ctx, tx, now.Add(-time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			return tx
		}
		// pay charges an attempt of the order with consent, saving its card
		// with an ACTIVE token.
		pay := func(orderID, fp string) (*coft.Txn, *coft.Card) {
			t.Helper()
			tx := attempt("a", orderID, fp)
			if _, err := db.RecordConsent(ctx, &coft.Consent{MerchantID: "a", TxnUUID: tx.UUID, Decision: true,
				TextID: "tokenize-en-v1", Locale: "en", Channel: coft.ChannelHostedPage, ShownAt: now}); err != nil {
				t.Fatal(err)
			}
			card := newCard("a", cst.ID, fp)
			tok := &coft.NetworkToken{Reference: coft.RandomHex(16), Status: coft.TokenActive, Provider: coft.BrandVisa,
				Ciphertext: []byte{9}, KeyID: "k1"}
			tx, err := db.UpdateTxnWith(ctx, "a", tx.UUID, coft.CardWork{Card: card, Token: tok}, func(t *coft.Txn) error {
				t.Status, t.CardReference, t.TokenReference, t.CardDone = coft.StatusCharged, card.Reference, tok.Reference, true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return tx, card
		}
		for _, o := range []*coft.Order{newOrder("a", "o1"), newOrder("a", "o2"), newOrder("b", "o1")} {
			o.CustomerID = cst.ID
			if err := db.CreateOrder(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		failed := attempt("a", "o1", "fp-x")
		if _, err := db.UpdateTxn(ctx, "a", failed.UUID, func(t *coft.Txn) error {
			t.Status = coft.StatusAuthenticationFailed
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		charged, card := pay("o1", "fp-1")
		pay("o2", "fp-2")
		attempt("b", "o1", "fp-1")
		if _, err := db.UpdateNetworkToken(ctx, "a", charged.TokenReference, func(_ *coft.Card, t *coft.NetworkToken) error {
			t.Status = coft.TokenSuspended
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordPageConsent(ctx, &coft.PageConsent{MerchantID: "a", OrderID: "o1", ISIN: "424242", Last4: "4242",
			Brand: coft.BrandVisa, TextID: "tokenize-en-v1", Locale: "en", Origin: "https://shop.example", ShownAt: now}); err != nil {
			t.Fatal(err)
		}
		rf, _, err := db.StartRefund(ctx, &coft.Refund{MerchantID: "a", OrderID: "o1", UniqueRequestID: "r1", Amount: 100})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishRefund(ctx, "a", rf.ID, coft.RefundAnswer{Approved: true, Code: "00"}); err != nil {
			t.Fatal(err)
		}

		h, err := db.OrderHistory(ctx, "a", "o1")
		if err != nil {
			t.Fatal(err)
		}
		if h.Order.OrderID != "o1" || len(h.Txns) != 2 || h.Txns[0].UUID != failed.UUID || h.Txns[1].UUID != charged.UUID {
			t.Fatalf("attempts: %+v", h.Txns)
		}
		for _, tx := range h.Txns {
			if tx.PANCiphertext != nil || tx.KeyID != "" {
				t.Error("an attempt carries its sealed card number")
			}
		}
		if len(h.Consents) != 1 || h.Consents[0].TxnUUID != charged.UUID || len(h.PageConsents) != 1 || len(h.Refunds) != 1 {
			t.Fatalf("consents %+v, page consents %+v, refunds %+v", h.Consents, h.PageConsents, h.Refunds)
		}
		if len(h.Cards) != 1 || h.Cards[0].Reference != card.Reference || h.Cards[0].PANCiphertext != nil ||
			h.Cards[0].Token == nil || h.Cards[0].Token.Ciphertext != nil || h.Cards[0].Token.Status != coft.TokenSuspended {
			t.Fatalf("cards: %+v", h.Cards)
		}
		var names []string
		for _, e := range h.Events {
			names = append(names, e.Name)
			if e.MerchantID != "a" || e.OrderID != "o1" && (e.Token == nil || e.Token.Reference != charged.TokenReference) {
				t.Errorf("another order's event: %+v", e)
			}
		}
		want := []string{coft.EventTxnCreated, coft.EventTxnFailed, coft.EventOrderFailed, coft.EventTxnCreated,
			coft.EventTokenCreated, coft.EventTxnCharged, coft.EventOrderSucceeded, coft.EventTokenStatusUpdated, coft.EventOrderRefunded}
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("events %v, want %v", names, want)
		}
		for i := 1; i < len(h.Events); i++ {
			if h.Events[i].CreatedAt.Before(h.Events[i-1].CreatedAt) {
				t.Fatal("events not oldest first")
			}
		}
		e := h.Events[len(h.Events)-1]
		if err := db.RecordDelivery(ctx, e, &coft.DeliveryAttempt{EventID: e.ID, N: 1, At: now, URL: "https://x.example",
			HTTPStatus: 503, Error: "HTTP 503"}); err != nil {
			t.Fatal(err)
		}

		// The customer removes the card: the withdrawal and the token's
		// deletion are the order's story too.
		if err := db.DeleteCard(ctx, "a", card.Reference, &coft.Withdrawal{MerchantID: "a", CustomerID: cst.ID,
			CardReference: card.Reference, TokenReference: charged.TokenReference, Fingerprint: "fp-1",
			Channel: coft.ChannelManagementPage}); err != nil {
			t.Fatal(err)
		}
		if h, err = db.OrderHistory(ctx, "a", "o1"); err != nil {
			t.Fatal(err)
		}
		if len(h.Cards) != 0 || len(h.Withdrawals) != 1 || h.Withdrawals[0].CardReference != card.Reference {
			t.Fatalf("after the removal: cards %+v, withdrawals %+v", h.Cards, h.Withdrawals)
		}
		if last := h.Events[len(h.Events)-1]; last.Name != coft.EventTokenDeleted {
			t.Fatalf("the last event is %s", last.Name)
		}
		if d := h.Deliveries[e.ID]; len(d) != 1 || d[0].HTTPStatus != 503 || d[0].Error != "HTTP 503" {
			t.Fatalf("deliveries of %s: %+v", e.ID, d)
		}

		_, err = db.OrderHistory(ctx, "a", "nope")
		wantCode(t, err, coft.ENOTFOUND)
		if hb, err := db.OrderHistory(ctx, "b", "o1"); err != nil || len(hb.Txns) != 1 || len(hb.Events) != 1 || len(hb.Consents) != 0 {
			t.Fatalf("b's o1: %+v %v", hb, err)
		}
	})
}
