package coft_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want coft.Amount
		code string
	}{
		{"100", 10000, ""}, {"100.5", 10050, ""}, {"100.50", 10050, ""}, {"0.01", 1, ""}, {"1.00", 100, ""},
		{"", 0, coft.EMISSING}, {"100.005", 0, coft.ERANGE}, {"0", 0, coft.ERANGE}, {"0.00", 0, coft.ERANGE},
		{"-1", 0, coft.EINVALID}, {"1e3", 0, coft.EINVALID}, {"1.", 0, coft.EINVALID}, {".5", 0, coft.EINVALID},
		{"1,000", 0, coft.EINVALID}, {" 1", 0, coft.EINVALID}, {"100000000.01", 0, coft.ERANGE},
		{"99999999999999999999", 0, coft.ERANGE},
	} {
		got, err := coft.ParseAmount("amount", tc.in)
		if got != tc.want || coft.ErrorCode(err) != tc.code {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v, code %q", tc.in, got, err, tc.want, tc.code)
		}
		if err != nil && coft.ErrorField(err) != "amount" {
			t.Errorf("ParseAmount(%q) names field %q", tc.in, coft.ErrorField(err))
		}
	}
	for a, want := range map[coft.Amount]string{1: "0.01", 10050: "100.50", 100: "1.00", 0: "0.00", -250: "-2.50"} {
		if a.String() != want {
			t.Errorf("Amount(%d) = %q, want %q", a, a.String(), want)
		}
	}
}

func TestLuhn(t *testing.T) {
	for in, want := range map[string]bool{
		"4242424242424242": true, "4242424242424241": false, "378282246310005": true, "30569309025904": true,
		"0": true, "": false, "4242-4242": false,
	} {
		if coft.LuhnValid(in) != want {
			t.Errorf("LuhnValid(%q) != %v", in, want)
		}
	}
}

func TestCardExpired(t *testing.T) {
	// 31 Dec 2026, 20:00 UTC is already 1 Jan 2027 in India.
	now := time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		mm, yyyy string
		want     bool
	}{
		{"12", "2026", true}, {"01", "2027", false}, {"06", "2030", false}, {"13", "2030", true}, {"ab", "2030", true},
	} {
		if got := coft.CardExpired(tc.mm, tc.yyyy, now); got != tc.want {
			t.Errorf("CardExpired(%s/%s) = %v", tc.mm, tc.yyyy, got)
		}
	}
}

func TestTokenizeSupport(t *testing.T) {
	on := &coft.Merchant{TokenizationEnabled: true}
	hdfc := coft.CardBin{Brand: coft.BrandMastercard, Country: "INDIA", IssuerTokenizes: true}
	mc := coft.NetworkSet(0).With(coft.BrandMastercard)
	if !coft.TokenizeSupport(on, hdfc, mc) {
		t.Fatal("domestic tokenizable card refused")
	}
	for name, tc := range map[string]struct {
		m *coft.Merchant
		b coft.CardBin
		n coft.NetworkSet
	}{
		"tokenization off": {&coft.Merchant{}, hdfc, mc},
		"no merchant":      {nil, hdfc, mc},
		"not onboarded":    {on, hdfc, coft.NetworkSet(0).With(coft.BrandVisa)},
		"international":    {on, coft.CardBin{Brand: coft.BrandVisa, Country: "UNITED STATES", IssuerTokenizes: true}, coft.AllNetworks},
		"maestro":          {on, coft.CardBin{Brand: coft.BrandMaestro, Country: "INDIA", IssuerTokenizes: true}, coft.AllNetworks},
		"issuer":           {on, coft.CardBin{Brand: coft.BrandRuPay, Country: "INDIA"}, coft.AllNetworks},
	} {
		if coft.TokenizeSupport(tc.m, tc.b, tc.n) {
			t.Errorf("%s: tokenizable", name)
		}
	}
}

func TestMaskedNumber(t *testing.T) {
	c := &coft.Card{ISIN: "433587", Last4: "2216"}
	if got := c.MaskedNumber(); got != "4335-XXXXXXXX-2216" {
		t.Fatalf("MaskedNumber = %q", got)
	}
}

func TestErrorsHideInternals(t *testing.T) {
	if coft.ErrorMessage(errTest("db password in here")) != "Internal error." || coft.ErrorCode(errTest("x")) != coft.EINTERNAL {
		t.Fatal("internal error leaked")
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestValidateEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"": true, "a@b.in": true, "first.last+tag@mail.example.co.in": true,
		"nope": false, "a@b": false, "@b.in": false, "a@.in": false, "a..b@c.in": false, "a b@c.in": false,
		"a@b-.in": false, "<a@b.in>": false, "a@b.in\n": false,
	} {
		if got := coft.ValidateEmail("e", in) == nil; got != ok {
			t.Errorf("ValidateEmail(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

func TestDisplayAmount(t *testing.T) {
	for a, want := range map[coft.Amount]string{1: "₹0.01", 125000: "₹1,250.00", 100: "₹1.00", 125000000: "₹12,50,000.00",
		99999: "₹999.99", 10000000000: "₹10,00,00,000.00"} {
		if got := coft.DisplayAmount(a); got != want {
			t.Errorf("DisplayAmount(%d) = %q, want %q", a, got, want)
		}
	}
}

func TestMatchLocale(t *testing.T) {
	for _, tc := range []struct{ explicit, accept, want string }{
		{"", "", "en"},
		{"", "hi-IN,hi;q=0.9,en;q=0.8", "hi"},
		{"", "fr-FR, ta;q=0.5, en;q=0.4", "ta"},
		{"", "en;q=0.3, bn;q=0.7", "bn"},
		{"", "de, fr", "en"},
		{"", "te;q=0, mr;q=0.1", "mr"},
		{"mr", "hi", "mr"},
		{"xx", "te", "te"},
		{"TA-in", "", "ta"},
		{"", "hi;q=garbage, bn;q=0.2", "bn"},
	} {
		if got := coft.MatchLocale(tc.explicit, tc.accept); got != tc.want {
			t.Errorf("MatchLocale(%q, %q) = %q, want %q", tc.explicit, tc.accept, got, tc.want)
		}
	}
	// Every published text names its own locale and a versioned id, and
	// keeps the placeholders the dialog fills.
	for l, text := range coft.ConsentTexts {
		if text.Locale != l || text.ID != "tokenize-"+l+"-v1" || !strings.Contains(text.Lead, "{merchant}") ||
			!strings.Contains(text.Lead, "{card}") || len(text.Points) != 3 || !strings.Contains(text.Points[0], "{network}") ||
			text.Accept == "" || text.Decline == "" || text.Accept == text.Decline {
			t.Errorf("text %s: %+v", l, text)
		}
	}
	if len(coft.ConsentTexts) < 6 {
		t.Errorf("%d languages, want English, Hindi and at least four more", len(coft.ConsentTexts))
	}
}

// TestTheme: whatever the merchant's colour, the derived palettes keep
// 4.5:1 contrast for the brand colour on the card and for text on it.
func TestTheme(t *testing.T) {
	for _, c := range []string{"#0b5cad", "#ffff00", "#ffffff", "#000000", "#777777", "#ff0000", "#00ff7f", "#1b2128", "#e0e0ff"} {
		th, err := coft.NewTheme(c)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range map[string]struct {
			pal  coft.Palette
			card string
		}{"light": {th.Light, "#ffffff"}, "dark": {th.Dark, "#1b2128"}} {
			if r := coft.Contrast(p.pal.Brand, p.card); r < 4.5 {
				t.Errorf("%s %s: brand %s on card %.2f:1", c, name, p.pal.Brand, r)
			}
			if r := coft.Contrast(p.pal.OnBrand, p.pal.Brand); r < 4.5 {
				t.Errorf("%s %s: text %s on brand %s %.2f:1", c, name, p.pal.OnBrand, p.pal.Brand, r)
			}
			if r := coft.Contrast(p.pal.Brand, p.pal.Tint); r < 3 {
				t.Errorf("%s %s: brand on tint %.2f:1", c, name, r)
			}
		}
	}
	if th, _ := coft.NewTheme("#0b5cad"); th.Light.Brand != "#0b5cad" {
		t.Errorf("a colour that already contrasts was changed: %s", th.Light.Brand)
	}
	for _, bad := range []string{"", "red", "#fff", "#gggggg", "0b5cad"} {
		if _, err := coft.NewTheme(bad); coft.ErrorField(err) != "brand_color" {
			t.Errorf("NewTheme(%q) = %v", bad, err)
		}
	}
}
