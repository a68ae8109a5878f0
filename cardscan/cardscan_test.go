package cardscan_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/coftkit/coft/cardscan"
)

func TestHits(t *testing.T) {
	s := cardscan.New([]string{"4242424242424242", "5419190000000003"}, "739")
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"card 424242XXXXXX4242, bin 541919, last four 0003", 0},
		{"ref 98765432109876543210", 0},
		{"pan=4242424242424242&x=1", 1},
		{`"n":"x19190000000003"`, 1},      // 12 digits of the second card
		{"…9190000000003…", 1},            // 13 digits: the run still holds 12 of the card's
		{"541919000000000", 1},            // 15 digits, a prefix of the card
		{"card_security_code=739", 1},     // the CVV as a form carries it
		{`{"cardSecurityCode":"739"}`, 1}, // and as the card data JSON carries it
		{"amount=739", 0},
		{"card 5419 1900 0000 0003 typed", 1}, // as a card field formats it
		{"5419-1900-0000-0003", 1},
		{"2026-11-22 10:15:00 1234-5678", 0},
		{"4242424242424242 and card_security_code=739", 2},
	} {
		if got := s.Hits([]byte(tc.in)); len(got) != tc.want {
			t.Errorf("Hits(%q) = %q, want %d hits", tc.in, got, tc.want)
		}
	}
}

func TestDir(t *testing.T) {
	s := cardscan.New([]string{"4242424242424242"}, "739")
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "clean.log"), []byte("424242XXXXXX4242"), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "db"), []byte("\x00\x01424242424242\x00"), 0o600)
	r, err := s.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sources != 2 || r.Bytes != 31 || len(r.Findings) != 1 || !slices.Contains([]string{filepath.Join(dir, "sub", "db")}, r.Findings[0].Where) {
		t.Fatalf("report %+v", r)
	}
}
