package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	jose "github.com/go-jose/go-jose/v4"
	_ "modernc.org/sqlite" // the "sqlite" driver, to read the service's database

	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/cardscan"
)

// The suite's server cuts slow clients off quickly, so that waiting for it
// stays short.
const (
	attackReadHeaderTimeout = time.Second
	attackReadTimeout       = 2 * time.Second
	attackIdleTimeout       = 2 * time.Second
)

const (
	attackVisa       = "4242424242424242" // eligible for both merchants
	attackMastercard = "5419190000000003" // eligible for beta only (alpha is onboarded to VISA alone)
)

// TestAttackSuite runs the attacks a merchant's security review asks
// about against the real server: forged, replayed and cross-origin
// consent posts, framing by foreign origins, merchant A's key against
// every endpoint with merchant B's objects, OTP brute force, oversized
// bodies and headers, slow clients, missing credentials, card data in
// error answers, forged JWE+JWS requests, webhooks aimed at internal
// addresses in production, card numbers and capabilities that must stay
// out of the log, and the small doors (an injected notice, a directory
// listing, the metrics, anonymous card-bin probes). Each attempt is
// counted; the test fails unless every one is refused and nothing is
// recorded or changed by it (checked through the API and on a digest of
// the database). It prints the table of figures
// that docs/RELIABILITY.md quotes.
func TestAttackSuite(t *testing.T) {
	a := newAttackSuite(t)
	defer a.report()
	t.Run("forged consent post", a.forgedConsent)
	t.Run("replayed consent", a.replayedConsent)
	t.Run("cross-origin post", a.crossOrigin)
	t.Run("framing", a.framing)
	t.Run("cross-merchant", a.crossMerchant)
	t.Run("OTP brute force", a.otpBruteForce)
	t.Run("oversized requests", a.oversized)
	t.Run("slow clients", a.slowClients)
	t.Run("credentials and card data", a.credentials)
	t.Run("forged JWE+JWS", a.forgedJWE)
	t.Run("webhook SSRF", a.webhookSSRF)
	t.Run("open redirect", a.openRedirect)
	t.Run("secrets and files at rest", a.atRest)
	t.Run("card data and capabilities in logs", a.loggedSecrets)
	t.Run("small doors", a.smallDoors)
	t.Run("console", a.consoleAttacks) // last: its brute force shuts the console to this address
	a.finalChecks(t)
}

// attackRow is one category of the table.
type attackRow struct {
	name              string
	attempts, refused int
	codes             map[string]int
}

type attackSuite struct {
	t          *testing.T
	p          *proc
	base       string
	dataDir    string
	env        []string // the server's environment, for admin commands
	keyA, keyB string
	client     *http.Client
	db         *sql.DB
	scan       *cardscan.Scanner
	allowed    *httptest.Server // the origin beta lets frame its pages
	allowedDoc string           // what allowed serves
	evilDoc    string           // what evil serves
	evil       *httptest.Server // any other origin
	seq        int

	mu      sync.Mutex
	rows    []*attackRow
	answers int      // answers scanned for card data
	notes   []string // printed under the table
	ids     map[string]string

	// Beta's objects, the victims of the cross-merchant attacks.
	b struct {
		victim, victimRef, victimToken      string // customer id, object_reference_id, customer client token
		paidOrder, newOrder, orderToken     string // a CHARGED order (with a refund), a NEW one, its client token
		cardRef, cardToken, tokenRef, par   string // the paid card, its token
		saverCardRef, saverCardToken        string // a card kept in the locker, without a token
		event, refund                       string
		consentUUID, bankUUID, pageConsent  string // a payment waiting for consent, one at the bank, an unused drop-in consent
		consentURL, bankURL, consentFormTok string
	}
	// Alpha's, the attacker's own.
	aObj struct {
		customer, customerToken, order, orderToken string
		consentURL, consentFormTok                 string
	}
}

func newAttackSuite(t *testing.T) *attackSuite {
	a := &attackSuite{t: t, ids: map[string]string{}}
	a.allowed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		io.WriteString(w, a.allowedDoc)
	}))
	t.Cleanup(a.allowed.Close)
	a.evil = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		io.WriteString(w, a.evilDoc)
	}))
	t.Cleanup(a.evil.Close)

	a.dataDir = t.TempDir()
	env := append(os.Environ(), "DATA_DIR="+a.dataDir, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"READ_HEADER_TIMEOUT="+attackReadHeaderTimeout.String(), "READ_TIMEOUT="+attackReadTimeout.String(),
		"IDLE_TIMEOUT="+attackIdleTimeout.String(), "METRICS_TOKEN="+attackMetricsToken)
	a.env = env
	a.keyA = newMerchant(t, env, "alpha", "-name", "alpha shop")
	a.keyB = newMerchant(t, env, "beta", "-name", "beta shop", "-frame-origins", a.allowed.URL)
	a.p = startProc(t, env)
	a.base = a.p.base
	// One connection per request: the server's idle timeout is short.
	a.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	a.scan = cardscan.New([]string{attackVisa, attackMastercard, "4111111111111111"}, "739")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(a.dataDir, "coft.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a.db = db
	a.setup()
	return a
}

// row returns the table's row for a category, adding it on first use.
func (a *attackSuite) row(name string) *attackRow {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.rows {
		if r.name == name {
			return r
		}
	}
	r := &attackRow{name: name, codes: map[string]int{}}
	a.rows = append(a.rows, r)
	return r
}

// count records one attempt of a category: code is what the server
// answered (an HTTP status, or "closed"), refused whether the attempt
// failed as it must. An attempt that was not refused fails the test.
func (a *attackSuite) count(t *testing.T, category, what, code string, refused bool, detail string) {
	t.Helper()
	r := a.row(category)
	a.mu.Lock()
	r.attempts++
	r.codes[code]++
	if refused {
		r.refused++
	}
	a.mu.Unlock()
	if !refused {
		t.Errorf("%s: %s was NOT refused (%s) %s", category, what, code, detail)
	}
}

// report prints the table.
func (a *attackSuite) report() {
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-36s %8s %8s  %s\n", "category", "attempts", "refused", "status codes")
	total, refused := 0, 0
	for _, r := range a.rows {
		var codes []string
		for c := range r.codes {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		var parts []string
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%s×%d", c, r.codes[c]))
		}
		fmt.Fprintf(&b, "%-36s %8d %8d  %s\n", r.name, r.attempts, r.refused, strings.Join(parts, " "))
		total += r.attempts
		refused += r.refused
	}
	fmt.Fprintf(&b, "%-36s %8d %8d\n", "total", total, refused)
	for _, n := range a.notes {
		fmt.Fprintf(&b, "%s\n", n)
	}
	fmt.Fprintf(&b, "%d answers scanned for card data\n", a.answers)
	fmt.Print(b.String())
}

func (a *attackSuite) note(format string, args ...any) {
	a.mu.Lock()
	a.notes = append(a.notes, fmt.Sprintf(format, args...))
	a.mu.Unlock()
}

// attackReq is one HTTP request of the suite.
type attackReq struct {
	method, path string
	key          string // HTTP Basic user (the API key); "" for none
	form         url.Values
	json         string
	raw          string // a body sent as is, with ctype
	ctype        string
	chunked      bool // send the body without a Content-Length
	hdr          map[string]string
}

type attackAnswer struct {
	status int
	header http.Header
	body   string
}

func (r attackAnswer) code() string { return strconv.Itoa(r.status) }

// json decodes the answer (an empty map if it is not JSON).
func (r attackAnswer) json() map[string]any {
	m := map[string]any{}
	json.Unmarshal([]byte(r.body), &m)
	return m
}

func (a *attackSuite) do(t *testing.T, q attackReq) attackAnswer {
	t.Helper()
	u := q.path
	if !strings.HasPrefix(u, "http") {
		u = a.base + u
	}
	body, ctype := q.raw, q.ctype
	switch {
	case q.form != nil:
		body, ctype = q.form.Encode(), "application/x-www-form-urlencoded"
	case q.json != "":
		body, ctype = q.json, "application/json"
	}
	var rd io.Reader = strings.NewReader(body)
	if q.chunked {
		rd = io.MultiReader(strings.NewReader(body)) // not a known length: sent chunked
	}
	req, err := http.NewRequest(q.method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if q.chunked {
		req.ContentLength = -1
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if q.key != "" {
		req.SetBasicAuth(q.key, "")
	}
	for k, v := range q.hdr {
		req.Header.Set(k, v)
	}
	var res *http.Response
	if len(body) > 64<<10 {
		res, err = a.oversizedDo(req)
	} else {
		res, err = a.client.Do(req)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if p := strings.TrimPrefix(u, a.base); p != "/" && !strings.HasPrefix(p, "/demo") { // these list the sandbox's test cards
		a.checkNoCardData(t, q.method+" "+q.path, b, res.Header)
	}
	return attackAnswer{res.StatusCode, res.Header, string(b)}
}

// oversizedDo sends a request whose body the server will not read to the
// end: it writes on its own connection, ignoring a write cut short, and
// reads the answer the server sends meanwhile (http.Client would report
// the failed write instead).
func (a *attackSuite) oversizedDo(req *http.Request) (*http.Response, error) {
	c, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	req.Close = true
	go req.Write(c)
	res, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		c.Close()
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	c.Close()
	res.Body = io.NopCloser(strings.NewReader(string(b)))
	return res, err
}

// checkNoCardData fails the test if an answer holds card data.
func (a *attackSuite) checkNoCardData(t *testing.T, where string, body []byte, h http.Header) {
	t.Helper()
	a.mu.Lock()
	a.answers++
	a.mu.Unlock()
	if hits := a.scan.Hits(append(body, []byte(fmt.Sprint(h))...)); hits != nil {
		t.Errorf("the answer to %s holds card data: %v", where, hits)
	}
}

// api calls the merchant API and requires a 200.
func (a *attackSuite) api(t *testing.T, key, method, path string, form url.Values) map[string]any {
	t.Helper()
	res := a.do(t, attackReq{method: method, path: path, key: key, form: form})
	if res.status != 200 {
		t.Fatalf("%s %s: %d %s", method, path, res.status, res.body)
	}
	return res.json()
}

// attackSameOrigin is what a browser sends with a form posted from the
// page itself.
var attackSameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin"}

func (a *attackSuite) nextID(prefix string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	return fmt.Sprintf("%s%d", prefix, a.seq)
}

// newOrder creates a customer and an order for it; it returns the order
// id, the customer id and the order's client_auth_token.
func (a *attackSuite) newOrder(t *testing.T, key, prefix string) (string, string, string) {
	t.Helper()
	id := a.nextID(prefix)
	cst := a.api(t, key, "POST", "/customers", url.Values{"object_reference_id": {"c" + id}, "mobile_number": {"9876543210"},
		"email_address": {id + "@example.com"}})
	ord := a.api(t, key, "POST", "/orders", url.Values{"order_id": {id}, "amount": {"100.00"}, "customer_id": {attackStr(cst, "id")},
		"options.get_client_auth_token": {"true"}})
	return id, attackStr(cst, "id"), attackStr(ord, "juspay.client_auth_token")
}

// pay starts a card payment; it returns the payment's uuid and URL.
func (a *attackSuite) pay(t *testing.T, key, orderID, pan string, extra url.Values) (string, string) {
	t.Helper()
	form := url.Values{"order_id": {orderID}, "payment_method_type": {"CARD"}, "card_number": {pan}, "card_exp_month": {"12"},
		"card_exp_year": {"2031"}, "card_security_code": {"123"}, "format": {"json"}}
	for k, v := range extra {
		form[k] = v
	}
	res := a.api(t, key, "POST", "/txns", form)
	return attackStr(res, "txn_uuid"), attackStr(res, "payment.authentication.url")
}

// formOf GETs a customer page and returns its form token.
func (a *attackSuite) formOf(t *testing.T, u string) string {
	t.Helper()
	res := a.do(t, attackReq{method: "GET", path: u})
	tok := formTokenOf(res.body)
	if res.status != 200 || tok == "" {
		t.Fatalf("no form at %s: %d %.300s", u, res.status, res.body)
	}
	return tok
}

// consentForm is the consent dialog's answer.
func attackConsentForm(tok, decision string) url.Values {
	return url.Values{"form_token": {tok}, "decision": {decision}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
}

// otp enters a one-time password on the bank page u.
func (a *attackSuite) otp(t *testing.T, u, tok, otp string) attackAnswer {
	t.Helper()
	return a.do(t, attackReq{method: "POST", path: u, form: url.Values{"form_token": {tok}, "otp": {otp}, "action": {"verify"}}, hdr: attackSameOrigin})
}

// orderStatus is an order's status through the API, as its merchant sees it.
func (a *attackSuite) orderStatus(t *testing.T, key, id string) map[string]any {
	t.Helper()
	return a.api(t, key, "GET", "/orders/"+id, nil)
}

// onboard onboards associate for COFT (and ALT_ID) through the API.
func (a *attackSuite) onboard(t *testing.T, key, merchant, associate, flow, network string, testMode bool) {
	t.Helper()
	body := map[string]any{"associateId": associate, "testMode": testMode, "flow": flow, "companyDetails": map[string]any{
		"legalName": "Shop Ltd", "tradeName": "Shop", "websiteURL": "https://shop.example",
		"businessIdentificationType": "PAN", "businessIdentificationValue": "AAAPL1234C"}}
	if network != "" {
		body["network"] = network
	}
	b, _ := json.Marshal(body)
	res := a.do(t, attackReq{method: "POST", path: "/tokenization/onboarding", key: key, json: string(b),
		hdr: map[string]string{"x-merchantid": merchant, "version": "2023-11-01", "x-routing-id": "attack"}})
	if res.status != 200 {
		t.Fatalf("onboarding %s: %d %s", associate, res.status, res.body)
	}
}

// setup gives beta (the victim) an object of every kind, and alpha (the
// attacker) its own customer, order and consent page.
func (a *attackSuite) setup() {
	t := a.t
	a.onboard(t, a.keyA, "alpha", "alpha", "COFT", "VISA", true)
	a.onboard(t, a.keyB, "beta", "beta", "COFT", "", true)
	a.onboard(t, a.keyB, "beta", "beta", "ALT_ID", "", true)
	a.onboard(t, a.keyB, "beta", "hold_beta", "COFT", "", false) // waits for the network

	// A CHARGED order whose card has an ACTIVE token, and a refund.
	b := &a.b
	b.victimRef = "victim"
	cst := a.api(t, a.keyB, "POST", "/customers", url.Values{"object_reference_id": {b.victimRef}, "mobile_number": {"9876543210"},
		"email_address": {"victim@example.com"}, "options.get_client_auth_token": {"true"}})
	b.victim, b.victimToken = attackStr(cst, "id"), attackStr(cst, "juspay.client_auth_token")
	b.paidOrder = "bpaid"
	a.api(t, a.keyB, "POST", "/orders", url.Values{"order_id": {b.paidOrder}, "amount": {"500.00"}, "customer_id": {b.victim}})
	_, bank := a.pay(t, a.keyB, b.paidOrder, attackVisa, url.Values{"tokenize": {"true"}})
	if res := a.otp(t, bank, a.formOf(t, bank), "123456"); res.status != 303 && res.status != 200 {
		t.Fatalf("paying beta's order: %d %s", res.status, res.body)
	}
	st := a.orderStatus(t, a.keyB, b.paidOrder)
	if attackStr(st, "status") != "CHARGED" || attackStr(st, "card.token.tokenization_status") != "ACTIVE" {
		t.Fatalf("beta's paid order: %v", st)
	}
	ref := a.api(t, a.keyB, "POST", "/orders/"+b.paidOrder+"/refunds", url.Values{"unique_request_id": {"r1"}, "amount": {"10.00"}})
	if refunds, _ := attackGet(ref, "refunds").([]any); len(refunds) == 1 {
		b.refund, _ = refunds[0].(map[string]any)["ref"].(string) // the gateway's id (id is the unique_request_id)
	}
	cards := a.api(t, a.keyB, "GET", "/cards?customer_id="+b.victim, nil)
	list, _ := cards["cards"].([]any)
	if len(list) != 1 {
		t.Fatalf("beta's cards: %v", cards)
	}
	c := list[0].(map[string]any)
	b.cardRef, b.cardToken = attackStr(c, "card_reference"), attackStr(c, "card_token")
	b.tokenRef, b.par = attackStr(c, "token.card_reference"), attackStr(c, "token.par")

	// A card kept in the locker without a token: /card/tokenize could
	// secure it.
	saver, saverCst, _ := a.newOrder(t, a.keyB, "bsave")
	_, bank = a.pay(t, a.keyB, saver, attackMastercard, url.Values{"tokenize": {"false"}, "save_to_locker": {"true"}})
	a.otp(t, bank, a.formOf(t, bank), "123456")
	cards = a.api(t, a.keyB, "GET", "/cards?customer_id="+saverCst, nil)
	if list, _ = cards["cards"].([]any); len(list) != 1 {
		t.Fatalf("beta's locker card: %v", cards)
	}
	b.saverCardRef, b.saverCardToken = attackStr(list[0].(map[string]any), "card_reference"), attackStr(list[0].(map[string]any), "card_token")

	// A NEW order with its client token; a payment waiting for consent;
	// one at the bank; an unused consent from the drop-in.
	b.newOrder, _, b.orderToken = a.newOrder(t, a.keyB, "bnew")
	o, _, _ := a.newOrder(t, a.keyB, "bcns")
	b.consentUUID, b.consentURL = a.pay(t, a.keyB, o, attackVisa, nil)
	if !strings.Contains(b.consentURL, "/v2/txns/consent/beta/") {
		t.Fatalf("beta's payment does not ask for consent: %s", b.consentURL)
	}
	b.consentFormTok = a.formOf(t, b.consentURL)
	o, _, _ = a.newOrder(t, a.keyB, "bbank")
	b.bankUUID, b.bankURL = a.pay(t, a.keyB, o, attackVisa, url.Values{"tokenize": {"false"}})
	a.formOf(t, b.bankURL) // the bank page shown
	o, _, tok := a.newOrder(t, a.keyB, "bpcn")
	b.pageConsent = a.widgetDecision(t, a.widgetURL(tok, a.allowed.URL, "424242", "4242"), "accept")
	events := a.api(t, a.keyB, "GET", "/webhooks/events?order_id="+b.paidOrder, nil)
	if list, _ := events["events"].([]any); len(list) > 0 {
		b.event = attackStr(list[0].(map[string]any), "id")
	}
	for k, v := range map[string]string{"customer": b.victim, "card_reference": b.cardRef, "token reference": b.tokenRef,
		"PAR": b.par, "refund": b.refund, "event": b.event, "drop-in consent": b.pageConsent, "card_token": b.cardToken,
		"locker card": b.saverCardRef, "payment uuid": b.consentUUID} {
		if v == "" {
			t.Fatalf("beta's %s is missing", k)
		}
		a.ids[k] = v
	}

	// Alpha's own customer (with its screen's token), order and consent page.
	ac := a.api(t, a.keyA, "POST", "/customers", url.Values{"object_reference_id": {"shopper"}, "mobile_number": {"9876543210"},
		"email_address": {"a@example.com"}, "options.get_client_auth_token": {"true"}})
	a.aObj.customer, a.aObj.customerToken = attackStr(ac, "id"), attackStr(ac, "juspay.client_auth_token")
	a.aObj.order = "aord1"
	ord := a.api(t, a.keyA, "POST", "/orders", url.Values{"order_id": {a.aObj.order}, "amount": {"100.00"},
		"customer_id": {a.aObj.customer}, "options.get_client_auth_token": {"true"}})
	a.aObj.orderToken = attackStr(ord, "juspay.client_auth_token")
	o2, _, _ := a.newOrder(t, a.keyA, "acns")
	_, a.aObj.consentURL = a.pay(t, a.keyA, o2, attackVisa, nil)
	a.aObj.consentFormTok = a.formOf(t, a.aObj.consentURL)
}

// widgetURL is the drop-in's dialog for a card of the order whose client
// token is tok, embedded by a page of origin.
func (a *attackSuite) widgetURL(tok, origin, bin, last4 string) string {
	return a.base + "/v2/consent/widget?client_auth_token=" + url.QueryEscape(tok) + "&origin=" + url.QueryEscape(origin) +
		"&bin=" + bin + "&last4=" + last4
}

var attackConsentID = regexp.MustCompile(`data-consent-id="([^"]*)"`)

// widgetDecision takes a decision in the drop-in's dialog at u and returns
// its consent_id.
func (a *attackSuite) widgetDecision(t *testing.T, u, decision string) string {
	t.Helper()
	res := a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(a.formOf(t, u), decision), hdr: attackSameOrigin})
	m := attackConsentID.FindStringSubmatch(res.body)
	if res.status != 200 || m == nil || m[1] == "" {
		t.Fatalf("drop-in decision: %d %.400s", res.status, res.body)
	}
	return m[1]
}

// digest is a digest of every table the service keeps (but the webhook
// delivery bookkeeping, which its worker changes on its own), read from its
// SQLite file: equal digests mean nothing was recorded or changed.
func (a *attackSuite) digest(t *testing.T) map[string]string {
	t.Helper()
	rows, err := a.db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("the database has %d tables", len(tables))
	}
	out := map[string]string{}
	for _, table := range tables {
		q := `SELECT * FROM "` + table + `"`
		switch table {
		case "events": // delivery status changes on its own: the rows' identity only
			q = `SELECT id, name, merchant_id, order_id, txn_uuid FROM events`
		case "event_attempts":
			continue
		case "consent_outcomes", "consent_stats":
			// The reconciler moves counted outcomes into the stats on its
			// own; the consents they count are in consents and the ledger.
			continue
		}
		rs, err := a.db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rs.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%v", vals))
		}
		rs.Close()
		sort.Strings(lines)
		h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows %x", len(lines), h[:8])
	}
	return out
}

// unchanged fails the test if a table changed since before.
func (a *attackSuite) unchanged(t *testing.T, what string, before map[string]string) {
	t.Helper()
	after := a.digest(t)
	for table, d := range after {
		if before[table] != d {
			t.Errorf("%s changed the service's %s table: %s, then %s", what, table, before[table], d)
		}
	}
}

// 1. Forged consent posts.
func (a *attackSuite) forgedConsent(t *testing.T) {
	const hosted, dropIn = "forged consent post (hosted page)", "forged consent post (drop-in)"
	b := &a.b
	// Another payment's form token, one of the drop-in's, one with its
	// time changed.
	o, _, orderTok := a.newOrder(t, a.keyB, "bfrg")
	_, other := a.pay(t, a.keyB, o, attackVisa, nil)
	otherTok := a.formOf(t, other)
	wURL := a.widgetURL(orderTok, a.allowed.URL, "424242", "4242")
	widgetTok := a.formOf(t, wURL)
	_, _, tok2 := a.newOrder(t, a.keyB, "bfrg")
	tsPart, macPart, _ := strings.Cut(b.consentFormTok, ".")
	shifted := []byte(tsPart)
	shifted[len(shifted)-2] ^= 1
	before := a.digest(t)

	post := func(category, what, u string, form url.Values, wantStatus int) {
		t.Helper()
		res := a.do(t, attackReq{method: "POST", path: u, form: form, hdr: attackSameOrigin})
		a.count(t, category, what, res.code(), res.status == wantStatus, res.body[:min(len(res.body), 200)])
	}
	with := func(f url.Values, k, v string) url.Values {
		g := url.Values{}
		for kk, vv := range f {
			g[kk] = vv
		}
		if v == "" {
			g.Del(k)
		} else {
			g.Set(k, v)
		}
		return g
	}
	good := attackConsentForm(b.consentFormTok, "accept")
	for _, c := range []struct {
		what   string
		form   url.Values
		status int
	}{
		{"no form_token", with(good, "form_token", ""), 403},
		{"a made-up form_token", with(good, "form_token", "AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"), 403},
		{"another payment's form_token", with(good, "form_token", otherTok), 403},
		{"the drop-in's form_token", with(good, "form_token", widgetTok), 403},
		{"another merchant's form_token", with(good, "form_token", a.aObj.consentFormTok), 403},
		{"a form_token with its time changed", with(good, "form_token", string(shifted)+"."+macPart), 403},
		{"a wrong text_id", with(good, "text_id", "tokenize-en-v0"), 400},
		{"another language's text_id", with(good, "text_id", "tokenize-hi-v1"), 400},
		{"an unknown locale", with(with(good, "locale", "xx"), "text_id", "tokenize-xx-v1"), 400},
		{"no text_id", with(good, "text_id", ""), 400},
		{"no decision", with(good, "decision", ""), 400},
		{"decision=yes", with(good, "decision", "yes"), 400},
		{"decision=ACCEPT", with(good, "decision", "ACCEPT"), 400},
		{"decision=true", with(good, "decision", "true"), 400},
	} {
		post(hosted, c.what, b.consentURL, c.form, c.status)
	}
	// A decision pre-filled in the link, not chosen on the page.
	post(hosted, "decision pre-filled in the URL", b.consentURL+"?decision=accept", with(good, "decision", ""), 400)
	res := a.do(t, attackReq{method: "GET", path: b.consentURL + "?decision=accept&tokenize=true"})
	a.count(t, hosted, "decision pre-filled in a GET link", res.code(), res.status == 200 && formTokenOf(res.body) != "", "")
	// The form sent as JSON: not a form post.
	j, _ := json.Marshal(map[string]string{"form_token": b.consentFormTok, "decision": "accept", "text_id": "tokenize-en-v1", "locale": "en"})
	res = a.do(t, attackReq{method: "POST", path: b.consentURL, json: string(j), hdr: attackSameOrigin})
	a.count(t, hosted, "the form as JSON", res.code(), res.status == 403 || res.status == 400, "")
	// Nothing recorded: the dialog is still waiting.
	if res := a.do(t, attackReq{method: "GET", path: b.consentURL}); res.status != 200 || formTokenOf(res.body) == "" {
		t.Errorf("after the forgeries the consent page answers %d", res.status)
	}

	// The drop-in's dialog.
	wgood := attackConsentForm(widgetTok, "accept")
	otherOrderTok := a.formOf(t, a.widgetURL(tok2, a.allowed.URL, "424242", "4242"))
	otherCardTok := a.formOf(t, a.widgetURL(orderTok, a.allowed.URL, "541919", "0003"))
	for _, c := range []struct {
		what   string
		u      string
		form   url.Values
		status int
	}{
		{"no form_token", wURL, with(wgood, "form_token", ""), 403},
		{"a made-up form_token", wURL, with(wgood, "form_token", "AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"), 403},
		{"the hosted page's form_token", wURL, with(wgood, "form_token", b.consentFormTok), 403},
		{"another order's form_token", wURL, with(wgood, "form_token", otherOrderTok), 403},
		{"the form_token of another card's dialog", wURL, with(wgood, "form_token", otherCardTok), 403},
		{"another order's client token with this form_token", a.widgetURL(tok2, a.allowed.URL, "424242", "4242"), wgood, 403},
		{"a wrong text_id", wURL, with(wgood, "text_id", "tokenize-en-v0"), 400},
		{"no decision", wURL, with(wgood, "decision", ""), 400},
		{"decision=yes", wURL, with(wgood, "decision", "yes"), 400},
		{"an origin the merchant does not allow", a.widgetURL(orderTok, a.evil.URL, "424242", "4242"), wgood, 400},
		{"no client_auth_token", strings.Replace(wURL, "client_auth_token=", "x=", 1), wgood, 400},
		{"a made-up client_auth_token", a.widgetURL("tkn_forged", a.allowed.URL, "424242", "4242"), wgood, 400},
		{"a customer's client token instead of an order's", a.widgetURL(b.victimToken, a.allowed.URL, "424242", "4242"), wgood, 400},
		{"another merchant's order token", a.widgetURL(a.aObj.orderToken, a.allowed.URL, "424242", "4242"), wgood, 400},
		{"a card number instead of its BIN", a.widgetURL(orderTok, a.allowed.URL, attackVisa, "4242"), wgood, 400},
	} {
		post(dropIn, c.what, c.u, c.form, c.status)
	}
	a.unchanged(t, "the forged consent posts", before)
}

// 2. Replayed consent posts.
func (a *attackSuite) replayedConsent(t *testing.T) {
	const cat = "replayed consent"
	// A decision on the hosted page, then its replays.
	o, _, _ := a.newOrder(t, a.keyB, "brep")
	uuid, u := a.pay(t, a.keyB, o, attackVisa, nil)
	tok := a.formOf(t, u)
	if res := a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(tok, "accept"), hdr: attackSameOrigin}); res.status != 303 {
		t.Fatalf("the decision: %d", res.status)
	}
	consents := func() int {
		var n int
		if err := a.db.QueryRow(`SELECT COUNT(*) FROM consents WHERE txn_uuid = ?`, uuid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The drop-in: a decision, the payment that uses it.
	wo, wcst, wtok := a.newOrder(t, a.keyB, "brep")
	wURL := a.widgetURL(wtok, a.allowed.URL, "424242", "4242")
	wForm := a.formOf(t, wURL)
	wres := a.do(t, attackReq{method: "POST", path: wURL, form: attackConsentForm(wForm, "accept"), hdr: attackSameOrigin})
	m := attackConsentID.FindStringSubmatch(wres.body)
	if wres.status != 200 || m == nil {
		t.Fatalf("drop-in decision: %d", wres.status)
	}
	used := m[1]
	wuuid, _ := a.pay(t, a.keyB, wo, attackVisa, url.Values{"tokenize": {"true"}, "consent_id": {used}})
	// A second order of the same customer, for a consent given elsewhere.
	wo2 := a.nextID("brep")
	a.api(t, a.keyB, "POST", "/orders", url.Values{"order_id": {wo2}, "amount": {"10"}, "customer_id": {wcst}})
	// An unused consent, for the mismatches.
	unused := a.widgetDecision(t, a.widgetURL(wtok, a.allowed.URL, "541919", "0003"), "accept")
	pageConsents := func() int {
		var n int
		if err := a.db.QueryRow(`SELECT COUNT(*) FROM page_consents`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := a.digest(t)
	nPage := pageConsents()

	// The same decision again: no second record.
	res := a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(tok, "accept"), hdr: attackSameOrigin})
	a.count(t, cat, "the hosted decision replayed", res.code(), res.status/100 != 5 && consents() == 1, "")
	res = a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(tok, "decline"), hdr: attackSameOrigin})
	a.count(t, cat, "the hosted decision changed", res.code(), res.status == 409 && consents() == 1, "")
	a.unchanged(t, "the hosted replays", before)
	// Once the bank page was shown.
	if res := a.do(t, attackReq{method: "GET", path: strings.Replace(u, "/v2/txns/consent/", "/v2/pay/start/", 1)}); res.status != 200 {
		t.Fatalf("bank page: %d", res.status)
	}
	before = a.digest(t) // showing the bank page closed the consent step
	res = a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(tok, "decline"), hdr: attackSameOrigin})
	a.count(t, cat, "the hosted decision changed after the bank page", res.code(), res.status == 409 && consents() == 1, "")
	res = a.do(t, attackReq{method: "POST", path: u, form: attackConsentForm(tok, "accept"), hdr: attackSameOrigin})
	a.count(t, cat, "the hosted decision replayed after the bank page", res.code(), res.status/100 != 5 && consents() == 1, "")
	if st := a.orderStatus(t, a.keyB, o); attackGet(st, "card.tokenization_user_consent") != true {
		t.Errorf("the recorded decision changed: %v", attackGet(st, "card"))
	}

	// The drop-in's decision replayed: the same consent, no second record;
	// a changed one refused.
	res = a.do(t, attackReq{method: "POST", path: wURL, form: attackConsentForm(wForm, "accept"), hdr: attackSameOrigin})
	m = attackConsentID.FindStringSubmatch(res.body)
	a.count(t, cat, "the drop-in decision replayed", res.code(), pageConsents() == nPage && (res.status/100 == 4 || m != nil && m[1] == used), "")
	res = a.do(t, attackReq{method: "POST", path: wURL, form: attackConsentForm(wForm, "decline"), hdr: attackSameOrigin})
	a.count(t, cat, "the drop-in decision changed", res.code(), res.status == 409 && pageConsents() == nPage, "")

	// A used consent_id again, for the same order or another.
	txn := func(what, orderID, pan, consentID, tokenize string, ok func(attackAnswer) bool) {
		t.Helper()
		form := url.Values{"order_id": {orderID}, "payment_method_type": {"CARD"}, "card_number": {pan}, "card_exp_month": {"12"},
			"card_exp_year": {"2031"}, "card_security_code": {"123"}, "format": {"json"}, "consent_id": {consentID}}
		if tokenize != "" {
			form.Set("tokenize", tokenize)
		}
		res := a.do(t, attackReq{method: "POST", path: "/txns", key: a.keyB, form: form})
		a.count(t, cat, what, res.code(), ok(res), res.body[:min(200, len(res.body))])
	}
	field := func(status int, name string) func(attackAnswer) bool {
		return func(r attackAnswer) bool {
			return r.status == status && attackStr(r.json(), "error_info.fields.0.field_name") == name
		}
	}
	txn("a used consent_id for a second payment", wo, attackVisa, used, "true", field(409, "consent_id"))
	txn("a used consent_id for another order", wo2, attackVisa, used, "true", field(409, "consent_id"))
	txn("a consent_id for another order", wo2, attackMastercard, unused, "true", field(400, "consent_id"))
	txn("a consent_id for another card", wo, attackVisa, unused, "true", field(400, "consent_id"))
	txn("a consent_id with the other decision", wo, attackMastercard, unused, "false", field(400, "tokenize"))
	txn("a consent_id without tokenize", wo, attackMastercard, unused, "", field(400, "consent_id"))
	txn("a made-up consent_id", wo, attackMastercard, "pcn_0123456789abcdef", "true", field(404, "consent_id"))
	// The drop-in payment's evidence is the one decision.
	var n int
	a.db.QueryRow(`SELECT COUNT(*) FROM consents WHERE txn_uuid = ?`, wuuid).Scan(&n)
	if n != 1 {
		t.Errorf("the drop-in payment has %d consent records", n)
	}
	a.unchanged(t, "the replays", before)
}

// 3. Cross-origin posts of every customer page.
func (a *attackSuite) crossOrigin(t *testing.T) {
	const cat = "cross-origin post"
	b := &a.b
	// Valid forms of every page that takes a post.
	o, _, otok := a.newOrder(t, a.keyB, "bxo")
	_, bank := a.pay(t, a.keyB, o, attackVisa, url.Values{"tokenize": {"true"}})
	bankTok := a.formOf(t, bank)
	co, _, _ := a.newOrder(t, a.keyB, "bxo")
	_, consentURL := a.pay(t, a.keyB, co, attackVisa, nil)
	consentTok := a.formOf(t, consentURL)
	wURL := a.widgetURL(otok, a.allowed.URL, "424242", "4242")
	wTok := a.formOf(t, wURL)
	payPage := attackStr(a.orderStatus(t, a.keyB, b.newOrder), "payment_links.web")
	if res := a.do(t, attackReq{method: "GET", path: "/cards/manage?client_auth_token=" + url.QueryEscape(b.victimToken)}); res.status != 200 {
		t.Fatalf("saved-cards screen: %d", res.status)
	}
	before := a.digest(t)

	targets := []struct {
		what string
		u    string
		form url.Values
	}{
		{"consent decision", consentURL, attackConsentForm(consentTok, "accept")},
		{"drop-in decision", wURL, attackConsentForm(wTok, "accept")},
		{"bank OTP (the right one)", bank, url.Values{"form_token": {bankTok}, "otp": {"123456"}, "action": {"verify"}}},
		{"bank cancel", bank, url.Values{"form_token": {bankTok}, "action": {"cancel"}}},
		{"payment page", payPage, url.Values{"card_number": {attackVisa}, "card_exp_month": {"12"}, "card_exp_year": {"2031"},
			"card_security_code": {"123"}, "name_on_card": {"Asha"}}},
		{"saved cards: remove", a.base + "/cards/manage/remove", url.Values{"client_auth_token": {b.victimToken}, "card_reference": {b.cardRef}}},
		{"saved cards: secure", a.base + "/cards/manage/secure", url.Values{"client_auth_token": {b.victimToken}, "card_reference": {b.cardRef}}},
		{"demo checkout", a.base + "/demo/checkout", url.Values{"mode": {"hosted"}}},
		{"demo pay", a.base + "/demo/pay", url.Values{"order_id": {b.newOrder}, "card_number": {attackVisa}}},
		{"demo dialog", a.base + "/demo/dialog", url.Values{"decision": {"accept"}}},
	}
	variants := []struct {
		what string
		hdr  map[string]string
	}{
		{"Sec-Fetch-Site: cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"Sec-Fetch-Site: same-site", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"a foreign Origin", map[string]string{"Origin": a.evil.URL}},
		{"Origin: null", map[string]string{"Origin": "null"}},
		{"a foreign Origin and Sec-Fetch-Site: cross-site", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
	}
	for _, tg := range targets {
		for _, v := range variants {
			res := a.do(t, attackReq{method: "POST", path: tg.u, form: tg.form, hdr: v.hdr})
			a.count(t, cat, tg.what+" with "+v.what, res.code(), res.status == 403, "")
		}
	}
	// A script, not a browser: neither Origin nor Sec-Fetch-Site (which Go's
	// cross-origin protection alone would let through as a non-browser
	// request). A merchant's server cannot post the customer's choice.
	const scripted = "scripted post (no Origin, no Sec-Fetch-Site)"
	for _, tg := range targets {
		res := a.do(t, attackReq{method: "POST", path: tg.u, form: tg.form, hdr: map[string]string{"User-Agent": "Mozilla/5.0 (iPhone)"}})
		a.count(t, scripted, tg.what+" posted by a script with a phone's user agent", res.code(), res.status == 403, "")
	}
	a.unchanged(t, "the cross-origin and scripted posts", before)
	// The same post from the page itself is taken: the refusals above were
	// the origin's.
	if res := a.do(t, attackReq{method: "POST", path: consentURL, form: attackConsentForm(consentTok, "decline"), hdr: attackSameOrigin}); res.status != 303 {
		t.Errorf("the same-origin decision: %d", res.status)
	}
}

// frameAncestorsOf returns the frame-ancestors sources of a policy.
func attackFrameAncestors(csp string) []string {
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 && f[0] == "frame-ancestors" {
			return f[1:]
		}
	}
	return nil
}

// 4. Framing by origins the merchant did not allow.
func (a *attackSuite) framing(t *testing.T) {
	const headers, browser = "framing: policy of framable pages", "framing: foreign page in Chromium"
	b := &a.b
	// Alpha allows no framing; beta allows a.allowed.
	ao, _, aTok := a.newOrder(t, a.keyA, "afr")
	_, aBank := a.pay(t, a.keyA, ao, attackVisa, url.Values{"tokenize": {"false"}})
	a.formOf(t, aBank)
	aDone := a.nextID("afr")
	a.api(t, a.keyA, "POST", "/orders", url.Values{"order_id": {aDone}, "amount": {"10"}})
	_, aDoneBank := a.pay(t, a.keyA, aDone, attackVisa, nil)
	a.otp(t, aDoneBank, a.formOf(t, aDoneBank), "123456")
	bDoneBank := b.bankURL
	alpha := map[string]string{
		"consent page":      a.aObj.consentURL,
		"bank page":         aBank,
		"result page":       aDoneBank,
		"payment page":      attackStr(a.orderStatus(t, a.keyA, a.aObj.order), "payment_links.iframe"),
		"saved-cards page":  a.base + "/cards/manage?client_auth_token=" + url.QueryEscape(a.aObj.customerToken),
		"drop-in dialog":    a.widgetURL(aTok, a.allowed.URL, "424242", "4242"),
		"order API":         a.base + "/orders/" + a.aObj.order,
		"home page":         a.base + "/",
		"unknown path":      a.base + "/no/such/page",
		"bad payment link":  a.base + "/v2/txns/consent/alpha/00000000000000000000000000000000",
		"drop-in (no card)": a.base + "/v2/consent/widget",
	}
	beta := map[string]string{
		"consent page":     b.consentURL,
		"bank page":        bDoneBank,
		"payment page":     attackStr(a.orderStatus(t, a.keyB, b.newOrder), "payment_links.iframe"),
		"saved-cards page": a.base + "/cards/manage?client_auth_token=" + url.QueryEscape(b.victimToken),
		"drop-in dialog":   a.widgetURL(b.orderToken, a.allowed.URL, "424242", "4242"),
	}
	before := a.digest(t)
	for name, u := range alpha {
		res := a.do(t, attackReq{method: "GET", path: u, key: map[bool]string{true: a.keyA}[name == "order API"]})
		fa := attackFrameAncestors(res.header.Get("Content-Security-Policy"))
		ok := slices.Equal(fa, []string{"'none'"}) && res.header.Get("X-Frame-Options") == "DENY"
		a.count(t, headers, "alpha's "+name+" (no frame origins)", res.code(), ok,
			fmt.Sprintf("CSP %q XFO %q", res.header.Get("Content-Security-Policy"), res.header.Get("X-Frame-Options")))
	}
	for name, u := range beta {
		res := a.do(t, attackReq{method: "GET", path: u})
		fa := attackFrameAncestors(res.header.Get("Content-Security-Policy"))
		ok := res.status == 200 && slices.Equal(fa, []string{a.allowed.URL})
		a.count(t, headers, "beta's "+name+" (framable by its origin only)", res.code(), ok,
			fmt.Sprintf("CSP %q", res.header.Get("Content-Security-Policy")))
	}
	// The drop-in's dialog named with a foreign origin: not framable at all.
	res := a.do(t, attackReq{method: "GET", path: a.widgetURL(b.orderToken, a.evil.URL, "424242", "4242")})
	fa := attackFrameAncestors(res.header.Get("Content-Security-Policy"))
	a.count(t, headers, "beta's drop-in dialog for a foreign origin", res.code(),
		res.status == 400 && slices.Equal(fa, []string{"'none'"}) && res.header.Get("X-Frame-Options") == "DENY", "")

	// A page of another origin frames them in Chromium: every frame is
	// refused, while the allowed origin's frame of the same page loads.
	t.Run("browser", func(t *testing.T) {
		ctx := newBrowser(t, false)
		targets := []string{a.aObj.consentURL, aBank, b.consentURL, bDoneBank, beta["payment page"], beta["saved-cards page"], beta["drop-in dialog"]}
		var doc strings.Builder
		doc.WriteString("<!doctype html><title>Evil shop</title>")
		for _, u := range targets {
			fmt.Fprintf(&doc, `<iframe src="%s" width="300" height="200"></iframe>`, u)
		}
		a.mu.Lock()
		a.evilDoc = doc.String()
		a.allowedDoc = fmt.Sprintf(`<!doctype html><title>Shop</title><iframe src="%s" width="300" height="200"></iframe>`, b.consentURL)
		a.mu.Unlock()

		frames := func() []*cdp.Frame {
			var out []*cdp.Frame
			chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
				tree, err := page.GetFrameTree().Do(c)
				if err != nil {
					return err
				}
				for _, child := range tree.ChildFrames {
					out = append(out, child.Frame)
				}
				return nil
			}))
			return out
		}
		settled := func(fs []*cdp.Frame, n int) bool {
			if len(fs) != n {
				return false
			}
			for _, f := range fs {
				if f.URL == "" || f.URL == "about:blank" {
					return false
				}
			}
			return true
		}
		blocked := func(f *cdp.Frame) bool {
			return strings.HasPrefix(f.URL, "chrome-error:") || f.UnreachableURL != ""
		}
		// The control: beta's allowed origin frames beta's consent page.
		if err := chromedp.Run(ctx, chromedp.Navigate(a.allowed.URL)); err != nil {
			t.Fatal(err)
		}
		var control []*cdp.Frame
		waitUntil(t, "the allowed origin's frame", 30*time.Second, func() bool { control = frames(); return settled(control, 1) })
		if blocked(control[0]) {
			t.Fatalf("the allowed origin could not frame the consent page: %+v", control[0])
		}
		if err := chromedp.Run(ctx, chromedp.Navigate(a.evil.URL)); err != nil {
			t.Fatal(err)
		}
		var got []*cdp.Frame
		waitUntil(t, "the foreign page's frames", 30*time.Second, func() bool { got = frames(); return settled(got, len(targets)) })
		for _, f := range got {
			name := f.UnreachableURL
			if name == "" {
				name = f.URL
			}
			a.count(t, browser, "a foreign page framing "+name, "frame refused", blocked(f), f.URL)
		}
	})
	a.unchanged(t, "the framing attempts", before)
}

// 5. Merchant A's key against merchant B's objects on every endpoint.
func (a *attackSuite) crossMerchant(t *testing.T) {
	const cat = "cross-merchant read/write"
	b := &a.b
	// What beta's objects look like to beta, before.
	snapshot := func() []string {
		var parts []string
		for _, p := range []string{"/orders/" + b.paidOrder, "/orders/" + b.newOrder, "/customers/" + b.victim,
			"/cards?customer_id=" + b.victim} {
			m := a.api(t, a.keyB, "GET", p, nil)
			cards, _ := attackGet(m, "cards").([]any)
			for _, c := range cards {
				delete(c.(map[string]any), "card_token") // issued afresh, with its expiry, on every listing
			}
			parts = append(parts, attackJSON(m))
		}
		for _, e := range a.api(t, a.keyB, "GET", "/webhooks/events?limit=500", nil)["events"].([]any) {
			parts = append(parts, attackStr(e.(map[string]any), "id")+" "+attackStr(e.(map[string]any), "event_name"))
		}
		res := a.do(t, attackReq{method: "GET", path: "/tokenization/onboarding/status?submerchantId=hold_beta", key: a.keyB,
			hdr: map[string]string{"x-merchantid": "beta", "version": "2023-11-01"}})
		return append(parts, res.body)
	}
	seen := snapshot()
	before := a.digest(t)

	// An Alt ID request naming beta as the sub-merchant (beta is onboarded
	// for ALT_ID; alpha never onboarded any "beta").
	keys := a.do(t, attackReq{method: "GET", path: "/tokenization/keys"})
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(keys.body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("keys: %s", keys.body)
	}
	jwe, err := cardjwe.Seal(set.Keys[0].Key.(*rsa.PublicKey), set.Keys[0].KeyID,
		[]byte(`{"cardNumber":"`+attackVisa+`","expMonth":"12","expYear":"2031"}`))
	if err != nil {
		t.Fatal(err)
	}

	asAlpha := map[string]string{"x-merchantid": "alpha", "version": "2023-11-01", "x-routing-id": "attack"}
	asBeta := map[string]string{"x-merchantid": "beta", "version": "2023-11-01", "x-routing-id": "attack"}
	card := url.Values{"payment_method_type": {"CARD"}, "card_number": {attackVisa}, "card_exp_month": {"12"}, "card_exp_year": {"2031"},
		"card_security_code": {"123"}, "format": {"json"}}
	plus := func(v url.Values, kv ...string) url.Values {
		g := url.Values{}
		for k, vv := range v {
			g[k] = vv
		}
		for i := 0; i+1 < len(kv); i += 2 {
			g.Set(kv[i], kv[i+1])
		}
		return g
	}
	refusedStatus := func(r attackAnswer) bool {
		return r.status == 400 || r.status == 401 || r.status == 403 || r.status == 404
	}
	type attack struct {
		route string // the endpoint, as the home page lists it
		what  string
		req   attackReq
		ok    func(attackAnswer) bool // refused; refusedStatus when nil
	}
	k := a.keyA
	attacks := []attack{
		{"POST /orders", "an order for beta's customer", attackReq{method: "POST", path: "/orders", key: k,
			form: url.Values{"order_id": {"xo1"}, "amount": {"10"}, "customer_id": {b.victim}}}, nil},
		{"POST /orders", "an order sent as beta (x-merchantid)", attackReq{method: "POST", path: "/orders", key: k,
			form: url.Values{"order_id": {"xo2"}, "amount": {"10"}}, hdr: map[string]string{"x-merchantid": "beta"}}, nil},
		{"GET /orders/{order_id}", "beta's order status", attackReq{method: "GET", path: "/orders/" + b.paidOrder, key: k}, nil},
		{"POST /orders/{order_id}", "beta's order's amount", attackReq{method: "POST", path: "/orders/" + b.newOrder, key: k,
			form: url.Values{"amount": {"1.00"}}}, nil},
		{"POST /orders/{order_id}/refunds", "a refund of beta's order", attackReq{method: "POST", path: "/orders/" + b.paidOrder + "/refunds", key: k,
			form: url.Values{"unique_request_id": {"x1"}, "amount": {"1.00"}}}, nil},
		{"POST /orders/{order_id}/refunds", "beta's refund's unique_request_id", attackReq{method: "POST", path: "/orders/" + b.paidOrder + "/refunds", key: k,
			form: url.Values{"unique_request_id": {"r1"}, "amount": {"10.00"}}}, nil},
		{"POST /customers", "a customer sent as beta (x-merchantid)", attackReq{method: "POST", path: "/customers", key: k,
			form: url.Values{"object_reference_id": {"xc1"}, "mobile_number": {"9876543210"}, "email_address": {"x@example.com"}},
			hdr:  map[string]string{"x-merchantid": "beta"}}, nil},
		{"GET /customers/{customer_id}", "beta's customer by id", attackReq{method: "GET", path: "/customers/" + b.victim, key: k}, nil},
		{"GET /customers/{customer_id}", "beta's customer by object_reference_id", attackReq{method: "GET", path: "/customers/" + b.victimRef, key: k}, nil},
		{"GET /customers/{customer_id}/consents", "beta's customer's consent history", attackReq{method: "GET",
			path: "/customers/" + b.victim + "/consents", key: k}, nil},
		{"GET /customers/{customer_id}/consents", "beta's customer's consent history by object_reference_id", attackReq{method: "GET",
			path: "/customers/" + b.victimRef + "/consents", key: k}, nil},
		{"POST /customers/{customer_id}", "beta's customer's email", attackReq{method: "POST", path: "/customers/" + b.victim, key: k,
			form: url.Values{"email_address": {"attacker@example.com"}}}, nil},
		{"GET /cardbins/{bin}", "beta's eligibility with alpha's key (merchant_id=beta)", attackReq{method: "GET",
			path: "/cardbins/541919?merchant_id=beta&options.check_tokenize_support=true", key: k},
			func(r attackAnswer) bool { return r.status == 200 && attackGet(r.json(), "tokenize_support") == false }},
		{"GET /cardbins/{bin}", "card info as beta (x-merchantid)", attackReq{method: "GET", path: "/cardbins/541919", key: k,
			hdr: map[string]string{"x-merchantid": "beta"}}, nil},
		{"GET /cards", "beta's customer's cards", attackReq{method: "GET", path: "/cards?customer_id=" + b.victim, key: k}, nil},
		{"GET /cards", "beta's customer's cards with alpha's order token", attackReq{method: "GET",
			path: "/cards?customer_id=" + b.victim + "&client_auth_token=" + url.QueryEscape(a.aObj.orderToken)}, nil},
		{"GET /cards", "beta's customer's cards with alpha's customer token", attackReq{method: "GET",
			path: "/cards?customer_id=" + b.victim, hdr: map[string]string{"x-client-auth-token": a.aObj.customerToken}}, nil},
		{"POST /card/delete", "beta's card by card_token", attackReq{method: "POST", path: "/card/delete", key: k,
			form: url.Values{"card_token": {b.cardToken}}}, nil},
		{"POST /card/update", "beta's card's nickname", attackReq{method: "POST", path: "/card/update", key: k,
			form: url.Values{"card_token": {b.cardToken}, "nickname": {"pwned"}}}, nil},
		{"POST /v4/card/delete", "beta's card by card_reference", attackReq{method: "POST", path: "/v4/card/delete", key: k,
			json: `{"card_reference":"` + b.cardRef + `","customer_id":"` + b.victim + `"}`}, nil},
		{"POST /card/tokenize", "tokenizing beta's locker card", attackReq{method: "POST", path: "/card/tokenize", key: k,
			form: url.Values{"card_token": {b.saverCardToken}, "tokenize": {"true"}}}, nil},
		{"POST /card/tokenize", "tokenizing beta's card with alpha's customer token", attackReq{method: "POST", path: "/card/tokenize",
			form: url.Values{"card_token": {b.saverCardToken}}, hdr: map[string]string{"x-client-auth-token": a.aObj.customerToken}}, nil},
		{"POST /txns", "a payment on beta's order", attackReq{method: "POST", path: "/txns", key: k, form: plus(card, "order_id", b.newOrder)}, nil},
		{"POST /txns", "a payment on beta's order with alpha's order token", attackReq{method: "POST", path: "/txns",
			form: plus(card, "order_id", b.newOrder, "client_auth_token", a.aObj.orderToken)}, nil},
		{"POST /txns", "alpha's order paid with beta's saved card", attackReq{method: "POST", path: "/txns", key: k,
			form: url.Values{"order_id": {a.aObj.order}, "payment_method_type": {"CARD"}, "card_token": {b.saverCardToken}, "format": {"json"}}}, nil},
		{"POST /txns", "alpha's order with beta's drop-in consent", attackReq{method: "POST", path: "/txns", key: k,
			form: plus(card, "order_id", a.aObj.order, "tokenize", "true", "consent_id", b.pageConsent)}, nil},
		{"POST /txns", "an order created in the call for beta's customer", attackReq{method: "POST", path: "/txns", key: k,
			form: plus(card, "order.order_id", "xo3", "order.amount", "10", "order.customer_id", b.victim)}, nil},
		// The JWE+JWS routes with the API key, the Session API and the older
		// forms: the same refusals.
		{"POST /v4/orders", "an order for beta's customer", attackReq{method: "POST", path: "/v4/orders", key: k,
			json: `{"order_id":"xo4","amount":"10","customer_id":"` + b.victim + `"}`}, nil},
		{"POST /v4/order-status", "beta's order status", attackReq{method: "POST", path: "/v4/order-status", key: k,
			json: `{"order_id":"` + b.paidOrder + `"}`}, nil},
		{"POST /v4/orders/{order_id}/refunds", "a refund of beta's order", attackReq{method: "POST", path: "/v4/orders/" + b.paidOrder + "/refunds", key: k,
			json: `{"unique_request_id":"x2","amount":"1.00"}`}, nil},
		{"POST /v4/txns", "a payment on beta's order", attackReq{method: "POST", path: "/v4/txns", key: k, form: plus(card, "order_id", b.newOrder)}, nil},
		{"POST /refunds", "a refund of beta's payment by txn_id", attackReq{method: "POST", path: "/refunds", key: k,
			form: url.Values{"txn_id": {"beta-" + b.paidOrder + "-1"}, "unique_request_id": {"x3"}, "amount": {"1.00"}}}, nil},
		{"POST /refunds", "a refund of beta's order by order_id", attackReq{method: "POST", path: "/refunds", key: k,
			form: url.Values{"order_id": {b.paidOrder}, "unique_request_id": {"x4"}, "amount": {"1.00"}}}, nil},
		{"POST /session", "a session for beta's customer", attackReq{method: "POST", path: "/session", key: k,
			json: `{"order_id":"xo5","amount":"10","customer_id":"` + b.victim + `"}`}, nil},
		{"POST /session", "beta's customer's saved-cards screen", attackReq{method: "POST", path: "/session", key: k,
			json: `{"action":"paymentManagement","customer_id":"` + b.victim + `"}`}, nil},
		{"POST /v4/session", "beta's customer's saved-cards screen, by object_reference_id", attackReq{method: "POST", path: "/v4/session", key: k,
			json: `{"action":"paymentManagement","customer_id":"` + b.victimRef + `"}`}, nil},
		{"POST /order/create", "an order for beta's customer", attackReq{method: "POST", path: "/order/create", key: k,
			form: url.Values{"order_id": {"xo6"}, "amount": {"10"}, "customer_id": {b.victim}}}, nil},
		{"GET /order/status", "beta's order status", attackReq{method: "GET", path: "/order/status?order_id=" + b.paidOrder, key: k}, nil},
		{"POST /order/status", "beta's order status", attackReq{method: "POST", path: "/order/status", key: k,
			form: url.Values{"order_id": {b.paidOrder}}}, nil},
		{"POST /order/update", "beta's order's amount", attackReq{method: "POST", path: "/order/update", key: k,
			form: url.Values{"order_id": {b.newOrder}, "amount": {"1.00"}}}, nil},
		{"POST /order/refund", "a refund of beta's order", attackReq{method: "POST", path: "/order/refund", key: k,
			form: url.Values{"order_id": {b.paidOrder}, "unique_request_id": {"x5"}, "amount": {"1.00"}}}, nil},
		{"GET /card/list", "beta's customer's cards", attackReq{method: "GET", path: "/card/list?customer_id=" + b.victim, key: k}, nil},
		{"POST /tokenization/onboarding", "onboarding sent as beta", attackReq{method: "POST", path: "/tokenization/onboarding", key: k,
			json: `{"associateId":"beta","testMode":true,"flow":"COFT","companyDetails":{"legalName":"X","tradeName":"X","websiteURL":"https://x.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`,
			hdr:  asBeta}, nil},
		{"GET /tokenization/onboarding/status", "beta's own onboarding", attackReq{method: "GET",
			path: "/tokenization/onboarding/status?submerchantId=beta", key: k, hdr: asAlpha}, nil},
		{"GET /tokenization/onboarding/status", "beta's sub-merchant's onboarding", attackReq{method: "GET",
			path: "/tokenization/onboarding/status?submerchantId=hold_beta", key: k, hdr: asAlpha}, nil},
		{"GET /tokenization/onboarding/status", "onboarding status sent as beta", attackReq{method: "GET",
			path: "/tokenization/onboarding/status?submerchantId=beta", key: k, hdr: asBeta}, nil},
		{"POST /v4/card/get", "beta's token and a cryptogram", attackReq{method: "POST", path: "/v4/card/get", key: k,
			json: `{"card_reference":"` + b.cardRef + `","customer_id":"` + b.victim + `"}`}, nil},
		{"GET /webhooks/events", "beta's order's events", attackReq{method: "GET", path: "/webhooks/events?order_id=" + b.paidOrder, key: k},
			func(r attackAnswer) bool {
				ev, ok := r.json()["events"].([]any)
				return r.status == 200 && ok && len(ev) == 0
			}},
		{"GET /webhooks/events", "all events", attackReq{method: "GET", path: "/webhooks/events?limit=500", key: k},
			func(r attackAnswer) bool {
				return r.status == 200 && !strings.Contains(r.body, `"beta"`) && !strings.Contains(r.body, b.paidOrder)
			}},
		// The consent ledger: the key decides whose chain; a closed range
		// (to=) signs nothing, so the attempt changes nothing.
		{"GET /consents/export", "beta's consent ledger, asked as beta", attackReq{method: "GET",
			path: "/consents/export?to=2100-01-01T00:00:00Z", key: k, hdr: asBeta}, nil},
		{"GET /consents/export", "beta's consent ledger, named in the query", attackReq{method: "GET",
			path: "/consents/export?to=2100-01-01T00:00:00Z&merchant_id=beta", key: k},
			func(r attackAnswer) bool { return r.status == 200 && !strings.Contains(r.body, `"merchant_id":"beta"`) }},
		{"GET /consents/export", "beta's customer's consent history, by id", attackReq{method: "GET",
			path: "/consents/export?to=2100-01-01T00:00:00Z&customer_id=" + b.victim, key: k}, nil},
		{"GET /consents/export", "beta's customer's consent history, by object_reference_id", attackReq{method: "GET",
			path: "/consents/export?to=2100-01-01T00:00:00Z&customer_id=" + url.QueryEscape(b.victimRef), key: k}, nil},
		// Consent insight: the key decides whose stats.
		{"GET /consents/stats", "beta's consent stats, asked as beta", attackReq{method: "GET", path: "/consents/stats", key: k, hdr: asBeta}, nil},
		{"GET /consents/stats", "beta's consent stats as CSV, asked as beta", attackReq{method: "GET", path: "/consents/stats?format=csv",
			key: k, hdr: asBeta}, nil},
		{"GET /consents/stats", "beta's consent stats, named in the query", attackReq{method: "GET", path: "/consents/stats?merchant_id=beta", key: k},
			func(r attackAnswer) bool {
				return refusedStatus(r) || r.status == 200 && strings.Contains(r.body, `"merchant_id":"alpha"`) && !strings.Contains(r.body, `"beta"`)
			}},
		{"GET /webhooks/events/{id}", "beta's event", attackReq{method: "GET", path: "/webhooks/events/" + b.event, key: k}, nil},
		{"POST /webhooks/events/{id}/redeliver", "redelivering beta's event", attackReq{method: "POST",
			path: "/webhooks/events/" + b.event + "/redeliver", key: k}, nil},
		{"POST /get/altId", "an Alt ID sent as beta", attackReq{method: "POST", path: "/get/altId", key: k,
			json: `{"cardData":"` + jwe + `"}`, hdr: map[string]string{"x-merchantid": "beta"}}, nil},
		{"POST /get/altId", "an Alt ID under beta's onboarding (submerchantId=beta)", attackReq{method: "POST", path: "/get/altId", key: k,
			json: `{"cardData":"` + jwe + `","submerchantId":"beta"}`, hdr: map[string]string{"x-merchantid": "alpha"}}, nil},
		{"POST /sandbox/tokens/{reference}/{action}", "suspending beta's token", attackReq{method: "POST",
			path: "/sandbox/tokens/" + b.tokenRef + "/suspend", key: k}, nil},
		{"POST /sandbox/tokens/{reference}/{action}", "deactivating beta's card's token", attackReq{method: "POST",
			path: "/sandbox/tokens/" + b.cardRef + "/deactivate", key: k}, nil},
		{"POST /sandbox/onboarding", "answering beta's pending onboarding", attackReq{method: "POST", path: "/sandbox/onboarding", key: k,
			form: url.Values{"associate_id": {"hold_beta"}, "flow": {"COFT"}, "status": {"onboarded"}}}, nil},
		// The customer pages, with beta's objects under alpha's path, and
		// alpha's customer token against beta's cards.
		{"page", "beta's consent page under alpha's path", attackReq{method: "GET",
			path: strings.Replace(b.consentURL, "/beta/", "/alpha/", 1)}, nil},
		{"page", "beta's consent decision under alpha's path", attackReq{method: "POST",
			path: strings.Replace(b.consentURL, "/beta/", "/alpha/", 1), form: attackConsentForm(b.consentFormTok, "accept"), hdr: attackSameOrigin}, nil},
		{"page", "beta's consent decision with alpha's form token", attackReq{method: "POST",
			path: b.consentURL, form: attackConsentForm(a.aObj.consentFormTok, "accept"), hdr: attackSameOrigin}, nil},
		{"page", "beta's bank page under alpha's path", attackReq{method: "GET",
			path: strings.Replace(b.bankURL, "/beta/", "/alpha/", 1)}, nil},
		{"page", "beta's bank OTP under alpha's path", attackReq{method: "POST",
			path: strings.Replace(b.bankURL, "/beta/", "/alpha/", 1), form: url.Values{"otp": {"123456"}, "action": {"verify"}}, hdr: attackSameOrigin}, nil},
		{"page", "removing beta's card from alpha's saved-cards screen", attackReq{method: "POST", path: "/cards/manage/remove",
			form: url.Values{"client_auth_token": {a.aObj.customerToken}, "card_reference": {b.cardRef}}, hdr: attackSameOrigin}, nil},
		{"page", "securing beta's card from alpha's saved-cards screen", attackReq{method: "POST", path: "/cards/manage/secure",
			form: url.Values{"client_auth_token": {a.aObj.customerToken}, "card_reference": {b.saverCardRef}}, hdr: attackSameOrigin}, nil},
		{"page", "beta's drop-in dialog with alpha's order token", attackReq{method: "GET",
			path: a.widgetURL(a.aObj.orderToken, a.allowed.URL, "424242", "4242")}, nil},
	}
	covered := map[string]bool{}
	for _, at := range attacks {
		res := a.do(t, at.req)
		ok := at.ok
		if ok == nil {
			ok = refusedStatus
		}
		refused := ok(res)
		// Never beta's data: none of its identifiers, unless the request
		// itself carried it.
		sent := at.req.path + at.req.form.Encode() + at.req.json
		for name, id := range a.ids {
			if strings.Contains(res.body, id) && !strings.Contains(sent, id) {
				refused = false
				t.Errorf("%s: the answer holds beta's %s", at.what, name)
			}
		}
		a.count(t, cat, at.route+": "+at.what, res.code(), refused, res.body[:min(300, len(res.body))])
		covered[at.route] = true
	}
	// Every endpoint of the API, as the running server lists it.
	for _, ep := range a.endpoints(t) {
		if !covered[ep] {
			t.Errorf("no cross-merchant attack on %s", ep)
		}
	}
	a.unchanged(t, "the cross-merchant attempts", before)
	now := snapshot()
	for i := range max(len(now), len(seen)) {
		if i >= len(now) || i >= len(seen) || now[i] != seen[i] {
			t.Errorf("beta's objects changed:\nbefore %v\nafter  %v", seen[min(i, len(seen)-1)], now[min(i, len(now)-1)])
		}
	}
	if st := a.orderStatus(t, a.keyB, b.paidOrder); attackStr(st, "card.token.tokenization_status") != "ACTIVE" {
		t.Errorf("beta's token: %v", attackGet(st, "card.token"))
	}
}

// jsonStable renders v with sorted keys.
func attackJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var attackEndpointRow = regexp.MustCompile(`<tr><td><code>([A-Z]+)</code></td><td><code>([^<]+)</code></td>`)

// endpoints lists the merchant API as the home page of the running server
// shows it (httpapi's apiRoutes).
func (a *attackSuite) endpoints(t *testing.T) []string {
	t.Helper()
	res := a.do(t, attackReq{method: "GET", path: "/"})
	var out []string
	for _, m := range attackEndpointRow.FindAllStringSubmatch(res.body, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	if len(out) < 20 {
		t.Fatalf("the home page lists %d endpoints", len(out))
	}
	return out
}

// 6. OTP brute force.
func (a *attackSuite) otpBruteForce(t *testing.T) {
	const cat = "OTP brute force"
	charged := func(id string) bool { return attackStr(a.orderStatus(t, a.keyB, id), "status") == "CHARGED" }
	// One after the other: three wrong ones end the payment.
	o, cst, _ := a.newOrder(t, a.keyB, "botp")
	_, bank := a.pay(t, a.keyB, o, attackVisa, url.Values{"tokenize": {"true"}})
	tok := a.formOf(t, bank)
	for i, otp := range []string{"000000", "111111", "654321", "123455", "999999", "12345", "1234567", "", "123456 ", "' OR 1=1 --"} {
		res := a.otp(t, bank, tok, otp)
		what := fmt.Sprintf("wrong OTP %d", i+1)
		a.count(t, cat, what, res.code(), res.status/100 != 5 && !charged(o), "")
	}
	res := a.otp(t, bank, tok, "123456")
	st := a.orderStatus(t, a.keyB, o)
	a.count(t, cat, "the right OTP after three wrong ones", res.code(),
		attackStr(st, "status") == "AUTHENTICATION_FAILED" && attackGet(st, "card.token") == nil, attackStr(st, "status"))
	if cards, _ := a.api(t, a.keyB, "GET", "/cards?customer_id="+cst, nil)["cards"].([]any); len(cards) != 0 {
		t.Errorf("a card was saved after the brute force: %v", cards)
	}

	// At once: 30 wrong OTPs in parallel, then the right one.
	o2, _, _ := a.newOrder(t, a.keyB, "botp")
	_, bank2 := a.pay(t, a.keyB, o2, attackVisa, url.Values{"tokenize": {"false"}})
	tok2 := a.formOf(t, bank2)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := a.otp(t, bank2, tok2, fmt.Sprintf("%06d", 200000+i))
			a.count(t, cat, "a parallel wrong OTP", res.code(), res.status/100 != 5, "")
		}()
	}
	wg.Wait()
	res = a.otp(t, bank2, tok2, "123456")
	a.count(t, cat, "the right OTP after 30 parallel wrong ones", res.code(), !charged(o2), "")
	if st := attackStr(a.orderStatus(t, a.keyB, o2), "status"); st != "AUTHENTICATION_FAILED" {
		t.Errorf("after the parallel brute force the order is %s", st)
	}
	// The failed payments produced one failure event each, no charge.
	for _, id := range []string{o, o2} {
		ev := a.api(t, a.keyB, "GET", "/webhooks/events?order_id="+id, nil)
		names := []string{}
		for _, e := range ev["events"].([]any) {
			names = append(names, attackStr(e.(map[string]any), "event_name"))
		}
		sort.Strings(names)
		if slices.Contains(names, "TXN_CHARGED") || len(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n != "TXN_FAILED" })) != 1 {
			t.Errorf("order %s's events: %v", id, names)
		}
	}
	// A replayed right OTP after a charge charges nothing more.
	o3, _, _ := a.newOrder(t, a.keyB, "botp")
	_, bank3 := a.pay(t, a.keyB, o3, attackVisa, url.Values{"tokenize": {"false"}})
	tok3 := a.formOf(t, bank3)
	a.otp(t, bank3, tok3, "123456")
	if !charged(o3) {
		t.Fatalf("order %s not charged", o3)
	}
	before := a.digest(t)
	for range 3 {
		res := a.otp(t, bank3, tok3, "123456")
		a.count(t, cat, "the right OTP replayed after the charge", res.code(), res.status/100 != 5, "")
	}
	a.unchanged(t, "the replayed OTPs", before)
}

// 7. Oversized bodies and headers.
func (a *attackSuite) oversized(t *testing.T) {
	const bodies, headers = "oversized body (> 64 KiB)", "oversized headers (> 16 KiB)"
	b := &a.b
	before := a.digest(t)
	pad := strings.Repeat("A", 70<<10)
	camel := map[string]string{"x-merchantid": "beta", "version": "2023-11-01", "x-routing-id": "attack"}
	fill := strings.NewReplacer("{order_id}", b.paidOrder, "{customer_id}", b.victim, "{id}", b.event,
		"{reference}", b.tokenRef, "{action}", "suspend", "{bin}", "424242")
	var posts []string
	for _, ep := range a.endpoints(t) {
		if strings.HasPrefix(ep, "POST ") {
			posts = append(posts, ep)
		}
	}
	for _, ep := range posts {
		path := fill.Replace(strings.TrimPrefix(ep, "POST "))
		// The classic APIs under JWE+JWS (/v4/txns, /v4/order-status, …)
		// keep the classic error shape.
		isCamel := strings.HasPrefix(path, "/tokenization/") || strings.HasPrefix(path, "/v4/card/") || path == "/get/altId"
		for _, chunked := range []bool{false, true} {
			q := attackReq{method: "POST", path: path, key: a.keyB, chunked: chunked}
			if isCamel {
				q.json, q.hdr = `{"pad":"`+pad+`"}`, camel
			} else {
				q.form = url.Values{"pad": {pad}}
			}
			res := a.do(t, q)
			m := res.json()
			shape := attackStr(m, "error_code") != "" && attackStr(m, "error_info.request_id") != ""
			if isCamel {
				shape = attackStr(m, "errorCode") == "INVALID_REQUEST"
			}
			what := ep + map[bool]string{true: " (chunked)"}[chunked]
			a.count(t, bodies, what, res.code(), res.status == 413 && shape, res.body[:min(200, len(res.body))])
		}
	}
	// The customer pages' posts.
	wURL := a.widgetURL(b.orderToken, a.allowed.URL, "424242", "4242")
	for _, u := range []string{b.consentURL, b.bankURL, wURL, attackStr(a.orderStatus(t, a.keyB, b.newOrder), "payment_links.web"),
		a.base + "/cards/manage/secure", a.base + "/cards/manage/remove", a.base + "/demo/checkout", a.base + "/demo/pay", a.base + "/demo/dialog"} {
		for _, chunked := range []bool{false, true} {
			res := a.do(t, attackReq{method: "POST", path: u, form: url.Values{"decision": {"accept"}, "pad": {pad}}, hdr: attackSameOrigin, chunked: chunked})
			what := strings.TrimPrefix(u, a.base) + map[bool]string{true: " (chunked)"}[chunked]
			a.count(t, bodies, "page "+what, res.code(), res.status == 413, res.body[:min(200, len(res.body))])
		}
	}

	// Headers past the limit, on the API, a page and a static file.
	for _, path := range []string{"/orders/" + b.paidOrder, strings.TrimPrefix(b.consentURL, a.base), "/static/coft.js"} {
		for _, h := range []struct {
			what, headers string
		}{
			{"one 24 KiB header", "X-Pad: " + strings.Repeat("a", 24<<10) + "\r\n"},
			{"one 64 KiB header", "X-Pad: " + strings.Repeat("a", 64<<10) + "\r\n"},
			{"2,000 small headers", strings.Repeat("X-Pad: aaaaaaaa\r\n", 2000)},
			{"a 24 KiB cookie", "Cookie: coft_session=" + strings.Repeat("a", 24<<10) + "\r\n"},
		} {
			status := a.rawRequest(t, "GET "+path+" HTTP/1.1\r\nHost: "+strings.TrimPrefix(a.base, "http://")+"\r\n"+
				"Authorization: Basic "+attackBasic(a.keyB, "")+"\r\n"+h.headers+"\r\n")
			a.count(t, headers, h.what+" on "+path, status, status == "431", "")
		}
	}
	a.unchanged(t, "the oversized requests", before)
}

// attackBasic is the credentials of HTTP Basic for user and password.
func attackBasic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// rawRequest writes a request on a new connection and returns the answer's
// status code ("closed" if the server hung up without one).
func (a *attackSuite) rawRequest(t *testing.T, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(a.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go io.WriteString(c, req) // the server may answer before reading it all
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "closed"
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return "closed"
	}
	return f[1]
}

// 8. Slow clients.
func (a *attackSuite) slowClients(t *testing.T) {
	const loris, slowBody, idle = "slow headers (slowloris)", "slow body", "idle keep-alive connection"
	b := &a.b
	host := strings.TrimPrefix(a.base, "http://")
	before := a.digest(t)

	type slow struct {
		category, what string
		head           string        // sent at once
		drip           string        // then a piece of this at a time, until the server hangs up
		every          time.Duration // between pieces
		min            time.Duration // the server must have waited at least this long
	}
	body := url.Values{"order_id": {"slowbody"}, "amount": {"10.00"}, "pad": {strings.Repeat("a", 400)}}.Encode()
	cbody := attackConsentForm(b.consentFormTok, "decline").Encode() + "&pad=" + strings.Repeat("a", 400)
	auth := "Authorization: Basic " + attackBasic(a.keyB, "") + "\r\n"
	var clients []slow
	for i := range 40 {
		clients = append(clients, slow{loris, "headers a line at a time", "GET /orders/" + b.paidOrder + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth,
			fmt.Sprintf("X-Slow-%d: a\r\n", i), 200 * time.Millisecond, attackReadHeaderTimeout * 9 / 10})
	}
	for range 10 {
		clients = append(clients, slow{loris, "a header value a byte at a time", "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nX-Long: ",
			"a", 150 * time.Millisecond, attackReadHeaderTimeout * 9 / 10})
	}
	for range 8 {
		clients = append(clients, slow{slowBody, "an order's body a byte at a time", "POST /orders HTTP/1.1\r\nHost: " + host + "\r\n" + auth +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n", body,
			100 * time.Millisecond, attackReadTimeout * 9 / 10})
	}
	for range 2 {
		clients = append(clients, slow{slowBody, "a consent decision's body a byte at a time", "POST " + strings.TrimPrefix(b.consentURL, a.base) +
			" HTTP/1.1\r\nHost: " + host + "\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
			strconv.Itoa(len(cbody)) + "\r\n\r\n", cbody, 100 * time.Millisecond, attackReadTimeout * 9 / 10})
	}
	// Idle: one complete request, then nothing on a kept-alive connection.
	for range 10 {
		clients = append(clients, slow{idle, "a connection kept open after one request", "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n", "", 0,
			attackIdleTimeout * 9 / 10})
	}

	type result struct {
		held     time.Duration
		closed   bool
		closedAt time.Time
		status   string
	}
	results := make([]result, len(clients))
	opened := make(chan struct{}, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Error(err)
				opened <- struct{}{}
				return
			}
			defer conn.Close()
			start := time.Now()
			io.WriteString(conn, c.head)
			opened <- struct{}{}
			stop := make(chan struct{})
			defer close(stop)
			if c.drip != "" {
				go func() { // the attack's own pace
					tick := time.NewTicker(c.every)
					defer tick.Stop()
					for i := 0; ; i = (i + 1) % len(c.drip) {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						if _, err := conn.Write([]byte{c.drip[i]}); err != nil {
							return
						}
					}
				}()
			}
			// Wait for the server to hang up: a read ending in EOF or a
			// reset, within a generous deadline.
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(conn)
			status := "closed"
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					var ne net.Error
					timeout := errors.As(err, &ne) && ne.Timeout()
					results[i] = result{time.Since(start), !timeout, time.Now(), status}
					return
				}
				if strings.HasPrefix(line, "HTTP/1.1 ") && c.category != idle {
					status = strings.Fields(line)[1]
				}
			}
		}()
	}
	for range clients {
		<-opened
	}
	// Meanwhile, the service serves everyone else.
	served, slowest := 0, time.Duration(0)
	for _, p := range []string{"/healthz", "/orders/" + b.paidOrder, "/cards?customer_id=" + b.victim} {
		start := time.Now()
		res := a.do(t, attackReq{method: "GET", path: p, key: a.keyB})
		if res.status == 200 {
			served++
		}
		slowest = max(slowest, time.Since(start))
	}
	servedAt := time.Now()
	wg.Wait()
	holding := 0
	for _, r := range results {
		if r.closedAt.After(servedAt) {
			holding++
		}
	}
	if served != 3 || holding == 0 {
		t.Errorf("%d of 3 normal requests served while %d slow clients held connections", served, holding)
	}
	a.note("while %d of %d slow clients held connections, %d of 3 normal requests were served (slowest %s)",
		holding, len(clients), served, slowest.Round(time.Millisecond))
	var longest = map[string]time.Duration{}
	for i, c := range clients {
		r := results[i]
		ok := r.closed && r.held >= c.min && (r.status == "closed" || r.status[0] != '2')
		a.count(t, c.category, c.what, r.status, ok, fmt.Sprintf("held %s, closed %v", r.held, r.closed))
		longest[c.category] = max(longest[c.category], r.held)
	}
	a.note("slow clients cut off after at most: headers %s (READ_HEADER_TIMEOUT=%s), body %s (READ_TIMEOUT=%s), idle %s (IDLE_TIMEOUT=%s)",
		longest[loris].Round(10*time.Millisecond), attackReadHeaderTimeout, longest[slowBody].Round(10*time.Millisecond), attackReadTimeout,
		longest[idle].Round(10*time.Millisecond), attackIdleTimeout)
	if res := a.do(t, attackReq{method: "GET", path: "/orders/slowbody", key: a.keyB}); res.status != 404 {
		t.Errorf("the slow body's order exists: %d", res.status)
	}
	a.unchanged(t, "the slow clients", before)
}

// 9. Missing or wrong credentials, and card data in error answers.
func (a *attackSuite) credentials(t *testing.T) {
	const creds, echo = "missing or wrong credentials", "card data echoed in error answers"
	b := &a.b
	o := a.nextID("becho")
	a.api(t, a.keyB, "POST", "/orders", url.Values{"order_id": {o}, "amount": {"10"}})
	before := a.digest(t)
	fill := strings.NewReplacer("{order_id}", b.paidOrder, "{customer_id}", b.victim, "{id}", b.event,
		"{reference}", b.tokenRef, "{action}", "suspend", "{bin}", "424242")
	clientAllowed := map[string]bool{"GET /cards": true, "GET /card/list": true, "POST /card/tokenize": true, "POST /txns": true, "GET /cardbins/{bin}": true}
	for _, ep := range a.endpoints(t) {
		method, path, _ := strings.Cut(ep, " ")
		path = fill.Replace(path)
		attempts := []struct {
			what string
			hdr  map[string]string
		}{
			{"no credentials", nil},
			{"an unknown key", map[string]string{"Authorization": "Basic " + attackBasic("0123456789ABCDEF0123456789ABCDEF", "")}},
			{"the key as the password", map[string]string{"Authorization": "Basic " + attackBasic("", a.keyB)}},
			{"the key as a Bearer token", map[string]string{"Authorization": "Bearer " + a.keyB}},
			{"an empty Basic", map[string]string{"Authorization": "Basic "}},
			{"a made-up client_auth_token", map[string]string{"x-client-auth-token": "tkn_forged"}},
		}
		if !clientAllowed[ep] {
			attempts = append(attempts, struct {
				what string
				hdr  map[string]string
			}{"an order's client_auth_token", map[string]string{"x-client-auth-token": b.orderToken}},
				struct {
					what string
					hdr  map[string]string
				}{"a customer's client_auth_token", map[string]string{"x-client-auth-token": b.victimToken}})
		}
		for _, at := range attempts {
			q := attackReq{method: method, path: path, hdr: at.hdr}
			if method == "POST" {
				q.form = url.Values{"order_id": {"cred1"}, "amount": {"1"}}
			}
			res := a.do(t, q)
			// (GET /cardbins/{bin} is public only with a merchant_id.)
			a.count(t, creds, ep+" with "+at.what, res.code(), res.status == 401, res.body[:min(200, len(res.body))])
		}
	}

	// Bad payments with a card number in them: the answer never repeats it.
	card := func(kv ...string) url.Values {
		v := url.Values{"order_id": {o}, "payment_method_type": {"CARD"}, "card_number": {attackVisa}, "card_exp_month": {"12"},
			"card_exp_year": {"2031"}, "card_security_code": {"739"}, "format": {"json"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	spaced := "4242 4242 4242 4242"
	for _, c := range []struct {
		what string
		req  attackReq
	}{
		{"a bad month", attackReq{form: card("card_exp_month", "13")}},
		{"an expired card", attackReq{form: card("card_exp_year", "2020")}},
		{"a bad security code", attackReq{form: card("card_security_code", "7390")}},
		{"a number failing Luhn", attackReq{form: card("card_number", "4242424242424241")}},
		{"a number with spaces and a bad year", attackReq{form: card("card_number", spaced, "card_exp_year", "31x")}},
		{"the number in an unknown field", attackReq{form: card("cardnumber", attackVisa)}},
		{"the number as a field name", attackReq{form: card(attackVisa, "1")}},
		{"the number as the name on the card, too long", attackReq{form: card("name_on_card", strings.Repeat(attackVisa, 7))}},
		{"the number in payment_method", attackReq{form: card("payment_method", attackVisa)}},
		{"the number as the order", attackReq{form: card("order_id", attackVisa)}},
		{"the number as tokenize", attackReq{form: card("tokenize", attackVisa)}},
		{"the number and card_token", attackReq{form: card("card_token", "tkn_"+attackVisa)}},
		{"the number in broken JSON", attackReq{json: `{"order_id":"` + o + `","card_number":"` + attackVisa + `",`}},
		{"the number as a JSON array", attackReq{json: `{"order_id":"` + o + `","card_number":["` + attackVisa + `"]}`}},
		{"the number in the query string", attackReq{form: card("card_exp_month", "13"), path: "/txns?card_number=" + attackVisa}},
		{"the number with an unknown order", attackReq{form: card("order_id", "nosuchorder")}},
		{"the number with no key", attackReq{form: card("card_exp_month", "13")}},
		{"the number with an unsupported content type", attackReq{raw: "card_number=" + attackVisa, ctype: "text/plain"}},
		{"the number in an oversized body", attackReq{form: card("pad", strings.Repeat("a", 70<<10))}},
		{"the number as a BIN", attackReq{method: "GET", path: "/cardbins/" + attackVisa}},
		{"the number as an order id in the path", attackReq{method: "GET", path: "/orders/" + attackVisa}},
		{"the number as a customer id in the path", attackReq{method: "GET", path: "/customers/" + attackVisa}},
	} {
		q := c.req
		if q.method == "" {
			q.method = "POST"
		}
		if q.path == "" {
			q.path = "/txns"
		}
		if c.what != "the number with no key" {
			q.key = a.keyB
		}
		res := a.do(t, q) // do fails the test on card data in any answer
		hits := a.scan.Hits([]byte(res.body + fmt.Sprint(res.header)))
		a.count(t, echo, c.what, res.code(), res.status/100 == 4 && hits == nil, fmt.Sprint(hits))
	}
	// The payment page shows a mistake again without the number.
	payPage := attackStr(a.orderStatus(t, a.keyB, b.newOrder), "payment_links.web")
	for _, f := range []url.Values{
		{"card_number": {attackVisa}, "card_exp_month": {"13"}, "card_exp_year": {"2031"}, "card_security_code": {"739"}},
		{"card_number": {attackVisa}, "card_exp_month": {"12"}, "card_exp_year": {"2020"}, "card_security_code": {"739"}},
		{"card_number": {"4242424242424241"}, "card_exp_month": {"12"}, "card_exp_year": {"2031"}, "card_security_code": {"739"}},
	} {
		res := a.do(t, attackReq{method: "POST", path: payPage, form: f, hdr: attackSameOrigin})
		hits := a.scan.Hits([]byte(res.body))
		a.count(t, echo, "the payment page with a mistake", res.code(), res.status == 400 && hits == nil, fmt.Sprint(hits))
	}
	a.unchanged(t, "the credential and card-data attempts", before)
}

// finalChecks: every category ran, nothing was let through, and the
// server's log holds no card number.
func (a *attackSuite) finalChecks(t *testing.T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.rows {
		if r.attempts == 0 || r.refused != r.attempts {
			t.Errorf("%s: %d of %d attempts refused", r.name, r.refused, r.attempts)
		}
	}
	if len(a.rows) < 22 {
		t.Errorf("only %d categories ran", len(a.rows))
	}
	a.p.mu.Lock()
	logs := a.p.logs.String()
	a.p.mu.Unlock()
	// No attack made the service fail: no 5xx answer, no error logged.
	failures := 0
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"status":5`) || strings.Contains(l, `"level":"ERROR"`) {
			failures++
			t.Errorf("the server failed: %s", l)
		}
	}
	requests := strings.Count(logs, `"msg":"request"`)
	if requests < 500 {
		t.Errorf("the server logged %d requests", requests)
	}
	a.notes = append(a.notes, fmt.Sprintf("%d requests in the server's log, %d answered 5xx or logged an error", requests, failures))
	if hits := a.scan.Hits([]byte(logs)); hits != nil {
		t.Errorf("the server log holds card data: %v", hits)
	}
}

// jget reads a dotted path (with list indexes) in decoded JSON.
func attackGet(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
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

func attackStr(m map[string]any, path string) string {
	s, _ := attackGet(m, path).(string)
	return s
}

// openRedirect: a return URL sends the customer's browser, from the
// payment origin and with a result the merchant's key signed, wherever it
// points. Only the merchant's server may set one, and only on its own
// registered origins.
func (a *attackSuite) openRedirect(t *testing.T) {
	const cat = "open redirect (return_url)"
	before := a.digest(t)
	card := url.Values{"payment_method_type": {"CARD"}, "card_number": {attackVisa}, "card_exp_month": {"12"},
		"card_exp_year": {"2031"}, "card_security_code": {"123"}, "format": {"json"}}
	for _, evil := range []string{"https://evil.example/phish", "https://shop.example.evil.example/", "//evil.example/x",
		"javascript:alert(1)", "https://user@evil.example/"} {
		order := url.Values{"order_id": {a.nextID("redir")}, "amount": {"1.00"}, "return_url": {evil}}
		res := a.do(t, attackReq{method: "POST", path: "/orders", key: a.keyA, form: order})
		a.count(t, cat, "order with return_url "+evil, res.code(), res.status == 400, res.body)
		res = a.do(t, attackReq{method: "POST", path: "/session", key: a.keyA, form: order})
		a.count(t, cat, "session with return_url "+evil, res.code(), res.status == 400, res.body)
		txn := url.Values{"order.order_id": {a.nextID("redir")}, "order.amount": {"1.00"}, "order.return_url": {evil}}
		for k, v := range card {
			txn[k] = v
		}
		res = a.do(t, attackReq{method: "POST", path: "/txns", key: a.keyA, form: txn})
		a.count(t, cat, "/txns creating an order with return_url "+evil, res.code(), res.status == 400, res.body)
		res = a.do(t, attackReq{method: "POST", path: "/card/tokenize", key: a.keyA, form: url.Values{"card_token": {"x"}, "return_url": {evil}}})
		a.count(t, cat, "/card/tokenize with return_url "+evil, res.code(), res.status == 400, res.body)
	}
	// A customer's browser token (the saved-cards screen's) may not name
	// one at all, even on the merchant's origin.
	res := a.do(t, attackReq{method: "POST", path: "/card/tokenize", form: url.Values{"card_token": {"x"},
		"return_url": {"https://evil.example/"}}, hdr: map[string]string{"x-client-auth-token": a.aObj.customerToken}})
	a.count(t, cat, "/card/tokenize with a customer's browser token", res.code(), res.status == 403, res.body)
	a.unchanged(t, "the refused return URLs", before)
}

// atRest: what a reader of the data directory finds, with the service
// running. Every file is its user's only (0600; directories 0700), and no
// merchant's response key or webhook password is in any of them in the
// clear (they are sealed with the locker's key).
func (a *attackSuite) atRest(t *testing.T) {
	const cat = "secrets and files at rest"
	const password = "attack-webhook-password-7"
	if out, err := run(a.env, "merchants", "update", "-id", "alpha", "-webhook-username", "shop", "-webhook-password", password); err != nil {
		t.Fatalf("merchants update: %v\n%s", err, out)
	}
	out, err := run(a.env, "merchants", "list")
	if err != nil {
		t.Fatalf("merchants list: %v\n%s", err, out)
	}
	var ms []struct {
		ID          string `json:"merchant_id"`
		ResponseKey string `json:"response_key"`
	}
	if err := json.Unmarshal(out, &ms); err != nil || len(ms) < 2 {
		t.Fatalf("merchants list: %v %s", err, out)
	}
	secrets := map[string]string{"alpha's webhook password": password}
	for _, m := range ms {
		secrets[m.ID+"'s response key"] = m.ResponseKey
	}
	var files [][]byte
	filepath.WalkDir(a.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return nil // a file SQLite removed meanwhile
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else if b, err := os.ReadFile(path); err == nil {
			files = append(files, b)
		}
		rel, _ := filepath.Rel(a.dataDir, path)
		a.count(t, cat, "mode of "+rel, fmt.Sprintf("%o", fi.Mode().Perm()), fi.Mode().Perm() == want, "")
		return nil
	})
	for what, secret := range secrets {
		found := false
		for _, b := range files {
			found = found || bytes.Contains(b, []byte(secret))
		}
		a.count(t, cat, what+" in the data directory", "sealed", secret != "" && !found, "")
	}
}
