package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDemo walks the demo as a product team would: the gallery shows the
// dialog at three sizes; a hosted checkout and a drop-in checkout each end
// charged with the card tokenized.
func TestDemo(t *testing.T) {
	p := startProc(t, append(os.Environ(), "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR=127.0.0.1:0"))
	ctx := newBrowser(t, false)

	var frames int
	err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/demo?lang=hi&state=saved"),
		chromedp.WaitVisible(`.gallery`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll(".gallery iframe").length`, &frames),
	)
	if err != nil || frames != 3 {
		t.Fatalf("gallery: %d frames, %v", frames, err)
	}
	clickInFrame(t, ctx, "/demo/dialog", `button[name="decision"][value="accept"]`) // the dialog is there, and inert

	// Hosted: card entry, consent, bank, back to the demo.
	var notice string
	err = chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/demo"),
		chromedp.SetValue(`#demo-card`, "4242424242424242", chromedp.ByQuery),
		submitDemo("hosted"),
		chromedp.WaitVisible(`#card_number`, chromedp.ByQuery),
		enterCard("4242424242424242"),
		wasmRunning,
		choose("accept"),
		chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
		chromedp.SendKeys(`#otp`, "123456", chromedp.ByQuery),
		chromedp.Click(`button[value="verify"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#demo-notice`, chromedp.ByQuery),
		chromedp.Text(`#demo-notice`, &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "CHARGED") || !strings.Contains(notice, "network token") {
		t.Fatalf("hosted checkout: %q", notice)
	}

	// Drop-in: the store's own form; the dialog appears for the card.
	err = chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/demo"),
		chromedp.SetValue(`#demo-card`, "4242424242424242", chromedp.ByQuery),
		submitDemo("dropin"),
		chromedp.WaitVisible(`form#checkout`, chromedp.ByQuery), // the store's page (the demo's own #checkout is a heading)
	)
	if err != nil {
		t.Fatal(err)
	}
	clickInFrame(t, ctx, "/v2/consent/widget", `button[name="decision"][value="accept"]`)
	err = chromedp.Run(ctx,
		waitFor(`(document.querySelector('#checkout input[name="tokenize"]') || {}).value === "true"`),
		chromedp.Click(`#checkout button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
		chromedp.SendKeys(`#otp`, "123456", chromedp.ByQuery),
		chromedp.Click(`button[value="verify"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#demo-notice`, chromedp.ByQuery),
		chromedp.Text(`#demo-notice`, &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "CHARGED") || !strings.Contains(notice, "network token") {
		t.Fatalf("drop-in checkout: %q", notice)
	}
}

// submitDemo chooses a checkout on the demo page. It clicks the button
// from script: the gallery's frames size themselves once loaded, and a
// mouse click aimed before that shift can land beside the button.
func submitDemo(mode string) chromedp.Action {
	return chromedp.Evaluate(`document.querySelector('button[name="mode"][value="`+mode+`"]').click()`, nil)
}
