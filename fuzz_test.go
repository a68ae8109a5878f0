package coft_test

import (
	"testing"

	"github.com/coftkit/coft"
)

// The domain's parsers take what merchants and browsers send: they must
// never panic, and what they accept must hold their promises.

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"100", "100.5", "0.01", "1,000", "-1", "1e3", "99999999999", "١٠٠", " 1 ", "1.005"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := coft.ParseAmount("amount", s)
		if err != nil {
			if coft.ErrorField(err) != "amount" {
				t.Fatalf("error %v does not name the field", err)
			}
			return
		}
		if a <= 0 || a > coft.MaxAmount {
			t.Fatalf("ParseAmount(%q) = %d: out of range", s, a)
		}
		back, err := coft.ParseAmount("amount", a.String())
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %d, whose String %q parses to %d, %v", s, a, a.String(), back, err)
		}
	})
}

func FuzzMatchLocale(f *testing.F) {
	f.Add("", "hi-IN,hi;q=0.9,en;q=0.8")
	f.Add("ta", "")
	f.Add("x", "de;q=1.5, te;q=0.0001, ;;;,")
	f.Fuzz(func(t *testing.T, explicit, accept string) {
		l := coft.MatchLocale(explicit, accept)
		if _, ok := coft.ConsentTexts[l]; !ok {
			t.Fatalf("MatchLocale(%q, %q) = %q: not a published locale", explicit, accept, l)
		}
	})
}

func FuzzParseNetworks(f *testing.F) {
	for _, s := range []string{"", "VISA", "visa, rupay", "DISCOVER", ",,,", "VISA,VISA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nets, err := coft.ParseNetworks(s)
		if err != nil {
			return
		}
		for _, n := range nets {
			if !coft.AllNetworks.Has(n) {
				t.Fatalf("ParseNetworks(%q) accepted %q", s, n)
			}
		}
	})
}

func FuzzNewTheme(f *testing.F) {
	for _, s := range []string{"#0b5cad", "#ffff00", "#000000", "#ffffff", "#GGGGGG", "red", "#fff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := coft.NewTheme(s)
		if err != nil {
			return
		}
		for _, p := range []struct {
			pal  coft.Palette
			card string
		}{{th.Light, "#ffffff"}, {th.Dark, "#1b2128"}} {
			if coft.Contrast(p.pal.Brand, p.card) < 4.5 || coft.Contrast(p.pal.OnBrand, p.pal.Brand) < 4.5 {
				t.Fatalf("NewTheme(%q) = %+v: contrast below 4.5:1", s, th)
			}
		}
	})
}

func FuzzOnboardingValidate(f *testing.F) {
	f.Add("air_AI", "COFT", "Air Ltd", "https://air.example", "ops@air.example", "PAN", "AAAPL1234C")
	f.Add("", "ALT_ID", "", "javascript:x", "a@b", "GSTIN", "27AAPFU0939F1ZV")
	f.Fuzz(func(t *testing.T, associate, flow, name, url, email, idType, idValue string) {
		o := &coft.Onboarding{AssociateID: associate, Flow: flow, Company: coft.Company{LegalName: name, TradeName: name,
			WebsiteURL: url, ContactEmail: email, BusinessIDType: idType, BusinessIDValue: idValue}}
		if err := o.Validate(); err != nil && coft.ErrorField(err) == "" {
			t.Fatalf("Validate error %v names no field", err)
		}
	})
}
