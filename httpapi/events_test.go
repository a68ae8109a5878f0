package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/webhook"
)

// hooks is a merchant's webhook endpoint with a delivery worker feeding it.
type hooks struct {
	mu     sync.Mutex
	events []map[string]any
}

func (k *hooks) named(name string) []map[string]any {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []map[string]any
	for _, e := range k.events {
		if e["event_name"] == name {
			out = append(out, e)
		}
	}
	return out
}

// webhooks points the merchant's webhook URL at a new receiver and runs a
// delivery worker.
func (h *harness) webhooks(merchantID string) *hooks {
	k := &hooks{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e map[string]any
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &e) == nil {
			k.mu.Lock()
			k.events = append(k.events, e)
			k.mu.Unlock()
		}
	}))
	h.t.Cleanup(srv.Close)
	m, err := h.db.FindMerchantByID(context.Background(), merchantID)
	if err != nil {
		h.t.Fatal(err)
	}
	m.WebhookURL = srv.URL
	if err := h.db.UpdateMerchant(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	w := &webhook.Worker{Store: h.db, Render: h.api.RenderEvent, AllowPrivate: true, Poll: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
	return k
}

func (h *harness) waitEvent(k *hooks, name string, n int) []map[string]any {
	h.t.Helper()
	waitFor(h.t, name+" webhook", func() bool { return len(k.named(name)) >= n })
	return k.named(name)
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestWebhooks pays with hosted consent and follows the token's life: each
// step reaches the merchant's endpoint, in the envelope, with the order as
// order status shows it.
func TestWebhooks(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		k := h.webhooks("alpha")
		cst := h.order(h.keyA, "wh1", true, "")
		res := h.txn(h.keyA, newCardForm("wh1", goodCard))
		created := h.waitEvent(k, coft.EventTxnCreated, 1)[0]
		if get(created, "content", "order", "order_id") != "wh1" || get(created, "content", "order", "status") != "PENDING_VBV" {
			t.Fatalf("TXN_CREATED: %v", created)
		}
		h.browser(true).pay(res.str("payment.authentication.url"), "accept")
		ok := h.waitEvent(k, coft.EventOrderSucceeded, 1)[0]
		charged := h.waitEvent(k, coft.EventTxnCharged, 1)[0]
		for _, e := range []map[string]any{ok, charged} {
			id, _ := e["id"].(string)
			if len(id) != 39 || id[:7] != "evt_V2_" || e["date_created"] == "" ||
				get(e, "content", "order", "status") != "CHARGED" ||
				get(e, "content", "order", "card", "tokenization_user_consent") != true ||
				get(e, "content", "order", "card", "token", "tokenization_status") != "ACTIVE" {
				t.Fatalf("%s: %v", e["event_name"], e)
			}
		}
		tokenCreated := h.waitEvent(k, coft.EventTokenCreated, 1)[0]
		cards := h.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
		cardRef := cards.str("cards.0.card_reference")
		if get(tokenCreated, "content", "card_reference") != cardRef || get(tokenCreated, "content", "customer_id") != cst ||
			get(tokenCreated, "content", "token", "tokenization_status") != "ACTIVE" ||
			get(tokenCreated, "content", "token", "par") != h.locker.PAR(goodCard) {
			t.Fatalf("TOKEN_CREATED: %v", tokenCreated)
		}

		h.must(200, request{method: "POST", path: "/sandbox/tokens/" + cardRef + "/suspend", key: h.keyA})
		st := h.waitEvent(k, coft.EventTokenStatusUpdated, 1)[0]
		if get(st, "content", "token", "tokenization_status") != "SUSPENDED" {
			t.Fatalf("TOKEN_STATUS_UPDATED: %v", st)
		}
		h.must(200, request{method: "POST", path: "/sandbox/tokens/" + cardRef + "/replace", key: h.keyA})
		if up := h.waitEvent(k, coft.EventTokenUpdated, 1)[0]; get(up, "content", "token", "last_four_digits") ==
			get(tokenCreated, "content", "token", "last_four_digits") {
			t.Fatalf("TOKEN_UPDATED kept the old last four: %v", up)
		}
		h.must(200, request{method: "POST", path: "/v4/card/delete", key: h.keyA,
			json: `{"card_reference":"` + cardRef + `","customer_id":"` + cst + `"}`})
		if del := h.waitEvent(k, coft.EventTokenDeleted, 1)[0]; get(del, "content", "card_reference") != cardRef {
			t.Fatalf("TOKEN_DELETED: %v", del)
		}

		// A failed payment.
		h.order(h.keyA, "wh2", false, "")
		res = h.txn(h.keyA, newCardForm("wh2", "4242420000000059"))
		b := h.browser(false)
		b.pay(res.str("payment.authentication.url"), "")
		if f := h.waitEvent(k, coft.EventOrderFailed, 1)[0]; get(f, "content", "order", "status") != "AUTHORIZATION_FAILED" {
			t.Fatalf("ORDER_FAILED: %v", f)
		}
		h.waitEvent(k, coft.EventTxnFailed, 1)

		// The events API: list, one with its attempts, redeliver.
		list := h.must(200, request{method: "GET", path: "/webhooks/events?order_id=wh1", key: h.keyA})
		evs, _ := list.get("events").([]any)
		if len(evs) != 3 {
			t.Fatalf("events of wh1: %s", list.raw)
		}
		id := list.str("events.0.id")
		one := h.must(200, request{method: "GET", path: "/webhooks/events/" + id, key: h.keyA})
		if one.str("delivery_status") != "DELIVERED" || one.str("delivery_attempts.0.http_status") != "" && one.get("delivery_attempts.0.http_status") != 200.0 ||
			one.get("body.id") != id {
			t.Fatalf("event: %s", one.raw)
		}
		n := len(k.events)
		again := h.must(200, request{method: "POST", path: "/webhooks/events/" + id + "/redeliver", key: h.keyA})
		if again.str("delivery_status") != "PENDING" {
			t.Fatalf("redeliver: %s", again.raw)
		}
		waitFor(t, "the redelivery", func() bool { k.mu.Lock(); defer k.mu.Unlock(); return len(k.events) > n })
		if res := h.do(request{method: "GET", path: "/webhooks/events/" + id, key: h.keyB}); res.status != 404 {
			t.Fatalf("beta reads alpha's event: %d", res.status)
		}
		if res := h.do(request{method: "POST", path: "/webhooks/events/" + id + "/redeliver", key: h.keyB}); res.status != 404 {
			t.Fatalf("beta redelivers alpha's event: %d", res.status)
		}
		if res := h.do(request{method: "GET", path: "/webhooks/events?limit=0", key: h.keyA}); res.status != 400 || res.errorField() != "limit" {
			t.Fatalf("bad limit: %d %s", res.status, res.raw)
		}
	})
}
