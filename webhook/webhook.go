// Package webhook delivers the outbox's events to merchants: HTTP POST
// with the merchant's Basic credentials and an HMAC-SHA256 signature,
// retried with exponential backoff and jitter, at least once.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/coftkit/coft"
)

// Store is what the worker reads and writes.
type Store interface {
	coft.EventStore
	FindMerchantByID(ctx context.Context, id string) (*coft.Merchant, error)
	FindOrder(ctx context.Context, merchantID, orderID string) (*coft.Order, error)
}

// Headers the worker sends besides Authorization.
const (
	// SignatureHeader is "t=<unix seconds>,v1=<hex HMAC-SHA256>" of
	// "<t>.<body>" under the merchant's response key.
	SignatureHeader = "X-Coft-Signature"
	EventIDHeader   = "X-Coft-Event-Id"
)

// Sign returns the signature header's value for a body sent at t.
func Sign(key string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Worker delivers due events. Fill the exported fields, then Run it; any
// number of workers, in any number of processes, may share a database.
type Worker struct {
	Store Store
	// Render returns an event's JSON body; it is called once per event,
	// before its first attempt.
	Render   func(ctx context.Context, e *coft.Event) ([]byte, error)
	Schedule coft.RetrySchedule
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Concurrency bounds attempts in flight (default 16); PerMerchant
	// bounds them per merchant (default 4), so that one slow receiver
	// cannot hold them all.
	Concurrency, PerMerchant int
	// Poll is how often due events are looked for (default 1 s);
	// Notify wakes the worker sooner.
	Poll time.Duration
	// AllowPrivate permits receivers on any address (the sandbox: loopback
	// and private receivers for local testing). Without it, production
	// dials only global unicast addresses (see GlobalUnicast) and records
	// ErrNotPublic for any other.
	AllowPrivate bool
	Logger       *slog.Logger
	Now          func() time.Time

	once   sync.Once
	wake   chan struct{} // new events (Notify)
	room   chan struct{} // a merchant's attempts ended: room for more
	client *http.Client
	// fruitless: the last claim skipped merchants with events waiting and
	// found nothing else; new events wait for room or the next poll,
	// rather than each scanning the waiting ones again.
	fruitless bool

	mu      sync.Mutex
	running int                      // attempts running
	queued  int                      // events claimed, waiting for their merchant
	busy    map[string]int           // merchant → attempts running
	queue   map[string][]*coft.Event // merchant → events waiting for a slot
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		w.room = make(chan struct{}, 1)
		if w.Schedule == (coft.RetrySchedule{}) {
			w.Schedule = coft.DefaultRetrySchedule
		}
		if w.Timeout == 0 {
			w.Timeout = 10 * time.Second
		}
		if w.Concurrency == 0 {
			w.Concurrency = 16
		}
		if w.PerMerchant == 0 {
			w.PerMerchant = 4
		}
		if w.Poll == 0 {
			w.Poll = time.Second
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		w.busy = map[string]int{}
		w.queue = map[string][]*coft.Event{}
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		if !w.AllowPrivate {
			dialer.Control = refuseNonGlobal
		}
		w.client = &http.Client{
			Timeout: w.Timeout,
			Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4,
				IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: w.Timeout},
			// A redirect is an answer, not a delivery: never followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
}

// Notify makes the worker look for due events now.
func (w *Worker) Notify() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers events until ctx ends, then waits for attempts in flight.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(w.Poll)
	defer tick.Stop()
	for {
		for w.dispatch(ctx, &wg) {
		}
		wake := w.wake
		if w.fruitless {
			wake = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.room:
		case <-wake:
		}
	}
}

// waitingPerSlot is how many claimed events may wait in the worker for
// each attempt slot (PerMerchant per merchant, Concurrency in all). Deeper
// queues mean fewer claims per event; a longer lease, below.
const waitingPerSlot = 4

// lease is how long a claimed event is reserved for this worker: longer
// than an event can wait in the worker's queue (waitingPerSlot attempts of
// its merchant's) plus its own attempt. If the process dies, its events
// are claimed again once their lease runs out.
func (w *Worker) lease() time.Duration { return (waitingPerSlot+1)*w.Timeout + 5*time.Second }

// dispatch claims as many due events as the worker has room for and
// starts them. An event that cannot start yet (its merchant has
// PerMerchant attempts running, or every slot is busy) waits in the worker (at most waitingPerSlot×PerMerchant per merchant,
// waitingPerSlot×Concurrency in all) and starts when a slot frees up. A
// claim takes at most waitingPerSlot×PerMerchant events of a merchant, and
// none of a merchant with events waiting, so that a merchant's events
// always fit: none is claimed only to be given back. It reports whether it
// claimed a full batch (more may be due).
func (w *Worker) dispatch(ctx context.Context, wg *sync.WaitGroup) bool {
	w.mu.Lock()
	free := (waitingPerSlot+1)*w.Concurrency - w.running - w.queued
	skip := make([]string, 0, len(w.queue))
	for m, q := range w.queue {
		if len(q) > 0 {
			skip = append(skip, m)
		}
	}
	w.mu.Unlock()
	if free <= 0 || ctx.Err() != nil {
		return false
	}
	events, err := w.Store.ClaimEvents(ctx, w.Now(), w.lease(), free, waitingPerSlot*w.PerMerchant, skip)
	w.fruitless = err == nil && len(events) == 0 && len(skip) > 0
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.Error("claiming webhook events", "error", err.Error())
		}
		return false
	}
	for _, e := range events {
		w.mu.Lock()
		m := e.MerchantID
		switch {
		case w.busy[m] < w.PerMerchant && w.running < w.Concurrency:
			w.busy[m]++
			w.running++
			w.mu.Unlock()
			w.start(ctx, wg, e)
		case len(w.queue[m]) < waitingPerSlot*w.PerMerchant && w.queued < waitingPerSlot*w.Concurrency:
			// One of the merchant's running attempts starts it when it
			// ends; if the merchant has none, the next slot to free up.
			w.queue[m] = append(w.queue[m], e)
			w.queued++
			w.mu.Unlock()
		default:
			// More than the worker holds: give the event back for a
			// moment.
			w.mu.Unlock()
			e.NextAttemptAt = w.Now().Add(w.Poll)
			w.Store.RecordDelivery(context.WithoutCancel(ctx), e, nil)
		}
	}
	return len(events) == free
}

// start runs an event's attempt, then the merchant's queued events.
func (w *Worker) start(ctx context.Context, wg *sync.WaitGroup, e *coft.Event) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e != nil {
			w.attempt(context.WithoutCancel(ctx), e)
			w.mu.Lock()
			m := e.MerchantID
			if q := w.queue[m]; len(q) > 0 {
				e, w.queue[m] = q[0], q[1:]
				w.queued--
			} else {
				delete(w.queue, m)
				if w.busy[m]--; w.busy[m] <= 0 {
					delete(w.busy, m)
				}
				// The slot goes to a merchant waiting for one, if any.
				if e = w.nextWaitingLocked(); e != nil {
					w.busy[e.MerchantID]++
				} else {
					w.running--
				}
			}
			w.mu.Unlock()
		}
		select { // room for more
		case w.room <- struct{}{}:
		default:
		}
	}()
}

// nextWaitingLocked takes the first waiting event of a merchant with
// fewer than PerMerchant attempts running (one that was queued while every
// slot was busy), or returns nil. w.mu is held.
func (w *Worker) nextWaitingLocked() *coft.Event {
	for m, q := range w.queue {
		if len(q) > 0 && w.busy[m] < w.PerMerchant {
			e := q[0]
			w.queue[m] = q[1:]
			w.queued--
			return e
		}
	}
	return nil
}

// attempt makes one delivery attempt and records its outcome.
func (w *Worker) attempt(ctx context.Context, e *coft.Event) {
	m, err := w.Store.FindMerchantByID(ctx, e.MerchantID)
	if err != nil {
		w.Logger.Error("webhook merchant", "event_id", e.ID, "error", err.Error())
		return // the lease expires; tried again later
	}
	url := m.WebhookURL
	if e.OrderID != "" {
		if o, err := w.Store.FindOrder(ctx, e.MerchantID, e.OrderID); err == nil && o.WebhookURL != "" {
			url = o.WebhookURL
		}
	}
	if url == "" {
		e.Status, e.LastError = coft.DeliveryNoURL, "The merchant has no webhook URL."
		w.record(ctx, e, nil)
		return
	}
	if len(e.Body) == 0 {
		if e.Body, err = w.Render(ctx, e); err != nil {
			w.Logger.Error("rendering webhook event", "event_id", e.ID, "error", err.Error())
			return
		}
	}
	start := w.Now()
	a := &coft.DeliveryAttempt{EventID: e.ID, N: e.Attempts + 1, At: start, URL: redact(url)}
	a.HTTPStatus, err = w.post(ctx, m, url, e)
	a.Duration = time.Since(start)
	e.Attempts++
	if err == nil {
		e.Status, e.LastError, e.DeliveredAt = coft.DeliveryDelivered, "", w.Now()
		w.record(ctx, e, a)
		w.Logger.Info("webhook delivered", "event_id", e.ID, "event_name", e.Name, "merchant_id", e.MerchantID,
			"attempt", a.N, "http_status", a.HTTPStatus)
		return
	}
	a.Error, e.LastError = err.Error(), err.Error()
	if next := w.Now().Add(w.jittered(e.Attempts)); next.Sub(e.CreatedAt) > w.Schedule.Total {
		e.Status = coft.DeliveryFailed
	} else {
		e.NextAttemptAt = next
	}
	w.record(ctx, e, a)
	w.Logger.Warn("webhook not delivered", "event_id", e.ID, "event_name", e.Name, "merchant_id", e.MerchantID,
		"attempt", a.N, "http_status", a.HTTPStatus, "error", a.Error, "status", e.Status)
}

// jittered is the delay before retry n, less up to a fifth at random, so
// that retries of many events spread out and the first one still comes
// within the schedule's first delay.
func (w *Worker) jittered(n int) time.Duration {
	d := w.Schedule.Delay(n)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func (w *Worker) record(ctx context.Context, e *coft.Event, a *coft.DeliveryAttempt) {
	if err := w.Store.RecordDelivery(ctx, e, a); err != nil {
		w.Logger.Error("recording webhook delivery", "event_id", e.ID, "error", err.Error())
	}
}

// post sends the event once. Only a 2xx answer is a delivery.
func (w *Worker) post(ctx context.Context, m *coft.Merchant, url string, e *coft.Event) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(e.Body))
	if err != nil {
		return 0, errors.New("the webhook URL is not valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "coft-webhooks/1")
	req.Header.Set(EventIDHeader, e.ID)
	req.Header.Set(SignatureHeader, Sign(m.ResponseKey, w.Now(), e.Body))
	if m.WebhookUsername != "" || m.WebhookPassword != "" {
		req.SetBasicAuth(m.WebhookUsername, m.WebhookPassword)
	}
	res, err := w.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // reuse the connection; the answer is not read
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("the receiver answered %d", res.StatusCode)
	}
	return res.StatusCode, nil
}

// redact removes credentials from a URL before it is recorded.
func redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	return u.String()
}

// describe turns a transport error into a short reason without the URL
// (which may carry credentials).
func describe(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, ErrNotPublic):
		// One fixed message: nothing about the address, the port or
		// what answers there.
		return ErrNotPublic
	case errors.As(err, &ne) && ne.Timeout():
		return errors.New("the receiver did not answer in time")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("the receiver refused the connection")
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return fmt.Errorf("connection failed: %v", op.Err)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Errorf("the receiver's host could not be resolved")
	}
	return errors.New("the request failed")
}
