package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft/webapp/webapptest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// instance is a running service started through run.
type instance struct {
	base           string
	stdout, stderr *syncBuffer
	stop           func() error
}

func start(t *testing.T, env map[string]string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	env["ADDR"] = "127.0.0.1:0"
	if env["WEB_DIR"] == "" {
		env["WEB_DIR"] = webapptest.StandInDir(t)
	}
	finished := make(chan struct{})
	var runErr error
	go func() {
		defer close(finished)
		runErr = run(ctx, nil, func(k string) string { return env[k] }, in.stdout, in.stderr)
	}()
	in.stop = func() error {
		cancel()
		<-finished
		return runErr
	}
	t.Cleanup(func() { in.stop() })
	addr := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	waitFor(t, "the listening log line", func() bool {
		select {
		case <-finished:
			t.Fatalf("run returned early: %v\n%s", runErr, in.stderr.String())
		default:
		}
		m := addr.FindStringSubmatch(in.stderr.String())
		if m != nil {
			in.base = "http://" + m[1]
		}
		return m != nil
	})
	waitFor(t, "/healthz", func() bool {
		res, err := http.Get(in.base + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	})
	return in
}

func call(t *testing.T, method, u, key string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(res.Body)
	json.Unmarshal(raw, &body)
	return res.StatusCode, body
}

// TestNewcomer follows the README: start on an empty database, take the
// printed demo credentials, create an order and read its status; restart
// and find the order kept and no second demo merchant.
func TestNewcomer(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir}
	in := start(t, env)
	key := regexp.MustCompile(`api_key:\s+([0-9A-F]{32})`).FindStringSubmatch(in.stdout.String())
	if key == nil {
		t.Fatalf("no demo credentials printed:\n%s", in.stdout.String())
	}
	status, body := call(t, "POST", in.base+"/orders", key[1], url.Values{"order_id": {"order1"}, "amount": {"100.00"}})
	if status != 200 || body["status"] != "CREATED" {
		t.Fatalf("create order: %d %v", status, body)
	}
	status, body = call(t, "GET", in.base+"/orders/order1", key[1], nil)
	if status != 200 || body["status"] != "NEW" || body["merchant_id"] != "demo" {
		t.Fatalf("order status: %d %v", status, body)
	}
	if status, _ := call(t, "GET", in.base+"/readyz", "", nil); status != 200 {
		t.Fatalf("readyz: %d", status)
	}
	if err := in.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if !strings.Contains(in.stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("no graceful shutdown logged:\n%s", in.stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(in.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if strings.Contains(line, `"msg":"request"`) && !strings.Contains(line, `"request_id"`) {
			t.Fatalf("request log line without request_id: %s", line)
		}
	}
	if strings.Contains(in.stderr.String(), key[1]) {
		t.Fatal("API key written to the log")
	}

	again := start(t, env)
	if strings.Contains(again.stdout.String(), "api_key") {
		t.Fatalf("demo merchant created twice:\n%s", again.stdout.String())
	}
	status, body = call(t, "GET", again.base+"/orders/order1", key[1], nil)
	if status != 200 || body["amount"] != 100.0 {
		t.Fatalf("order lost across restart: %d %v", status, body)
	}
}

func merchantsCmd(t *testing.T, env map[string]string, args ...string) (map[string]any, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"merchants"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("output is not one JSON object: %q", out.String())
	}
	return m, nil
}

func TestMerchantsCommand(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	m, err := merchantsCmd(t, env, "create", "-id", "shop1", "-name", "Shop One", "-hosted-consent=false",
		"-webhook-url", "https://shop.example/hooks", "-return-url", "https://shop.example/back")
	if err != nil {
		t.Fatal(err)
	}
	if m["merchant_id"] != "shop1" || len(m["api_key"].(string)) != 32 || m["response_key"] == "" ||
		m["hosted_consent"] != false || m["tokenization_enabled"] != true || m["webhook_url"] != "https://shop.example/hooks" {
		t.Fatalf("create output: %v", m)
	}
	if _, err := merchantsCmd(t, env, "create", "-id", "shop1"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}
	if _, err := merchantsCmd(t, env, "create", "-id", "bad id"); err == nil || !strings.Contains(err.Error(), "id") {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := merchantsCmd(t, env, "create", "-id", "x", "-webhook-url", "ftp://x"); err == nil || !strings.Contains(err.Error(), "webhook_url") {
		t.Fatalf("bad webhook url: %v", err)
	}
	prod := map[string]string{"DATA_DIR": t.TempDir(), "MODE": "production", // its own database, with the operator's keys
		"LOCKER_KEY": "k1:" + testKey(), "FINGERPRINT_KEY": testKey(), "SIGNING_KEY": testKey(), "CARD_JWE_KEY": "unused"}
	for _, u := range []string{"http://127.0.0.1:9000/h", "https://localhost/h", "http://10.1.2.3/h", "http://[::1]/h", "http://169.254.169.254/latest",
		"http://100.100.100.200/latest/meta-data", "http://[64:ff9b::a9fe:a9fe]/latest"} {
		if _, err := merchantsCmd(t, prod, "create", "-id", "p1", "-webhook-url", u); err == nil || !strings.Contains(err.Error(), "not a public address") {
			t.Fatalf("production accepted webhook %s: %v", u, err)
		}
	}
	if _, err := merchantsCmd(t, prod, "create", "-id", "p1", "-webhook-url", "https://hooks.shop.example/h"); err != nil {
		t.Fatalf("production refused a public webhook URL: %v", err)
	}
	if _, err := merchantsCmd(t, env, "create", "-id", "p2", "-webhook-url", "http://127.0.0.1:9000/h"); err != nil {
		t.Fatalf("the sandbox refused a local webhook URL: %v", err)
	}
	u, err := merchantsCmd(t, env, "update", "-id", "shop1", "-hosted-consent=true")
	if err != nil {
		t.Fatal(err)
	}
	if u["hosted_consent"] != true || u["name"] != "Shop One" || u["webhook_url"] != "https://shop.example/hooks" || u["api_key"] != nil {
		t.Fatalf("update changed more than asked: %v", u)
	}
	r, err := merchantsCmd(t, env, "update", "-id", "shop1", "-rotate-api-key")
	if err != nil {
		t.Fatal(err)
	}
	newKey, _ := r["api_key"].(string)
	if len(newKey) != 32 || newKey == m["api_key"] || r["response_key"] != m["response_key"] {
		t.Fatalf("rotate: %v", r)
	}
	in := start(t, env)
	if status, _ := call(t, "GET", in.base+"/orders/none", m["api_key"].(string), nil); status != 401 {
		t.Fatalf("old key still works: %d", status)
	}
	if status, _ := call(t, "GET", in.base+"/orders/none", newKey, nil); status != 404 {
		t.Fatalf("new key: %d", status)
	}
	if _, err := merchantsCmd(t, env, "update", "-id", "ghost"); err == nil {
		t.Fatal("update of unknown merchant succeeded")
	}
}

func TestAddressTaken(t *testing.T) {
	in := start(t, map[string]string{"DATA_DIR": t.TempDir()})
	addr := strings.TrimPrefix(in.base, "http://")
	web := webapptest.StandInDir(t)
	err := run(context.Background(), nil, func(k string) string {
		return map[string]string{"ADDR": addr, "DATA_DIR": t.TempDir(), "WEB_DIR": web}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("second server on a taken port: %v", err)
	}
}

func sandboxCmdRun(env map[string]string, args ...string) (map[string]any, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"sandbox"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("output is not one JSON object: %q", out.String())
	}
	return m, nil
}

// TestSandboxCommand pays with tokenize=true on a running service, then
// drives the token and an onboarding with the sandbox command, and sees
// the changes through the running service's API.
func TestSandboxCommand(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	in := start(t, env)
	key := regexp.MustCompile(`api_key:\s+([0-9A-F]{32})`).FindStringSubmatch(in.stdout.String())[1]
	// The demo merchant is onboarded: its cards are eligible.
	if _, body := call(t, "GET", in.base+"/cardbins/424242?options.check_tokenize_support=true", key, nil); body["tokenize_support"] != true {
		t.Fatalf("demo merchant not eligible: %v", body)
	}
	if status, cust := call(t, "POST", in.base+"/customers", key, url.Values{"object_reference_id": {"asha"},
		"mobile_number": {"9876543210"}, "email_address": {"asha@example.com"}}); status != 200 {
		t.Fatalf("customer: %d %v", status, cust)
	}
	_, cust := call(t, "GET", in.base+"/customers/asha", key, nil)
	if status, o := call(t, "POST", in.base+"/orders", key, url.Values{"order_id": {"sb1"}, "amount": {"10"}, "customer_id": {"asha"}}); status != 200 {
		t.Fatalf("order: %d %v", status, o)
	}
	status, txn := call(t, "POST", in.base+"/txns", key, url.Values{"order_id": {"sb1"}, "payment_method_type": {"CARD"},
		"card_number": {"4242424242424242"}, "card_exp_month": {"12"}, "card_exp_year": {"31"}, "card_security_code": {"123"},
		"tokenize": {"true"}, "format": {"json"}})
	if status != 200 {
		t.Fatalf("txns: %d %v", status, txn)
	}
	authURL := txn["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
	res, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="form_token" value="([^"]+)"|value="([^"]+)" name="form_token"`).FindStringSubmatch(string(page))
	if tok == nil {
		t.Fatalf("no form token on the bank page:\n%s", page)
	}
	form := url.Values{"otp": {"123456"}, "action": {"verify"}, "form_token": {tok[1] + tok[2]}}
	req, _ := http.NewRequest("POST", authURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	tokenStatus := func() string {
		_, cards := call(t, "GET", in.base+"/cards?customer_id="+cust["id"].(string), key, nil)
		list, _ := cards["cards"].([]any)
		if len(list) != 1 {
			t.Fatalf("cards: %v", cards)
		}
		token, _ := list[0].(map[string]any)["token"].(map[string]any)
		return fmt.Sprint(token["tokenization_status"], " ", list[0].(map[string]any)["card_reference"])
	}
	st := strings.Fields(tokenStatus())
	if st[0] != "ACTIVE" {
		t.Fatalf("token after payment: %v", st)
	}
	cardRef := st[1]

	out, err := sandboxCmdRun(env, "token", "suspend", "-merchant", "demo", cardRef)
	if err != nil || out["tokenization_status"] != "SUSPENDED" || out["card_reference"] != cardRef {
		t.Fatalf("sandbox token suspend: %v, %v", out, err)
	}
	if got := tokenStatus(); !strings.HasPrefix(got, "SUSPENDED") {
		t.Fatalf("the running service shows %s", got)
	}
	if _, err := sandboxCmdRun(env, "token", "deactivate", "-merchant", "demo", cardRef); err != nil {
		t.Fatal(err)
	}
	if _, err := sandboxCmdRun(env, "token", "resume", "-merchant", "demo", cardRef); err == nil ||
		!strings.Contains(err.Error(), "INACTIVE token cannot be resumed") {
		t.Fatalf("resume an INACTIVE token: %v", err)
	}
	if _, err := sandboxCmdRun(env, "token", "suspend", "-merchant", "demo", "nope"); err == nil || !strings.Contains(err.Error(), "reference") {
		t.Fatalf("unknown reference: %v", err)
	}

	// A held onboarding, answered from the command line.
	req, _ = http.NewRequest("POST", in.base+"/tokenization/onboarding", strings.NewReader(`{"associateId":"hold_air","testMode":false,`+
		`"companyDetails":{"legalName":"Air","tradeName":"Air","websiteURL":"https://air.example","businessIdentificationType":"PAN",`+
		`"businessIdentificationValue":"AAAPL1234C"},"flow":"COFT","network":"RUPAY"}`))
	req.SetBasicAuth(key, "")
	for k, v := range map[string]string{"Content-Type": "application/json", "x-merchantid": "demo", "version": "2023-11-01", "x-routing-id": "r1"} {
		req.Header.Set(k, v)
	}
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("onboarding: %v %v", res, err)
	}
	out, err = sandboxCmdRun(env, "onboarding", "onboarded", "-merchant", "demo", "-associate", "hold_air", "-flow", "coft")
	if err != nil || out["response"].(map[string]any)["rupay"] != "onboarded" {
		t.Fatalf("sandbox onboarding: %v, %v", out, err)
	}
	if _, err := sandboxCmdRun(env, "onboarding", "maybe", "-associate", "hold_air", "-flow", "COFT"); err == nil || !strings.Contains(err.Error(), "status") {
		t.Fatalf("bad status: %v", err)
	}

	// The webhook events of all this, from the command line. The demo
	// merchant has no webhook URL: they are recorded as such.
	var out2 bytes.Buffer
	if err := run(context.Background(), []string{"webhooks", "list", "-merchant", "demo", "-order", "sb1"},
		func(k string) string { return env[k] }, &out2, io.Discard); err != nil {
		t.Fatal(err)
	}
	var events []map[string]any
	if err := json.Unmarshal(out2.Bytes(), &events); err != nil || len(events) != 3 {
		t.Fatalf("webhooks list: %s (%v)", out2.String(), err)
	}
	names := map[any]bool{}
	for _, e := range events {
		names[e["event_name"]] = true
	}
	if !names["TXN_CREATED"] || !names["TXN_CHARGED"] || !names["ORDER_SUCCEEDED"] {
		t.Fatalf("events of sb1: %v", events)
	}
	id := events[0]["id"].(string)
	waitFor(t, "the worker to record the missing URL", func() bool {
		var o bytes.Buffer
		run(context.Background(), []string{"webhooks", "show", "-merchant", "demo", id}, func(k string) string { return env[k] }, &o, io.Discard)
		return strings.Contains(o.String(), `"NO_URL"`)
	})
	out2.Reset()
	if err := run(context.Background(), []string{"webhooks", "redeliver", "-merchant", "demo", id},
		func(k string) string { return env[k] }, &out2, io.Discard); err != nil || !strings.Contains(out2.String(), id) {
		t.Fatalf("webhooks redeliver: %s %v", out2.String(), err)
	}
	if err := run(context.Background(), []string{"webhooks", "show", "-merchant", "demo", "evt_V2_nope"},
		func(k string) string { return env[k] }, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown event: %v", err)
	}
}

// TestBackupCommand: "server backup -to FILE" writes a snapshot that,
// put in a new data directory as coft.db, is the service's database; it
// refuses to write over a file.
func TestBackupCommand(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	if _, err := merchantsCmd(t, env, "create", "-id", "shop1", "-name", "Shop One"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "snapshot.db")
	backup := func() error {
		var out, errOut bytes.Buffer
		return run(context.Background(), []string{"backup", "-to", file}, func(k string) string { return env[k] }, &out, &errOut)
	}
	if err := backup(); err != nil {
		t.Fatal(err)
	}
	if err := backup(); err == nil {
		t.Error("a backup wrote over an existing file")
	}
	restored := map[string]string{"DATA_DIR": t.TempDir()}
	if err := os.Rename(file, filepath.Join(restored["DATA_DIR"], "coft.db")); err != nil {
		t.Fatal(err)
	}
	// With the same keys: the sandbox's are in the data directory.
	keys, err := os.ReadFile(filepath.Join(env["DATA_DIR"], "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored["DATA_DIR"], "keys.json"), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"merchants", "list"}, func(k string) string { return restored[k] }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"merchant_id": "shop1"`) {
		t.Errorf("the restored database's merchants: %s", out.String())
	}
}

// TestMetricsListener: the metrics are served on METRICS_ADDR, or on ADDR
// to bearers of METRICS_TOKEN; with neither, nowhere. A short token is
// refused at start-up.
func TestMetricsListener(t *testing.T) {
	get := func(u, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	in := start(t, map[string]string{"DATA_DIR": t.TempDir(), "METRICS_ADDR": "127.0.0.1:0"})
	m := regexp.MustCompile(`"msg":"metrics listener","addr":"([^"]+)"`).FindStringSubmatch(in.stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener logged:\n%s", in.stderr.String())
	}
	if got := get("http://"+m[1]+"/metrics", ""); got != 200 {
		t.Fatalf("metrics on METRICS_ADDR: %d", got)
	}
	if got := get(in.base+"/metrics", ""); got != 404 {
		t.Fatalf("metrics on ADDR without METRICS_TOKEN: %d", got)
	}

	const token = "0123456789abcdef-metrics"
	in = start(t, map[string]string{"DATA_DIR": t.TempDir(), "METRICS_TOKEN": token})
	if got := get(in.base+"/metrics", ""); got != 401 {
		t.Fatalf("metrics without the token: %d", got)
	}
	if got := get(in.base+"/metrics", token); got != 200 {
		t.Fatalf("metrics with the token: %d", got)
	}
	if _, err := loadConfig(func(k string) string { return map[string]string{"METRICS_TOKEN": "short"}[k] }); err == nil {
		t.Fatal("a short METRICS_TOKEN accepted")
	}
}

// testKey is a random base64 key of 32 bytes.
func testKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
