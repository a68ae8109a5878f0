package e2e

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// attackNotPublic is the one error a delivery to a refused address
// records (webhook.ErrNotPublic).
const attackNotPublic = "destination is not a public address"

// 11. Webhook SSRF. The suite's server runs in the sandbox, which sends
// webhooks anywhere (local receivers, for testing), so this category
// attacks MODE=production, in two ways:
//   - registration: the admin command refuses webhook URLs naming
//     internal addresses, in every form (nothing is resolved or dialed);
//   - delivery: a merchant of a production server points its orders'
//     metadata.webhook_url at internal addresses and reads the attempts
//     back from GET /webhooks/events/{id}, looking for a port scanner. No
//     receiver is reached and every attempt records the same error,
//     whatever the host and port. These destinations are all loopback, so
//     that a failing check would dial nothing but this machine.
func (a *attackSuite) webhookSSRF(t *testing.T) {
	const reg, meta, dlv = "webhook SSRF (registration)", "webhook SSRF (order metadata)", "webhook SSRF (delivery)"
	before := a.digest(t)
	// A production data directory of its own: production opens merchants'
	// sealed secrets with the operator's keys only.
	prodDir := t.TempDir()
	if err := os.Chmod(prodDir, 0o700); err != nil {
		t.Fatal(err)
	}
	prod := append(append(os.Environ(), "DATA_DIR="+prodDir, "WEB_DIR="+webDir, "MODE=production"), productionKeys(t)...)
	if out, err := run(prod, "merchants", "create", "-id", "alpha", "-webhook-url", "https://hooks.shop.example/h"); err != nil {
		t.Fatalf("merchants create: %v\n%s", err, out)
	}
	for _, u := range []string{
		"http://127.0.0.1:8080/h", "https://localhost/h", "http://10.0.0.1/h", "http://172.16.0.1/h", "http://192.168.1.1/h",
		"http://169.254.169.254/latest/meta-data", "http://100.100.100.200/latest/meta-data", "http://100.64.0.1/h",
		"http://198.18.0.1/h", "http://192.0.0.170/h", "http://240.0.0.1/h", "http://0.0.0.0:22/h", "http://224.0.0.1/h",
		"http://[::1]/h", "http://[::ffff:127.0.0.1]/h", "http://[::ffff:a9fe:a9fe]/h", "http://[64:ff9b::a9fe:a9fe]/h",
		"http://[64:ff9b::6464:64c8]/h", "http://[2002:a00:1::1]/h", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h",
		"http://[fd00::1]/h", "http://[fe80::1%25eth0]/h", "http://2130706433/h", "http://127.1/h",
	} {
		for _, args := range [][]string{
			{"merchants", "create", "-id", a.nextID("ssrf"), "-webhook-url", u},
			{"merchants", "update", "-id", "alpha", "-webhook-url", u},
		} {
			out, err := run(prod, args...)
			refused := err != nil && strings.Contains(string(out), "not a public address")
			a.count(t, reg, args[1]+" "+u, "cli-refused", refused, strings.TrimSpace(string(out)))
		}
	}
	a.unchanged(t, "registering internal webhook URLs", before)

	// A production server of its own, whose merchant sets its orders'
	// webhook URLs through the API.
	var hits atomic.Int32
	listening := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(listening.Close)
	port := listening.Listener.Addr().(*net.TCPAddr).Port
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	dataDir := t.TempDir()
	if err := os.Chmod(dataDir, 0o700); err != nil { // production refuses a directory others can read
		t.Fatal(err)
	}
	env := append(os.Environ(), "DATA_DIR="+dataDir, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"MODE=production", "PROVIDERS=sandbox", "BASE_URL=https://pay.example",
		"WEBHOOK_RETRY_FIRST=100ms", "WEBHOOK_RETRY_MAX=200ms", "WEBHOOK_TIMEOUT=2s")
	env = append(env, productionKeys(t)...)
	key := newMerchant(t, env, "gamma", "-name", "gamma shop")
	p := startProc(t, env)
	orders := map[string]string{} // order id → webhook URL
	for _, u := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/hooks", port),       // something listens
		fmt.Sprintf("http://127.0.0.1:%d/hooks", closedPort), // nothing does
		fmt.Sprintf("http://127.0.0.1:%d/hooks", 1),
		fmt.Sprintf("https://127.0.0.1:%d/", port),
		fmt.Sprintf("http://127.9.9.9:%d/hooks", port),
		fmt.Sprintf("http://[::1]:%d/hooks", port),
		fmt.Sprintf("http://[::1]:%d/hooks", closedPort),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/hooks", port),
		fmt.Sprintf("http://localhost:%d/hooks", port), // a name resolving to loopback
		fmt.Sprintf("http://localhost:%d/hooks", closedPort),
	} {
		id := a.nextID("ssrf")
		orders[id] = u
		form := url.Values{"order.order_id": {id}, "order.amount": {"10"}, "order.metadata.webhook_url": {u},
			"payment_method_type": {"CARD"}, "card_number": {attackVisa}, "card_exp_month": {"12"},
			"card_exp_year": {"2031"}, "card_security_code": {"123"}, "format": {"json"}}
		res := a.do(t, attackReq{method: "POST", path: p.base + "/txns", key: key, form: form})
		a.count(t, meta, "order.metadata.webhook_url "+u, res.code(), res.status == 400 && strings.Contains(res.body, "metadata.webhook_url"), res.body)
		// The same order without it; its URL is then set as a name that
		// passed the check and resolves, or was rebound, to an internal
		// address would be: in the database, under the API.
		delete(form, "order.metadata.webhook_url")
		a.api(t, key, "POST", p.base+"/txns", form)
	}
	setOrderWebhooks(t, filepath.Join(dataDir, "coft.db"), orders)
	for id := range orders {
		list := a.api(t, key, "GET", p.base+"/webhooks/events?order_id="+id, nil)
		for _, e := range list["events"].([]any) {
			a.api(t, key, "POST", p.base+"/webhooks/events/"+attackStr(e.(map[string]any), "id")+"/redeliver", nil)
		}
	}
	for id, u := range orders {
		var event map[string]any
		waitUntil(t, "the attempt to "+u, 20*time.Second, func() bool {
			list := a.api(t, key, "GET", p.base+"/webhooks/events?order_id="+id, nil)
			events, _ := list["events"].([]any)
			if len(events) == 0 {
				return false
			}
			e, _ := events[0].(map[string]any)
			// An attempt of the redelivery: not the first delivery's
			// "no webhook URL", and not still pending.
			if n, _ := e["attempts"].(float64); n < 1 || attackStr(e, "last_error") == "" ||
				strings.Contains(attackStr(e, "last_error"), "no webhook URL") {
				return false
			}
			res := a.do(t, attackReq{method: "GET", path: p.base + "/webhooks/events/" + attackStr(e, "id"), key: key})
			event = res.json()
			return res.status == 200
		})
		attempts, _ := event["delivery_attempts"].([]any)
		refused := attackStr(event, "last_error") == attackNotPublic && len(attempts) > 0
		for _, at := range attempts {
			m, _ := at.(map[string]any)
			if attackStr(m, "error") != attackNotPublic || attackGet(m, "http_status") != float64(0) {
				refused = false
			}
		}
		a.count(t, dlv, "delivery to "+u, "not-dialed", refused,
			fmt.Sprintf("last_error %q, attempts %v", attackStr(event, "last_error"), attempts))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d deliveries from the production server", n)
	}
	a.note("webhook SSRF: every delivery to an internal address recorded %q", attackNotPublic)
}

// setOrderWebhooks sets orders' webhook URLs in a running service's SQLite
// database, past the API's checks.
func setOrderWebhooks(t *testing.T, path string, urls map[string]string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, u := range urls {
		if _, err := db.Exec(`UPDATE orders SET webhook_url = ? WHERE order_id = ?`, u, id); err != nil {
			t.Fatal(err)
		}
	}
}
