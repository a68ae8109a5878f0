package e2e

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// lastConsentRecord returns the record of the last ledger entry of the
// customer that startPayment made for an order.
func lastConsentRecord(s *service, orderID string) map[string]any {
	s.t.Helper()
	h := s.api("GET", "/customers/u"+orderID+"/consents", nil)
	list, _ := h["consents"].([]any)
	if len(list) == 0 {
		s.t.Fatalf("no consent history for order %s: %v", orderID, h)
	}
	var rec map[string]any
	raw, _ := json.Marshal(list[len(list)-1].(map[string]any)["record"])
	json.Unmarshal(raw, &rec)
	return rec
}

// TestFormFactorRecorded: the decision's ledger record holds the form
// factor the dialog measured at each of the three sizes (the wasm
// running), and without JavaScript the one the browser's client hints
// say.
func TestFormFactorRecorded(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			order, authURL := s.startPayment("4242424242424242", nil)
			opts := []chromedp.EmulateViewportOption{}
			if size.mobile {
				opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			if err := chromedp.Run(ctx, chromedp.EmulateViewport(size.width, size.height, opts...), chromedp.Navigate(authURL),
				wasmRunning, choose("accept"), enterOTP("123456")); err != nil {
				t.Fatal(err)
			}
			if r := lastConsentRecord(s, order); r["form_factor"] != size.name || r["form_factor_source"] != "dialog" {
				t.Errorf("record at %s: form_factor %v, source %v", size.name, r["form_factor"], r["form_factor_source"])
			}
		})
	}
	t.Run("without JavaScript", func(t *testing.T) {
		ctx := newBrowser(t, false)
		order, authURL := s.startPayment("4242424242424242", nil)
		if err := chromedp.Run(ctx, emulation.SetScriptExecutionDisabled(true), chromedp.Navigate(authURL),
			chromedp.WaitVisible(`button[name="decision"][value="accept"]`, chromedp.ByQuery), choose("accept"), enterOTP("123456")); err != nil {
			t.Fatal(err)
		}
		// Headless Chromium on Linux: Sec-CH-UA-Mobile ?0.
		if r := lastConsentRecord(s, order); r["form_factor"] != "desktop" || r["form_factor_source"] != "hints" {
			t.Errorf("record without JavaScript: form_factor %v, source %v", r["form_factor"], r["form_factor_source"])
		}
	})
}
