package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe-core, installed from npm by `make test` and CI
// (e2e/axe/package.json).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not installed (make test installs it with npm ci): %v", err)
	}
	return string(b)
}

// axeViolation is one failed rule as axe reports it.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkA11y runs axe on the current page against WCAG 2.2 A and AA and
// fails the test on any violation.
func checkA11y(t *testing.T, ctx context.Context, axe, what string) {
	t.Helper()
	checkA11yFrames(t, ctx, axe, what, true)
}

// checkA11yFrames is checkA11y, into the page's frames or not (axe waits
// for frames that do not run it; a page's frames may be checked on their
// own pages instead).
func checkA11yFrames(t *testing.T, ctx context.Context, axe, what string, frames bool) {
	t.Helper()
	var raw string
	err := chromedp.Run(ctx,
		chromedp.ActionFunc(func(c context.Context) error {
			_, exc, err := runtime.Evaluate(axe).Do(c)
			if exc != nil {
				return exc
			}
			return err
		}),
		chromedp.Evaluate(`axe.run(document, {iframes: `+strconv.FormatBool(frames)+`,
			runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
			.then(r => JSON.stringify(r.violations))`, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}),
	)
	if err != nil {
		t.Fatalf("%s: running axe: %v", what, err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatalf("%s: axe output %q: %v", what, raw, err)
	}
	for _, v := range violations {
		for _, n := range v.Nodes {
			t.Errorf("%s: %s (%s) at %v: %s", what, v.ID, v.Help, n.Target, n.HTML)
		}
	}
}

// TestAccessibility runs axe-core on every page a customer sees — the
// consent dialog (new card, saved card, with an error), the bank page, the
// result, the payment page and the saved-cards screen — at the three
// sizes, light and dark.
func TestAccessibility(t *testing.T) {
	axe := axeSource(t)
	s := startService(t)
	ctx := newBrowser(t, false)
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
		return page.SetBypassCSP(true).Do(c) // to inject axe into pages whose CSP allows only our scripts
	})); err != nil {
		t.Fatal(err)
	}
	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"a11y"}, "mobile_number": {"9876543210"},
		"email_address": {"a11y@example.com"}, "options.get_client_auth_token": {"true"}})
	token := cst["juspay"].(map[string]any)["client_auth_token"].(string)
	manage := s.base + "/cards/manage?client_auth_token=" + url.QueryEscape(token)

	for _, size := range sizes {
		for _, scheme := range []string{"light", "dark"} {
			name := size.name + "/" + scheme
			opts := []chromedp.EmulateViewportOption{}
			if size.mobile {
				opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			if err := chromedp.Run(ctx, chromedp.EmulateViewport(size.width, size.height, opts...),
				chromedp.ActionFunc(func(c context.Context) error {
					return emulateScheme(c, scheme)
				})); err != nil {
				t.Fatal(err)
			}
			order, authURL := s.startPayment("4242424242424242", nil)
			if err := chromedp.Run(ctx, chromedp.Navigate(authURL), wasmRunning); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, name+" consent dialog")
			if err := chromedp.Run(ctx, choose("accept"), chromedp.WaitVisible(`#otp`, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, name+" bank page")
			if err := chromedp.Run(ctx, chromedp.SendKeys(`#otp`, "000000", chromedp.ByQuery),
				chromedp.Click(`button[value="verify"]`, chromedp.ByQuery), chromedp.WaitVisible(`.error`, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, name+" bank page with an error")
			pay := s.api("POST", "/orders", url.Values{"order_id": {strings.ReplaceAll(order, "e2e", "pay")}, "amount": {"5"}})
			if err := chromedp.Run(ctx, chromedp.Navigate(pay["payment_links"].(map[string]any)["web"].(string)),
				chromedp.WaitVisible(`#card_number`, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, name+" payment page")
			if err := chromedp.Run(ctx, chromedp.Navigate(manage), manageRunning("coft-manage-title")); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, ctx, axe, name+" saved-cards screen")
			for _, state := range []string{"saved", "error"} {
				if err := chromedp.Run(ctx, chromedp.Navigate(s.base+"/demo/dialog?lang=hi&state="+state), wasmRunning); err != nil {
					t.Fatal(err)
				}
				checkA11y(t, ctx, axe, name+" consent dialog, "+state+" card state, Hindi")
			}
		}
	}
}

func emulateScheme(c context.Context, scheme string) error {
	return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}).Do(c)
}

// TestKeyboardOnly completes the dialog with the keyboard alone: Tab moves
// between the two choices (and stays in the dialog), Enter chooses.
func TestKeyboardOnly(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	for _, decision := range []string{"accept", "decline"} {
		order, authURL := s.startPayment("4242424242424242", nil)
		var first, second, wrapped string
		active := `document.activeElement && (document.activeElement.value || document.activeElement.id)`
		err := chromedp.Run(ctx,
			chromedp.Navigate(authURL),
			wasmRunning,
			chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(active, &first),
			chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(active, &second),
			chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(active, &wrapped),
		)
		if err != nil {
			t.Fatal(err)
		}
		if first != "accept" || second != "decline" || wrapped != "accept" {
			t.Fatalf("Tab order: %q, %q, then %q; want accept, decline, accept (focus kept in the dialog)", first, second, wrapped)
		}
		// Escape decides nothing: the focus goes back to the question.
		var escaped string
		if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Escape), chromedp.Evaluate(active, &escaped),
			chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		if escaped != "coft-title" {
			t.Fatalf("after Escape the focus is on %q, want the title", escaped)
		}
		if decision == "decline" {
			if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		err = chromedp.Run(ctx,
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
			chromedp.SendKeys(`#otp`, "123456"+kb.Enter, chromedp.ByQuery),
			chromedp.WaitVisible(`#back`, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatal(err)
		}
		c := card(s, order)
		if c["tokenization_user_consent"] != (decision == "accept") {
			t.Fatalf("%s by keyboard recorded %v", decision, c["tokenization_user_consent"])
		}
	}
}

// TestThemeKeepsContrast: a merchant's brand colour that would fail WCAG
// (yellow) themes the dialog and the saved-cards screen, adjusted so that
// axe still finds nothing, in light and dark.
func TestThemeKeepsContrast(t *testing.T) {
	axe := axeSource(t)
	s := startService(t, "-brand-color", "#ffff00")
	ctx := newBrowser(t, false)
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error { return page.SetBypassCSP(true).Do(c) })); err != nil {
		t.Fatal(err)
	}
	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"theme"}, "mobile_number": {"9876543210"},
		"email_address": {"t@example.com"}, "options.get_client_auth_token": {"true"}})
	manage := s.base + "/cards/manage?client_auth_token=" + url.QueryEscape(cst["juspay"].(map[string]any)["client_auth_token"].(string))
	for _, scheme := range []string{"light", "dark"} {
		if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error { return emulateScheme(c, scheme) })); err != nil {
			t.Fatal(err)
		}
		_, authURL := s.startPayment("4242424242424242", nil)
		var border string
		if err := chromedp.Run(ctx, chromedp.Navigate(authURL), wasmRunning,
			chromedp.Evaluate(`getComputedStyle(document.querySelector('button[name="decision"]')).borderTopColor`, &border)); err != nil {
			t.Fatal(err)
		}
		if border == "rgb(11, 92, 173)" || border == "rgb(122, 184, 255)" {
			t.Fatalf("%s: the merchant's theme was not applied (border %s)", scheme, border)
		}
		checkA11y(t, ctx, axe, scheme+" themed consent dialog")
		if err := chromedp.Run(ctx, chromedp.Navigate(manage), manageRunning("coft-manage-title")); err != nil {
			t.Fatal(err)
		}
		checkA11y(t, ctx, axe, scheme+" themed saved-cards screen")
	}
}
