package e2e

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// attackMetricsToken is the suite's METRICS_TOKEN.
const attackMetricsToken = "attack-suite-metrics-token"

// logLineOf waits for the access log's line of the request whose id is
// id, and returns it ("" if none came).
func (a *attackSuite) logLineOf(id string) string {
	mark := `"request_id":"` + id + `"`
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		a.p.mu.Lock()
		logs := a.p.logs.String()
		a.p.mu.Unlock()
		for rest := logs; ; {
			i := strings.Index(rest, mark)
			if i < 0 {
				break
			}
			start := strings.LastIndexByte(rest[:i], '\n') + 1
			end := i + strings.IndexByte(rest[i:], '\n')
			if end < i {
				end = len(rest)
			}
			if line := rest[start:end]; strings.Contains(line, `"msg":"request"`) {
				return line
			}
			rest = rest[end:]
		}
		if time.Now().After(deadline) {
			return ""
		}
	}
}

// 11. Card data and capabilities in the log: requests that put card
// numbers (their digits together or apart) in paths, queries, bodies and
// headers, and that use capability URLs (a payment's consent and bank
// pages, a payment page, the saved-cards screen, the drop-in with client
// tokens). Each attempt is refused when the request's log line names its
// route and holds neither the card number nor the capability.
func (a *attackSuite) loggedSecrets(t *testing.T) {
	const category = "card data and capabilities in logs"
	b := &a.b
	payLink := attackStr(a.orderStatus(t, a.keyB, b.newOrder), "payment_links.web")
	ordID := regexp.MustCompile(`ord_[A-Za-z0-9]+`).FindString(payLink)
	if ordID == "" {
		t.Fatalf("payment link: %s", payLink)
	}
	capabilities := []string{b.consentUUID, b.bankUUID, ordID, b.victimToken, b.orderToken, b.cardToken,
		a.aObj.customerToken, a.aObj.orderToken, "querysecret"}
	before := a.digest(t)
	apart := func(sep string) string {
		return strings.Join([]string{attackVisa[:4], attackVisa[4:8], attackVisa[8:12], attackVisa[12:]}, sep)
	}
	type attempt struct {
		what string
		req  attackReq
	}
	var attempts []attempt
	for _, sep := range []string{"", " ", "-", "%20", "+", " - "} {
		pan := apart(sep)
		plain := strings.ReplaceAll(pan, "%20", " ")
		attempts = append(attempts,
			attempt{"the number as a BIN, apart by " + sep, attackReq{method: "GET", path: "/cardbins/" + pan, key: a.keyB}},
			attempt{"the number as an anonymous BIN, apart by " + sep, attackReq{method: "GET", path: "/cardbins/" + pan + "?merchant_id=beta"}},
			attempt{"the number as an order id, apart by " + sep, attackReq{method: "GET", path: "/orders/" + pan, key: a.keyB}},
			attempt{"the number in an unknown path, apart by " + sep, attackReq{method: "GET", path: "/nowhere/" + pan}},
			attempt{"the number in a query, apart by " + sep, attackReq{method: "GET", path: "/cards?customer_id=" + url.QueryEscape(plain), key: a.keyB}},
			attempt{"the number in a body, apart by " + sep, attackReq{method: "POST", path: "/txns", key: a.keyB,
				form: url.Values{"order_id": {plain}, "card_number": {plain}, plain: {"1"}}}},
			attempt{"the number in JSON, apart by " + sep, attackReq{method: "POST", path: "/orders", key: a.keyB,
				json: `{"order_id":"` + plain + `","amount":"-1"}`}},
			attempt{"the number as a consent page's uuid, apart by " + sep, attackReq{method: "GET", path: "/v2/txns/consent/beta/" + pan}},
		)
	}
	for _, c := range []struct{ what, path string }{
		{"a consent page", b.consentURL + "?q=querysecret"},
		{"a bank page", b.bankURL},
		{"a payment page", payLink},
		{"the saved-cards screen", "/cards/manage?client_auth_token=" + url.QueryEscape(b.victimToken)},
		{"the drop-in", a.widgetURL(b.orderToken, a.allowed.URL, "424242", "4242")},
		{"the saved cards with a client token", "/cards?customer_id=" + b.victim + "&client_auth_token=" + url.QueryEscape(b.victimToken)},
	} {
		attempts = append(attempts, attempt{c.what, attackReq{method: "GET", path: c.path}})
	}
	for _, at := range attempts {
		id := a.nextID("logged")
		q := at.req
		q.hdr = map[string]string{"X-Request-Id": id}
		res := a.do(t, q)
		line := a.logLineOf(id)
		hits := a.scan.Hits([]byte(line))
		var leaked []string
		for _, c := range capabilities {
			if strings.Contains(line, c) {
				leaked = append(leaked, c)
			}
		}
		a.count(t, category, at.what, res.code(), line != "" && strings.Contains(line, `"route":"`) && !strings.Contains(line, `"path"`) &&
			hits == nil && leaked == nil, fmt.Sprintf("hits %v, capabilities %q, line %s", hits, leaked, line))
	}
	// The whole log, setup's payments included: no capability at all.
	a.p.mu.Lock()
	logs := a.p.logs.String()
	a.p.mu.Unlock()
	for _, c := range capabilities {
		a.count(t, category, "a capability anywhere in the log", "log", !strings.Contains(logs, c), c)
	}
	a.unchanged(t, "the logged attempts", before)
}

// 12. Small doors: text injected on the payment origin through the
// saved-cards screen's notice, the static directory's listing, the metrics
// without their token, and anonymous card-bin lookups telling whether a
// merchant exists or probing a sub-merchant.
func (a *attackSuite) smallDoors(t *testing.T) {
	const category = "small doors"
	b := &a.b
	before := a.digest(t)
	manage := "/cards/manage?client_auth_token=" + url.QueryEscape(b.victimToken)
	const injected = "Call 1800-EVIL-HELP now"
	for _, q := range []string{"&notice=" + url.QueryEscape(injected), "&notice=removed&brand=" + url.QueryEscape(injected) + "&last4=4242",
		"&notice=removed&brand=VISA&last4=" + url.QueryEscape(injected)} {
		res := a.do(t, attackReq{method: "GET", path: manage + q})
		a.count(t, category, "text in the saved-cards notice", res.code(), res.status == 200 && !strings.Contains(res.body, "EVIL"), "")
	}
	for _, p := range []string{"/static/", "/static/.", "/static/site.css/"} {
		res := a.do(t, attackReq{method: "GET", path: p})
		// (/static/. is redirected to /static/ first.)
		a.count(t, category, "listing "+p, res.code(), (res.status == 404 || res.status/100 == 3) && !strings.Contains(res.body, "favicon.svg"), res.body)
	}
	for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": "Basic " + attackBasic(a.keyB, "")},
		{"Authorization": "Bearer " + attackMetricsToken + "x"}} {
		res := a.do(t, attackReq{method: "GET", path: "/metrics", hdr: hdr})
		a.count(t, category, "the metrics without their token", res.code(), res.status == 401 && !strings.Contains(res.body, "http_requests_total"), fmt.Sprint(hdr))
	}
	if res := a.do(t, attackReq{method: "GET", path: "/metrics", hdr: map[string]string{"Authorization": "Bearer " + attackMetricsToken}}); res.status != 200 ||
		!strings.Contains(res.body, "http_requests_total") {
		t.Errorf("the metrics with their token: %d", res.status)
	}
	// Alpha is onboarded to VISA alone: on a Mastercard it is a known
	// merchant with no eligibility, and an unknown one must look the same.
	requestID := regexp.MustCompile(`"request_id":"[^"]*"`)
	for _, q := range []string{"/cardbins/541919?options.check_tokenize_support=true&options.check_cvv_less_support=true",
		"/cardbins/541919", "/cardbins/999999?options.check_tokenize_support=true", "/cardbins/54191?options.check_tokenize_support=true",
		"/cardbins/541919?options.check_tokenize_support=true&submerchant_id=alpha"} {
		known := a.do(t, attackReq{method: "GET", path: q + "&merchant_id=alpha"})
		for _, ghost := range []string{"ghost", "gamma", "alpha2"} {
			res := a.do(t, attackReq{method: "GET", path: q + "&merchant_id=" + ghost})
			same := res.status == known.status && requestID.ReplaceAllString(res.body, "") == requestID.ReplaceAllString(known.body, "")
			a.count(t, category, "telling an unknown merchant from a known one", res.code(), same, res.body+" vs "+known.body)
		}
	}
	for _, sub := range []string{"beta", "hold_beta", "nosuch"} {
		res := a.do(t, attackReq{method: "GET", path: "/cardbins/424242?options.check_tokenize_support=true&merchant_id=beta&submerchant_id=" + sub})
		a.count(t, category, "probing a sub-merchant anonymously", res.code(), res.status == 401 && !strings.Contains(res.body, "tokenize_support"), res.body)
	}
	a.unchanged(t, "the small doors", before)
}
