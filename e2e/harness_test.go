// Package e2e drives the real server binary with a real browser
// (Chromium through chromedp), the way customers and merchants use it.
package e2e

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for test schemas

	"github.com/coftkit/coft/cardscan"
)

var (
	serverBin string // built once by TestMain
	webDir    string
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, _ := filepath.Abs("..")
		webDir = filepath.Join(root, "web")
		if _, err := os.Stat(filepath.Join(webDir, "app.wasm.br")); err != nil {
			cmd := exec.Command("make", "-C", root, "wasm")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e: building the wasm failed:", err)
				return 1
			}
		}
		dir, err := os.MkdirTemp("", "coft-e2e")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		serverBin = filepath.Join(dir, "server")
		build := exec.Command("go", "build", "-o", serverBin, "./server")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building the server failed:", err)
			return 1
		}
		return m.Run()
	}())
}

// service is a running server process with one merchant.
type service struct {
	t           testing.TB
	base        string
	apiKey      string
	responseKey string
	returns     *returns
	// env is the service's environment (DATA_DIR, …), for the admin
	// commands a test runs against it.
	env []string
}

// returns is the merchant's return URL endpoint: it records what the
// customer's browser brings back.
type returns struct {
	mu   sync.Mutex
	srv  *httptest.Server
	hits []url.Values
}

func (r *returns) last() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.hits) == 0 {
		return nil
	}
	return r.hits[len(r.hits)-1]
}

func startService(t testing.TB, merchantFlags ...string) *service {
	t.Helper()
	ret := &returns{}
	ret.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/back" { // e.g. the browser's /favicon.ico
			http.NotFound(w, r)
			return
		}
		ret.mu.Lock()
		ret.hits = append(ret.hits, r.URL.Query())
		ret.mu.Unlock()
		fmt.Fprintf(w, "<!doctype html><title>Back at the shop</title><h1 id=back>Thank you</h1>")
	}))
	t.Cleanup(ret.srv.Close)

	dataDir := t.TempDir()
	env := append(os.Environ(), "DATA_DIR="+dataDir, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn")
	args := append([]string{"merchants", "create", "-id", "chaipoint", "-name", "Chai Point",
		"-return-url", ret.srv.URL + "/back"}, merchantFlags...)
	out, err := run(env, args...)
	if err != nil {
		t.Fatalf("merchants create: %v\n%s", err, out)
	}
	var creds struct{ APIKey, ResponseKey string }
	var raw map[string]any
	json.Unmarshal(out, &raw)
	creds.APIKey, _ = raw["api_key"].(string)
	creds.ResponseKey, _ = raw["response_key"].(string)

	cmd := exec.Command(serverBin)
	cmd.Env = append(env, "LOG_LEVEL=info")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	addr := make(chan string, 1)
	logs := &strings.Builder{}
	var logMu sync.Mutex
	go func() {
		re := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		// Once the service has stopped, nothing it wrote — database,
		// write-ahead log, keys — nor its log holds a card number.
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		scan := cardscan.New(testPANs, testCVV)
		rep, err := scan.Dir(dataDir)
		if err != nil || rep.Sources < 2 {
			t.Errorf("scanning the data directory: %d files, %v", rep.Sources, err)
		}
		logMu.Lock()
		rep.Add(scan, "the server log", []byte(logs.String()))
		logMu.Unlock()
		for _, f := range rep.Findings {
			t.Errorf("card data in %s: %s", f.Where, strings.Join(f.Hits, "; "))
		}
	})
	select {
	case a := <-addr:
		s := &service{t: t, base: "http://" + a, apiKey: creds.APIKey, responseKey: creds.ResponseKey, returns: ret, env: env}
		s.onboard()
		return s
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("server did not start:\n%s", logs.String())
	}
	return nil
}

// testPANs are the card numbers the browser tests pay with (the sandbox's
// documented cards among them), testCVV their security code.
var testPANs = []string{"4242424242424242", "5419190000000003", "4242420000000059", "4242420000000109", "4242420000000158"}

const testCVV = "123"

// postgresURL returns TEST_DATABASE_URL, skipping the test when it is not
// set, or failing it when REQUIRE_POSTGRES is (as in CI).
func postgresURL(t *testing.T) string {
	t.Helper()
	dbURL := os.Getenv("TEST_DATABASE_URL")
	if dbURL == "" {
		if os.Getenv("REQUIRE_POSTGRES") != "" {
			t.Fatal("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is empty")
		}
		t.Skip("TEST_DATABASE_URL is not set")
	}
	return dbURL
}

// postgresSchema creates a fresh schema prefix_<n> in the PostgreSQL
// database at dbURL and returns its name, the DATABASE_URL that puts a
// server in it, and a connection to the database. The schema is dropped
// after the servers the test starts later have stopped (cleanups run
// last-registered first).
func postgresSchema(t *testing.T, dbURL, prefix string) (schema, serviceURL string, admin *sql.DB) {
	t.Helper()
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema = fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL at TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() })
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String(), admin
}

func run(env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(serverBin, args...)
	cmd.Env = env
	return cmd.CombinedOutput()
}

// onboard onboards the merchant to every network for COFT, in test mode,
// as a merchant does before its cards are eligible.
func (s *service) onboard() {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.base+"/tokenization/onboarding", strings.NewReader(`{"associateId":"chaipoint",`+
		`"testMode":true,"flow":"COFT","companyDetails":{"legalName":"Chai Point Pvt Ltd","tradeName":"Chai Point",`+
		`"websiteURL":"https://chaipoint.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAACC1234D"}}`))
	for k, v := range map[string]string{"Content-Type": "application/json", "x-merchantid": "chaipoint",
		"version": "2023-11-01", "x-routing-id": "e2e"} {
		req.Header.Set(k, v)
	}
	req.SetBasicAuth(s.apiKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		s.t.Fatalf("onboarding: %d", res.StatusCode)
	}
}

// api calls the merchant API with the merchant's key.
func (s *service) api(method, path string, form url.Values) map[string]any {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.apiKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &body); err != nil || res.StatusCode != 200 {
		s.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return body
}

// startPayment creates a customer and an order and starts a card payment;
// it returns the order id and the authentication URL.
func (s *service) startPayment(pan string, extra url.Values) (string, string) {
	s.t.Helper()
	id := "e2e" + fmt.Sprint(time.Now().UnixNano()%1e12)
	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"u" + id}, "mobile_number": {"9876543210"},
		"email_address": {"asha@example.com"}})
	s.api("POST", "/orders", url.Values{"order_id": {id}, "amount": {"1250.00"}, "customer_id": {cst["id"].(string)}})
	form := url.Values{"order_id": {id}, "payment_method_type": {"CARD"}, "card_number": {pan}, "card_exp_month": {"12"},
		"card_exp_year": {"2031"}, "name_on_card": {"Asha Rao"}, "card_security_code": {"123"}, "format": {"json"}}
	for k, v := range extra {
		form[k] = v
	}
	res := s.api("POST", "/txns", form)
	return id, res["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
}

// checkReturn checks the signed parameters the browser brought back.
func (s *service) checkReturn(orderID, status string) {
	s.t.Helper()
	q := s.returns.last()
	if q == nil || q.Get("order_id") != orderID || q.Get("status") != status {
		s.t.Fatalf("return URL got %v, want order %s status %s", q, orderID, status)
	}
	params := map[string]string{}
	for k := range q {
		if k != "signature" && k != "signature_algorithm" {
			params[k] = q.Get(k)
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, url.QueryEscape(k)+"="+url.QueryEscape(params[k]))
	}
	h := hmac.New(sha256.New, []byte(s.responseKey))
	h.Write([]byte(strings.Join(pairs, "&")))
	if want := base64.StdEncoding.EncodeToString(h.Sum(nil)); q.Get("signature") != want {
		s.t.Fatalf("signature %q does not verify (want %q)", q.Get("signature"), want)
	}
}

// browserOptions are the flags Chromium runs with here.
func browserOptions(userDataDir string) []chromedp.ExecAllocatorOption {
	exe := "/usr/bin/chromium"
	if p, err := exec.LookPath("chromium"); err == nil {
		exe = p
	}
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(userDataDir),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	}
}

// newBrowser starts a headless Chromium. With blockCookies, its profile
// refuses every cookie, as privacy settings and third-party iframes do.
func newBrowser(t testing.TB, blockCookies bool) context.Context {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		if _, err := exec.LookPath("chromium"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("chromium is not installed")
			}
			t.Skip("chromium is not installed (apt-get install -y chromium)")
		}
	}
	// The profile is not a TempDir: Chromium's helper processes may still
	// be writing to it as the test ends, which fails TempDir's removal.
	// Cleanups run last-registered first, so this runs after the browser
	// has been stopped, and removes what it can.
	dir, err := os.MkdirTemp("", "coft-chromium")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if blockCookies {
		os.MkdirAll(filepath.Join(dir, "Default"), 0o700)
		prefs := `{"profile":{"default_content_setting_values":{"cookies":2},"block_third_party_cookies":true}}`
		if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), browserOptions(dir)...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}
