package httpapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
)

var wildcard = regexp.MustCompile(`\{[a-z_]+\}`)

// consolePath fills a console route's pattern: the merchant, and "x" for
// every other wildcard.
func consolePath(pattern, merchantID string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{merchant_id}", merchantID)
	path = strings.TrimSuffix(path, "{$}")
	return method, wildcard.ReplaceAllString(path, "x")
}

// TestConsoleEveryRoute runs, on every route of a merchant's console (as
// the console lists them, so a new route is covered as it is added):
//   - alpha's admin asking for beta's page: 404, as for no merchant;
//   - nobody signed in: a GET is sent to sign in, a POST refused;
//   - a post without the form token, or from another site: 403;
//   - the role matrix: each post's permission, for viewer, developer and
//     admin.
func TestConsoleEveryRoute(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	admin := h.signIn(h.consoleUser("alpha", "admin@alpha.example", coft.RoleAdmin, false))
	roles := map[coft.Role]*browser{coft.RoleAdmin: admin,
		coft.RoleDeveloper: h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false)),
		coft.RoleViewer:    h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))}
	tokens := map[coft.Role]string{}
	for r, b := range roles {
		tokens[r] = b.get("/console/alpha/orders").token()
		if tokens[r] == "" {
			t.Fatalf("%s: no form token", r)
		}
	}
	routes := h.api.Console().Routes()
	n := 0
	for _, rt := range routes {
		if !strings.Contains(rt.Pattern, "{merchant_id}") {
			continue
		}
		n++
		method, betaPath := consolePath(rt.Pattern, "beta")
		_, alphaPath := consolePath(rt.Pattern, "alpha")
		t.Run(rt.Pattern, func(t *testing.T) {
			if method == http.MethodGet {
				if p := admin.get(betaPath); p.status != http.StatusNotFound {
					t.Errorf("alpha's admin on beta's %s: %d, want 404", betaPath, p.status)
				}
				if p := h.browser(true).get(alphaPath); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/sign-in") {
					t.Errorf("signed out: %d %q, want a redirect to sign in", p.status, p.location)
				}
				return
			}
			if p := admin.submit(betaPath, url.Values{"csrf": {tokens[coft.RoleAdmin]}}); p.status != http.StatusNotFound {
				t.Errorf("alpha's admin posting to beta's %s: %d, want 404", betaPath, p.status)
			}
			if p := h.browser(true).submit(alphaPath, url.Values{}); p.status != http.StatusUnauthorized {
				t.Errorf("signed out: %d, want 401", p.status)
			}
			if p := admin.submit(alphaPath, url.Values{}); p.status != http.StatusForbidden {
				t.Errorf("without the form token: %d, want 403", p.status)
			}
			if s, _, _ := admin.post(h.srv.URL+alphaPath, url.Values{"csrf": {tokens[coft.RoleAdmin]}},
				map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); s != http.StatusForbidden {
				t.Errorf("from another site: %d, want 403", s)
			}
			if p := admin.submit(alphaPath, url.Values{"csrf": {tokens[coft.RoleViewer]}}); p.status != http.StatusForbidden {
				t.Errorf("with another session's form token: %d, want 403", p.status)
			}
			for _, r := range []coft.Role{coft.RoleViewer, coft.RoleDeveloper} {
				if rt.Perm == "" || r.Can(rt.Perm) {
					continue
				}
				if p := roles[r].submit(alphaPath, url.Values{"csrf": {tokens[r]}}); p.status != http.StatusForbidden {
					t.Errorf("%s without %s: %d, want 403", r, rt.Perm, p.status)
				}
			}
		})
	}
	if n < 3 {
		t.Fatalf("only %d merchant routes", n)
	}
}
