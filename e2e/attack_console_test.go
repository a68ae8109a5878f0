package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// consoleBrowser is a browser on the merchant console: its own cookie
// jar, redirects not followed.
type consoleBrowser struct {
	a      *attackSuite
	client *http.Client
}

func (a *attackSuite) consoleBrowser() *consoleBrowser {
	jar, _ := cookiejar.New(nil)
	return &consoleBrowser{a: a, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a console request as a same-origin page would (posts carry the
// site's Origin) and returns the answer.
func (b *consoleBrowser) do(t *testing.T, method, path string, form url.Values) attackAnswer {
	t.Helper()
	var req *http.Request
	if method == http.MethodPost {
		req, _ = http.NewRequest(method, b.a.base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.a.base)
	} else {
		req, _ = http.NewRequest(method, b.a.base+path, nil)
	}
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	body := sb.String()
	b.a.checkNoCardData(t, method+" "+path, []byte(body), res.Header)
	return attackAnswer{res.StatusCode, res.Header, body}
}

var consoleToken = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// token is the form token of a page of the browser's session.
func (b *consoleBrowser) token(t *testing.T, path string) string {
	t.Helper()
	m := consoleToken.FindStringSubmatch(b.do(t, "GET", path, nil).body)
	if m == nil {
		t.Fatalf("no form token on %s", path)
	}
	return m[1]
}

// consoleUser adds a console user with the admin CLI, sets their password
// through the one-time link and returns the password.
func (a *attackSuite) consoleUser(t *testing.T, merchantID, email, role string) string {
	t.Helper()
	out, err := run(a.env, "merchants", "users", "add", "-id", merchantID, "-email", email, "-role", role)
	if err != nil {
		t.Fatalf("merchants users add: %v\n%s", err, out)
	}
	var u struct {
		SetupURL string `json:"setup_url"`
	}
	json.Unmarshal(out, &u)
	link, err := url.Parse(u.SetupURL)
	if err != nil || link.Query().Get("token") == "" {
		t.Fatalf("no setup link: %s", out)
	}
	password := "a long passphrase for " + email
	b := a.consoleBrowser()
	res := b.do(t, "POST", "/console/setup", url.Values{"token": {link.Query().Get("token")}, "password": {password}, "confirm": {password}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("setting %s's password: %d", email, res.status)
	}
	return password
}

func (b *consoleBrowser) signIn(t *testing.T, email, password string) attackAnswer {
	t.Helper()
	return b.do(t, "POST", "/console/sign-in", url.Values{"email": {email}, "password": {password}})
}

// consoleAttacks: merchant A's console user against every page of
// merchant B's console (with B's real ids), session fixation, and
// brute-forced sign-ins.
func (a *attackSuite) consoleAttacks(t *testing.T) {
	adminPW := a.consoleUser(t, "alpha", "admin@alpha.example", "admin")
	viewerPW := a.consoleUser(t, "alpha", "viewer@alpha.example", "viewer")
	a.consoleUser(t, "beta", "owner@beta.example", "admin")

	t.Run("cross-merchant", func(t *testing.T) {
		b := a.consoleBrowser()
		if res := b.signIn(t, "admin@alpha.example", adminPW); res.status != http.StatusSeeOther {
			t.Fatalf("sign in: %d", res.status)
		}
		tok := b.token(t, "/console/alpha/orders")
		out, err := run(a.env, "serve", "-routes")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{"{merchant_id}": "beta", "{order_id}": a.b.paidOrder, "{customer_id}": a.b.victim,
			"{event_id}": a.b.event, "{card_reference}": a.b.cardRef, "{key_id}": "x", "{id}": a.b.event}
		n := 0
		for _, pattern := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			method, path, _ := strings.Cut(pattern, " ")
			if !strings.Contains(path, "/console/{merchant_id}") {
				continue
			}
			for k, v := range ids {
				path = strings.ReplaceAll(path, k, v)
			}
			path = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "x")
			res := b.do(t, method, path, url.Values{"csrf": {tok}, "amount": {"1.00"}, "webhook_url": {"https://evil.example/"}})
			leak := strings.Contains(res.body, "victim@example.com") || strings.Contains(res.body, a.b.cardRef)
			a.count(t, "console: cross-merchant", method+" "+path, res.code(), res.status == http.StatusNotFound && !leak, res.body[:min(200, len(res.body))])
			n++
		}
		if n < 10 {
			t.Errorf("only %d console routes of a merchant", n)
		}
	})

	t.Run("session fixation", func(t *testing.T) {
		const category = "console: session fixation"
		// Mallory (alpha's viewer) plants her own session cookie in the
		// victim's browser; the victim (alpha's admin) signs in there. The
		// session Mallory knows stays hers: a viewer's.
		mallory := a.consoleBrowser()
		mallory.signIn(t, "viewer@alpha.example", viewerPW)
		base, _ := url.Parse(a.base + "/console/")
		planted := mallory.client.Jar.Cookies(base)
		victim := a.consoleBrowser()
		victim.client.Jar.SetCookies(base, planted)
		if res := victim.signIn(t, "admin@alpha.example", adminPW); res.status != http.StatusSeeOther {
			t.Fatalf("victim's sign in: %d", res.status)
		}
		after := victim.client.Jar.Cookies(base)
		same := len(after) == len(planted) && len(after) > 0 && after[0].Value == planted[0].Value
		a.count(t, category, "planted cookie kept after sign-in", "new cookie", !same, "")
		// The session Mallory planted was ended by the victim's sign-in: her
		// cookie now signs no one in, and whatever it posts is refused.
		res := mallory.do(t, "GET", "/console/alpha/account", nil)
		a.count(t, category, "the planted session became the victim's", res.code(),
			!strings.Contains(res.body, "admin@alpha.example"), "")
		tok := ""
		if m := consoleToken.FindStringSubmatch(mallory.do(t, "GET", "/console/alpha/orders", nil).body); m != nil {
			tok = m[1]
		}
		res = mallory.do(t, "POST", "/console/alpha/orders/"+a.aObj.order+"/refund", url.Values{"csrf": {tok}, "amount": {"1.00"}})
		a.count(t, category, "the planted session refunds as the victim", res.code(),
			res.status == http.StatusUnauthorized || res.status == http.StatusForbidden || res.status == http.StatusNotFound, res.body[:min(200, len(res.body))])
		// A forged cookie, a session id in the URL, a cookie kept after sign-out.
		forged := a.consoleBrowser()
		forged.client.Jar.SetCookies(base, []*http.Cookie{{Name: "coft_console", Value: "MTcwMDAwMDAwMHxzaWQ9YWRtaW58", Path: "/console"}})
		res = forged.do(t, "GET", "/console/alpha/orders", nil)
		a.count(t, category, "forged session cookie", res.code(), res.status == http.StatusSeeOther, "")
		res = a.consoleBrowser().do(t, "GET", "/console/alpha/orders?sid="+strings.Repeat("a", 64), nil)
		a.count(t, category, "session id in the URL", res.code(), res.status == http.StatusSeeOther, "")
		copied := victim.client.Jar.Cookies(base)
		victim.do(t, "POST", "/console/sign-out", url.Values{"csrf": {victim.token(t, "/console/alpha/orders")}})
		replay := a.consoleBrowser()
		replay.client.Jar.SetCookies(base, copied)
		res = replay.do(t, "GET", "/console/alpha/orders", nil)
		a.count(t, category, "cookie copied before sign-out", res.code(), res.status == http.StatusSeeOther, "")
	})

	t.Run("brute-force sign-in", func(t *testing.T) {
		const category = "console: sign-in brute force"
		// Guessing one account's password: five wrong ones lock it, and then
		// even the right one is refused.
		for i := range 12 {
			res := a.consoleBrowser().signIn(t, "owner@beta.example", "guess number "+strings.Repeat("x", i))
			a.count(t, category, "guessed password", res.code(), res.status == http.StatusUnauthorized || res.status == http.StatusTooManyRequests, "")
		}
		res := a.consoleBrowser().signIn(t, "admin@alpha.example", "wrong again and again")
		a.count(t, category, "guessed password of another account", res.code(), res.status == http.StatusUnauthorized, "")
		// Spraying many accounts from one address: the address is refused
		// after 20 failures, the right password of an unlocked account too.
		for i := range 10 {
			res := a.consoleBrowser().signIn(t, "user"+strings.Repeat("s", i)+"@beta.example", "Password123!")
			a.count(t, category, "password spraying", res.code(), res.status == http.StatusUnauthorized || res.status == http.StatusTooManyRequests, "")
		}
		res = a.consoleBrowser().signIn(t, "admin@alpha.example", adminPW)
		a.count(t, category, "sign-in from an address over its limit", res.code(), res.status == http.StatusTooManyRequests, "")
	})
}
