package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/coftkit/coft/console"
)

// consoleAdmin adds an admin to the service's merchant with the admin
// command and returns the one-time link's path.
func consoleAdmin(t *testing.T, s *service, email string) string {
	t.Helper()
	out, err := run(s.env, "merchants", "users", "add", "-id", "chaipoint", "-email", email, "-role", "admin")
	if err != nil {
		t.Fatalf("merchants users add: %v\n%s", err, out)
	}
	var u struct {
		SetupURL string `json:"setup_url"`
	}
	json.Unmarshal(out, &u)
	link, err := url.Parse(u.SetupURL)
	if err != nil || link.Query().Get("token") == "" {
		t.Fatalf("no setup link in %s", out)
	}
	return "/console/setup?token=" + link.Query().Get("token")
}

// acceptDialogs answers yes to the page's confirm() questions (the
// console asks before a refund or a key rotation).
func acceptDialogs(ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(true))
		}
	})
}

// apiStatus is the HTTP status of an order-status call with key.
func apiStatus(t *testing.T, base, key, orderID string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/orders/"+orderID, nil)
	req.SetBasicAuth(key, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestConsole walks the console as a merchant's admin does, in Chromium:
// set a password from the one-time link, sign in with an authenticator
// (the merchant requires one, so it is added at the first sign-in), find
// an order paid with consent, read its timeline in order, refund it,
// change the brand colour and see the dialog's preview change, rotate the
// API key and see the API refuse the old one, and sign out.
func TestConsole(t *testing.T) {
	s := startService(t)
	if out, err := run(s.env, "merchants", "update", "-id", "chaipoint", "-require-totp=true"); err != nil {
		t.Fatalf("merchants update: %v\n%s", err, out)
	}
	setup := consoleAdmin(t, s, "asha@chaipoint.example")
	ctx := newBrowser(t, false)
	acceptDialogs(ctx)

	// A customer pays with consent.
	order, authURL := s.startPayment("4242424242424242", nil)
	if err := chromedp.Run(ctx, chromedp.Navigate(authURL), wasmRunning, choose("accept"), enterOTP("123456")); err != nil {
		t.Fatal(err)
	}

	const password = "chai and biscuits, twice"
	var secret string
	err := chromedp.Run(ctx,
		chromedp.Navigate(s.base+setup),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm`, password, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, "asha@chaipoint.example", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#totp-secret`, chromedp.ByQuery),
		chromedp.Text(`#totp-secret`, &secret, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	var h1 string
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`#code`, console.TOTPCode(strings.TrimSpace(secret), time.Now()), chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.orders`, chromedp.ByQuery),
		chromedp.Text(`h1`, &h1, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if h1 != "Orders" {
		t.Fatalf("after sign-in: %q", h1)
	}

	// Find the order and read its story.
	var kinds []string
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`#order_id`, order, chromedp.ByQuery),
		chromedp.Submit(`#order_id`, chromedp.ByQuery),
		chromedp.WaitVisible(`table.orders a[href$="/`+order+`"]`, chromedp.ByQuery),
		chromedp.Click(`table.orders a[href$="/`+order+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`ol.timeline`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("ol.timeline > li")].map(li => li.className.replace("step-", "") + ":" + li.querySelector(".what").textContent)`, &kinds),
	); err != nil {
		t.Fatal(err)
	}
	want := []string{"order:Order created", "attempt:", "consent:Consent dialog shown", "consent:", "bank:", "charge:Charged",
		"card:Card saved", "token:", "token:", "webhook:"}
	i := 0
	for _, k := range kinds {
		if i < len(want) && strings.HasPrefix(k, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("the timeline's steps %q do not include %q in that order (stopped at %q)", kinds, want, want[i])
	}

	// Refund part of it, from the order's page.
	var refunded string
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`#refund-amount`, "100.00", chromedp.ByQuery),
		chromedp.Click(`form[action$="/refund"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`ol.timeline li.step-refund`, chromedp.ByQuery),
		chromedp.Text(`ol.timeline li.step-refund`, &refunded, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	st := s.api("GET", "/orders/"+order, nil)
	if fmt.Sprint(st["amount_refunded"]) != "100" || !strings.Contains(refunded, "100") {
		t.Errorf("after the refund: amount_refunded %v, the timeline says %q", st["amount_refunded"], refunded)
	}

	// The brand colour: the previews follow the picker before it is saved.
	var src string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.base+"/console/chaipoint/settings/brand"),
		chromedp.WaitVisible(`#color`, chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const c = document.getElementById("color"); const d = document.getElementById("default-color");
			if (d) d.checked = false; c.value = "#6f2dbd"; c.dispatchEvent(new Event("input", {bubbles: true})); c.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, nil),
		waitFor(`[...document.querySelectorAll(".dialog-previews iframe")].every(f => f.src.includes("6f2dbd"))`),
		chromedp.AttributeValue(`.dialog-previews iframe`, "src", &src, nil, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var brand string
	if strings.HasPrefix(src, "/") {
		src = s.base + src
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(src),
		chromedp.Evaluate(`getComputedStyle(document.documentElement).getPropertyValue("--brand").trim()`, &brand)); err != nil {
		t.Fatal(err)
	}
	if brand == "" || !strings.Contains(strings.ToLower(brand), "#") {
		t.Errorf("the preview's --brand is %q", brand)
	}
	var before string
	if err := chromedp.Run(ctx, chromedp.Navigate(s.base+"/console/chaipoint/settings/brand?color=000000"),
		chromedp.WaitVisible(`.dialog-previews iframe`, chromedp.ByQuery),
		chromedp.AttributeValue(`.dialog-previews iframe`, "src", &before, nil, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if s.base+before == src || before == src {
		t.Errorf("the preview did not change with the colour: %s", src)
	}

	// Rotate the API key: the new one is shown once, the old one refused.
	var newKey string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.base+"/console/chaipoint/settings"),
		chromedp.Click(`form[action*="/settings/api-key"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#new-api-key`, chromedp.ByQuery),
		chromedp.Text(`#new-api-key`, &newKey, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if got := apiStatus(t, s.base, s.apiKey, order); got != http.StatusUnauthorized {
		t.Errorf("the old key after rotation: %d", got)
	}
	if got := apiStatus(t, s.base, strings.TrimSpace(newKey), order); got != http.StatusOK {
		t.Errorf("the new key: %d", got)
	}
	s.apiKey = strings.TrimSpace(newKey)

	// Sign out: the console asks to sign in again.
	var loc string
	if err := chromedp.Run(ctx,
		chromedp.Click(`form.sign-out button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.Navigate(s.base+"/console/chaipoint/orders"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.Location(&loc),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/console/sign-in") {
		t.Errorf("after sign-out, the orders page is at %s", loc)
	}
}

// signInConsole makes an admin of the service's merchant and signs the
// browser in (no authenticator: the merchant does not require one).
func signInConsole(t *testing.T, ctx context.Context, s *service, email string) {
	t.Helper()
	setup := consoleAdmin(t, s, email)
	const password = "masala chai, no sugar"
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.base+setup),
		chromedp.WaitVisible(`#password`, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm`, password, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`nav[aria-label="Console"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleAccessibility runs axe on every console page, at 360 × 740
// and 1280 × 800, light and dark, and checks that none scrolls sideways.
// Each size and scheme has a browser of its own (and its own time budget).
func TestConsoleAccessibility(t *testing.T) {
	axe := axeSource(t)
	s := startService(t)
	pay := newBrowser(t, false)
	order, authURL := s.startPayment("4242424242424242", nil)
	if err := chromedp.Run(pay, chromedp.Navigate(authURL), wasmRunning, choose("accept"), enterOTP("123456")); err != nil {
		t.Fatal(err)
	}
	st := s.api("GET", "/orders/"+order, nil)
	customer, _ := st["customer_id"].(string)
	events := s.api("GET", "/webhooks/events?order_id="+order, nil)
	var event string
	if list, _ := events["events"].([]any); len(list) > 0 {
		event, _ = list[0].(map[string]any)["id"].(string)
	}
	if customer == "" || event == "" {
		t.Fatalf("order %s: customer %q, event %q", order, customer, event)
	}
	var pages []string
	for _, p := range []string{"/orders", "/orders/" + order, "/customers", "/customers/" + customer, "/consents",
		"/settings", "/settings/brand", "/settings/jwt-keys", "/settings/onboarding", "/settings/audit",
		"/developers", "/developers/events/" + event, "/account"} {
		pages = append(pages, "/console/chaipoint"+p)
	}
	n := 0
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"360x740", 360, 740, true}, {"1280x800", 1280, 800, false}} {
		for _, scheme := range []string{"light", "dark"} {
			n++
			ctx := newBrowser(t, false)
			opts := []chromedp.EmulateViewportOption{}
			if size.mobile {
				opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
				return page.SetBypassCSP(true).Do(c) // to inject axe
			}), chromedp.EmulateViewport(size.width, size.height, opts...),
				chromedp.ActionFunc(func(c context.Context) error { return emulateScheme(c, scheme) }),
				chromedp.Navigate(s.base+"/console/sign-in"), chromedp.WaitVisible(`#email`, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, size.name+"/"+scheme+" sign-in")
			signInConsole(t, ctx, s, fmt.Sprintf("a11y%d@chaipoint.example", n))
			for _, p := range pages {
				name := size.name + "/" + scheme + " " + p
				var title string
				var wide bool
				if err := chromedp.Run(ctx, chromedp.Navigate(s.base+p), chromedp.WaitReady(`main h1`, chromedp.ByQuery),
					chromedp.Text(`main h1`, &title, chromedp.ByQuery),
					chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &wide)); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if strings.Contains(title, "Not found") || strings.Contains(title, "Something went wrong") {
					t.Errorf("%s: %q", name, title)
				}
				if wide {
					t.Errorf("%s scrolls sideways", name)
				}
				checkA11y(t, ctx, axe, name)
			}
		}
	}
}
