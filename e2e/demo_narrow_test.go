package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// narrowSizes are the phones /demo must fit without sideways scrolling.
var narrowSizes = []struct {
	name          string
	width, height int64
}{
	{"360x740", 360, 740},
	{"390x844", 390, 844},
}

// demoFit is what the browser reports of /demo's width and its gallery.
type demoFit struct {
	VW, ScrollWidth float64
	Frames          []struct {
		Title                           string
		Left, Right, Top, Width, Height float64
		BoxRight, BoxWidth, BoxHeight   float64
		InnerWidth, InnerHeight         float64
	}
	Wide []string // elements that reach past the viewport's sides
}

const measureDemo = `(() => {
	const vw = innerWidth;
	const frames = [...document.querySelectorAll(".gallery iframe")].map(f => {
		const r = f.getBoundingClientRect(), b = f.parentElement.getBoundingClientRect();
		return {Title: f.title, Left: r.left, Right: r.right, Top: r.top, Width: r.width, Height: r.height,
			BoxRight: b.right, BoxWidth: b.width, BoxHeight: b.height,
			InnerWidth: f.contentWindow.innerWidth, InnerHeight: f.contentWindow.innerHeight};
	});
	const wide = [...document.body.querySelectorAll("*")].filter(e => {
		const r = e.getBoundingClientRect();
		return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5);
	}).slice(0, 10).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") +
		" " + Math.round(e.getBoundingClientRect().left) + ".." + Math.round(e.getBoundingClientRect().right));
	return JSON.stringify({VW: vw, ScrollWidth: document.documentElement.scrollWidth, Frames: frames, Wide: wide});
})()`

// framesLoaded waits until every frame of the gallery has its page.
var framesLoaded = waitFor(`[...document.querySelectorAll(".gallery iframe")].every(f =>
	f.contentDocument && f.contentDocument.readyState === "complete" && f.contentDocument.querySelector("main, #coft-consent, body > *"))`)

// checkDemoFits fails the test if /demo, as shown now, scrolls sideways
// or a preview reaches out of the viewport, or a preview's window is not
// the size it names.
func checkDemoFits(t *testing.T, ctx context.Context, what string, width int64) {
	t.Helper()
	var raw string
	if err := chromedp.Run(ctx, framesLoaded, chromedp.Evaluate(measureDemo, &raw)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var m demoFit
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if m.VW != float64(width) || m.ScrollWidth > m.VW {
		t.Errorf("%s: scrolls sideways: the page is %v px wide in a %v px viewport (device %d); too wide: %v",
			what, m.ScrollWidth, m.VW, width, m.Wide)
	}
	want := map[string][2]float64{"Mobile portrait": {360, 740}, "Mobile landscape": {740, 360}, "Desktop": {1280, 800}}
	if len(m.Frames) != len(want) {
		t.Fatalf("%s: %d previews", what, len(m.Frames))
	}
	for _, f := range m.Frames {
		if f.Left < 0 || f.Right > m.VW+0.5 || f.BoxRight > m.VW+0.5 {
			t.Errorf("%s: the %s preview (%.1f..%.1f, its box to %.1f) is outside the %v px viewport", what, f.Title, f.Left, f.Right, f.BoxRight, m.VW)
		}
		// The box takes the scaled size: no gap, no overflow.
		if abs(f.BoxWidth-f.Width) > 1 || abs(f.BoxHeight-f.Height) > 1 {
			t.Errorf("%s: the %s preview is drawn %.1f × %.1f in a box of %.1f × %.1f", what, f.Title, f.Width, f.Height, f.BoxWidth, f.BoxHeight)
		}
		if w := want[f.Title]; f.InnerWidth != w[0] || f.InnerHeight != w[1] {
			t.Errorf("%s: the %s preview's window is %v × %v, want %v × %v", what, f.Title, f.InnerWidth, f.InnerHeight, w[0], w[1])
		}
	}
}

// previewsLive waits until the wasm runs the dialog in every preview (the
// "not eligible" state has no dialog: it has no wasm to wait for).
var previewsLive = waitFor(`[...document.querySelectorAll(".gallery iframe")].every(f =>
	f.contentDocument.querySelector("#coft-consent.coft-live") || !f.contentDocument.querySelector("#coft-consent"))`)

// checkPreviewsKeepFocus fails the test if the gallery's dialogs, once
// running, took the focus, and the page's scroll with it, from the page:
// a phone's reader would be thrown from the checkout to the gallery.
func checkPreviewsKeepFocus(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	var got string
	if err := chromedp.Run(ctx, previewsLive,
		chromedp.Evaluate(`scrollY + " " + document.activeElement.tagName.toLowerCase()`, &got)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != "0 body" {
		t.Errorf("%s: once the previews run, the page is scrolled to / focused on %q, want 0 body", what, got)
	}
}

// TestDemoOnPhones: /demo at 360 and 390 px wide scrolls only down: the
// gallery's previews are scaled to the screen (their own windows keep
// their true sizes), the checkout's controls fit, axe finds nothing at
// 360 px in light and dark, and a hosted checkout at 360 px ends back on
// the demo with the order's story linked in the console.
func TestDemoOnPhones(t *testing.T) {
	axe := axeSource(t)
	p := startProc(t, append(os.Environ(), "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR=127.0.0.1:0"))
	ctx := newBrowser(t, false)
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
		return page.SetBypassCSP(true).Do(c) // to inject axe
	})); err != nil {
		t.Fatal(err)
	}
	for _, size := range narrowSizes {
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(size.width, size.height,
			chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"", "?lang=ta&state=error&brand=6f2dbd"} {
			if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/demo"+q)); err != nil {
				t.Fatal(err)
			}
			checkDemoFits(t, ctx, size.name+" /demo"+q, size.width)
			checkPreviewsKeepFocus(t, ctx, size.name+" /demo"+q)
		}
		// The checkout's controls are on the screen and big enough to tap.
		var raw string
		if err := chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify([...document.querySelectorAll(".demo-form select, .demo-form button, .demo-switches select, .demo-switches button")].map(e => {
			const r = e.getBoundingClientRect(); return {Name: e.id || e.value, Left: r.left, Right: r.right, Height: r.height};
		}))`, &raw)); err != nil {
			t.Fatal(err)
		}
		var controls []struct {
			Name                string
			Left, Right, Height float64
		}
		if err := json.Unmarshal([]byte(raw), &controls); err != nil {
			t.Fatal(err)
		}
		if len(controls) < 8 {
			t.Fatalf("%s: %d controls: %s", size.name, len(controls), raw)
		}
		for _, c := range controls {
			if c.Left < 0 || c.Right > float64(size.width)+0.5 || c.Height < 44 {
				t.Errorf("%s: control %s at %.1f..%.1f, %.1f px tall: off the screen or under 44 px", size.name, c.Name, c.Left, c.Right, c.Height)
			}
		}
	}

	if err := chromedp.Run(ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile,
		chromedp.EmulateTouch), chromedp.Navigate(p.base+"/demo"), framesLoaded); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"light", "dark"} {
		if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error { return emulateScheme(c, scheme) })); err != nil {
			t.Fatal(err)
		}
		checkA11yFrames(t, ctx, axe, "360x740/"+scheme+" /demo", false)
	}
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error { return emulateScheme(c, "light") })); err != nil {
		t.Fatal(err)
	}

	// A hosted checkout at 360 px, tapped as a customer taps.
	var notice, href string
	var ok bool
	err := chromedp.Run(ctx,
		chromedp.SetValue(`#demo-card`, "4242424242424242", chromedp.ByQuery),
		chromedp.Click(`button[name="mode"][value="hosted"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#card_number`, chromedp.ByQuery),
		enterCard("4242424242424242"),
		wasmRunning,
		choose("accept"),
		chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
		chromedp.SendKeys(`#otp`, "123456", chromedp.ByQuery),
		chromedp.Click(`button[value="verify"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#demo-notice`, chromedp.ByQuery),
		chromedp.Text(`#demo-notice`, &notice, chromedp.ByQuery),
		chromedp.AttributeValue(`#demo-notice a#demo-console`, "href", &href, &ok, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "CHARGED") || !strings.Contains(notice, "network token") {
		t.Fatalf("hosted checkout at 360 px: %q", notice)
	}
	orderID := strings.Fields(notice)[1]
	if want := "/console/demo/orders/" + orderID; !ok || href != want {
		t.Errorf("the result links to %q (%v), want %q", href, ok, want)
	}
	checkDemoFits(t, ctx, "360x740 /demo with a result", 360)
	checkA11yFrames(t, ctx, axe, "360x740 /demo with a result", false)
}

// TestDemoIframeOnPhone: the demo's iframe checkout at 360 px, tapped as a
// customer taps: the store's page fits, and the dialog that follows the
// card in the frame takes the focus there (a frame the customer pays in
// does; the gallery's previews do not).
func TestDemoIframeOnPhone(t *testing.T) {
	p := startProc(t, append(os.Environ(), "DATA_DIR="+t.TempDir(), "WEB_DIR="+webDir, "ADDR=127.0.0.1:0"))
	ctx := newBrowser(t, false)
	var frames []*cdp.Node
	var scrollWidth float64
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(p.base+"/demo"),
		chromedp.SetValue(`#demo-card`, "4242424242424242", chromedp.ByQuery),
		chromedp.Click(`button[name="mode"][value="iframe"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pay-frame`, chromedp.ByQuery),
		chromedp.Nodes(`#pay-frame`, &frames, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	in := chromedp.FromNode(frames[0])
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`#card_number`, chromedp.ByQuery, in),
		chromedp.Click(`#card_number`, chromedp.ByQuery, in),
		chromedp.SendKeys(`#card_number`, "4242424242424242", chromedp.ByQuery, in),
		chromedp.SendKeys(`#card_exp_month`, "12", chromedp.ByQuery, in),
		chromedp.SendKeys(`#card_exp_year`, "31", chromedp.ByQuery, in),
		chromedp.SendKeys(`#card_security_code`, "123", chromedp.ByQuery, in),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
		chromedp.Click(`.card-form button`, chromedp.ByQuery, in),
	)
	if err != nil {
		t.Fatal(err)
	}
	if scrollWidth > 360 {
		t.Errorf("the store's page is %v px wide at 360 px", scrollWidth)
	}
	inFrame(t, ctx, "/v2/txns/consent", `(document.activeElement ? document.activeElement.id : "") + " " + document.hasFocus()`,
		func(s string) bool { return s == "coft-title true" })
}
