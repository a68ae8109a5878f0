package coft_test

import (
	"testing"

	"github.com/coftkit/coft"
)

func TestViewportFormFactor(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{360, 740, coft.FormFactorMobilePortrait}, {390, 844, coft.FormFactorMobilePortrait}, {599, 600, coft.FormFactorMobilePortrait},
		{740, 360, coft.FormFactorMobileLandscape}, {932, 430, coft.FormFactorMobileLandscape}, {1000, 500, coft.FormFactorMobileLandscape},
		{1280, 800, coft.FormFactorDesktop}, {768, 1024, coft.FormFactorDesktop}, {1280, 500, coft.FormFactorDesktop},
		{600, 900, coft.FormFactorDesktop}, {0, 700, ""}, {-1, 10, ""},
	} {
		if got := coft.ViewportFormFactor(tc.w, tc.h); got != tc.want {
			t.Errorf("ViewportFormFactor(%d, %d) = %q, want %q", tc.w, tc.h, got, tc.want)
		}
	}
}

func TestDecisionFormFactor(t *testing.T) {
	const (
		android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
		iphone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
		tablet  = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
		desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
	)
	for _, tc := range []struct {
		posted, mobile, platform, ua string
		want, source                 string
	}{
		{"mobile-landscape", "?0", `"Windows"`, desktop, coft.FormFactorMobileLandscape, coft.FormFactorFromDialog},
		{"desktop", "", "", iphone, coft.FormFactorDesktop, coft.FormFactorFromDialog},
		{"tablet", "?1", "", desktop, coft.FormFactorMobilePortrait, coft.FormFactorFromHints}, // not a form factor: ignored
		{"Mobile-Portrait", "", "", desktop, coft.FormFactorDesktop, coft.FormFactorFromHints},
		{"", "?1", `"Android"`, android, coft.FormFactorMobilePortrait, coft.FormFactorFromHints},
		{"", "?0", `"Android"`, tablet, coft.FormFactorDesktop, coft.FormFactorFromHints},
		{"", "", `"iOS"`, "", coft.FormFactorMobilePortrait, coft.FormFactorFromHints},
		{"", "", `"macOS"`, iphone, coft.FormFactorDesktop, coft.FormFactorFromHints},
		{"", "", "", iphone, coft.FormFactorMobilePortrait, coft.FormFactorFromHints},
		{"", "", "", android, coft.FormFactorMobilePortrait, coft.FormFactorFromHints},
		{"", "", "", tablet, coft.FormFactorDesktop, coft.FormFactorFromHints},
		{"", "", "", desktop, coft.FormFactorDesktop, coft.FormFactorFromHints},
		{"", "", "", "", coft.FormFactorDesktop, coft.FormFactorFromHints},
	} {
		ff, src := coft.DecisionFormFactor(tc.posted, tc.mobile, tc.platform, tc.ua)
		if ff != tc.want || src != tc.source {
			t.Errorf("DecisionFormFactor(%q, %q, %q, %.20q) = %q, %q; want %q, %q", tc.posted, tc.mobile, tc.platform, tc.ua, ff, src, tc.want, tc.source)
		}
	}
}
