package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/webhook"
)

// TestSendTest: a test event reaches the receiver with the merchant's
// Basic credentials and signature, marked as a test, and nothing is
// stored; a receiver's error status, a slow receiver and (in production) a
// private address are reported as such.
func TestSendTest(t *testing.T) {
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 2 {
			w.WriteHeader(http.StatusTeapot)
		}
	})
	m := &coft.Merchant{ID: "m1", ResponseKey: "secret-m1", WebhookURL: rcv.srv.URL + "/hooks",
		WebhookUsername: "hooks", WebhookPassword: "pw-m1"}
	w := &webhook.Worker{AllowPrivate: true, Timeout: 2 * time.Second}

	status, took, err := w.SendTest(context.Background(), m)
	if err != nil || status != 200 || took <= 0 {
		t.Fatalf("SendTest = %d, %v, %v", status, took, err)
	}
	h := rcv.hits[0]
	var body map[string]any
	if err := json.Unmarshal([]byte(h.body), &body); err != nil {
		t.Fatal(err)
	}
	if h.user != "hooks" || h.pass != "pw-m1" || body["event_name"] != webhook.TestEventName || body["test"] != true ||
		!strings.HasPrefix(h.eventID, "evt_test_") || !verify("secret-m1", h.signature, h.body) {
		t.Fatalf("received %+v, body %v", h, body)
	}

	if status, _, err := w.SendTest(context.Background(), m); status != http.StatusTeapot || err == nil || !strings.Contains(err.Error(), "418") {
		t.Fatalf("an error status: %d, %v", status, err)
	}

	slow := newReceiver(t, func(int, http.ResponseWriter) { time.Sleep(300 * time.Millisecond) })
	m.WebhookURL = slow.srv.URL
	quick := &webhook.Worker{AllowPrivate: true, Timeout: 50 * time.Millisecond}
	if status, _, err := quick.SendTest(context.Background(), m); status != 0 || err == nil || !strings.Contains(err.Error(), "in time") {
		t.Fatalf("a slow receiver: %d, %v", status, err)
	}

	m.WebhookURL = rcv.srv.URL
	production := &webhook.Worker{Timeout: time.Second}
	if _, _, err := production.SendTest(context.Background(), m); err != webhook.ErrNotPublic {
		t.Fatalf("a loopback receiver in production: %v", err)
	}
	if n := rcv.count(); n != 2 {
		t.Fatalf("the receiver got %d posts, want 2", n)
	}

	m.WebhookURL = ""
	if _, _, err := w.SendTest(context.Background(), m); err == nil {
		t.Fatal("no URL: no error")
	}
}
