package csp_test

import (
	"testing"

	"github.com/coftkit/coft/csp"
)

func TestPolicy(t *testing.T) {
	const page = "default-src 'none'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
	p := csp.Parse(page)
	if p.String() != page {
		t.Fatalf("round trip: %q", p.String())
	}
	framed := p.With("frame-ancestors", "https://shop.example", "https://m.shop.example").
		Add("form-action", "https://shop.example").Add("img-src", "https://cdn.example", "data:")
	want := "default-src 'none'; img-src 'self' data: https://cdn.example; frame-ancestors https://shop.example https://m.shop.example; form-action 'self' https://shop.example"
	if framed.String() != want {
		t.Fatalf("got  %q\nwant %q", framed.String(), want)
	}
	if p.String() != page {
		t.Fatalf("the base policy changed: %q", p.String())
	}
	if got := p.With("frame-src", "'self'").String(); got != page+"; frame-src 'self'" {
		t.Fatalf("new directive: %q", got)
	}
	if got := p.Sources("img-src"); len(got) != 2 || got[1] != "data:" {
		t.Fatalf("sources: %q", got)
	}
	if p.Sources("script-src") != nil {
		t.Fatal("sources of an absent directive")
	}
}
