package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/locker"
	"github.com/coftkit/coft/pages"
	"github.com/coftkit/coft/sandbox"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
	"github.com/coftkit/coft/webapp"
	"github.com/coftkit/coft/webapp/webapptest"
)

// harness is a real API server on a random port over a real database.
type harness struct {
	t       testing.TB
	db      *sqlstore.DB
	api     *httpapi.Server
	srv     *httptest.Server
	locker  *locker.Locker
	network *sandbox.Network
	net     *switchNetwork
	bins    coft.BinLookup
	logs    *syncBuffer
	now     time.Time
	mu      sync.Mutex

	keyA, keyB string // API keys of merchants "alpha" and "beta"
}

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

func newHarness(t testing.TB, dialect sqlstore.Dialect, options ...func(*httpapi.Config)) *harness {
	t.Helper()
	h := &harness{t: t, db: sqltest.MustOpenDB(t, dialect), logs: &syncBuffer{},
		now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	h.db.Now = h.clock
	keys, err := locker.LoadKeys(t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if h.locker, err = locker.New(keys); err != nil {
		t.Fatal(err)
	}
	h.network = &sandbox.Network{PAR: h.locker.PAR, Now: h.clock, OnboardingDelay: 20 * time.Millisecond}
	h.net = &switchNetwork{}
	h.net.n.Store(&networkBox{h.network})
	h.bins = bintable.MustNew()
	// The server's address is its base URL: listen first.
	h.srv = httptest.NewUnstartedServer(nil)
	cfg := httpapi.Config{
		Store: h.db, Bins: h.bins, Locker: h.locker,
		Tokens:  authtoken.New(h.locker.SigningKey(), h.clock),
		Logger:  slog.New(httpapi.LogHandler{Handler: slog.NewJSONHandler(h.logs, nil)}),
		Now:     h.clock,
		Network: h.net,
		Sandbox: h.network, Demo: true,
		CardKey: testCardKey(t),
		Bank:    sandbox.Bank{},
		BaseURL: "http://" + h.srv.Listener.Addr().String(),
	}
	cfg.Consent, cfg.Frontend, cfg.FrontendPaths = testFrontend(t)
	for _, o := range options {
		o(&cfg)
	}
	if h.api, err = httpapi.New(cfg); err != nil {
		t.Fatal(err)
	}
	h.srv.Config.Handler = h.api.Handler()
	h.srv.Start()
	h.network.Events = h.api.Payments()
	t.Cleanup(h.srv.Close)
	h.keyA = h.merchant("alpha", true)
	h.keyB = h.merchant("beta", true)
	return h
}

// switchNetwork is the server's card network: the sandbox's, or one a test
// puts in its place (setNetwork) to make it slow, fail or crash.
type switchNetwork struct{ n atomic.Pointer[networkBox] }

type networkBox struct{ coft.Network }

func (s *switchNetwork) get() coft.Network { return s.n.Load().Network }

func (s *switchNetwork) Provision(ctx context.Context, r coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	return s.get().Provision(ctx, r)
}
func (s *switchNetwork) Cryptogram(ctx context.Context, brand, number string) (*coft.Cryptogram, error) {
	return s.get().Cryptogram(ctx, brand, number)
}
func (s *switchNetwork) AltID(ctx context.Context, r coft.AltIDRequest) (*coft.AltID, error) {
	return s.get().AltID(ctx, r)
}
func (s *switchNetwork) Deregister(ctx context.Context, brand, number string) error {
	return s.get().Deregister(ctx, brand, number)
}
func (s *switchNetwork) CVVLess(brand string) bool { return s.get().CVVLess(brand) }
func (s *switchNetwork) Onboard(ctx context.Context, o *coft.Onboarding) (map[string]string, error) {
	return s.get().Onboard(ctx, o)
}

// setNetwork makes n the card network of the server and its use cases.
func (h *harness) setNetwork(n coft.Network) { h.net.n.Store(&networkBox{n}) }

// currentNetwork is the card network the server uses now.
func (h *harness) currentNetwork() coft.Network { return h.net.get() }

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// merchant creates a merchant onboarded to every network for COFT and
// ALT_ID, and returns its API key.
func (h *harness) merchant(id string, tokenization bool) string {
	key := h.newMerchant(id, tokenization)
	for _, flow := range []string{coft.FlowCOFT, coft.FlowAltID} {
		o := &coft.Onboarding{MerchantID: id, AssociateID: id, Flow: flow, TestMode: true, Status: map[string]string{},
			Company: coft.Company{LegalName: "Shop " + id, TradeName: id, WebsiteURL: "https://" + id + ".example",
				BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
		for _, b := range coft.Networks {
			o.Status[b] = coft.OnboardingOnboarded
		}
		if err := h.db.SaveOnboarding(context.Background(), o); err != nil {
			h.t.Fatal(err)
		}
	}
	return key
}

// newMerchant creates a merchant onboarded to no network and returns its
// API key.
func (h *harness) newMerchant(id string, tokenization bool) string {
	key := "KEY" + strings.ToUpper(coft.RandomHex(8))
	m := &coft.Merchant{ID: id, Name: "Shop " + id, APIKeyHash: coft.HashAPIKey(key), ResponseKey: "rk",
		TokenizationEnabled: tokenization, HostedConsent: true,
		ReturnOrigins: []string{"https://shop.example", "https://shop.merchant.com"}}
	if err := h.db.CreateMerchant(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	return key
}

var (
	cardKeyOnce sync.Once
	cardKey     *cardjwe.Key
)

// testCardKey is one RSA key shared by the tests: generating one takes a
// while.
func testCardKey(t testing.TB) *cardjwe.Key {
	cardKeyOnce.Do(func() {
		var err error
		if cardKey, err = cardjwe.Generate(); err != nil {
			t.Fatal(err)
		}
	})
	return cardKey
}

// request is one HTTP call; key is the API key ("" for none).
type request struct {
	method, path, key string
	form              string            // form-encoded body
	json              string            // JSON body (sets Content-Type)
	header            map[string]string // extra headers
}

type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (h *harness) do(r request) response {
	h.t.Helper()
	var body io.Reader
	ct := ""
	switch {
	case r.json != "":
		body, ct = strings.NewReader(r.json), "application/json"
	case r.form != "":
		body, ct = strings.NewReader(r.form), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(r.method, h.srv.URL+r.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.key != "" {
		req.SetBasicAuth(r.key, "")
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			h.t.Fatalf("%s %s: invalid JSON %q: %v", r.method, r.path, raw, err)
		}
	}
	return out
}

// must does the request and fails the test unless the status is want.
func (h *harness) must(want int, r request) response {
	h.t.Helper()
	res := h.do(r)
	if res.status != want {
		h.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, res.status, want, res.raw)
	}
	return res
}

// get returns the value at a dotted path ("error_info.fields.0.field_name").
func (r response) get(path string) any {
	var v any = r.body
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (r response) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

// errorField is the field a Juspay error names.
func (r response) errorField() string { return r.str("error_info.fields.0.field_name") }

// saveCard puts a card in the locker for a customer, the way a payment does.
func (h *harness) saveCard(merchantID, customerID, pan string) *coft.Card {
	h.t.Helper()
	b, ok := h.bins.Lookup(pan)
	if !ok {
		h.t.Fatalf("no BIN for test card")
	}
	c := &coft.Card{Reference: coft.RandomHex(16), MerchantID: merchantID, CustomerID: customerID,
		Fingerprint: h.locker.Fingerprint(pan), ISIN: pan[:6], Last4: pan[len(pan)-4:], ExpMonth: "12", ExpYear: "2031",
		NameOnCard: "Asha Rao", Brand: b.Brand, Type: b.Type, SubType: b.SubType, Issuer: b.Bank, BankCode: b.BankCode,
		IssuerCountry: b.Country, IssuerTokenizes: b.IssuerTokenizes}
	var err error
	if c.PANCiphertext, c.KeyID, err = h.locker.Seal(pan, c.Reference); err != nil {
		h.t.Fatal(err)
	}
	if err := h.db.SaveCard(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
	return c
}

// customer creates a customer through the API and returns its id.
func (h *harness) customer(key, ref string) string {
	h.t.Helper()
	res := h.must(200, request{method: "POST", path: "/customers", key: key,
		form: "object_reference_id=" + ref + "&mobile_number=9876543210&email_address=" + ref + "@example.com"})
	return res.str("id")
}

// forDialects runs a test against a harness on every database.
func forDialects(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, newHarness(t, d))
		})
	}
}

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

// testFrontend serves the real go-app frontend over a small stand-in wasm,
// so API tests need no wasm build (the browser tests use the real one).
func testFrontend(t testing.TB) (pages.ConsentRenderer, http.Handler, []string) {
	t.Helper()
	front, err := webapp.New(webapp.Config{WebDir: webapptest.StandInDir(t), Title: "Secure your card"})
	if err != nil {
		t.Fatal(err)
	}
	return front, front.Assets(), front.AssetPaths()
}
