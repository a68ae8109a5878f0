package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

// TestCheckoutsSurviveSIGKILL runs concurrent checkouts through the hosted
// consent page and the bank's OTP, and SIGKILLs the server at random
// moments while they run, restarting it on the same address; customers
// retry what failed. Then, once the reconciler and the webhook worker have
// caught up: no committed order, consent or token is lost, no card has two
// tokens, every committed webhook event was delivered, and no answer was a
// 5xx. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
//
// CRASH_CHECKOUTS (default 40) and CRASH_KILLS (default 2) size the run
// (`make crash`: 200 and 5); CRASH_SEED replays a run's kill moments.
func TestCheckoutsSurviveSIGKILL(t *testing.T) {
	checkouts, kills := envInt(t, "CRASH_CHECKOUTS", 40), envInt(t, "CRASH_KILLS", 2)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CRASH_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("CRASH_SEED: %v", err)
		}
	}
	t.Logf("CRASH_CHECKOUTS=%d CRASH_KILLS=%d CRASH_SEED=%d", checkouts, kills, seed)
	t.Run("sqlite", func(t *testing.T) { crashRun(t, "", checkouts, kills, seed) })
	t.Run("postgres", func(t *testing.T) {
		dbURL := postgresURL(t)
		crashRun(t, dbURL, checkouts, kills, seed)
	})
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a count", name, v)
	}
	return n
}

// crashKind is how a checkout's customer answers.
type crashKind int

const (
	hostedAccept  crashKind = iota // the consent page, "yes"
	hostedDecline                  // the consent page, "no": charged, nothing saved
	declared                       // tokenize=true: no consent page
)

func kindOf(i int) crashKind {
	switch i % 10 {
	case 3:
		return hostedDecline
	case 7:
		return declared
	}
	return hostedAccept
}

// crashPANs are tokenizable cards of three networks, taken in turn.
var crashPANs = []string{"4242424242424242", "2221350000000008", "3564120000000008", "4038750000000008"}

// crashRun is one run of the crash suite on SQLite (dbURL "") or in a
// fresh schema of the PostgreSQL database dbURL.
func crashRun(t *testing.T, dbURL string, checkouts, kills int, seed uint64) {
	begin := time.Now()
	dbName, serviceDB := "sqlite", ""
	dataDir := t.TempDir()
	if dbURL != "" {
		dbName = "postgres"
		_, serviceDB, _ = postgresSchema(t, dbURL, "crash")
	}

	var hookMu sync.Mutex
	delivered := map[string]int{} // event id → deliveries
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct{ ID string }
		json.NewDecoder(r.Body).Decode(&e)
		hookMu.Lock()
		delivered[e.ID]++
		hookMu.Unlock()
	}))
	t.Cleanup(hooks.Close)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// A killed worker's events wait out their lease (5 × WEBHOOK_TIMEOUT +
	// 5 s); the reconciler takes over card work after RECONCILE_AFTER.
	env := append(os.Environ(), "DATA_DIR="+dataDir, "WEB_DIR="+webDir, "ADDR="+addr, "LOG_LEVEL=warn",
		"RECONCILE_AFTER=1s", "WEBHOOK_RETRY_FIRST=200ms", "WEBHOOK_RETRY_MAX=500ms", "WEBHOOK_TIMEOUT=1s")
	if serviceDB != "" {
		env = append(env, "DATABASE_URL="+serviceDB)
	}
	key := createMerchant(t, env, "shop", hooks.URL) // hosted consent on, the default
	p := startProc(t, env)
	procs := []*proc{p}
	base := p.base

	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var fivexx atomic.Int64
	// call retries until the server answers (it may be down or restarting),
	// as a customer or the merchant's server would.
	call := func(method, path, contentType, body string, hdr map[string]string) (int, http.Header, string) {
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			if !strings.HasPrefix(path, "/v2/") {
				req.SetBasicAuth(key, "")
			}
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res, err := client.Do(req)
			if err != nil {
				time.Sleep(20 * time.Millisecond) // a customer retrying after a failed request
				continue
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				fivexx.Add(1)
				t.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
			return res.StatusCode, res.Header, string(b)
		}
		t.Errorf("%s %s: the server never came back", method, path)
		return 0, nil, ""
	}
	onboard := `{"associateId":"shop","testMode":true,"flow":"COFT","companyDetails":{"legalName":"Shop Ltd","tradeName":"Shop",` +
		`"websiteURL":"https://shop.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`
	if status, _, body := call("POST", "/tokenization/onboarding", "application/json", onboard,
		map[string]string{"x-merchantid": "shop", "version": "2023-11-01", "x-routing-id": "r"}); status != 200 {
		t.Fatalf("onboarding: %d %s", status, body)
	}

	// The kill moments: distinct random counts of checkout steps (a step
	// is one request of a checkout, however often it is retried), below
	// the fewest the checkouts can take, so every moment comes: 8 through
	// the consent page (customer, order, payment, consent page, decision,
	// bank page, OTP, order status), 6 without.
	var fewest int64
	for i := range checkouts {
		fewest += map[bool]int64{true: 6, false: 8}[kindOf(i) == declared]
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	killAt := map[int64]bool{}
	for len(killAt) < min(kills, int(fewest)-1) {
		killAt[1+rng.Int64N(fewest-1)] = true
	}
	var steps atomic.Int64
	killNow := make(chan int64, len(killAt))
	step := func() {
		if n := steps.Add(1); killAt[n] {
			killNow <- n
		}
	}
	stepCall := func(method, path, contentType, body string) (int, http.Header, string) {
		step()
		return call(method, path, contentType, body, nil)
	}

	// What the server committed, as its answers told the clients.
	var mu sync.Mutex
	orders := map[string]bool{}         // POST /orders answered 200
	consents := map[string]bool{}       // txn uuid → decision; the consent POST answered 303
	consentOrder := map[string]string{} // txn uuid → order id
	charged := map[string]bool{}        // order status said CHARGED
	var started, consentPosts, ordersLostAnswer atomic.Int64
	const form = "application/x-www-form-urlencoded"
	pathOf := func(u string) string { return strings.TrimPrefix(u, base) }

	checkout := func(i int) {
		ref := fmt.Sprintf("cr%d", i)
		kind := kindOf(i)
		stepCall("POST", "/customers", form, url.Values{"object_reference_id": {ref}, "mobile_number": {"9876543210"},
			"email_address": {ref + "@example.com"}}.Encode()) // 4xx "exists" on a retry is fine
		switch status, _, _ := stepCall("POST", "/orders", form, url.Values{"order_id": {ref}, "amount": {"10"},
			"customer_id": {ref}}.Encode()); status {
		case 200:
			mu.Lock()
			orders[ref] = true
			mu.Unlock()
		case 409: // "exists": committed, but the answer to the first try was lost in a kill
			ordersLostAnswer.Add(1)
		default:
			t.Errorf("order %s: %d", ref, status)
		}
		txn := url.Values{"order_id": {ref}, "payment_method_type": {"CARD"}, "card_number": {crashPANs[i%len(crashPANs)]},
			"card_exp_month": {"12"}, "card_exp_year": {"31"}, "card_security_code": {"123"}, "format": {"json"}}
		if kind == declared {
			txn.Set("tokenize", "true")
		}
		finished := false
		for attempt := 0; attempt < 20 && !finished; attempt++ {
			status, _, body := stepCall("POST", "/txns", form, txn.Encode())
			if status == 409 { // already paid
				break
			}
			var res struct {
				Payment struct{ Authentication struct{ URL string } }
			}
			if status != 200 || json.Unmarshal([]byte(body), &res) != nil {
				continue
			}
			started.Add(1)
			next := pathOf(res.Payment.Authentication.URL)
			if kind != declared && !strings.Contains(next, "/v2/txns/consent/") && !strings.Contains(next, "/v2/pay/start/") {
				t.Errorf("checkout %s: authentication URL %s", ref, next)
				return
			}
			if strings.Contains(next, "/v2/txns/consent/") {
				if kind == declared {
					t.Errorf("checkout %s: tokenize=true, yet the consent page", ref)
					return
				}
				status, hdr, page := stepCall("GET", next, "", "")
				switch {
				case status == 303: // decided before the kill: on to the bank
					next = pathOf(hdr.Get("Location"))
				case status == 200 && formTokenOf(page) != "":
					decision := map[bool]string{true: "accept", false: "decline"}[kind == hostedAccept]
					consentPosts.Add(1)
					status, hdr, _ = stepCall("POST", next, form, url.Values{"decision": {decision}, "form_token": {formTokenOf(page)},
						"text_id": {"tokenize-en-v1"}, "locale": {"en"}}.Encode())
					if status != 303 {
						continue // e.g. the payment moved on meanwhile: start again
					}
					uuid := next[strings.LastIndex(next, "/")+1:]
					mu.Lock()
					consents[uuid], consentOrder[uuid] = kind == hostedAccept, ref
					mu.Unlock()
					next = pathOf(hdr.Get("Location"))
				default:
					continue
				}
			} else if kind != declared {
				t.Errorf("checkout %s: no consent page (%s)", ref, next)
				return
			}
			status, _, page := stepCall("GET", next, "", "")
			tok := formTokenOf(page)
			if status != 200 || tok == "" {
				continue // the payment ended meanwhile (a retry will see 409) or the page did not come
			}
			status, _, _ = stepCall("POST", next, form, url.Values{"otp": {"123456"}, "action": {"verify"}, "form_token": {tok}}.Encode())
			finished = status == 303 || status == 200
		}
		_, _, body := stepCall("GET", "/orders/"+ref, "", "")
		var o struct{ Status string }
		json.Unmarshal([]byte(body), &o)
		if o.Status != "CHARGED" {
			t.Errorf("checkout %s never finished: %s", ref, body)
			return
		}
		mu.Lock()
		charged[ref] = true
		mu.Unlock()
	}

	var wg sync.WaitGroup
	for i := range checkouts {
		wg.Add(1)
		go func() { defer wg.Done(); checkout(i) }()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	killed := 0
	var killSteps []int64
	for range len(killAt) {
		var at int64
		select {
		case at = <-killNow:
		case <-allDone:
			t.Fatalf("the checkouts ended after %d steps, before kill %d", steps.Load(), killed+1)
		}
		p.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
		p.cmd.Wait()
		killed++
		killSteps = append(killSteps, at)
		p = startProc(t, env)
		procs = append(procs, p)
	}
	<-allDone
	checkoutsTook := time.Since(begin)
	slices.Sort(killSteps)
	t.Logf("%s: killed at steps %v of %d", dbName, killSteps, steps.Load())

	// Reconciliation, through the API: every committed order is there,
	// every charged one with its consent and, when the customer agreed, its
	// token (the reconciler finishes what a kill interrupted).
	get := func(path string) map[string]any {
		status, _, b := call("GET", path, "", "", nil)
		var m map[string]any
		if err := json.Unmarshal([]byte(b), &m); err != nil || status != 200 {
			t.Errorf("GET %s: %d %s", path, status, b)
		}
		return m
	}
	for ref := range orders {
		get("/orders/" + ref)
	}
	waitUntil(t, "every charged order's card work", 2*time.Minute, func() bool {
		for ref := range charged {
			var i int
			fmt.Sscanf(ref, "cr%d", &i)
			o := get("/orders/" + ref)
			c, _ := o["card"].(map[string]any)
			tok, _ := c["token"].(map[string]any)
			if o["status"] != "CHARGED" || c["tokenization_user_consent"] != (kindOf(i) != hostedDecline) {
				t.Fatalf("order %s after the run: %v", ref, o)
			}
			if kindOf(i) == hostedDecline {
				if tok != nil {
					t.Fatalf("order %s: declined, yet a token: %v", ref, tok)
				}
				continue
			}
			if tok == nil || tok["tokenization_status"] != "ACTIVE" {
				return false
			}
		}
		return true
	})
	cardsTook := time.Since(begin)
	// Each customer who agreed has one card with one ACTIVE token; who
	// declined, none; no token reference twice.
	tokenRefs := map[string]int{}
	tokens := 0
	for i := range checkouts {
		ref := fmt.Sprintf("cr%d", i)
		cards, _ := get("/cards?customer_id=" + ref)["cards"].([]any)
		want := 1
		if kindOf(i) == hostedDecline {
			want = 0
		}
		if len(cards) != want {
			t.Errorf("customer %s has %d cards, want %d", ref, len(cards), want)
		}
		for _, c := range cards {
			tok, _ := c.(map[string]any)["token"].(map[string]any)
			if tok == nil || tok["tokenization_status"] != "ACTIVE" {
				t.Errorf("customer %s's card: %v", ref, c)
				continue
			}
			tokens++
			tokenRefs[tok["card_reference"].(string)]++
		}
	}
	duplicates := tokens - len(tokenRefs)
	if duplicates != 0 {
		t.Errorf("%d duplicate token references", duplicates)
	}

	// The evidence and the outbox, read from the database itself: the
	// consent records have no API, and GET /webhooks/events lists at most
	// the newest 500 events, fewer than a big run commits.
	dsn := serviceDB
	if dsn == "" {
		dsn = filepath.Join(dataDir, "coft.db")
	}
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for uuid, decision := range consents {
		recs, err := db.ListConsents(ctx, "shop", uuid)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Decision != decision || recs[0].Channel != coft.ChannelHostedPage ||
			recs[0].TextID != "tokenize-en-v1" || recs[0].Locale != "en" {
			t.Errorf("order %s, payment %s: consent %v answered 303, evidence %+v", consentOrder[uuid], uuid, decision, recs)
			continue
		}
		if txn, err := db.FindTxn(ctx, "shop", uuid); err != nil || txn.Consent == nil || *txn.Consent != decision {
			t.Errorf("payment %s: consent %v lost: %+v %v", uuid, decision, txn, err)
		}
	}
	var events []*coft.Event
	waitUntil(t, "every webhook event delivered", 2*time.Minute, func() bool {
		if events, err = db.ListEvents(ctx, "shop", "", 1<<30); err != nil {
			t.Fatal(err)
		}
		hookMu.Lock()
		defer hookMu.Unlock()
		for _, e := range events {
			if delivered[e.ID] == 0 {
				return false
			}
		}
		return true
	})
	hooksTook := time.Since(begin)
	// The API's list agrees with the outbox.
	inOutbox := map[string]bool{}
	perOrder := map[string]int{} // "order event" → count
	tokenCreated := 0
	for _, e := range events {
		inOutbox[e.ID] = true
		switch e.Name {
		case coft.EventTxnCharged, coft.EventOrderSucceeded:
			perOrder[e.OrderID+" "+e.Name]++
		case coft.EventTokenCreated:
			tokenCreated++
			if e.Token == nil || tokenRefs[e.Token.Reference] != 1 { // the merchant was told of a token no card has
				t.Errorf("TOKEN_CREATED %s announces token %+v, not a card's", e.ID, e.Token)
			}
		}
	}
	listed, _ := get("/webhooks/events?limit=500")["events"].([]any)
	for _, e := range listed {
		if id := e.(map[string]any)["id"].(string); !inOutbox[id] {
			t.Errorf("GET /webhooks/events lists %s, not in the outbox", id)
		}
	}
	// One announcement per change: each charge once, each token once.
	for ref := range charged {
		for _, name := range []string{coft.EventTxnCharged, coft.EventOrderSucceeded} {
			if n := perOrder[ref+" "+name]; n != 1 {
				t.Errorf("order %s: %d %s events", ref, n, name)
			}
		}
	}
	if tokenCreated != tokens {
		t.Errorf("%d TOKEN_CREATED events for %d tokens", tokenCreated, tokens)
	}
	if fivexx.Load() != 0 {
		t.Errorf("%d answers were 5xx", fivexx.Load())
	}
	hookMu.Lock()
	deliveries, deliveredEvents := 0, 0
	for _, n := range delivered {
		deliveries += n
	}
	for _, e := range events {
		if delivered[e.ID] > 0 {
			deliveredEvents++
		}
	}
	hookMu.Unlock()
	reconciled := 0 // payments whose card work a kill interrupted, finished by the reconciler
	for _, p := range procs {
		p.mu.Lock()
		reconciled += strings.Count(p.logs.String(), `"msg":"finished an interrupted payment"`)
		p.mu.Unlock()
	}
	accepted := 0
	for _, d := range consents {
		if d {
			accepted++
		}
	}
	t.Logf("%s: %d checkouts (%d payments started, %d consent posts), %d SIGKILLs: %d orders committed (%d more whose answer a kill lost), %d charged (%d finished by the reconciler); "+
		"%d consents recorded (%d yes), all in the evidence; %d tokens, %d duplicates; %d webhook events committed, "+
		"%d delivered (%d deliveries); %d 5xx; %.1f s (checkouts done at %.1f s, card work at %.1f s, webhooks at %.1f s)",
		dbName, checkouts, started.Load(), consentPosts.Load(), killed, len(orders), ordersLostAnswer.Load(), len(charged), reconciled, len(consents), accepted,
		tokens, duplicates, len(events), deliveredEvents, deliveries, fivexx.Load(), time.Since(begin).Seconds(),
		checkoutsTook.Seconds(), cardsTook.Seconds(), hooksTook.Seconds())
}
