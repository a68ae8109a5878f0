package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/console"
	"github.com/coftkit/coft/sqlstore"
)

// TestConsoleSignIn: a password, then the authenticator's code (once);
// wrong ones are refused and, five in a row, lock the account; sign-out
// ends the session on the server, so a copied cookie is refused after.
func TestConsoleSignIn(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	ann := h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, true)

	t.Run("unsigned visitors are sent to sign in", func(t *testing.T) {
		p := h.browser(true).get("/console/alpha/orders")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/sign-in?next=") {
			t.Fatalf("got %d %q", p.status, p.location)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		p := h.browser(true).submit("/console/sign-in", url.Values{"email": {ann.email}, "password": {"nope nope nope"}})
		if p.status != http.StatusUnauthorized || p.text(".error") != "The email or password is not right." {
			t.Fatalf("got %d %q", p.status, p.text(".error"))
		}
		// An unknown email reads the same.
		p = h.browser(true).submit("/console/sign-in", url.Values{"email": {"who@x.example"}, "password": {"nope nope nope"}})
		if p.status != http.StatusUnauthorized || p.text(".error") != "The email or password is not right." {
			t.Fatalf("got %d %q", p.status, p.text(".error"))
		}
	})
	t.Run("password then code, and a code is good once", func(t *testing.T) {
		b := h.browser(true)
		p := b.submit("/console/sign-in", url.Values{"email": {ann.email}, "password": {ann.password}, "next": {"/console/alpha/settings"}})
		if p.status != http.StatusSeeOther || p.location != "/console/sign-in/code" {
			t.Fatalf("got %d %q", p.status, p.location)
		}
		if p := b.get("/console/alpha/orders"); p.status != http.StatusSeeOther {
			t.Fatalf("half signed in, orders answered %d", p.status)
		}
		code := console.TOTPCode(ann.secret, h.clock())
		p = b.submit("/console/sign-in/code", url.Values{"code": {code}})
		if p.status != http.StatusSeeOther || p.location != "/console/alpha/settings" {
			t.Fatalf("got %d %q %s", p.status, p.location, p.text(".error"))
		}
		if p := b.get("/console/alpha/orders"); p.status != 200 || p.text("h1") != "Orders" {
			t.Fatalf("orders: %d %q", p.status, p.text("h1"))
		}
		// The same code again, in another browser: refused.
		b2 := h.browser(true)
		b2.submit("/console/sign-in", url.Values{"email": {ann.email}, "password": {ann.password}})
		if p := b2.submit("/console/sign-in/code", url.Values{"code": {code}}); p.status != http.StatusUnauthorized {
			t.Fatalf("replayed code: %d", p.status)
		}
	})
	t.Run("sign-out ends the session on the server", func(t *testing.T) {
		b := h.signIn(h.consoleUser("alpha", "out@alpha.example", coft.RoleViewer, false))
		page := b.get("/console/alpha/orders")
		copied := b.client.Jar.Cookies(mustURL(h.srv.URL + "/console/"))
		if p := b.submit("/console/sign-out", url.Values{"csrf": {page.token()}}); p.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", p.status)
		}
		thief := h.browser(true)
		thief.client.Jar.SetCookies(mustURL(h.srv.URL+"/console/"), copied)
		if p := thief.get("/console/alpha/orders"); p.status != http.StatusSeeOther {
			t.Fatalf("a cookie copied before sign-out still works: %d", p.status)
		}
	})
	t.Run("five wrong passwords lock the account", func(t *testing.T) {
		eve := h.consoleUser("alpha", "eve@alpha.example", coft.RoleViewer, false)
		for i := 0; i < 5; i++ {
			h.browser(true).submit("/console/sign-in", url.Values{"email": {eve.email}, "password": {"guess " + strings.Repeat("x", i+8)}})
		}
		p := h.browser(true).submit("/console/sign-in", url.Values{"email": {eve.email}, "password": {eve.password}})
		if p.status != http.StatusTooManyRequests || !strings.Contains(p.text(".error"), "Too many") {
			t.Fatalf("right password on a locked account: %d %q", p.status, p.text(".error"))
		}
		h.advance(16 * time.Minute)
		if p := h.browser(true).submit("/console/sign-in", url.Values{"email": {eve.email}, "password": {eve.password}}); p.status != http.StatusSeeOther {
			t.Fatalf("after the lock: %d %q", p.status, p.text(".error"))
		}
	})
	t.Run("sessions end when idle", func(t *testing.T) {
		b := h.signIn(h.consoleUser("alpha", "idle@alpha.example", coft.RoleViewer, false))
		h.advance(31 * time.Minute)
		if p := b.get("/console/alpha/orders"); p.status != http.StatusSeeOther {
			t.Fatalf("idle session: %d", p.status)
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestConsoleSetupLink: the one-time link sets a password once; the
// merchant's TOTP requirement makes the user add an authenticator at the
// first sign-in.
func TestConsoleSetupLink(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	u := &coft.User{MerchantID: "alpha", Email: "new@alpha.example", Role: coft.RoleDeveloper}
	token := console.NewSetupLink(u, h.clock())
	if err := h.db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	m, _ := h.db.FindMerchantByID(t.Context(), "alpha")
	m.RequireTOTP = true
	if err := h.db.UpdateMerchant(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	b := h.browser(true)
	if p := b.get("/console/setup?token=" + token); p.status != 200 || !strings.Contains(p.body, "new@alpha.example") {
		t.Fatalf("setup page: %d", p.status)
	}
	if p := b.submit("/console/setup?token="+token, url.Values{"password": {"short"}, "confirm": {"short"}}); p.status != 400 {
		t.Fatalf("short password: %d", p.status)
	}
	pw := "a long enough passphrase"
	if p := b.submit("/console/setup?token="+token, url.Values{"password": {pw}, "confirm": {pw}}); p.status != http.StatusSeeOther {
		t.Fatalf("set password: %d %s", p.status, p.text(".error"))
	}
	if p := b.get("/console/setup?token=" + token); p.status != http.StatusNotFound {
		t.Fatalf("the link works twice: %d", p.status)
	}
	p := b.submit("/console/sign-in", url.Values{"email": {u.Email}, "password": {pw}})
	if p.location != "/console/sign-in/code" {
		t.Fatalf("sign-in did not ask for an authenticator: %d %q", p.status, p.location)
	}
	p = b.get("/console/sign-in/code")
	secret := p.text("#totp-secret")
	if secret == "" || p.doc.Find(`img[src^="data:image/png;base64,"]`).Length() != 1 {
		t.Fatalf("no key or QR code to enrol:\n%s", p.body)
	}
	if p := b.submit("/console/sign-in/code", url.Values{"code": {console.TOTPCode(secret, h.clock())}}); p.status != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", p.status, p.text(".error"))
	}
	got, _ := h.db.FindUserByEmail(t.Context(), u.Email)
	if got.TOTPSecret != secret {
		t.Fatal("the authenticator was not kept")
	}
}

// TestConsoleCrossMerchant: a user of alpha gets 404 for beta's pages,
// exactly as for a merchant that does not exist.
func TestConsoleCrossMerchant(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	b := h.signIn(h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, false))
	for _, path := range []string{"/console/beta/orders", "/console/nobody/orders", "/console/beta/account"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, p.status)
		}
	}
}

// TestConsoleTOTPRequiredLater: when the merchant starts requiring an
// authenticator, a user signed in without one reaches only their account
// page, where they add one; then the console opens again.
func TestConsoleTOTPRequiredLater(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	b := h.signIn(h.consoleUser("alpha", "late@alpha.example", coft.RoleViewer, false))
	m, _ := h.db.FindMerchantByID(t.Context(), "alpha")
	m.RequireTOTP = true
	if err := h.db.UpdateMerchant(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/console/alpha/orders"); p.status != http.StatusSeeOther || p.location != "/console/alpha/account" {
		t.Fatalf("orders without an authenticator: %d %q", p.status, p.location)
	}
	p := b.get("/console/alpha/account")
	secret := p.text("#totp-secret")
	if p.status != 200 || secret == "" {
		t.Fatalf("account page: %d, secret %q", p.status, secret)
	}
	if p := b.submit("/console/alpha/account/totp", url.Values{"csrf": {p.token()}, "code": {"000000"}}); p.status != http.StatusBadRequest {
		t.Fatalf("a wrong code: %d", p.status)
	}
	if p := b.submit("/console/alpha/account/totp", url.Values{"csrf": {p.token()}, "code": {console.TOTPCode(secret, h.clock())}}); p.status != http.StatusSeeOther {
		t.Fatalf("the right code: %d %s", p.status, p.text(".error"))
	}
	if p := b.get("/console/alpha/orders"); p.status != 200 {
		t.Fatalf("orders with an authenticator: %d", p.status)
	}
}
