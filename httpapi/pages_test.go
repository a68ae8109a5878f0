package httpapi_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/coftkit/coft/components"
)

func TestHomePage(t *testing.T) {
	h := newHarness(t, "sqlite")
	bins := h.api.Bins.(interface{ TestCard(string) (string, bool) })
	n, _ := bins.TestCard("541919")
	b, _ := h.api.Bins.Lookup(n)
	h.api.TestCards = []components.TestCard{{Number: n, Bin: b}}
	res := h.must(200, request{method: "GET", path: "/"})
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("CSP: %q", res.header.Get("Content-Security-Policy"))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.raw))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	doc.Find("table").First().Find("tbody tr td:nth-child(2)").Each(func(_ int, s *goquery.Selection) {
		paths = append(paths, s.Text())
	})
	if len(paths) < 11 || !strings.Contains(strings.Join(paths, " "), "/cardbins/{bin}") {
		t.Fatalf("endpoint list: %v", paths)
	}
	row := doc.Find("table").Last().Find("tbody tr").First()
	if row.Find("td").First().Text() != n || row.Find("td").Last().Text() != "yes" {
		t.Fatalf("test card row: %q", row.Text())
	}
	css := h.must(200, request{method: "GET", path: "/static/site.css"})
	if !strings.Contains(css.header.Get("Cache-Control"), "max-age") {
		t.Fatalf("static cache header: %q", css.header.Get("Cache-Control"))
	}
	h.must(404, request{method: "GET", path: "/static/nope.css"})
}
