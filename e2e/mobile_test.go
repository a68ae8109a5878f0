package e2e

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestWasmCachedOnRepeatVisit checks that a second payment in the same
// browser downloads no wasm bytes: the versioned wasm URL is cached.
func TestWasmCachedOnRepeatVisit(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	wasmTransfer := `performance.getEntriesByType("resource").filter(e => e.name.endsWith(".wasm")).map(e => e.transferSize)`
	var first, second []float64
	_, u1 := s.startPayment("4242424242424242", nil)
	_, u2 := s.startPayment("4242424242424242", nil)
	err := chromedp.Run(ctx,
		chromedp.Navigate(u1), wasmRunning, chromedp.Evaluate(wasmTransfer, &first),
		chromedp.Navigate(u2), wasmRunning, chromedp.Evaluate(wasmTransfer, &second),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || first[0] == 0 || first[0] > 1.5e6 {
		t.Fatalf("first visit wasm transfer sizes %v: want one download of at most 1.5 MB", first)
	}
	if len(second) != 1 || second[0] != 0 {
		t.Fatalf("repeat visit wasm transfer sizes %v: want it served from cache", second)
	}
}

// networks are Chromium DevTools' mobile throttling profiles.
var networks = []struct {
	name      string
	latencyMS float64
	down, up  float64 // bytes per second
}{
	{"fast4G", 60, 9e6 / 8, 1.5e6 / 8},    // DevTools "Fast 4G"
	{"slow4G", 150, 1.6e6 / 8, 750e3 / 8}, // DevTools "Slow 4G"
}

// BenchmarkConsentMobile loads the consent page cold (a fresh browser
// profile) in a mobile viewport with the CPU slowed 4×, on each network
// profile, and reports when the dialog was first painted with content (it
// is choosable then: the prerendered page is a working form), when the
// wasm was running, and the wasm's bytes on the wire.
// Run with: go test -run '^$' -bench Mobile -benchtime 5x ./e2e
func BenchmarkConsentMobile(b *testing.B) {
	s := startService(b)
	for _, n := range networks {
		b.Run(n.name, func(b *testing.B) {
			var paint, wasm, bytes float64
			for i := 0; i < b.N; i++ {
				ctx := newBrowser(b, false) // a fresh profile: nothing cached
				_, authURL := s.startPayment("4242424242424242", nil)
				var fcp, ready, transfer float64
				err := chromedp.Run(ctx,
					network.Enable(),
					network.EmulateNetworkConditions(false, n.latencyMS, n.down, n.up),
					emulation.SetCPUThrottlingRate(4),
					chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
					chromedp.Navigate(authURL),
					wasmRunning,
					chromedp.Evaluate(`performance.now()`, &ready),
					chromedp.Evaluate(`(performance.getEntriesByName("first-contentful-paint")[0] || {startTime: -1}).startTime`, &fcp),
					chromedp.Evaluate(`performance.getEntriesByType("resource").filter(e => e.name.endsWith(".wasm")).reduce((a, e) => a + e.transferSize, 0)`, &transfer),
				)
				if err != nil {
					b.Fatal(err)
				}
				if fcp < 0 {
					b.Fatal("no first contentful paint recorded")
				}
				paint += fcp
				wasm += ready
				bytes += transfer
				chromedp.Cancel(ctx)
			}
			b.ReportMetric(paint/float64(b.N), "ms-first-paint")
			b.ReportMetric(wasm/float64(b.N), "ms-wasm-running")
			b.ReportMetric(bytes/float64(b.N), "wasm-bytes")
			b.ReportMetric(0, "ns/op")
		})
	}
}
