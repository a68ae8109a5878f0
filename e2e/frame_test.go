package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// hostPage serves a merchant page that frames *src and records the
// messages it receives from the frame.
func hostPage(t *testing.T, src *string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>Shop checkout</title>
<script>window.messages = []; window.addEventListener("message", function (e) { window.messages.push({origin: e.origin, data: e.data}); });</script>
<iframe id="pay" src="%s" width="400" height="300"></iframe>`, *src)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestIframeCheckout: the order's iframe link runs inside the page of an
// origin the merchant allowed, which gets resize messages from it; a page
// of any other origin cannot frame it.
func TestIframeCheckout(t *testing.T) {
	var link string
	allowed := hostPage(t, &link)
	other := hostPage(t, &link)
	s := startService(t, "-frame-origins", allowed.URL)
	ord := s.api("POST", "/orders", url.Values{"order_id": {"frame1"}, "amount": {"10"}})
	link = ord["payment_links"].(map[string]any)["iframe"].(string)

	ctx := newBrowser(t, false)
	var height float64
	var origin string
	err := chromedp.Run(ctx,
		chromedp.Navigate(allowed.URL),
		waitFor(`window.messages.some(function (m) { return m.data && m.data.type === "coft:resize"; })`),
		chromedp.Evaluate(`window.messages.find(function (m) { return m.data.type === "coft:resize"; }).data.height`, &height),
		chromedp.Evaluate(`window.messages.find(function (m) { return m.data.type === "coft:resize"; }).origin`, &origin),
	)
	if err != nil {
		t.Fatal(err)
	}
	if height < 100 || origin != s.base {
		t.Fatalf("resize message: height %v from %q", height, origin)
	}

	// Another origin: the frame is refused (Chromium shows its error page).
	if err := chromedp.Run(ctx, chromedp.Navigate(other.URL)); err != nil {
		t.Fatal(err)
	}
	blocked := func() bool {
		var tree *page.FrameTree
		if err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
			var err error
			tree, err = page.GetFrameTree().Do(c)
			return err
		})); err != nil || tree == nil {
			return false
		}
		for _, child := range tree.ChildFrames {
			if strings.HasPrefix(child.Frame.URL, "chrome-error:") || child.Frame.UnreachableURL != "" {
				return true
			}
		}
		return false
	}
	waitUntil(t, "the foreign frame to be refused", 30*time.Second, blocked)
	var n int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.messages.length`, &n)); err != nil || n != 0 {
		t.Fatalf("the refused frame sent %d messages (%v)", n, err)
	}
}
