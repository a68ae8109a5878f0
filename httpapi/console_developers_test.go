package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/sqlstore"
)

// fakeRequests is a request log holding given requests per merchant.
type fakeRequests map[string][]components.APIRequest

func (f fakeRequests) Recent(merchantID string) []components.APIRequest { return f[merchantID] }

// TestConsoleDevelopers: the developers' corner shows the API's base URL
// and the merchant id, the merchant's recent API requests (none yet when
// the log has none), its webhook events with their status, attempts and
// last error, linked to their order and to each event's page with every
// attempt; the sandbox's test cards, never in production; and nothing of
// another merchant's but 404.
func TestConsoleDevelopers(t *testing.T) {
	ctx := context.Background()
	visa := testCardOf(t, coft.BrandVisa)
	requests := fakeRequests{"alpha": {
		{At: "30 Nov 2026, 10:00:02", Method: "POST", Route: "POST /txns", Status: 200, Duration: "41ms", RequestID: "req-alpha-2"},
		{At: "30 Nov 2026, 10:00:01", Method: "GET", Route: "GET /orders/{order_id}", Status: 404, Duration: "3ms", RequestID: "req-alpha-1"},
	}}
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) {
		c.ConsoleRequests = requests
		c.TestCards = []components.TestCard{{Number: visa, Bin: mustBin(t, visa)}}
	})

	// Alpha's payment made events; one was tried twice.
	h.order(h.keyA, "buy1", true, "")
	h.browser(true).pay(h.txn(h.keyA, newCardForm("buy1", goodCard)).str("payment.authentication.url"), "accept")
	h.order(h.keyB, "theirs1", true, "")
	h.browser(true).pay(h.txn(h.keyB, newCardForm("theirs1", goodCard)).str("payment.authentication.url"), "accept")
	events, err := h.db.ListEvents(ctx, "alpha", "buy1", 10)
	if err != nil || len(events) == 0 {
		t.Fatalf("alpha's events: %v %v", events, err)
	}
	tried := events[0]
	tried.Body = []byte(`{"id":"` + tried.ID + `","event_name":"` + tried.Name + `"}`)
	tried.Status, tried.Attempts, tried.LastError = coft.DeliveryPending, 1, "the receiver answered 500"
	tried.NextAttemptAt = h.clock().Add(5 * time.Second)
	if err := h.db.RecordDelivery(ctx, tried, &coft.DeliveryAttempt{EventID: tried.ID, N: 1, At: h.clock(),
		URL: "https://alpha.example/hooks", HTTPStatus: 500, Error: "the receiver answered 500", Duration: 120 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	h.advance(5 * time.Second)
	tried.Status, tried.Attempts, tried.DeliveredAt = coft.DeliveryDelivered, 2, h.clock()
	if err := h.db.RecordDelivery(ctx, tried, &coft.DeliveryAttempt{EventID: tried.ID, N: 2, At: h.clock(),
		URL: "https://alpha.example/hooks", HTTPStatus: 200, Duration: 80 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	theirs, err := h.db.ListEvents(ctx, "beta", "", 10)
	if err != nil || len(theirs) == 0 {
		t.Fatalf("beta's events: %v %v", theirs, err)
	}

	viewer := h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))
	t.Run("the corner", func(t *testing.T) {
		p := viewer.get("/console/alpha/developers")
		if p.status != 200 {
			t.Fatalf("%d", p.status)
		}
		if p.text("#base-url") != h.srv.URL || p.text("#merchant-id") != "alpha" {
			t.Errorf("base URL %q, merchant id %q", p.text("#base-url"), p.text("#merchant-id"))
		}
		main := p.text("main")
		for _, want := range []string{"POST /txns", "GET /orders/{order_id}", "req-alpha-2", "req-alpha-1", "404", "41ms",
			tried.Name, "DELIVERED", "Test cards", visa} {
			if !strings.Contains(main, want) {
				t.Errorf("the page does not show %q", want)
			}
		}
		for _, e := range theirs {
			if strings.Contains(p.body, e.ID) {
				t.Errorf("beta's event %s on alpha's page", e.ID)
			}
		}
		all, _ := h.db.ListEvents(ctx, "alpha", "", 50)
		if n := p.doc.Find("table:has(caption:contains('Webhook events')) tbody tr").Length(); n != len(all) {
			t.Errorf("%d events listed, want %d", n, len(all))
		}
		if p.doc.Find(`a[href="/console/alpha/developers/events/`+tried.ID+`"]`).Length() != 1 ||
			p.doc.Find(`a[href="/console/alpha/orders/buy1"]`).Length() == 0 {
			t.Error("an event does not link to its page and its order")
		}
		// Beta's log has none.
		beta := h.signIn(h.consoleUser("beta", "view@beta.example", coft.RoleViewer, false))
		if p := beta.get("/console/beta/developers"); !strings.Contains(p.text("main"), "None yet.") || strings.Contains(p.body, "req-alpha") {
			t.Errorf("beta's requests: %s", p.text("main"))
		}
	})

	t.Run("an event's attempts", func(t *testing.T) {
		p := viewer.get("/console/alpha/developers/events/" + tried.ID)
		if p.status != 200 {
			t.Fatalf("%d", p.status)
		}
		rows := p.doc.Find("tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("%d attempts shown", rows.Length())
		}
		first, second := rows.Eq(0).Text(), rows.Eq(1).Text()
		if !strings.Contains(first, "500") || !strings.Contains(first, "the receiver answered 500") || !strings.Contains(first, "https://alpha.example/hooks") ||
			!strings.Contains(second, "200") {
			t.Errorf("attempts: %q, %q", first, second)
		}
		if !strings.Contains(p.text("pre"), `"event_name": "`+tried.Name+`"`) {
			t.Errorf("body: %q", p.text("pre"))
		}
	})

	t.Run("cross-merchant", func(t *testing.T) {
		admin := h.signIn(h.consoleUser("alpha", "admin@alpha.example", coft.RoleAdmin, false))
		for _, path := range []string{"/console/beta/developers", "/console/beta/developers/events/" + theirs[0].ID,
			"/console/alpha/developers/events/" + theirs[0].ID, "/console/alpha/developers/events/evt_V2_nope"} {
			if p := admin.get(path); p.status != http.StatusNotFound {
				t.Errorf("%s: %d", path, p.status)
			}
		}
	})

	t.Run("no log, no test cards in production", func(t *testing.T) {
		hp := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) {
			c.Production = true
			c.TestCards = []components.TestCard{{Number: visa, Bin: mustBin(t, visa)}}
		})
		p := hp.signIn(hp.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false)).get("/console/alpha/developers")
		if p.status != 200 {
			t.Fatalf("%d", p.status)
		}
		if strings.Contains(p.body, visa) || strings.Contains(p.text("main"), "Test cards") {
			t.Error("test cards in production")
		}
		if !strings.Contains(p.text("main"), "None yet.") || !strings.Contains(p.text("main"), "No events yet.") {
			t.Errorf("empty corner: %s", p.text("main"))
		}
	})
}

// mustBin is what the BIN table knows of a test card.
func mustBin(t testing.TB, pan string) coft.CardBin {
	t.Helper()
	b, ok := bintable.MustNew().Lookup(pan)
	if !ok {
		t.Fatalf("no BIN for %s", pan[:6])
	}
	return b
}
