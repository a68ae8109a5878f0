package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coftkit/coft"
	"github.com/coftkit/coft/httpapi"
	"github.com/coftkit/coft/jweauth"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/sqlstore/sqltest"
	"github.com/coftkit/coft/webhook"
)

// settingsToken is the form token of the settings page, as the browser
// sees it.
func settingsToken(t *testing.T, b *browser) string {
	t.Helper()
	p := b.get("/console/alpha/settings")
	if p.status != 200 || p.token() == "" {
		t.Fatalf("settings page: %d", p.status)
	}
	return p.token()
}

// audit is the merchant's audit log, newest first.
func (h *harness) audit(merchantID string) []*coft.AuditEntry {
	h.t.Helper()
	es, err := h.db.ListAudit(context.Background(), merchantID, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

func (h *harness) findMerchant(id string) *coft.Merchant {
	h.t.Helper()
	m, err := h.db.FindMerchantByID(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

type auditWant struct{ setting, old, new string }

// wantAudit checks the entries written since the log had n, in any
// order (one change's entries share their time), each by actor.
func wantAudit(t *testing.T, h *harness, n int, actor string, want ...auditWant) {
	t.Helper()
	es := h.audit("alpha")
	var got []auditWant
	for _, e := range es[:len(es)-n] {
		if e.Actor != actor || e.MerchantID != "alpha" || e.At.IsZero() {
			t.Errorf("audit entry %s by %s of %s at %v", e.Setting, e.Actor, e.MerchantID, e.At)
		}
		got = append(got, auditWant{e.Setting, e.Old, e.New})
	}
	sortAudit := func(ws []auditWant) {
		slices.SortFunc(ws, func(a, b auditWant) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	sortAudit(got)
	want = slices.Clone(want)
	sortAudit(want)
	if !slices.Equal(got, want) {
		t.Fatalf("new audit entries:\n%q\nwant\n%q", got, want)
	}
}

// TestConsoleSettingsChange: each setting changes through its form and
// writes one audit entry per setting changed, with who, the old and the
// new value (secrets redacted); the API sees the change at once (its cache
// is told), and the audit log shows it, newest first.
func TestConsoleSettingsChange(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			h := newConsoleHarness(t, d, func(c *httpapi.Config) { c.MerchantCacheTTL = time.Hour })
			// Ann has an authenticator: the last step requires one.
			ann := h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, true)
			b := h.signIn(ann)
			tok := settingsToken(t, b)
			// An order made now puts alpha in the API's cache.
			h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=o1&amount=10.00"})

			steps := []struct {
				name, path string
				form       url.Values
				location   string
				want       []auditWant
				check      func(m *coft.Merchant) bool
			}{
				{"webhooks", "/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example/coft"},
					"webhook_username": {"shop"}, "webhook_password": {"s3cret"}},
					"/console/alpha/settings?saved=webhooks#webhooks",
					[]auditWant{{"webhook_url", "", "https://hooks.example/coft"}, {"webhook_username", "", "shop"},
						{"webhook_password", "", coft.Redacted}},
					func(m *coft.Merchant) bool {
						return m.WebhookURL == "https://hooks.example/coft" && m.WebhookUsername == "shop" && m.WebhookPassword == "s3cret"
					}},
				{"a blank password keeps it", "/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example/v2"},
					"webhook_username": {"shop"}, "webhook_password": {""}}, "",
					[]auditWant{{"webhook_url", "https://hooks.example/coft", "https://hooks.example/v2"}},
					func(m *coft.Merchant) bool {
						return m.WebhookURL == "https://hooks.example/v2" && m.WebhookPassword == "s3cret"
					}},
				{"a new password", "/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example/v2"},
					"webhook_username": {"shop"}, "webhook_password": {"n3w"}}, "",
					[]auditWant{{"webhook_password", coft.Redacted, coft.Redacted}},
					func(m *coft.Merchant) bool { return m.WebhookPassword == "n3w" }},
				{"the password removed", "/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example/v2"},
					"webhook_username": {"shop"}, "clear_password": {"on"}}, "",
					[]auditWant{{"webhook_password", coft.Redacted, ""}},
					func(m *coft.Merchant) bool { return m.WebhookPassword == "" }},
				{"the same again changes nothing", "/settings/webhooks", url.Values{"webhook_url": {"https://hooks.example/v2"},
					"webhook_username": {"shop"}}, "", nil, func(m *coft.Merchant) bool { return true }},
				{"origins", "/settings/origins", url.Values{"return_origins": {"https://shop.example\r\n\r\nHTTPS://Pay.Shop.example:8443/\r\nhttps://shop.example"},
					"frame_origins": {"https://shop.example"}}, "/console/alpha/settings?saved=origins#origins",
					[]auditWant{{"return_origins", "https://shop.example https://shop.merchant.com", "https://shop.example https://pay.shop.example:8443"},
						{"frame_origins", "", "https://shop.example"}},
					func(m *coft.Merchant) bool {
						return strings.Join(m.ReturnOrigins, ",") == "https://shop.example,https://pay.shop.example:8443" &&
							strings.Join(m.FrameOrigins, ",") == "https://shop.example"
					}},
				{"brand", "/settings/brand", url.Values{"color": {"#FF9933"}, "logo": {"https://cdn.shop.example/logo.png"}},
					"/console/alpha/settings/brand?saved=1",
					[]auditWant{{"brand_color", "", "#ff9933"}, {"logo_url", "", "https://cdn.shop.example/logo.png"}},
					func(m *coft.Merchant) bool {
						return m.BrandColor == "#ff9933" && m.LogoURL == "https://cdn.shop.example/logo.png"
					}},
				{"the service's colours again", "/settings/brand", url.Values{"color": {""}, "logo": {"https://cdn.shop.example/logo.png"}}, "",
					[]auditWant{{"brand_color", "#ff9933", ""}}, func(m *coft.Merchant) bool { return m.BrandColor == "" }},
				{"hosted consent off", "/settings/consent", url.Values{}, "/console/alpha/settings?saved=consent#consent",
					[]auditWant{{"hosted_consent", "on", "off"}}, func(m *coft.Merchant) bool { return !m.HostedConsent }},
				{"hosted consent on", "/settings/consent", url.Values{"hosted_consent": {"on"}}, "",
					[]auditWant{{"hosted_consent", "off", "on"}}, func(m *coft.Merchant) bool { return m.HostedConsent }},
				{"authenticator required", "/settings/security", url.Values{"require_totp": {"on"}}, "/console/alpha/settings?saved=security#consent",
					[]auditWant{{"require_totp", "off", "on"}}, func(m *coft.Merchant) bool { return m.RequireTOTP }},
			}
			for _, st := range steps {
				h.advance(time.Second) // the log's order is its entries' times
				n := len(h.audit("alpha"))
				st.form.Set("csrf", tok)
				p := b.submit("/console/alpha"+st.path, st.form)
				if p.status != http.StatusSeeOther || st.location != "" && p.location != st.location {
					t.Fatalf("%s: %d %q %s", st.name, p.status, p.location, p.text(".error"))
				}
				wantAudit(t, h, n, ann.email, st.want...)
				if !st.check(h.findMerchant("alpha")) {
					t.Fatalf("%s: not changed: %+v", st.name, h.findMerchant("alpha"))
				}
			}
			// The API caches merchants for an hour: the console told it of
			// the new return origin.
			h.must(200, request{method: "POST", path: "/orders", key: h.keyA,
				form: "order_id=o2&amount=10.00&return_url=https%3A%2F%2Fpay.shop.example%3A8443%2Fdone"})

			log := b.get("/console/alpha/settings/audit")
			rows := log.doc.Find("table.audit tbody tr")
			if log.status != 200 || rows.Length() != len(h.audit("alpha")) {
				t.Fatalf("audit log: %d, %d rows", log.status, rows.Length())
			}
			first := rows.First().Text()
			if !strings.Contains(first, "Authenticator required") || !strings.Contains(first, ann.email) || strings.Contains(log.body, "s3cret") {
				t.Fatalf("audit log's first row: %q", first)
			}
			if !strings.Contains(log.body, "(redacted)") {
				t.Fatal("the audit log shows no redacted secret")
			}
			// The general page shows the latest ten.
			if n := b.get("/console/alpha/settings").doc.Find("#changes table.audit tbody tr").Length(); n != 10 {
				t.Fatalf("recent changes: %d rows", n)
			}
		})
	}
}

// TestConsoleSettingsRefused: a refused value is answered 400 with the
// page, its message naming the field (the line, for origins), the value
// sent kept in the form; nothing changes and nothing is audited.
func TestConsoleSettingsRefused(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	b := h.signIn(h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, false))
	tok := settingsToken(t, b)
	before := h.findMerchant("alpha")
	for _, c := range []struct {
		name, path string
		form       url.Values
		field      string // the field marked invalid
		message    string
	}{
		{"a URL that is not http", "/settings/webhooks", url.Values{"webhook_url": {"ftp://hooks.example"}}, "webhook_url", "The webhook URL must be an absolute http or https URL"},
		{"a relative URL", "/settings/webhooks", url.Values{"webhook_url": {"/hooks"}}, "webhook_url", "The webhook URL must be"},
		{"a username with a newline", "/settings/webhooks", url.Values{"webhook_username": {"a\nb"}}, "webhook_username", "The username must be"},
		{"a long password", "/settings/webhooks", url.Values{"webhook_password": {strings.Repeat("p", 201)}}, "webhook_password", "The password must be"},
		{"a password and its removal", "/settings/webhooks", url.Values{"webhook_password": {"x"}, "clear_password": {"on"}}, "webhook_password", "not both"},
		{"a return origin with a path", "/settings/origins", url.Values{"return_origins": {"https://shop.example\nhttps://shop.example/pay"}},
			"return_origins", `Return origins, line 2: "https://shop.example/pay" is not an origin`},
		{"a frame origin without a scheme", "/settings/origins", url.Values{"frame_origins": {"\n\nshop.example"}},
			"frame_origins", `Frame origins, line 3: "shop.example" is not an origin`},
		{"21 frame origins", "/settings/origins", url.Values{"frame_origins": {manyOrigins(21)}},
			"frame_origins", "Frame origins: at most 20 origins, not 21"},
		{"a colour name", "/settings/brand", url.Values{"color": {"red"}}, "color", "The brand colour must be a colour like #0b5cad."},
		{"a script logo", "/settings/brand", url.Values{"color": {"#123456"}, "logo": {"javascript:alert(1)"}}, "logo", "The logo URL must be a plain http(s) URL"},
		{"a logo with a quote", "/settings/brand", url.Values{"logo": {"https://x.example/a'b.png"}}, "logo", "The logo URL must be"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set("csrf", tok)
			p := b.submit("/console/alpha"+c.path, c.form)
			if p.status != http.StatusBadRequest {
				t.Fatalf("%d %q", p.status, p.location)
			}
			if msg := p.text("#err-" + c.field); !strings.Contains(msg, c.message) {
				t.Fatalf("the field's error is %q, want %q", msg, c.message)
			}
			if p.doc.Find(`[name="`+c.field+`"][aria-invalid="true"]`).Length() != 1 && c.path != "/settings/brand" {
				t.Fatalf("%s is not marked invalid", c.field)
			}
			if !strings.Contains(p.text(`[role="alert"]`), "Nothing was changed") {
				t.Fatalf("no summary: %q", p.text(`[role="alert"]`))
			}
		})
	}
	// What was typed is kept: the origins' text as sent.
	p := b.submit("/console/alpha/settings/origins", url.Values{"csrf": {tok}, "return_origins": {"https://ok.example\nnope"}})
	if got := p.text("#return_origins"); got != "https://ok.example\nnope" {
		t.Fatalf("the return origins sent are not kept: %q", got)
	}
	if after := h.findMerchant("alpha"); !after.UpdatedAt.Equal(before.UpdatedAt) || after.WebhookURL != "" || after.BrandColor != "" ||
		len(after.FrameOrigins) != 0 || len(after.ReturnOrigins) != 2 {
		t.Fatalf("changed: %+v", after)
	}
	if es := h.audit("alpha"); len(es) != 0 {
		t.Fatalf("%d audit entries", len(es))
	}
}

func manyOrigins(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "https://s%d.example\n", i)
	}
	return b.String()
}

// TestConsoleSettingsProduction: in production a webhook URL on a private
// or loopback address is refused, as the CLI refuses it.
func TestConsoleSettingsProduction(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) { c.Production, c.Sandbox, c.Demo = true, nil, false })
	b := h.signIn(h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, false))
	tok := settingsToken(t, b)
	for _, u := range []string{"http://127.0.0.1:8080/hooks", "https://localhost/hooks", "https://10.1.2.3/hooks", "http://[::1]/x", "https://169.254.169.254/latest"} {
		p := b.submit("/console/alpha/settings/webhooks", url.Values{"csrf": {tok}, "webhook_url": {u}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.text("#err-webhook_url"), "must be on a public address") {
			t.Fatalf("%s: %d %q", u, p.status, p.text("#err-webhook_url"))
		}
	}
	if p := b.submit("/console/alpha/settings/webhooks", url.Values{"csrf": {tok}, "webhook_url": {"https://hooks.shop.example/coft"}}); p.status != http.StatusSeeOther {
		t.Fatalf("a public URL: %d %s", p.status, p.text(".error"))
	}
	// The sandbox's test mode is not offered, and refused.
	form := onboardingForm("sub1")
	form.Set("csrf", tok)
	if p := b.get("/console/alpha/settings/onboarding"); p.doc.Find(`[name="testMode"]`).Length() != 0 {
		t.Fatal("test mode offered in production")
	}
	if p := b.submit("/console/alpha/settings/onboarding", form); p.status != http.StatusBadRequest || !strings.Contains(p.text("#err-testMode"), "sandbox") {
		t.Fatalf("test mode in production: %d %q", p.status, p.text(".error"))
	}
}

// settingsPosts is every change the settings' pages make, with a form
// that would succeed, and the permission it needs.
func settingsPosts(keyID, hookURL string) []struct {
	path string
	perm coft.Permission
	form url.Values
} {
	return []struct {
		path string
		perm coft.Permission
		form url.Values
	}{
		{"/settings/webhooks", coft.PermWebhooks, url.Values{"webhook_url": {hookURL}}},
		{"/settings/webhooks/test", coft.PermWebhooks, url.Values{}},
		{"/settings/origins", coft.PermOrigins, url.Values{"frame_origins": {"https://shop.example"}}},
		{"/settings/api-key", coft.PermKeys, url.Values{}},
		{"/settings/jwt-keys/upload", coft.PermKeys, url.Values{"public_key": {testPublicKey()}}},
		{"/settings/jwt-keys/revoke", coft.PermKeys, url.Values{"key_id": {keyID}}},
		{"/settings/brand", coft.PermBrand, url.Values{"color": {"#112233"}}},
		{"/settings/consent", coft.PermConsent, url.Values{"hosted_consent": {"on"}}},
		{"/settings/security", coft.PermSecurity, url.Values{}},
		{"/settings/onboarding", coft.PermOnboarding, onboardingForm("sub-roles")},
	}
}

var (
	testKeyOnce sync.Once
	testKeyPEM  string
)

// testPublicKey is a merchant's RSA public key (made once: making RSA keys
// takes a while).
func testPublicKey() string {
	testKeyOnce.Do(func() {
		k, err := jweauth.GenerateKey()
		if err != nil {
			panic(err)
		}
		testKeyPEM = jweauth.PublicKeyPEM(&k.PublicKey)
	})
	return testKeyPEM
}

func onboardingForm(associate string) url.Values {
	return url.Values{"associateId": {associate}, "flow": {"COFT"}, "network": {"VISA", "RUPAY"},
		"companyDetails.legalName": {"Sub One Private Limited"}, "companyDetails.tradeName": {"Sub One"},
		"companyDetails.websiteURL": {"https://sub.example"}, "companyDetails.businessIdentificationType": {"PAN"},
		"companyDetails.businessIdentificationValue": {"aaapl1234c"}, "testMode": {"on"}}
}

// TestConsoleSettingsRoles: a viewer is refused (403) every change of the
// settings and sees no way to make it; a developer may change webhooks,
// origins and keys, not the brand, consent, sign-in or onboarding; an
// admin may change them all. A refused post changes nothing.
func TestConsoleSettingsRoles(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) {
		c.ConsoleWebhooks = &webhook.Worker{AllowPrivate: true, Timeout: time.Second}
	})
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rcv.Close)
	m := h.findMerchant("alpha")
	m.WebhookURL = rcv.URL
	if err := h.db.UpdateMerchant(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	users := map[coft.Role]*browser{}
	for _, role := range []coft.Role{coft.RoleViewer, coft.RoleDeveloper, coft.RoleAdmin} {
		users[role] = h.signIn(h.consoleUser("alpha", string(role)+"@alpha.example", role, false))
	}
	viewerPage := users[coft.RoleViewer].get("/console/alpha/settings")
	if viewerPage.doc.Find(`#webhooks fieldset[disabled]`).Length() != 1 || viewerPage.doc.Find(`form[action*="/api-key"]`).Length() != 0 {
		t.Fatal("the viewer is offered changes")
	}
	if users[coft.RoleDeveloper].get("/console/alpha/settings").doc.Find(`form[action*="/api-key"]`).Length() != 1 {
		t.Fatal("the developer is not offered the key's rotation")
	}
	for _, role := range []coft.Role{coft.RoleViewer, coft.RoleDeveloper, coft.RoleAdmin} {
		b := users[role]
		tok := b.get("/console/alpha/settings").token()
		for _, post := range settingsPosts(h.jwtKey("alpha"), rcv.URL) {
			n := len(h.audit("alpha"))
			form := url.Values{}
			for k, v := range post.form {
				form[k] = v
			}
			form.Set("csrf", tok)
			p := b.submit("/console/alpha"+post.path, form)
			if role.Can(post.perm) {
				if p.status != http.StatusSeeOther && p.status != http.StatusOK {
					t.Errorf("%s %s: %d %s", role, post.path, p.status, p.text(".error"))
				}
				continue
			}
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "cannot do this") {
				t.Errorf("%s %s: %d, want 403", role, post.path, p.status)
			}
			if len(h.audit("alpha")) != n {
				t.Errorf("%s %s: refused, yet audited", role, post.path)
			}
		}
	}
	if coft.RoleDeveloper.Can(coft.PermBrand) || coft.RoleDeveloper.Can(coft.PermOnboarding) || coft.RoleDeveloper.Can(coft.PermSecurity) ||
		!coft.RoleDeveloper.Can(coft.PermKeys) || !coft.RoleAdmin.Can(coft.PermSecurity) {
		t.Fatal("the role matrix is not as the console says")
	}
}

// jwtKey makes a JWT key of the merchant and returns its id.
func (h *harness) jwtKey(merchantID string) string {
	h.t.Helper()
	k, _, err := jweauth.Issue(merchantID, testPublicKey(), h.locker)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.db.CreateJWTKey(context.Background(), k); err != nil {
		h.t.Fatal(err)
	}
	return k.ID
}

// TestConsoleSettingsCrossMerchant: alpha's admin gets 404 for every
// settings page and change of beta's, as for a merchant that does not
// exist, and cannot revoke beta's JWT key through alpha's console.
func TestConsoleSettingsCrossMerchant(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	b := h.signIn(h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, false))
	tok := settingsToken(t, b)
	betaKey := h.jwtKey("beta")
	for _, path := range []string{"/settings", "/settings/brand", "/settings/brand/preview", "/settings/jwt-keys", "/settings/onboarding", "/settings/audit"} {
		for _, merchant := range []string{"beta", "nobody"} {
			if p := b.get("/console/" + merchant + path); p.status != http.StatusNotFound {
				t.Errorf("GET %s%s: %d", merchant, path, p.status)
			}
		}
	}
	before := h.findMerchant("beta")
	for _, post := range settingsPosts(betaKey, "https://hooks.example/x") {
		form := url.Values{"csrf": {tok}}
		for k, v := range post.form {
			form[k] = v
		}
		if p := b.submit("/console/beta"+post.path, form); p.status != http.StatusNotFound {
			t.Errorf("POST beta%s: %d", post.path, p.status)
		}
	}
	// Beta's key id through alpha's own console: not found.
	if p := b.submit("/console/alpha/settings/jwt-keys/revoke", url.Values{"csrf": {tok}, "key_id": {betaKey}}); p.status != http.StatusNotFound {
		t.Errorf("revoking beta's key as alpha: %d", p.status)
	}
	if k, _ := h.db.FindJWTKey(t.Context(), betaKey); k.Revoked() {
		t.Fatal("beta's key was revoked")
	}
	if after := h.findMerchant("beta"); !after.UpdatedAt.Equal(before.UpdatedAt) || len(h.audit("beta")) != 0 {
		t.Fatal("beta changed")
	}
}

// TestConsoleAPIKeyRotation: the new key is shown once, on the rotation's
// answer only, and only its hash is stored; the API refuses the old key at
// once, although it caches merchants for an hour, and takes the new one.
func TestConsoleAPIKeyRotation(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) { c.MerchantCacheTTL = time.Hour })
	dev := h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false)
	b := h.signIn(dev)
	h.must(200, request{method: "POST", path: "/orders", key: h.keyA, form: "order_id=before&amount=10.00"}) // the key is cached now
	p := b.submit("/console/alpha/settings/api-key", url.Values{"csrf": {settingsToken(t, b)}})
	key := p.text("#new-api-key")
	if p.status != 200 || len(key) != 32 || strings.ToUpper(key) != key {
		t.Fatalf("rotation: %d, key %q", p.status, key)
	}
	h.must(http.StatusUnauthorized, request{method: "GET", path: "/orders/before", key: h.keyA})
	h.must(200, request{method: "GET", path: "/orders/before", key: key})
	if m := h.findMerchant("alpha"); string(m.APIKeyHash) != string(coft.HashAPIKey(key)) {
		t.Fatal("the stored hash is not the new key's")
	}
	wantAudit(t, h, 0, dev.email, auditWant{"api_key", coft.Redacted, coft.Redacted})
	if again := b.get("/console/alpha/settings"); strings.Contains(again.body, key) || again.doc.Find("#new-api-key").Length() != 0 {
		t.Fatal("the key is shown again")
	}
	if log := b.get("/console/alpha/settings/audit"); strings.Contains(log.body, key) {
		t.Fatal("the audit log shows the key")
	}
}

// TestConsoleWebhookTest: "Send a test event" posts a test event to the
// saved URL with the merchant's Basic credentials, and the page says how
// the receiver answered, or that it did not.
func TestConsoleWebhookTest(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) {
		c.ConsoleWebhooks = &webhook.Worker{AllowPrivate: true, Timeout: 200 * time.Millisecond}
	})
	type got struct{ user, pass, body string }
	hits := make(chan got, 4)
	status := http.StatusNoContent
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		hits <- got{u, p, readAll(r.Body)}
		w.WriteHeader(status)
	}))
	t.Cleanup(rcv.Close)
	b := h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false))
	tok := settingsToken(t, b)
	if b.get("/console/alpha/settings").doc.Find(`form[action*="/webhooks/test"]`).Length() != 0 {
		t.Fatal("a test button without a webhook URL")
	}
	if p := b.submit("/console/alpha/settings/webhooks/test", url.Values{"csrf": {tok}}); p.status != 400 ||
		!strings.Contains(p.text("#err-webhook_url"), "Save a webhook URL first") {
		t.Fatalf("no URL: %d %q", p.status, p.text("#err-webhook_url"))
	}
	if p := b.submit("/console/alpha/settings/webhooks", url.Values{"csrf": {tok}, "webhook_url": {rcv.URL + "/hooks"},
		"webhook_username": {"shop"}, "webhook_password": {"pw"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	if b.get("/console/alpha/settings").doc.Find(`form[action*="/webhooks/test"] button`).Length() != 1 {
		t.Fatal("no test button with a webhook URL")
	}
	p := b.submit("/console/alpha/settings/webhooks/test", url.Values{"csrf": {tok}})
	if p.status != 200 || !strings.Contains(p.text("#test-result"), "The receiver answered 204 in") {
		t.Fatalf("test: %d %q", p.status, p.text("#test-result"))
	}
	hit := <-hits
	if hit.user != "shop" || hit.pass != "pw" || !strings.Contains(hit.body, `"event_name":"TEST_EVENT"`) || !strings.Contains(hit.body, `"test":true`) {
		t.Fatalf("the receiver got %+v", hit)
	}
	status = http.StatusInternalServerError
	if p := b.submit("/console/alpha/settings/webhooks/test", url.Values{"csrf": {tok}}); !strings.Contains(p.text("#test-result"), "Not delivered: the receiver answered 500") {
		t.Fatalf("a failing receiver: %q", p.text("#test-result"))
	}
	<-hits
	rcv.Close()
	if p := b.submit("/console/alpha/settings/webhooks/test", url.Values{"csrf": {tok}}); !strings.Contains(p.text("#test-result"), "Not delivered after") {
		t.Fatalf("no receiver: %q", p.text("#test-result"))
	}
	if es := h.audit("alpha"); len(es) != 3 {
		t.Fatalf("test events were audited: %d entries", len(es))
	}
}

// TestConsoleBrandPreview: the brand page previews the real consent dialog
// at three sizes with the colour chosen (not saved yet), shows the colours
// the service adjusts it to, and the preview page is the dialog in the
// merchant's name with that colour, framed by the console only.
func TestConsoleBrandPreview(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	b := h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleViewer, false))
	p := b.get("/console/alpha/settings/brand?color=%23FFFF00&logo=https%3A%2F%2Fcdn.shop.example%2Flogo.png")
	frames := p.doc.Find(".dialog-previews iframe")
	if p.status != 200 || frames.Length() != 3 {
		t.Fatalf("brand page: %d, %d frames", p.status, frames.Length())
	}
	var sizes []string
	frames.Each(func(_ int, f *goquery.Selection) {
		src, _ := f.Attr("src")
		w, _ := f.Attr("width")
		ht, _ := f.Attr("height")
		sandbox, sandboxed := f.Attr("sandbox")
		title, _ := f.Attr("title")
		if !strings.HasPrefix(src, "/console/alpha/settings/brand/preview?") || !strings.Contains(src, "color=ffff00") ||
			!strings.Contains(src, "logo=https%3A%2F%2Fcdn.shop.example%2Flogo.png") || !sandboxed || sandbox != "" || title == "" {
			t.Errorf("frame %s sandbox=%q title=%q", src, sandbox, title)
		}
		sizes = append(sizes, w+"x"+ht)
	})
	if strings.Join(sizes, " ") != "360x740 740x360 1280x800" {
		t.Fatalf("sizes %v", sizes)
	}
	th, _ := coft.NewTheme("#ffff00")
	if adj := p.text("#brand-adjusted"); !strings.Contains(adj, th.Light.Brand) || !strings.Contains(adj, th.Dark.Brand) {
		t.Fatalf("the adjusted colours are not shown: %q", adj)
	}
	if p.doc.Find("#brand-save").Length() != 0 {
		t.Fatal("a viewer may save the brand")
	}
	if m := h.findMerchant("alpha"); m.BrandColor != "" {
		t.Fatal("previewing saved the colour")
	}

	res, err := b.client.Get(h.srv.URL + "/console/alpha/settings/brand/preview?color=ff9933&logo=https%3A%2F%2Fcdn.shop.example%2Flogo.png")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(res.Body)
	res.Body.Close()
	policy := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(body, "/v2/theme.css?brand=ff9933") || !strings.Contains(body, "Shop alpha") ||
		!strings.Contains(body, "https://cdn.shop.example/logo.png") {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(policy, "frame-ancestors 'self'") || res.Header.Get("X-Frame-Options") != "" ||
		!strings.Contains(policy, "https://cdn.shop.example") {
		t.Fatalf("preview's policy: %q, X-Frame-Options %q", policy, res.Header.Get("X-Frame-Options"))
	}
	// No colour given: the saved one (none: the service's).
	res, _ = b.client.Get(h.srv.URL + "/console/alpha/settings/brand/preview")
	if body := readAll(res.Body); res.StatusCode != 200 || strings.Contains(body, "theme.css") {
		t.Fatalf("preview of the saved brand: %d", res.StatusCode)
	}
	res.Body.Close()
	// Refused colours.
	if p := b.get("/console/alpha/settings/brand?color=red"); p.status != 400 || !strings.Contains(p.text("#err-color"), "like #0b5cad") {
		t.Fatalf("a colour name: %d %q", p.status, p.text("#err-color"))
	}
	if p := b.get("/console/alpha/settings/brand/preview?color=12345"); p.status != 400 {
		t.Fatalf("preview of a bad colour: %d", p.status)
	}
	// Unsigned, the preview is not served.
	if p := h.browser(true).get("/console/alpha/settings/brand/preview"); p.status != http.StatusSeeOther {
		t.Fatalf("unsigned preview: %d", p.status)
	}
}

// TestConsoleJWTKeys: a key pair generated here shows its private key
// once (never stored, never shown again); an uploaded public key gets a
// key id; a small or malformed key is refused naming the field; revoking
// ends a key at once for the API. Each change is audited.
func TestConsoleJWTKeys(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite, func(c *httpapi.Config) { c.MerchantCacheTTL = time.Hour })
	dev := h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false)
	b := h.signIn(dev)
	tok := settingsToken(t, b)

	p := b.submit("/console/alpha/settings/jwt-keys/generate", url.Values{"csrf": {tok}})
	private := p.text("#issued-private")
	if p.status != 200 || !strings.Contains(private, "BEGIN PRIVATE KEY") {
		t.Fatalf("generate: %d %q", p.status, p.text(".error"))
	}
	if _, err := jweauth.ParsePrivateKey(private); err != nil {
		t.Fatal(err)
	}
	ks, _ := h.db.ListJWTKeys(t.Context(), "alpha")
	if len(ks) != 1 || strings.Contains(fmt.Sprintf("%+v", ks[0]), "PRIVATE") && strings.Contains(string(ks[0].ServiceKeySealed), "PRIVATE") {
		t.Fatalf("keys: %+v", ks)
	}
	generated := ks[0].ID
	if page := b.get("/console/alpha/settings/jwt-keys"); strings.Contains(page.body, "PRIVATE KEY") || !strings.Contains(page.body, generated) {
		t.Fatal("the private key is shown again, or the key is not listed")
	}

	small, err := rsaPublicPEM(1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pem, want string }{
		{"", "The public key is required."},
		{"not a key", "No PEM block in the public key."},
		{small, "at least 2048"},
		{private, `Unexpected PEM block "PRIVATE KEY"`},
	} {
		p := b.submit("/console/alpha/settings/jwt-keys/upload", url.Values{"csrf": {tok}, "public_key": {c.pem}})
		if p.status != 400 || !strings.Contains(p.text("#err-public_key"), c.want) || c.pem == "not a key" && p.text("#public_key") != c.pem {
			t.Errorf("upload %.20q: %d %q", c.pem, p.status, p.text("#err-public_key"))
		}
	}
	p = b.submit("/console/alpha/settings/jwt-keys/upload", url.Values{"csrf": {tok}, "public_key": {testPublicKey()}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", p.status, p.text(".error"))
	}
	ks, _ = h.db.ListJWTKeys(t.Context(), "alpha")
	if len(ks) != 2 {
		t.Fatalf("%d keys", len(ks))
	}
	uploaded := ks[0].ID
	if uploaded == generated {
		uploaded = ks[1].ID
	}
	if page := b.get(p.location); !strings.Contains(page.text(`[role="status"]`), "registered as "+uploaded) {
		t.Fatalf("no notice: %q", page.text(`[role="status"]`))
	}

	if p := b.submit("/console/alpha/settings/jwt-keys/revoke", url.Values{"csrf": {tok}, "key_id": {generated}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", p.status, p.text(".error"))
	}
	if k, _ := h.db.FindJWTKey(t.Context(), generated); !k.Revoked() {
		t.Fatal("not revoked")
	}
	if p := b.submit("/console/alpha/settings/jwt-keys/revoke", url.Values{"csrf": {tok}, "key_id": {"key_nope"}}); p.status != http.StatusNotFound {
		t.Fatalf("an unknown key: %d", p.status)
	}

	// A key in use, cached by the API for an hour, is refused at once
	// after its revocation in the console.
	sdk := h.jweKeyFor("alpha")
	sdk.post(200, "/v4/orders", `{"order_id":"jwt1","amount":"5.00"}`)
	if p := b.submit("/console/alpha/settings/jwt-keys/revoke", url.Values{"csrf": {tok}, "key_id": {sdk.kid}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke the SDK's key: %d", p.status)
	}
	sdk.post(http.StatusUnauthorized, "/v4/orders", `{"order_id":"jwt2","amount":"5.00"}`)
	wantAudit(t, h, 0, dev.email,
		auditWant{"jwt_key", "", generated + ", key pair generated here"},
		auditWant{"jwt_key", "", uploaded + ", public key uploaded"},
		auditWant{"jwt_key", generated + ", live", generated + ", revoked"},
		auditWant{"jwt_key", sdk.kid + ", live", sdk.kid + ", revoked"})
}

// TestConsoleOnboarding: the page shows the merchant's and its
// sub-merchants' status per network and flow; the form onboards a
// sub-merchant (audited); a refused field is named with its label and
// nothing is submitted.
func TestConsoleOnboarding(t *testing.T) {
	h := newConsoleHarness(t, sqlstore.SQLite)
	ann := h.consoleUser("alpha", "ann@alpha.example", coft.RoleAdmin, false)
	b := h.signIn(ann)
	p := b.get("/console/alpha/settings/onboarding")
	rows := p.doc.Find("table.onboarding tbody tr")
	if p.status != 200 || rows.Length() != 2 || !strings.Contains(rows.First().Text(), "(this merchant)") ||
		rows.First().Find(".onboarding-onboarded").Length() != 5 {
		t.Fatalf("onboarding page: %d, %d rows", p.status, rows.Length())
	}
	tok := p.token()
	for _, c := range []struct {
		field, value, want string
	}{
		{"companyDetails.legalName", "", "Legal name is required."},
		{"companyDetails.businessIdentificationValue", "12345", "Business id is not a valid PAN"},
		{"companyDetails.websiteURL", "shop", "Website must be an absolute http or https URL."},
		{"associateId", "", "Sub-merchant id is required."},
		{"flow", "CARDS", "Flow must be ALT_ID or COFT."},
		{"network", "", "Choose at least one network."},
	} {
		form := onboardingForm("sub1")
		form.Set("csrf", tok)
		if c.value == "" {
			form.Del(c.field)
		} else {
			form.Set(c.field, c.value)
		}
		p := b.submit("/console/alpha/settings/onboarding", form)
		if p.status != 400 || !strings.Contains(p.text(`[id="err-`+c.field+`"]`), c.want) {
			t.Errorf("%s=%q: %d %q", c.field, c.value, p.status, p.text(`[role="alert"]`))
		}
		if p.doc.Find(`input[name="companyDetails.tradeName"]`).AttrOr("value", "") != "Sub One" {
			t.Errorf("%s: the form was not kept", c.field)
		}
	}
	if os, _ := h.db.ListOnboardings(t.Context(), "alpha", 10); len(os) != 2 || len(h.audit("alpha")) != 0 {
		t.Fatalf("a refused onboarding was recorded: %d", len(os))
	}
	form := onboardingForm("sub1")
	form.Set("csrf", tok)
	p = b.submit("/console/alpha/settings/onboarding", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("onboard: %d %q", p.status, p.text(`[role="alert"]`))
	}
	o, err := h.db.FindOnboarding(t.Context(), "alpha", "sub1", coft.FlowCOFT)
	if err != nil || o.NetworkStatus(coft.BrandVisa) != coft.OnboardingOnboarded || o.NetworkStatus(coft.BrandRuPay) != coft.OnboardingOnboarded ||
		o.NetworkStatus(coft.BrandAmex) != coft.OnboardingNotRequested || o.Company.BusinessIDValue != "AAAPL1234C" {
		t.Fatalf("onboarding: %+v, %v", o, err)
	}
	page := b.get(p.location)
	sub := page.doc.Find("table.onboarding tbody tr").Last()
	if !strings.Contains(page.text(`[role="status"]`), "sub1 was submitted") || !strings.Contains(sub.Text(), "sub1") ||
		sub.Find(".onboarding-onboarded").Length() != 2 || sub.Find(".onboarding-not_onboarded").Length() != 3 {
		t.Fatalf("after onboarding: %q / %q", page.text(`[role="status"]`), sub.Text())
	}
	wantAudit(t, h, 0, ann.email, auditWant{"onboarding", "", "sub1, COFT: VISA onboarded, RUPAY onboarded"})
}

// rsaPublicPEM is a new RSA public key of the size, as PEM.
func rsaPublicPEM(bits int) (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return "", err
	}
	return jweauth.PublicKeyPEM(&k.PublicKey), nil
}
