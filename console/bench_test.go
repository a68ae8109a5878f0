package console_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/console"
	"github.com/coftkit/coft/locker"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
	"github.com/gorilla/sessions"
)

// The benchmark's data: one merchant with benchOrders orders over a year
// (most with an attempt and its events, some with a network token), and
// order "rich1", paid through the use cases: a cancelled attempt, then one
// with consent, its card tokenized, its webhooks delivered at the second
// try, the token suspended and resumed, a refund.
const (
	benchOrders    = 1_000_000
	benchMerchant  = "bench"
	benchCustomers = 50_000
	// benchVersion changes when the generated data changes, so that a
	// cached file of the old kind is made again.
	benchVersion = "2"
)

// BenchmarkConsoleOrders measures the console's answers (the whole HTTP
// round trip on loopback, rendering included) on SQLite with 1,000,000
// orders of one merchant: the orders list (first page, by status, by
// customer, by dates, a deep page) and an order's page. It reports the
// p50 and p99 of each in ms. The database is generated once (about five
// minutes, 1.8 GB) and kept in os.TempDir, named after the schema's
// migrations;
// the goal is ≤ 50 ms p99. Run it with
//
//	go test -run '^$' -bench ConsoleOrders -benchtime 400x ./console
func BenchmarkConsoleOrders(b *testing.B) {
	path := benchDB(b)
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	srv := benchServer(b, db, benchPayments(b, db))
	for _, c := range []struct{ name, path, want string }{
		{"list", "/orders", "o0999999"},
		{"list_by_status", "/orders?status=AUTHORIZATION_FAILED", "AUTHORIZATION_FAILED"},
		{"list_by_customer", "/orders?customer_id=cust00042", "cust00042"},
		{"list_by_dates", "/orders?from=2025-06-01&to=2025-06-30", "Jun 2025"},
		{"list_by_status_and_dates", "/orders?status=PENDING_VBV&from=2025-03-01&to=2025-09-30", "PENDING_VBV"},
		{"list_deep_page", "/orders?after=o0100000", "o0099999"},
		{"list_by_status_deep_page", "/orders?status=AUTHORIZATION_FAILED&after=o0100000", "AUTHORIZATION_FAILED"},
		{"search_order_id", "/orders?order_id=o0123456", "o0123456"},
		{"order_page", "/orders/rich1", "Network token resumed"},
		{"order_page_bulk", "/orders/o0500000", "Payment attempt 1 started"},
	} {
		b.Run(c.name, func(b *testing.B) {
			url := srv.URL + "/console/" + benchMerchant + c.path
			if body := benchGet(b, url); !strings.Contains(body, c.want) {
				b.Fatalf("%s: the page lacks %q", c.path, c.want)
			}
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				benchGet(b, url)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			ms := func(q float64) float64 {
				return float64(took[min(len(took)-1, int(q*float64(len(took))))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}

func benchGet(b *testing.B, url string) string {
	res, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return string(body)
}

// benchServer serves the console over db, the bench merchant's open (as
// the sandbox demo's is), on loopback.
func benchServer(b *testing.B, db *sqlstore.DB, payments *payment.Service) *httptest.Server {
	srv := httptest.NewUnstartedServer(nil)
	c, err := console.New(console.Config{Store: db, Payments: payments, Sessions: sessions.NewCookieStore([]byte(strings.Repeat("k", 32))),
		FormKey: []byte(strings.Repeat("f", 32)), Logger: slog.New(slog.DiscardHandler), BaseURL: "http://" + srv.Listener.Addr().String(),
		DemoMerchant: benchMerchant})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range c.Routes() {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	srv.Config.Handler = mux
	srv.Start()
	b.Cleanup(srv.Close)
	return srv
}

// benchPayments is the use cases over db with the sandbox network and bank.
func benchPayments(b *testing.B, db *sqlstore.DB) *payment.Service {
	keys, err := locker.LoadKeys(b.TempDir(), func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	lk, err := locker.New(keys)
	if err != nil {
		b.Fatal(err)
	}
	net := &sandbox.Network{PAR: lk.PAR}
	s, err := payment.New(payment.Config{Store: db, Locker: lk, Bins: bintable.MustNew(), Network: net, Bank: sandbox.Bank{}, Sandbox: net})
	if err != nil {
		b.Fatal(err)
	}
	net.Events = s
	return s
}

// benchDB returns the path of the benchmark's database, generating it
// unless a complete one of this schema and data version is cached.
func benchDB(b *testing.B) string {
	names, err := filepath.Glob("../sqlstore/migrations/sqlite/*.sql")
	if err != nil || len(names) == 0 {
		b.Fatalf("migrations: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	sum := sha256.Sum256([]byte(strings.Join(names, ",") + "|" + benchVersion))
	path := filepath.Join(os.TempDir(), "coft-console-bench-"+hex.EncodeToString(sum[:6])+".db")
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	start := time.Now()
	// Told as it goes: a benchmark's log is shown only once it ends.
	fmt.Fprintf(os.Stderr, "generating %d orders in %s (kept for later runs)\n", benchOrders, path)
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	m := &coft.Merchant{ID: benchMerchant, Name: "Bench Store", APIKeyHash: []byte("bench-key-hash"), ResponseKey: "rk",
		TokenizationEnabled: true, HostedConsent: true}
	if err := db.CreateMerchant(ctx, m); err != nil {
		b.Fatal(err)
	}
	o := &coft.Onboarding{MerchantID: m.ID, AssociateID: m.ID, Flow: coft.FlowCOFT, TestMode: true, Status: map[string]string{},
		Company: coft.Company{LegalName: "Bench", TradeName: "Bench", WebsiteURL: "https://bench.example",
			BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
	for _, n := range coft.Networks {
		o.Status[n] = coft.OnboardingOnboarded
	}
	if err := db.SaveOnboarding(ctx, o); err != nil {
		b.Fatal(err)
	}
	db.Close()
	bulkOrders(b, path)
	if db, err = sqlstore.OpenSQLite(ctx, path); err != nil {
		b.Fatal(err)
	}
	richOrder(b, db, benchPayments(b, db), m)
	db.Close()
	if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "generated in %s\n", time.Since(start).Round(time.Second))
	return path
}

// bulkOrders inserts benchOrders orders straight into the tables, in big
// transactions: order i is "o%07d", made at 2025-01-01 + 30 s × i, of
// customer i mod benchCustomers; all but the NEW ones have an attempt
// with its TXN_CREATED event and its outcome's, a fifth of the charged
// ones a network token and its TOKEN_CREATED.
func bulkOrders(b *testing.B, path string) {
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)&_time_format=sqlite&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	details, _ := json.Marshal(struct {
		UDF [coft.MaxUDF]string `json:"udf"`
	}{})
	rng := rand.New(rand.NewPCG(1, 2))
	hexOf := func() string { return fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()) }
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 50_000
	for from := 0; from < benchOrders; from += chunk {
		tx, err := raw.Begin()
		if err != nil {
			b.Fatal(err)
		}
		insOrder, _ := tx.Prepare(`INSERT INTO orders (id, merchant_id, order_id, amount, currency, status, customer_id,
			customer_email, customer_phone, return_url, webhook_url, description, product_id, details, txn_uuid, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'INR', ?, ?, '', '', 'https://shop.example/back', '', '', '', ?, ?, ?, ?)`)
		insTxn, _ := tx.Prepare(`INSERT INTO txns (uuid, txn_id, merchant_id, order_id, attempt, amount, status, customer_id,
			fingerprint, isin, last4, exp_month, exp_year, brand, issuer_tokenizes, using_saved_card, using_token, save_to_locker,
			consent_asked, auth_started, resp_code, resp_message, token_reference, created_at, updated_at, card_done)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, '424242', '4242', '12', '2031', 'VISA', 1, 0, 0, 0, 1, 1, ?, ?, ?, ?, ?, 1)`)
		insEvent, _ := tx.Prepare(`INSERT INTO events (id, merchant_id, name, order_id, txn_uuid, customer_id, token_reference,
			token_status, token_provider, status, attempts, next_attempt_at, created_at, delivered_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'DELIVERED', 1, ?, ?, ?)`)
		for i := from; i < min(from+chunk, benchOrders); i++ {
			at := base.Add(time.Duration(i) * 30 * time.Second)
			orderID, customer := fmt.Sprintf("o%07d", i), fmt.Sprintf("cust%05d", i%benchCustomers)
			amount := 100 + rng.Int64N(1_000_000)
			status := coft.StatusCharged
			switch p := rng.IntN(100); {
			case p < 10:
				status = coft.StatusNew
			case p < 20:
				status = coft.StatusAuthenticationFailed
			case p < 28:
				status = coft.StatusAuthorizationFailed
			case p < 30:
				status = coft.StatusPendingVBV
			}
			uuid := ""
			if status != coft.StatusNew {
				uuid = hexOf()
			}
			if _, err := insOrder.Exec("ord_"+hexOf()[:24], benchMerchant, orderID, amount, string(status), customer,
				string(details), uuid, at, at); err != nil {
				b.Fatal(err)
			}
			if uuid == "" {
				continue
			}
			code, msg, tokenRef, outcome := "", "", "", coft.EventTxnFailed
			switch status {
			case coft.StatusCharged:
				code, msg, outcome = "00", "Approved", coft.EventTxnCharged
				if rng.IntN(5) == 0 {
					tokenRef = hexOf()
				}
			case coft.StatusAuthorizationFailed:
				code, msg = "05", "Do not honour"
			}
			done := at.Add(20 * time.Second)
			if _, err := insTxn.Exec(uuid, benchMerchant+"-"+orderID+"-1", benchMerchant, orderID, amount, string(status),
				customer, hexOf(), code, msg, tokenRef, at, done); err != nil {
				b.Fatal(err)
			}
			if _, err := insEvent.Exec("evt_V2_"+hexOf(), benchMerchant, coft.EventTxnCreated, orderID, uuid, customer, "", "", "",
				at, at, at); err != nil {
				b.Fatal(err)
			}
			if status == coft.StatusPendingVBV {
				continue
			}
			if _, err := insEvent.Exec("evt_V2_"+hexOf(), benchMerchant, outcome, orderID, uuid, customer, "", "", "",
				done, done, done); err != nil {
				b.Fatal(err)
			}
			if tokenRef != "" {
				if _, err := insEvent.Exec("evt_V2_"+hexOf(), benchMerchant, coft.EventTokenCreated, "", "", customer, tokenRef,
					coft.TokenActive, coft.BrandVisa, done, done, done); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
}

// richOrder pays order "rich1" through the use cases: an attempt
// cancelled at the bank, then one with consent whose card is saved and
// tokenized; each event delivered at the second try; the token
// suspended, then resumed; a refund.
func richOrder(b *testing.B, db *sqlstore.DB, s *payment.Service, m *coft.Merchant) {
	ctx := context.Background()
	cst := &coft.Customer{MerchantID: m.ID, ObjectReferenceID: "asha", MobileNumber: "9876543210", MobileCountryCode: "91"}
	if err := db.CreateCustomer(ctx, cst); err != nil {
		b.Fatal(err)
	}
	card := coft.CardInput{Number: "4242424242424242", ExpMonth: "12", ExpYear: "2031", CVV: "123", Name: "Asha Rao"}
	t1, err := s.Start(ctx, payment.StartRequest{Merchant: m, NewOrder: &coft.Order{MerchantID: m.ID, OrderID: "rich1",
		Amount: 125000, Currency: "INR", CustomerID: cst.ID, ReturnURL: "https://shop.example/back"}, Card: card}, 0)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, m, t1, "", true); err != nil {
		b.Fatal(err)
	}
	t2, err := s.Start(ctx, payment.StartRequest{Merchant: m, OrderID: "rich1", Card: card}, 0)
	if err != nil {
		b.Fatal(err)
	}
	text := coft.ConsentTextFor("en")
	if t2, err = s.RecordConsent(ctx, m, t2, coft.Consent{Decision: true, TextID: text.ID, Locale: text.Locale,
		ShownAt: time.Now().Add(-4 * time.Second), ClientIP: "203.0.113.9", UserAgent: "bench"}); err != nil {
		b.Fatal(err)
	}
	if t2, _, err = s.Authenticate(ctx, m, t2, sandbox.OTP, false); err != nil || t2.Status != coft.StatusCharged || t2.TokenReference == "" {
		b.Fatalf("rich1 not charged and tokenized: %+v %v", t2, err)
	}
	for _, action := range []string{coft.TokenSuspend, coft.TokenResume} {
		if _, err := s.SandboxChangeToken(ctx, m.ID, t2.CardReference, action); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, _, err := s.RefundOrder(ctx, m, payment.RefundRequest{OrderID: "rich1", UniqueRequestID: "console-bench",
		Amount: 10000}); err != nil {
		b.Fatal(err)
	}
	h, err := db.OrderHistory(ctx, m.ID, "rich1")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range h.Events {
		at := time.Now()
		if err := db.RecordDelivery(ctx, e, &coft.DeliveryAttempt{EventID: e.ID, N: 1, At: at, URL: "https://shop.example/hooks",
			HTTPStatus: 500, Error: "HTTP 500", Duration: 40 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		e.Status, e.Attempts, e.DeliveredAt = coft.DeliveryDelivered, 2, at.Add(5*time.Second)
		if err := db.RecordDelivery(ctx, e, &coft.DeliveryAttempt{EventID: e.ID, N: 2, At: e.DeliveredAt,
			URL: "https://shop.example/hooks", HTTPStatus: 200, Duration: 12 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
	}
}
