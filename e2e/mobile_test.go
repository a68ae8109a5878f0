package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
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

// network4G is a Chromium DevTools mobile throttling profile.
type network4G struct {
	name      string
	latencyMS float64
	down, up  float64 // bytes per second
}

// networks are Chromium DevTools' mobile throttling profiles.
var networks = []network4G{
	{"fast4G", 60, 9e6 / 8, 1.5e6 / 8},    // DevTools "Fast 4G"
	{"slow4G", 150, 1.6e6 / 8, 750e3 / 8}, // DevTools "Slow 4G"
}

// BenchmarkConsentMobile loads, cold (a fresh browser profile each time),
// in a mobile viewport with the CPU slowed 4× and on each network profile,
// two pages in turn, so that both see the same machine:
//   - consent: the consent page as the service serves it;
//   - goapp: a minimal go-app page (one line of text) as go-app's own
//     handler serves it by default, with the same app.wasm (uncompressed,
//     from the web directory): the reference.
//
// It reports, for each, the first contentful paint (the consent dialog is
// choosable then: the prerendered page is a working form) and when the wasm
// was running (go-app's loader removed), their ratios (consent / goapp),
// and the consent page's wasm bytes on the wire.
// Run with: go test -run '^$' -bench Mobile -benchtime 10x ./e2e
func BenchmarkConsentMobile(b *testing.B) {
	s := startService(b)
	minimal := httptest.NewServer(minimalGoApp())
	defer minimal.Close()
	load := func(b *testing.B, u string, n network4G) (fcp, ready, transfer float64) {
		ctx := newBrowser(b, false) // a fresh profile: nothing cached
		defer chromedp.Cancel(ctx)
		err := chromedp.Run(ctx,
			network.Enable(),
			network.EmulateNetworkConditions(false, n.latencyMS, n.down, n.up),
			emulation.SetCPUThrottlingRate(4),
			chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.ActionFunc(func(ctx context.Context) error {
				_, err := page.AddScriptToEvaluateOnNewDocument(markWasmReady).Do(ctx)
				return err
			}),
			chromedp.Navigate(u),
			chromedp.Poll(`window.coftWasmReady > 0`, nil, chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(2*time.Minute)),
			chromedp.Evaluate(`window.coftWasmReady`, &ready),
			chromedp.Evaluate(`(performance.getEntriesByName("first-contentful-paint")[0] || {startTime: -1}).startTime`, &fcp),
			chromedp.Evaluate(`performance.getEntriesByType("resource").filter(e => e.name.endsWith(".wasm")).reduce((a, e) => a + e.transferSize, 0)`, &transfer),
		)
		if err != nil {
			b.Fatal(err)
		}
		if fcp < 0 {
			b.Fatal("no first contentful paint recorded")
		}
		return fcp, ready, transfer
	}
	for _, n := range networks {
		b.Run(n.name, func(b *testing.B) {
			var paint, wasm, refPaint, refWasm, bytes float64
			for i := 0; i < b.N; i++ {
				_, authURL := s.startPayment("4242424242424242", nil)
				first, second := authURL, minimal.URL+"/"
				if i%2 == 1 {
					first, second = second, first
				}
				for _, u := range []string{first, second} {
					fcp, ready, transfer := load(b, u, n)
					if u == authURL {
						paint, wasm, bytes = paint+fcp, wasm+ready, bytes+transfer
					} else {
						refPaint, refWasm = refPaint+fcp, refWasm+ready
					}
				}
			}
			k := float64(b.N)
			b.ReportMetric(paint/k, "ms-first-paint")
			b.ReportMetric(refPaint/k, "ms-goapp-first-paint")
			b.ReportMetric(paint/refPaint, "first-paint-ratio")
			b.ReportMetric(wasm/k, "ms-wasm-running")
			b.ReportMetric(refWasm/k, "ms-goapp-wasm-running")
			b.ReportMetric(refWasm/wasm, "wasm-times-sooner")
			b.ReportMetric(bytes/k, "wasm-bytes")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// markWasmReady records in window.coftWasmReady when go-app's loader
// leaves the parsed page: the wasm has started.
const markWasmReady = `new MutationObserver(() => {
  if (!window.coftWasmReady && document.readyState !== "loading" && !document.getElementById("app-wasm-loader")) {
    window.coftWasmReady = performance.now();
  }
}).observe(document, {childList: true, subtree: true});`

// minimalPage is the reference page: one line of text.
type minimalPage struct{ goapp.Compo }

func (*minimalPage) Render() goapp.UI { return goapp.P().Text("A minimal go-app page.") }

// minimalGoApp serves minimalPage at / with go-app's handler as it serves
// by default: its own stylesheet and scripts, the wasm uncompressed from
// the web directory. Only the icon is local (the default is hot-linked
// from the internet, which the tests do not reach).
func minimalGoApp() http.Handler {
	goapp.Route("/", func() goapp.Composer { return &minimalPage{} })
	return &goapp.Handler{Name: "Minimal", Title: "Minimal", Icon: goapp.Icon{Default: "/web/icon.svg"},
		Resources: webFiles{http.FileServer(http.Dir(filepath.Dir(webDir)))}}
}

// webFiles is go-app's default resources (LocalDir("")) for the project's
// web directory rather than the working directory's: /web/… served from
// it, at the same URLs.
type webFiles struct{ http.Handler }

func (webFiles) Resolve(location string) string { return location }
