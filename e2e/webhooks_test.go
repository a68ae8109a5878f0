package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a server process started by a webhook reliability test.
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *strings.Builder
	mu   sync.Mutex
}

// startProc runs the server binary with env and waits until it listens.
func startProc(t *testing.T, env []string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(serverBin), logs: &strings.Builder{}}
	p.cmd.Env = env[:len(env):len(env)]
	if !slices.Contains(env, "LOG_LEVEL=debug") {
		p.cmd.Env = append(p.cmd.Env, "LOG_LEVEL=info") // the listening line is at info
	}
	stderr, _ := p.cmd.StderrPipe()
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start:\n%s", p.logs.String())
	}
	return p
}

// hookReceiver is a merchant's webhook endpoint. It records every event id
// it receives and checks that no event is being delivered twice at the
// same time.
type hookReceiver struct {
	mu         sync.Mutex
	srv        *httptest.Server
	fail       bool           // answer 503
	received   map[string]int // event id → deliveries
	inFlight   map[string]bool
	concurrent []string // ids delivered twice at the same time
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{received: map[string]int{}, inFlight: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var e struct {
			ID        string `json:"id"`
			EventName string `json:"event_name"`
		}
		json.NewDecoder(req.Body).Decode(&e)
		r.mu.Lock()
		if r.fail {
			r.mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.inFlight[e.ID] {
			r.concurrent = append(r.concurrent, e.ID)
		}
		r.inFlight[e.ID] = true
		r.mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a receiver's work: lets overlaps show
		r.mu.Lock()
		delete(r.inFlight, e.ID)
		r.received[e.ID]++
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.received)
}

func (r *hookReceiver) setFail(fail bool) {
	r.mu.Lock()
	r.fail = fail
	r.mu.Unlock()
}

// createMerchant creates a merchant whose webhooks go to webhookURL, with
// Basic credentials, and returns its API key.
func createMerchant(t *testing.T, env []string, id, webhookURL string) string {
	t.Helper()
	return newMerchant(t, env, id, "-webhook-url", webhookURL, "-webhook-username", "hooks", "-webhook-password", "s3cret-pw")
}

// newMerchant runs "server merchants create -id id" with flags and returns
// the merchant's API key.
func newMerchant(t *testing.T, env []string, id string, flags ...string) string {
	t.Helper()
	out, err := run(env, append([]string{"merchants", "create", "-id", id}, flags...)...)
	if err != nil {
		t.Fatalf("merchants create: %v\n%s", err, out)
	}
	var m struct {
		APIKey string `json:"api_key"`
	}
	json.Unmarshal(out, &m)
	return m.APIKey
}

// payments starts n payments, each creating its order in the same call:
// one TXN_CREATED event each.
func payments(t *testing.T, base, key, prefix string, n int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range n {
		form := url.Values{"order.order_id": {fmt.Sprintf("%s%d", prefix, i)}, "order.amount": {"10"},
			"payment_method_type": {"CARD"}, "card_number": {"4242424242424242"}, "card_exp_month": {"12"},
			"card_exp_year": {"31"}, "card_security_code": {"123"}, "format": {"json"}}
		req, _ := http.NewRequest("POST", base+"/txns", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(key, "")
		res, err := client.Do(req)
		if err != nil {
			t.Error(err) // may run in a goroutine: no Fatal
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("txns %s%d: %d %s", prefix, i, res.StatusCode, body)
			return
		}
	}
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhooksSurviveSIGKILL commits events while the receiver is down,
// kills the server with SIGKILL, and restarts it: every committed event
// reaches the receiver once it recovers.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	rcv := newHookReceiver(t)
	rcv.setFail(true)
	env := append(os.Environ(), "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"WEBHOOK_RETRY_FIRST=100ms", "WEBHOOK_RETRY_MAX=200ms", "WEBHOOK_TIMEOUT=2s")
	key := createMerchant(t, env, "shop", rcv.srv.URL+"/hooks")
	p := startProc(t, env)
	payments(t, p.base, key, "k", 20)
	if t.Failed() {
		t.FailNow()
	}
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	p.cmd.Wait()
	if rcv.count() != 0 {
		t.Fatalf("the failing receiver accepted %d events", rcv.count())
	}

	rcv.setFail(false)
	p = startProc(t, env)
	// Events the killed process had claimed wait for their lease (2 ×
	// WEBHOOK_TIMEOUT + 5 s) to run out.
	waitUntil(t, "all 20 events after the restart", 60*time.Second, func() bool { return rcv.count() == 20 })
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.Contains(p.logs.String(), "s3cret-pw") {
		t.Fatal("the webhook password is in the log")
	}
}

// TestWebhooksTwoInstancesPostgres runs two server processes on one
// PostgreSQL database with 1,000 events: every event is delivered, and
// none is delivered by both at the same time.
func TestWebhooksTwoInstancesPostgres(t *testing.T) {
	_, serviceDB, _ := postgresSchema(t, postgresURL(t), "wh")

	rcv := newHookReceiver(t)
	rcv.setFail(true) // events pile up while both instances start
	base := append(os.Environ(), "DATABASE_URL="+serviceDB, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"WEBHOOK_RETRY_FIRST=50ms", "WEBHOOK_RETRY_MAX=100ms")
	dataDir := t.TempDir() // shared keys, as instances of one service share them
	env := append(base, "DATA_DIR="+dataDir)
	key := createMerchant(t, env, "shop", rcv.srv.URL+"/hooks")
	a := startProc(t, env)
	b := startProc(t, env)
	const n = 1000
	var wg sync.WaitGroup
	for i, p := range []*proc{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payments(t, p.base, key, fmt.Sprintf("p%dx", i), n/2)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	rcv.setFail(false)
	waitUntil(t, "1,000 events delivered", 120*time.Second, func() bool { return rcv.count() == n })
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.concurrent) > 0 {
		t.Fatalf("%d events were delivered twice at the same time, e.g. %s", len(rcv.concurrent), rcv.concurrent[0])
	}
	dup := 0
	for _, c := range rcv.received {
		if c > 1 {
			dup++
		}
	}
	var shares []int
	for _, p := range []*proc{a, b} {
		p.mu.Lock()
		shares = append(shares, strings.Count(p.logs.String(), `"msg":"webhook delivered"`))
		p.mu.Unlock()
	}
	if shares[0] == 0 || shares[1] == 0 {
		t.Fatalf("deliveries per instance %v: both should share the outbox", shares)
	}
	t.Logf("%d events delivered (%v per instance), %d of them more than once (at least once is allowed)",
		len(rcv.received), shares, dup)
}
