package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/coftkit/coft"
	"github.com/coftkit/coft/console"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/reqlog"
	"github.com/coftkit/coft/sqlstore"
)

// withConsole serves the merchant console over the harness's database.
func withConsole(c *httpapi.Config) { c.ConsoleStore = c.Store.(console.Store) }

// newConsoleHarness is a harness with the console, merchants alpha and
// beta, and no sandbox demo (so the demo's open console does not answer
// for them).
func newConsoleHarness(t testing.TB, dialect sqlstore.Dialect, options ...func(*httpapi.Config)) *harness {
	return newHarness(t, dialect, append([]func(*httpapi.Config){withConsole}, options...)...)
}

// consoleUser is a console user with a password (and, with totp, an
// authenticator).
type consoleUser struct {
	email, password, secret string
	user                    *coft.User
}

func (h *harness) consoleUser(merchantID, email string, role coft.Role, totp bool) *consoleUser {
	h.t.Helper()
	cu := &consoleUser{email: email, password: "correct horse battery " + merchantID}
	u := &coft.User{MerchantID: merchantID, Email: email, Role: role, PasswordHash: console.HashPassword(cu.password)}
	if totp {
		cu.secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		u.TOTPSecret = cu.secret
	}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	cu.user = u
	return cu
}

// consolePage is a console page as a browser got it.
type consolePage struct {
	status   int
	location string
	body     string
	doc      *goquery.Document
}

// token is the page's form token.
func (p consolePage) token() string {
	v, _ := p.doc.Find(`input[name="csrf"]`).First().Attr("value")
	return v
}

func (p consolePage) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).Text()) }

// get visits a console page.
func (b *browser) get(path string) consolePage {
	b.h.t.Helper()
	status, loc, body := b.visit(b.h.srv.URL + path)
	return consolePage{status, loc, body, parseHTML(b.h.t, body)}
}

// submit posts a console form as a same-origin page would.
func (b *browser) submit(path string, form url.Values) consolePage {
	b.h.t.Helper()
	status, loc, body := b.post(b.h.srv.URL+path, form, map[string]string{"Origin": b.h.srv.URL})
	return consolePage{status, loc, body, parseHTML(b.h.t, body)}
}

func parseHTML(t testing.TB, body string) *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// signIn signs a new browser in as the user and returns it.
func (h *harness) signIn(u *consoleUser) *browser {
	h.t.Helper()
	b := h.browser(true)
	p := b.submit("/console/sign-in", url.Values{"email": {u.email}, "password": {u.password}})
	if p.status != http.StatusSeeOther {
		h.t.Fatalf("sign in %s: %d %s", u.email, p.status, p.text(".error"))
	}
	if p.location == "/console/sign-in/code" {
		p = b.submit("/console/sign-in/code", url.Values{"code": {console.TOTPCode(u.secret, h.clock())}})
		if p.status != http.StatusSeeOther {
			h.t.Fatalf("code of %s: %d %s", u.email, p.status, p.text(".error"))
		}
	}
	return b
}

// TestConsoleShowsRecentRequests: the developers' corner lists the API
// requests this instance served for the merchant, by route pattern, and
// not another merchant's.
func TestConsoleShowsRecentRequests(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) { c.RequestLog = reqlog.New(reqlog.Config{}) })
	h.order(h.keyA, "rq1", false, "")
	h.do(request{method: "GET", path: "/orders/rq1", key: h.keyA})
	h.order(h.keyB, "rqbeta", false, "")
	b := h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false))
	p := b.get("/console/alpha/developers")
	if p.status != 200 || !strings.Contains(p.body, "GET /orders/{order_id}") || !strings.Contains(p.body, "POST /orders") {
		t.Fatalf("developers page: %d\n%s", p.status, p.body)
	}
	if strings.Contains(p.body, "rq1") || strings.Contains(p.body, "rqbeta") {
		t.Error("the request log shows a path's ids")
	}
}
