package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// sizes are the form factors the dialog must serve.
var sizes = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"mobile-portrait", 360, 740, true},
	{"mobile-landscape", 740, 360, true},
	{"desktop", 1280, 800, false},
}

// choiceBox is what the browser reports of a consent choice.
type choiceBox struct {
	Top, Bottom, Left, Right, Width, Height float64
	Background, Color, Border, FontSize     string
	FontWeight                              string
	Focused                                 bool
}

const measureChoices = `(() => {
	const out = [];
	for (const b of document.querySelectorAll('button[name="decision"]')) {
		const r = b.getBoundingClientRect(), s = getComputedStyle(b);
		out.push({Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Width: r.width, Height: r.height,
			Background: s.backgroundColor, Color: s.color, Border: s.borderTopWidth + " " + s.borderTopStyle + " " + s.borderTopColor,
			FontSize: s.fontSize, FontWeight: s.fontWeight, Focused: document.activeElement === b});
	}
	return JSON.stringify({choices: out, vw: innerWidth, vh: innerHeight,
		scrollable: document.scrollingElement.scrollHeight > innerHeight + 1});
})()`

// TestDialogLayout checks the dialog at mobile portrait, mobile landscape
// and desktop sizes: both choices visible without scrolling, of equal
// visual weight, neither focused or selected at first. With
// SCREENSHOTS_DIR set it also saves a screenshot of each (make screenshots).
func TestDialogLayout(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	shots := os.Getenv("SCREENSHOTS_DIR")
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			_, authURL := s.startPayment("5419190000000003", nil)
			opts := []chromedp.EmulateViewportOption{}
			if size.mobile {
				opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			var raw string
			var png []byte
			err := chromedp.Run(ctx,
				chromedp.EmulateViewport(size.width, size.height, opts...),
				chromedp.Navigate(authURL),
				wasmRunning,
				chromedp.Evaluate(measureChoices, &raw),
				chromedp.CaptureScreenshot(&png),
			)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Choices    []choiceBox
				VW, VH     float64
				Scrollable bool
			}
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Choices) != 2 {
				t.Fatalf("%d choices", len(m.Choices))
			}
			a, d := m.Choices[0], m.Choices[1]
			for i, c := range m.Choices {
				if c.Top < 0 || c.Left < 0 || c.Bottom > m.VH || c.Right > m.VW {
					t.Errorf("choice %d is outside the %vx%v viewport without scrolling: %+v", i, m.VW, m.VH, c)
				}
				if c.Height < 44 {
					t.Errorf("choice %d is %vpx tall; targets must be at least 44px", i, c.Height)
				}
				if c.Focused {
					t.Errorf("choice %d has focus before the customer chose", i)
				}
			}
			if abs(a.Width-d.Width) > 1 || abs(a.Height-d.Height) > 1 || a.Background != d.Background || a.Color != d.Color ||
				a.Border != d.Border || a.FontSize != d.FontSize || a.FontWeight != d.FontWeight {
				t.Errorf("the choices differ in visual weight:\naccept  %+v\ndecline %+v", a, d)
			}
			if shots != "" {
				if err := os.MkdirAll(shots, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(shots, "consent-"+size.name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
