package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestJuspayNodeSDK makes Juspay's official Node SDK (expresscheckout-nodejs
// 1.0.0, pinned in e2e/sdk/package-lock.json) the judge of the service's
// wire compatibility: a merchant's code written against Juspay runs
// unchanged. In each mode the SDK (e2e/sdk/compat.mjs) creates, reads and
// updates a customer, creates an order and starts a card payment; Chromium
// walks the consent dialog ("Yes, save my card") and the sandbox bank; then
// the SDK reads the order status (CHARGED, an ACTIVE token), refunds ₹1,
// creates an order session and asks for an unknown order; Chromium pays
// the session's order through its payment link. The SDK only
// speaks HTTPS, so a TLS reverse proxy with a certificate made here
// stands in front of the service.
//
// basic: the SDK with merchantId and apiKey: Basic auth everywhere.
// jwe: with jweAuth too (keys from `server merchants jwt-keys`): payments,
// order status, refunds and sessions go to /v4/… as JWE+JWS.
func TestJuspayNodeSDK(t *testing.T) {
	dir := sdkDir(t)
	ctx := newBrowser(t, false)
	for _, mode := range []string{"basic", "jwe"} {
		t.Run(mode, func(t *testing.T) {
			s := startService(t)
			front := startTLSFront(t, s.base)
			env := []string{"BASE_URL=" + front.url, "MERCHANT_ID=chaipoint", "API_KEY=" + s.apiKey,
				"RETURN_URL=" + s.returns.srv.URL + "/back"}
			if mode == "jwe" {
				k := jwtKeys(t, s.env, "chaipoint")
				if !strings.Contains(k.PrivateKey, "BEGIN PRIVATE KEY") {
					t.Fatalf("jwt-keys -generate printed no PKCS #8 private key: %q", k.PrivateKey)
				}
				env = append(env, "JWE_KEY_ID="+k.KeyID, "JWE_PUBLIC_KEY="+k.PublicKey, "JWE_PRIVATE_KEY="+k.PrivateKey)
			}

			pay := front.node(t, dir, env, "pay")
			orderID, _ := pay["order_id"].(string)
			customerID, _ := pay["customer_id"].(string)
			authURL, _ := pay["auth_url"].(string)
			if orderID == "" || customerID == "" || authURL == "" {
				t.Fatalf("the SDK's payment did not start (order %q, customer %q, authentication URL %q)", orderID, customerID, authURL)
			}
			if !strings.HasPrefix(authURL, s.base+"/v2/txns/consent/chaipoint/") {
				t.Fatalf("authentication URL %s: want the consent dialog at %s", authURL, s.base)
			}

			if err := chromedp.Run(ctx, chromedp.Navigate(authURL), wasmRunning, choose("accept"), enterOTP("123456")); err != nil {
				t.Fatalf("walking the consent dialog and the bank page: %v", err)
			}
			s.checkReturn(orderID, "CHARGED")
			var st map[string]any
			waitUntil(t, "order "+orderID+" CHARGED with an ACTIVE token", 15*time.Second, func() bool {
				st = s.api("GET", "/orders/"+orderID, nil)
				return st["status"] == "CHARGED" && dig(st, "card.token.tokenization_status") == "ACTIVE"
			})

			settle := front.node(t, dir, env, "settle", orderID, customerID)
			answers, _ := settle["answers"].(map[string]any)
			// What the SDK read is what the service holds.
			if sdk, _ := answers["order_status"].(map[string]any); sdk != nil {
				for _, f := range []string{"txn_id", "txn_uuid", "card.card_reference", "card.token.tokenization_status",
					"card.token.last_four_digits", "card.token.par"} {
					if fmt.Sprint(dig(sdk, f)) != fmt.Sprint(dig(st, f)) {
						t.Errorf("order.status %s: the SDK read %v, the service holds %v", f, dig(sdk, f), dig(st, f))
					}
				}
			}
			if answers["refund"] != nil {
				after := s.api("GET", "/orders/"+orderID, nil)
				if dig(after, "refunds.0.unique_request_id") != "sdk-refund-"+orderID || dig(after, "refunds.0.status") != "SUCCESS" {
					t.Errorf("after the SDK's refund the order shows refunds %v", after["refunds"])
				}
			}
			if answers["session"] != nil {
				id, _ := settle["session_order_id"].(string)
				if o := s.api("GET", "/orders/"+id, nil); o["status"] != "NEW" || o["customer_id"] != customerID {
					t.Errorf("the order session's order %s: status %v, customer_id %v", id, o["status"], o["customer_id"])
				}
				// The session's link is the hosted payment page: card entry,
				// the consent dialog, the bank.
				link, _ := dig(answers["session"].(map[string]any), "payment_links.web").(string)
				err := chromedp.Run(ctx, chromedp.Navigate(link), enterCard("5419 1900 0000 0003"),
					wasmRunning, choose("accept"), enterOTP("123456"))
				if err != nil {
					t.Fatalf("paying through the session's payment link %s: %v", link, err)
				}
				waitUntil(t, "the session's order "+id+" CHARGED with an ACTIVE token", 15*time.Second, func() bool {
					o := s.api("GET", "/orders/"+id, nil)
					return o["status"] == "CHARGED" && dig(o, "card.token.tokenization_status") == "ACTIVE"
				})
			}
			front.checkRoutes(t, mode, s.apiKey, orderID)
		})
	}
}

// sdkDir returns e2e/sdk with the SDK installed (make sdk), or skips the
// test without node or the SDK — except in CI, where it must run.
func sdkDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("sdk")
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "expresscheckout-nodejs", "package.json")); err != nil {
		missing = "Juspay's Node SDK is not installed (make sdk: npm ci --prefix e2e/sdk)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" || os.Getenv("REQUIRE_POSTGRES") != "" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return dir
}

// jwtKeys are the merchant's JWE+JWS keys as `merchants jwt-keys` prints them.
type jwtKeysOut struct {
	KeyID      string `json:"key_id"`
	PrivateKey string `json:"private_key"` // the merchant's, PKCS#8 PEM
	PublicKey  string `json:"public_key"`  // the service's, PEM
}

func jwtKeys(t *testing.T, env []string, merchant string, args ...string) jwtKeysOut {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-generate"}
	}
	cmd := exec.Command(serverBin, append([]string{"merchants", "jwt-keys", "-id", merchant}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("merchants jwt-keys -id %s %v: %v\n%s%s", merchant, args, err, out, stderr.Bytes())
	}
	var k jwtKeysOut
	if err := json.Unmarshal(out, &k); err != nil || k.KeyID == "" || !strings.Contains(k.PublicKey, "PUBLIC KEY-----") {
		t.Fatalf("merchants jwt-keys printed %q (want one JSON object {key_id, private_key: PKCS#8 PEM, public_key: PEM}): %v", out, err)
	}
	return k
}

// tlsFront is an HTTPS reverse proxy on https://localhost:<port> to the
// service, with its own CA; it records what passes through it.
type tlsFront struct {
	url    string
	caFile string

	mu   sync.Mutex
	seen []frontRequest
}

type frontRequest struct {
	method, path, contentType, auth string
	status                          int
}

func (r frontRequest) String() string {
	return fmt.Sprintf("%s %s (%s) → %d", r.method, r.path, r.contentType, r.status)
}

func startTLSFront(t *testing.T, target string) *tlsFront {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, cert := localhostCert(t)
	f := &tlsFront{caFile: filepath.Join(t.TempDir(), "ca.pem")}
	if err := os.WriteFile(f.caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		ModifyResponse: func(res *http.Response) error {
			r := res.Request
			f.mu.Lock()
			f.seen = append(f.seen, frontRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"),
				r.Header.Get("Authorization"), res.StatusCode})
			f.mu.Unlock()
			return nil
		},
	}
	srv := httptest.NewUnstartedServer(proxy)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	f.url = "https://localhost:" + port
	return f
}

// localhostCert makes a CA and a certificate it signs for localhost.
func localhostCert(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coft e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

// node runs one phase of compat.mjs and returns the JSON object it prints
// last; each check it failed is reported.
func (f *tlsFront) node(t *testing.T, dir string, env []string, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"compat.mjs"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NODE_EXTRA_CA_CERTS="+f.caFile, "NODE_ENV=test"), env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	f.mu.Lock()
	from := len(f.seen)
	f.mu.Unlock()
	err := cmd.Run()
	f.mu.Lock()
	for _, r := range f.seen[from:] {
		t.Logf("SDK %s: %s", args[0], r)
	}
	f.mu.Unlock()
	out := bytes.TrimSpace(stdout.Bytes())
	var res map[string]any
	if jerr := json.Unmarshal(out[bytes.LastIndexByte(out, '\n')+1:], &res); jerr != nil {
		t.Fatalf("node compat.mjs %s: %v (%v)\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, jerr, stdout.Bytes(), stderr.Bytes())
	}
	failures, _ := res["failures"].([]any)
	for _, m := range failures {
		t.Errorf("SDK %s: %v", args[0], m)
	}
	if (err != nil) != (len(failures) > 0) || res["ok"] != (len(failures) == 0) {
		t.Errorf("node compat.mjs %s: exit %v with %d failures\nstderr: %s", strings.Join(args, " "), err, len(failures), stderr.Bytes())
	}
	return res
}

// checkRoutes checks the requests the SDK made: the routes of the mode and
// its authentication (Basic base64(key), no colon; JWE bodies as JSON).
func (f *tlsFront) checkRoutes(t *testing.T, mode, apiKey, orderID string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(apiKey))
	type want struct{ method, path string }
	classic := []want{{"POST", "/customers"}, {"GET", "/customers/*"}, {"POST", "/customers/*"}, {"GET", "/customers/*"},
		{"POST", "/orders"}}
	var routes []want
	if mode == "jwe" {
		routes = append(classic, want{"POST", "/v4/txns"}, want{"POST", "/v4/order-status"},
			want{"POST", "/v4/orders/" + orderID + "/refunds"}, want{"POST", "/v4/session"}, want{"POST", "/v4/order-status"})
	} else {
		routes = append(classic, want{"POST", "/txns"}, want{"GET", "/orders/" + orderID},
			want{"POST", "/orders/" + orderID + "/refunds"}, want{"POST", "/session"}, want{"GET", "/orders/*"})
	}
	if n := len(f.seen); n > 0 && f.seen[n-1].status != http.StatusNotFound {
		t.Errorf("the status of an unknown order (%s) answered %d, want 404", f.seen[n-1].path, f.seen[n-1].status)
	}
	if len(f.seen) != len(routes) {
		t.Errorf("the SDK made %d requests, want %d: %v", len(f.seen), len(routes), f.seen)
		return
	}
	for i, w := range routes {
		r := f.seen[i]
		if r.method != w.method || !(r.path == w.path || strings.HasSuffix(w.path, "/*") && strings.HasPrefix(r.path, strings.TrimSuffix(w.path, "*"))) {
			t.Errorf("request %d: %s %s, want %s %s", i+1, r.method, r.path, w.method, w.path)
			continue
		}
		jwe := strings.HasPrefix(r.path, "/v4/")
		if !jwe && r.auth != basic {
			t.Errorf("%s %s: Authorization %q, want Basic base64(api key) with no colon", r.method, r.path, r.auth)
		}
		if jwe && !strings.HasPrefix(r.contentType, "application/json") {
			t.Errorf("%s %s: Content-Type %q, want application/json", r.method, r.path, r.contentType)
		}
	}
}

// dig reads a dotted path (array indexes as numbers) in decoded JSON.
func dig(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
