package coft

import (
	"fmt"
	"math"
	"strconv"
)

// Theme is a merchant's brand colour made safe to use on the service's
// pages: in light and dark schemes, the brand colour as text and borders on
// the page's card background, and text on the brand colour, all with at
// least WCAG AA contrast (4.5:1), whatever colour the merchant chose.
type Theme struct {
	Light, Dark Palette
}

// Palette is one colour scheme's brand colours, as #rrggbb.
type Palette struct {
	Brand   string // links, borders, the focus ring, primary buttons
	OnBrand string // text on Brand
	Tint    string // hover and selection backgrounds behind Brand text
}

// The card backgrounds the pages draw on, light and dark.
const (
	cardLight = "#ffffff"
	cardDark  = "#1b2128"
)

// ValidColor reports whether s is a #rrggbb colour.
func ValidColor(s string) bool {
	_, ok := parseColor(s)
	return ok
}

// NewTheme derives a theme from a #rrggbb brand colour: the colour is
// darkened (light scheme) or lightened (dark scheme) just enough to reach
// 4.5:1 against the card, and text on it is white or near-black, whichever
// contrasts more.
func NewTheme(brand string) (Theme, error) {
	c, ok := parseColor(brand)
	if !ok {
		return Theme{}, Invalid("brand_color", "brand_color must be a colour like #0b5cad.")
	}
	light, _ := parseColor(cardLight)
	dark, _ := parseColor(cardDark)
	black := rgb{0, 0, 0}
	white := rgb{1, 1, 1}
	return Theme{
		Light: palette(towards(c, black, light), light),
		Dark:  palette(towards(c, white, dark), dark),
	}, nil
}

type rgb struct{ r, g, b float64 }

func parseColor(s string) (rgb, bool) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, false
	}
	n, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(n>>16&0xff) / 255, float64(n>>8&0xff) / 255, float64(n&0xff) / 255}, true
}

func (c rgb) String() string {
	to := func(v float64) int { return int(math.Round(math.Max(0, math.Min(1, v)) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", to(c.r), to(c.g), to(c.b))
}

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// Contrast is WCAG 2's contrast ratio of two #rrggbb colours (1 to 21).
func Contrast(a, b string) float64 {
	ca, _ := parseColor(a)
	cb, _ := parseColor(b)
	return contrast(ca, cb)
}

func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func mix(a, b rgb, t float64) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

// towards moves c towards target until it contrasts 4.5:1 with bg.
func towards(c, target, bg rgb) rgb {
	for t := 0.0; t <= 1; t += 0.02 {
		if m := mix(c, target, t); contrast(m, bg) >= 4.6 {
			return m
		}
	}
	return target
}

func palette(brand, card rgb) Palette {
	onBrand := rgb{1, 1, 1}
	if ink := (rgb{0.05, 0.07, 0.09}); contrast(ink, brand) > contrast(onBrand, brand) {
		onBrand = ink
	}
	return Palette{Brand: brand.String(), OnBrand: onBrand.String(), Tint: mix(brand, card, 0.88).String()}
}
