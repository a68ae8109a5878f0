package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/coftkit/coft"
)

// TestEventName is the event_name of a test event: receivers can tell it
// from every real event, and its body says "test": true.
const TestEventName = "TEST_EVENT"

// testEvent is the body of a test event: the envelope of real events (id,
// event_name, date_created, content), marked as a test.
type testEvent struct {
	ID          string `json:"id"`
	EventName   string `json:"event_name"`
	DateCreated string `json:"date_created"`
	Test        bool   `json:"test"`
	Content     struct {
		MerchantID string `json:"merchant_id"`
		Message    string `json:"message"`
	} `json:"content"`
}

// SendTest posts a test event to the merchant's webhook URL, once, the way
// a real delivery goes: its Basic credentials and signature, the same
// client (in production, only global unicast addresses are dialed; no
// redirect is followed), the worker's Timeout. It is not stored and never
// retried. It returns the receiver's HTTP status (0 when none answered),
// how long the attempt took, and why it failed: an answer other than 2xx,
// or a transport error described without the URL.
func (w *Worker) SendTest(ctx context.Context, m *coft.Merchant) (status int, took time.Duration, err error) {
	w.init()
	if m.WebhookURL == "" {
		return 0, 0, errors.New("the merchant has no webhook URL")
	}
	now := w.Now()
	e := testEvent{ID: coft.NewID("evt_test_"), EventName: TestEventName, DateCreated: now.UTC().Format(time.RFC3339), Test: true}
	e.Content.MerchantID = m.ID
	e.Content.Message = "A test event sent from the merchant console. No payment or card is involved; answer it with any 2xx status."
	body, err := json.Marshal(e)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	status, err = w.post(ctx, m, m.WebhookURL, &coft.Event{ID: e.ID, MerchantID: m.ID, Name: TestEventName, Body: body})
	return status, time.Since(start), err
}
