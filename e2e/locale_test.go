package e2e

import (
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/coftkit/coft"
)

// TestEveryLanguageRenders opens the dialog in each published language and
// checks the wasm renders it in that language, with the page's lang set.
func TestEveryLanguageRenders(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	var locales []string
	for l := range coft.ConsentTexts {
		locales = append(locales, l)
	}
	sort.Strings(locales)
	for _, l := range locales {
		_, authURL := s.startPayment("4242424242424242", nil)
		var title, lang, accept string
		err := chromedp.Run(ctx,
			chromedp.Navigate(authURL+"?lang="+l),
			wasmRunning,
			chromedp.Text(`#coft-title`, &title, chromedp.ByQuery),
			chromedp.Text(`button[name="decision"][value="accept"]`, &accept, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.lang`, &lang),
		)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		want := coft.ConsentTexts[l]
		if strings.TrimSpace(title) != want.Title || !strings.Contains(accept, want.Accept) || lang != l {
			t.Errorf("%s: title %q, accept %q, lang %q", l, title, accept, lang)
		}
	}
}
