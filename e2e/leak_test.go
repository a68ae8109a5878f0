package e2e

import (
	"context"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/coftkit/coft/cardjwe"
	"github.com/coftkit/coft/cardscan"
)

// leakPANs are the card numbers the leak scan pays with; leakCVV is their
// security code, distinctive enough to search for.
var leakPANs = []string{"4242424242424242", "5419190000000003", "4242420000000109", "4111111111111111"}

const leakCVV = "739"

// TestNoCardDataAnywhere pays with several cards every way the service
// knows — hosted consent, tokenize=true, a refused token, save_to_locker,
// card/get, an Alt ID — with webhooks on and logs at debug, then scans
// everything the service wrote or sent: its data directory (database,
// write-ahead log, keys), its logs, every webhook body, every page and API
// answer. No card number, no 12-digit run of one, and no CVV may appear.
func TestNoCardDataAnywhere(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { leakScan(t, "") })
	t.Run("postgres", func(t *testing.T) {
		dbURL := postgresURL(t)
		leakScan(t, dbURL)
	})
}

// leakScan runs the scan on SQLite (dbURL "") or in a fresh schema of the
// PostgreSQL database dbURL, whose every row is then dumped and scanned.
func leakScan(t *testing.T, dbURL string) {
	var schema, serviceDB string
	var admin *sql.DB
	if dbURL != "" {
		schema, serviceDB, admin = postgresSchema(t, dbURL, "leak")
	}
	var mu sync.Mutex
	var sent [][]byte // everything the service answered or sent
	keep := func(b []byte) { mu.Lock(); sent = append(sent, append([]byte(nil), b...)); mu.Unlock() }
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		keep(b)
	}))
	t.Cleanup(hooks.Close)
	dataDir := t.TempDir()
	env := append(os.Environ(), "DATA_DIR="+dataDir, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=debug",
		"WEBHOOK_RETRY_FIRST=100ms")
	if serviceDB != "" {
		env = append(env, "DATABASE_URL="+serviceDB)
	}
	key := createMerchant(t, env, "shop", hooks.URL+"/hooks")
	p := startProc(t, env)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u, contentType, body string, hdr map[string]string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if strings.HasPrefix(u, p.base) && !strings.Contains(u, "/v2/") {
			req.SetBasicAuth(key, "")
		}
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		keep(b)
		keep([]byte(fmt.Sprint(res.Header)))
		return res.StatusCode, res.Header.Get("Location"), string(b)
	}
	form := func(path string, v url.Values) map[string]any {
		t.Helper()
		status, _, body := do("POST", p.base+path, "application/x-www-form-urlencoded", v.Encode(), nil)
		var m map[string]any
		if status != 200 || json.Unmarshal([]byte(body), &m) != nil {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		return m
	}
	tokenHeaders := map[string]string{"x-merchantid": "shop", "version": "2023-11-01", "x-routing-id": "leak"}
	for _, flow := range []string{"COFT", "ALT_ID"} {
		body := `{"associateId":"shop","testMode":true,"flow":"` + flow + `","companyDetails":{"legalName":"Shop Ltd","tradeName":"Shop",` +
			`"websiteURL":"https://shop.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`
		if status, _, b := do("POST", p.base+"/tokenization/onboarding", "application/json", body, tokenHeaders); status != 200 {
			t.Fatalf("onboarding: %d %s", status, b)
		}
	}
	cst := form("/customers", url.Values{"object_reference_id": {"leak"}, "mobile_number": {"9876543210"}, "email_address": {"l@example.com"}})
	page := func(u string, v url.Values) string { // GET a page, POST its form; the next URL
		t.Helper()
		_, _, body := do("GET", u, "", "", nil)
		tok := formTokenOf(body)
		if tok == "" {
			t.Fatalf("no form at %s: %s", u, body)
		}
		v.Set("form_token", tok)
		_, loc, _ := do("POST", u, "application/x-www-form-urlencoded", v.Encode(), nil)
		return loc
	}
	for i, pan := range leakPANs[:3] {
		id := fmt.Sprintf("leak%d", i)
		form("/orders", url.Values{"order_id": {id}, "amount": {"10"}, "customer_id": {cst["id"].(string)}})
		v := url.Values{"order_id": {id}, "payment_method_type": {"CARD"}, "card_number": {pan}, "card_exp_month": {"12"},
			"card_exp_year": {"31"}, "card_security_code": {leakCVV}, "name_on_card": {"Asha Rao"}, "format": {"json"}}
		switch i {
		case 0:
			v.Set("save_to_locker", "true") // and the hosted consent asks
		default:
			v.Set("tokenize", "true")
		}
		txn := form("/txns", v)
		next := txn["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
		if strings.Contains(next, "/consent/") {
			next = page(next, url.Values{"decision": {"accept"}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}})
		}
		page(next, url.Values{"otp": {"123456"}, "action": {"verify"}})
		do("GET", p.base+"/orders/"+id, "", "", nil)
	}
	cards := form("/customers/"+cst["id"].(string), url.Values{"options.get_client_auth_token": {"true"}})
	_ = cards
	status, _, list := do("GET", p.base+"/cards?customer_id="+cst["id"].(string), "", "", nil)
	var lc struct {
		Cards []struct {
			CardReference string `json:"card_reference"`
		} `json:"cards"`
	}
	if status != 200 || json.Unmarshal([]byte(list), &lc) != nil || len(lc.Cards) == 0 {
		t.Fatalf("cards: %d %s", status, list)
	}
	for _, c := range lc.Cards {
		do("POST", p.base+"/v4/card/get", "application/json", `{"card_reference":"`+c.CardReference+`","customer_id":"`+cst["id"].(string)+`"}`, nil)
	}
	// An Alt ID for a guest's card.
	_, _, jwks := do("GET", p.base+"/tokenization/keys", "", "", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(jwks), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("keys: %s", jwks)
	}
	jwe, err := cardjwe.Seal(set.Keys[0].Key.(*rsa.PublicKey), set.Keys[0].KeyID,
		[]byte(`{"cardNumber":"`+leakPANs[3]+`","expMonth":"12","expYear":"2031","cardSecurityCode":"`+leakCVV+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, b := do("POST", p.base+"/get/altId", "application/json", `{"cardData":"`+jwe+`"}`,
		map[string]string{"x-merchantid": "shop"}); status != 200 && status != 400 {
		t.Fatalf("altId: %d %s", status, b)
	}

	// Card numbers where none belongs, their digits apart: in paths,
	// queries, bodies, field names and headers. The service refuses them
	// all, and its log (at debug) must not keep them either.
	for _, sep := range []string{" ", "-", "%20", "+", " - "} {
		pan := strings.Join([]string{leakPANs[0][:4], leakPANs[0][4:8], leakPANs[0][8:12], leakPANs[0][12:]}, sep)
		plain := strings.ReplaceAll(pan, "%20", " ")
		for _, path := range []string{"/cardbins/" + pan, "/orders/" + pan, "/customers/" + pan, "/orders/" + pan + "/payment-page",
			"/v2/txns/consent/shop/" + pan, "/cardbins/424242?merchant_id=shop&submerchant_id=" + pan, "/nowhere/" + pan,
			"/cards?customer_id=" + pan} {
			do("GET", p.base+path, "", "", map[string]string{"X-Request-Id": leakPANs[1]})
		}
		for _, post := range []struct{ path, ctype, body string }{
			{"/txns", "application/x-www-form-urlencoded", url.Values{"order_id": {plain}, "card_number": {plain},
				"card_exp_month": {"12"}, "card_exp_year": {"2031"}, "card_security_code": {leakCVV}, plain: {"1"}}.Encode()},
			{"/txns", "application/json", `{"order_id":"leak0","card_number":"` + plain + `","card_exp_month":"13"}`},
			{"/orders", "application/json", `{"order_id":"leakx","amount":"-1","udf1":"` + plain + `"}`},
			{"/customers?mobile_number=" + pan, "application/x-www-form-urlencoded", "object_reference_id=leaky"},
		} {
			if status, _, b := do("POST", p.base+post.path, post.ctype, post.body, nil); status/100 != 4 {
				t.Fatalf("POST %s %s: %d %s", post.path, post.body, status, b)
			}
		}
	}

	// Every event delivered, then the service stopped (its files at rest).
	waitUntil(t, "the webhooks", 30*time.Second, func() bool {
		_, _, b := do("GET", p.base+"/webhooks/events?limit=500", "", "", nil)
		return !strings.Contains(b, `"delivery_status":"PENDING"`)
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	p.mu.Lock()
	logs := p.logs.String()
	p.mu.Unlock()

	s := cardscan.New(leakPANs, leakCVV)
	// The scanner sees what it looks for.
	if s.Hits([]byte("…"+leakPANs[1][3:15]+"…")) == nil || s.Hits([]byte("a=1&card_security_code="+leakCVV)) == nil {
		t.Fatal("the scanner misses card data")
	}
	var rep cardscan.Report
	files, err := s.Dir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if files.Sources < 2 {
		t.Fatalf("scanned %d files in the data directory", files.Sources)
	}
	rep.Merge(files)
	if admin != nil { // a dump of every row of every table
		rows, err := s.Postgres(context.Background(), admin, schema)
		if err != nil {
			t.Fatal(err)
		}
		if rows.Sources < 10 {
			t.Fatalf("dumped %d tables", rows.Sources)
		}
		rep.Merge(rows)
	}
	rep.Add(s, "the server log", []byte(logs))
	mu.Lock()
	for i, b := range sent {
		rep.Add(s, fmt.Sprintf("answer or webhook %d", i), b)
	}
	n := len(sent)
	mu.Unlock()
	for _, f := range rep.Findings {
		t.Errorf("%s contains %s", f.Where, strings.Join(f.Hits, "; "))
	}
	// The scan itself can see.
	if !strings.Contains(logs, `"msg":"request"`) || n < 20 {
		t.Fatalf("too little scanned: %d answers, log %d bytes", n, len(logs))
	}
	t.Logf("scanned %d files, tables, logs, answers and webhook bodies (%d bytes; %d answers and webhook bodies): no card data", rep.Sources, rep.Bytes, n)
}

var (
	formTokenInput = regexp.MustCompile(`<input[^>]*name="form_token"[^>]*>`)
	valueAttr      = regexp.MustCompile(`value="([^"]*)"`)
)

// formTokenOf reads a page's form token, whatever order go-app wrote the
// input's attributes in.
func formTokenOf(page string) string {
	in := formTokenInput.FindString(page)
	if m := valueAttr.FindStringSubmatch(in); m != nil {
		return m[1]
	}
	return ""
}
