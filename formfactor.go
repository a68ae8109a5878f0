package coft

import "strings"

// Form factors: the kind of screen a consent dialog was decided on.
const (
	FormFactorMobilePortrait  = "mobile-portrait"
	FormFactorMobileLandscape = "mobile-landscape"
	FormFactorDesktop         = "desktop"
)

// FormFactors lists the form factors, in the order reports show them.
var FormFactors = []string{FormFactorMobilePortrait, FormFactorMobileLandscape, FormFactorDesktop}

// Where a decision's form factor came from.
const (
	// FormFactorFromDialog: the dialog's script measured the screen and
	// posted it with the decision.
	FormFactorFromDialog = "dialog"
	// FormFactorFromHints: the decision's request said nothing (no
	// script, or a value that is not a form factor); the form factor is
	// read from its client hints (Sec-CH-UA-Mobile, Sec-CH-UA-Platform)
	// and user agent, which cannot tell the orientation: a mobile device
	// is taken to be held upright.
	FormFactorFromHints = "hints"
)

// ValidFormFactor reports whether s is one of the FormFactors.
func ValidFormFactor(s string) bool {
	for _, f := range FormFactors {
		if s == f {
			return true
		}
	}
	return false
}

// ViewportFormFactor classifies a screen of width × height CSS pixels:
// a phone held upright is narrower than 600 and not wider than tall; a
// phone on its side is wider than tall, at most 500 high and at most
// 1000 wide. Anything else (tablets, computers) is desktop. The dialog's
// script applies the same rule (static/frame.js, app.ConsentPage) to the
// window it is shown in, or to the device's screen when it is framed.
func ViewportFormFactor(width, height int) string {
	switch {
	case width <= 0 || height <= 0:
		return ""
	case width <= height && width < 600:
		return FormFactorMobilePortrait
	case width > height && height <= 500 && width <= 1000:
		return FormFactorMobileLandscape
	}
	return FormFactorDesktop
}

// HintsFormFactor reads a form factor from a request's client hints and
// user agent: Sec-CH-UA-Mobile ("?1" mobile, "?0" not), else
// Sec-CH-UA-Platform (Android, iOS), else a user agent naming a mobile
// ("Mobi", "iPhone", "iPod"; Android tablets omit "Mobile"). Mobile
// devices are counted portrait, since hints do not say the orientation.
func HintsFormFactor(chMobile, chPlatform, userAgent string) string {
	switch strings.TrimSpace(chMobile) {
	case "?1":
		return FormFactorMobilePortrait
	case "?0":
		return FormFactorDesktop
	}
	switch strings.ToLower(strings.Trim(strings.TrimSpace(chPlatform), `"`)) {
	case "android", "ios":
		return FormFactorMobilePortrait
	case "":
	default:
		return FormFactorDesktop
	}
	for _, s := range []string{"Mobi", "iPhone", "iPod"} {
		if strings.Contains(userAgent, s) {
			return FormFactorMobilePortrait
		}
	}
	return FormFactorDesktop
}

// DecisionFormFactor is the form factor recorded with a decision and its
// source: the value the dialog posted when it is one of the FormFactors
// (FormFactorFromDialog), else the request's hints (FormFactorFromHints).
func DecisionFormFactor(posted, chMobile, chPlatform, userAgent string) (formFactor, source string) {
	if ValidFormFactor(posted) {
		return posted, FormFactorFromDialog
	}
	return HintsFormFactor(chMobile, chPlatform, userAgent), FormFactorFromHints
}
