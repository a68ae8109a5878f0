package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
	"github.com/coftkit/coft/webhook"
)

// receiver records what a merchant's webhook endpoint receives; answer
// decides each response.
type receiver struct {
	mu     sync.Mutex
	hits   []hit
	answer func(n int, w http.ResponseWriter)
	srv    *httptest.Server
}

type hit struct {
	body, signature, eventID, user, pass string
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		user, pass, _ := req.BasicAuth()
		r.mu.Lock()
		r.hits = append(r.hits, hit{string(body), req.Header.Get(webhook.SignatureHeader), req.Header.Get(webhook.EventIDHeader), user, pass})
		n := len(r.hits)
		r.mu.Unlock()
		r.answer(n, w)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hits)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// world is a database with merchants whose webhooks point at receivers,
// and a worker.
type world struct {
	t  *testing.T
	db *sqlstore.DB
	w  *webhook.Worker
}

func newWorld(t *testing.T, dialect sqlstore.Dialect) *world {
	db := sqltest.MustOpenDB(t, dialect)
	w := &webhook.Worker{Store: db, AllowPrivate: true, Poll: 10 * time.Millisecond,
		Schedule: coft.RetrySchedule{First: 10 * time.Millisecond, Max: 40 * time.Millisecond, Total: time.Hour},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Render: func(_ context.Context, e *coft.Event) ([]byte, error) {
			return json.Marshal(map[string]string{"id": e.ID, "event_name": e.Name, "order_id": e.OrderID})
		}}
	return &world{t: t, db: db, w: w}
}

func (w *world) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.w.Run(ctx); close(done) }()
	w.t.Cleanup(func() { cancel(); <-done })
}

func (w *world) merchant(id, url string) {
	m := &coft.Merchant{ID: id, APIKeyHash: []byte("h-" + id), ResponseKey: "secret-" + id, WebhookURL: url,
		WebhookUsername: "hooks", WebhookPassword: "pw-" + id}
	if err := w.db.CreateMerchant(context.Background(), m); err != nil {
		w.t.Fatal(err)
	}
}

// payments starts n payments of the merchant: one TXN_CREATED event each.
func (w *world) payments(merchant string, n int) []string {
	ctx := context.Background()
	var ids []string
	for i := range n {
		o := &coft.Order{MerchantID: merchant, OrderID: merchant + "o" + string(rune('a'+i%26)) + coft.RandomHex(3),
			Amount: 100, Currency: "INR", Status: coft.StatusNew}
		if err := w.db.CreateOrder(ctx, o); err != nil {
			w.t.Fatal(err)
		}
		if _, _, err := w.db.StartTxn(ctx, &coft.Txn{UUID: coft.RandomHex(16), MerchantID: merchant, OrderID: o.OrderID,
			Status: coft.StatusPendingVBV, Fingerprint: "fp"}, time.Now(), nil); err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, o.OrderID)
	}
	return ids
}

func (w *world) events(merchant string) []*coft.Event {
	es, err := w.db.ListEvents(context.Background(), merchant, "", 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return es
}

// TestRetriesUntilReceiverRecovers: a receiver failing its first three
// attempts gets the event on the fourth, same id and bytes each time,
// authenticated and signed.
func TestRetriesUntilReceiverRecovers(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newWorld(t, d)
			rcv := newReceiver(t, func(n int, rw http.ResponseWriter) {
				if n <= 3 {
					rw.WriteHeader(http.StatusServiceUnavailable)
				}
			})
			w.merchant("shop", rcv.srv.URL)
			w.payments("shop", 1)
			w.run()
			waitFor(t, "delivery", func() bool { return w.events("shop")[0].Status == coft.DeliveryDelivered })
			e, attempts, err := w.db.FindEvent(context.Background(), "shop", w.events("shop")[0].ID)
			if err != nil || len(attempts) != 4 || e.Attempts != 4 || attempts[0].HTTPStatus != 503 || attempts[3].HTTPStatus != 200 ||
				attempts[3].Error != "" || !strings.Contains(attempts[0].Error, "503") {
				t.Fatalf("event %+v, attempts %v, %v", e, attempts, err)
			}
			if rcv.count() != 4 {
				t.Fatalf("%d hits, want 4", rcv.count())
			}
			for _, h := range rcv.hits {
				if h.body != rcv.hits[0].body || h.eventID != e.ID || h.user != "hooks" || h.pass != "pw-shop" {
					t.Fatalf("hit %+v differs or is not authenticated", h)
				}
				if !verify("secret-shop", h.signature, h.body) {
					t.Fatalf("signature %q does not verify", h.signature)
				}
			}
			if !strings.Contains(rcv.hits[0].body, e.ID) || !strings.Contains(rcv.hits[0].body, "TXN_CREATED") {
				t.Fatalf("body %s", rcv.hits[0].body)
			}
		})
	}
}

// verify checks a signature header the way a merchant would.
func verify(key, header, body string) bool {
	var ts string
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			ts = v
		}
	}
	var unix int64
	for _, c := range ts {
		unix = unix*10 + int64(c-'0')
	}
	return ts != "" && webhook.Sign(key, time.Unix(unix, 0), []byte(body)) == header
}

func TestGivesUpAfterTheSchedule(t *testing.T) {
	w := newWorld(t, sqlstore.SQLite)
	w.w.Schedule.Total = 100 * time.Millisecond
	rcv := newReceiver(t, func(_ int, rw http.ResponseWriter) { rw.WriteHeader(500) })
	w.merchant("shop", rcv.srv.URL)
	w.payments("shop", 1)
	w.run()
	waitFor(t, "the event to fail", func() bool { return w.events("shop")[0].Status == coft.DeliveryFailed })
	e := w.events("shop")[0]
	if e.Attempts < 2 || !strings.Contains(e.LastError, "500") {
		t.Fatalf("failed event %+v", e)
	}
	// Redelivered on demand, to a receiver that now works.
	rcv.answer = func(int, http.ResponseWriter) {}
	if err := w.db.RedeliverEvent(context.Background(), "shop", e.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	w.w.Notify()
	waitFor(t, "redelivery", func() bool { return w.events("shop")[0].Status == coft.DeliveryDelivered })
}

// TestBadReceivers: redirects are not deliveries, garbage answers with
// 2xx are, a missing URL is recorded, and private addresses are refused
// outside the sandbox. Nothing crashes; no secret reaches the records.
func TestBadReceivers(t *testing.T) {
	w := newWorld(t, sqlstore.SQLite)
	redirect := newReceiver(t, func(_ int, rw http.ResponseWriter) {
		rw.Header().Set("Location", "https://elsewhere.example/")
		rw.WriteHeader(http.StatusFound)
	})
	garbage := newReceiver(t, func(_ int, rw http.ResponseWriter) { rw.Write([]byte("\x00\xffnot json at all")) })
	w.merchant("redirect", redirect.srv.URL)
	w.merchant("garbage", garbage.srv.URL)
	w.merchant("nourl", "")
	w.payments("redirect", 1)
	w.payments("garbage", 1)
	w.payments("nourl", 1)
	w.run()
	waitFor(t, "garbage delivered", func() bool { return w.events("garbage")[0].Status == coft.DeliveryDelivered })
	waitFor(t, "no URL recorded", func() bool { return w.events("nourl")[0].Status == coft.DeliveryNoURL })
	waitFor(t, "redirect retried", func() bool { return w.events("redirect")[0].Attempts >= 2 })
	if e := w.events("redirect")[0]; e.Status != coft.DeliveryPending || !strings.Contains(e.LastError, "302") || redirect.count() < 2 {
		t.Fatalf("redirect: %+v", e)
	}

	strict := newWorld(t, sqlstore.SQLite)
	strict.w.AllowPrivate = false
	local := newReceiver(t, func(int, http.ResponseWriter) {})
	strict.merchant("local", "http://user:topsecret@"+strings.TrimPrefix(local.srv.URL, "http://"))
	strict.payments("local", 1)
	strict.run()
	waitFor(t, "the private address refused", func() bool { return strict.events("local")[0].Attempts >= 1 })
	e, attempts, _ := strict.db.FindEvent(context.Background(), "local", strict.events("local")[0].ID)
	if local.count() != 0 || e.LastError != webhook.ErrNotPublic.Error() || strings.Contains(e.LastError, "topsecret") ||
		len(attempts) == 0 || strings.Contains(attempts[0].Error+attempts[0].URL, "topsecret") {
		t.Fatalf("private receiver: %d hits, %+v", local.count(), e)
	}
}

// TestBlockedDestinationsLookAlike: outside the sandbox, a receiver that
// listens, a closed port and internal addresses named every way (IPv4,
// IPv6, IPv4-mapped, a name resolving to loopback) all record the same
// one error and attempt, so that the events API is no port scanner. Every
// destination is a loopback address: if the check failed, nothing but this
// machine would be dialed.
func TestBlockedDestinationsLookAlike(t *testing.T) {
	w := newWorld(t, sqlstore.SQLite)
	w.w.AllowPrivate = false
	listening := newReceiver(t, func(int, http.ResponseWriter) {})
	port := listening.srv.Listener.Addr().(*net.TCPAddr).Port
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	urls := []string{
		fmt.Sprintf("http://127.0.0.1:%d/hooks", port),
		fmt.Sprintf("http://127.0.0.1:%d/hooks", closedPort),
		fmt.Sprintf("https://127.0.0.2:%d/", port),
		fmt.Sprintf("http://localhost:%d/hooks", port),
		fmt.Sprintf("http://[::1]:%d/hooks", closedPort),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/hooks", port),
		"http://127.0.0.1/",
	}
	for i, u := range urls {
		id := fmt.Sprintf("m%d", i)
		w.merchant(id, u)
		w.payments(id, 1)
	}
	w.run()
	for i, u := range urls {
		id := fmt.Sprintf("m%d", i)
		waitFor(t, u+" attempted", func() bool { return w.events(id)[0].Attempts >= 1 })
		e, attempts, err := w.db.FindEvent(context.Background(), id, w.events(id)[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.LastError != "destination is not a public address" || attempts[0].Error != e.LastError || attempts[0].HTTPStatus != 0 {
			t.Errorf("%s: last error %q, attempt %+v", u, e.LastError, attempts[0])
		}
	}
	if listening.count() != 0 {
		t.Fatalf("the loopback receiver got %d deliveries", listening.count())
	}
}

// TestSlowReceiverDoesNotStallOthers: one merchant's receiver hangs; the
// other merchant's events are delivered meanwhile.
func TestSlowReceiverDoesNotStallOthers(t *testing.T) {
	w := newWorld(t, sqlstore.SQLite)
	w.w.Concurrency, w.w.PerMerchant, w.w.Timeout = 4, 2, 5*time.Second
	release := make(chan struct{})
	slow := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	fast := newReceiver(t, func(int, http.ResponseWriter) {})
	w.merchant("slow", slow.srv.URL)
	w.merchant("fast", fast.srv.URL)
	w.payments("slow", 10)
	w.run()
	t.Cleanup(func() { close(release) }) // before the worker stops
	waitFor(t, "the slow receiver to hold its share", func() bool { return slow.count() == 2 })
	w.payments("fast", 5)
	start := time.Now()
	waitFor(t, "the fast merchant's events", func() bool {
		for _, e := range w.events("fast") {
			if e.Status != coft.DeliveryDelivered {
				return false
			}
		}
		return true
	})
	if waited := time.Since(start); waited > 4*time.Second {
		t.Fatalf("the fast merchant waited %v behind the slow one", waited)
	}
	if slow.count() > 2 {
		t.Fatalf("the slow receiver got %d concurrent attempts, want at most 2", slow.count())
	}
}

// TestManyMerchantsAllSlotsBusy: with every attempt slot taken by some
// merchants, the others' events are not parked where nothing starts them:
// all are delivered well before a lease could run out.
func TestManyMerchantsAllSlotsBusy(t *testing.T) {
	w := newWorld(t, sqlstore.SQLite)
	w.w.Concurrency, w.w.PerMerchant, w.w.Timeout = 2, 1, 20*time.Second // a lease of 105 s
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("m%d", i)
		rcv := newReceiver(t, func(int, http.ResponseWriter) {})
		w.merchant(id, rcv.srv.URL)
		w.payments(id, 5)
		ids = append(ids, id)
	}
	w.run()
	waitFor(t, "every merchant's events", func() bool {
		for _, id := range ids {
			for _, e := range w.events(id) {
				if e.Status != coft.DeliveryDelivered {
					return false
				}
			}
		}
		return true
	})
}
