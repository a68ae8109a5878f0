package coft

import (
	"strconv"
	"strings"
)

// Amount is a sum of money in minor units (paise for INR).
type Amount int64

// MaxAmount is the largest amount accepted: ₹10,00,00,000.00.
const MaxAmount Amount = 10_000_000_000

// ParseAmount parses a decimal string with at most two decimal places, such
// as "100", "100.5" or "100.50". The amount must be greater than zero.
// field names the input in the returned error.
func ParseAmount(field, s string) (Amount, error) {
	if s == "" {
		return 0, Missing(field)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !AllDigits(whole) || (hasDot && (frac == "" || !AllDigits(frac))) {
		return 0, Invalid(field, "%s must be a decimal number such as 100.00.", field)
	}
	if len(frac) > 2 {
		return 0, FieldError(ERANGE, field, "%s can have at most 2 decimal places.", field)
	}
	if len(whole) > 11 {
		return 0, FieldError(ERANGE, field, "%s is too large.", field)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, Invalid(field, "%s must be a decimal number such as 100.00.", field)
	}
	a := Amount(n)
	if a <= 0 {
		return 0, FieldError(ERANGE, field, "%s must be greater than 0.", field)
	}
	if a > MaxAmount {
		return 0, FieldError(ERANGE, field, "%s is too large.", field)
	}
	return a, nil
}

// String formats the amount with two decimals, e.g. "100.50".
func (a Amount) String() string {
	neg := a < 0
	if neg {
		a = -a
	}
	s := strconv.FormatInt(int64(a/100), 10) + "." + strconv.FormatInt(int64(a%100+100), 10)[1:]
	if neg {
		return "-" + s
	}
	return s
}

// MarshalJSON writes the amount as a JSON number with two decimals, the way
// Juspay's order objects carry it.
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(a.String()), nil
}

// AllDigits reports whether s is one or more ASCII digits.
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DisplayAmount formats rupees for people, with Indian digit grouping:
// "₹1,250.00", "₹12,50,000.00".
func DisplayAmount(a Amount) string {
	whole, frac, _ := strings.Cut(a.String(), ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	if len(whole) > 3 {
		head, tail := whole[:len(whole)-3], whole[len(whole)-3:]
		var b strings.Builder
		for i := range len(head) {
			if i > 0 && (len(head)-i)%2 == 0 {
				b.WriteByte(',')
			}
			b.WriteByte(head[i])
		}
		whole = b.String() + "," + tail
	}
	if neg {
		whole = "-" + whole
	}
	return "₹" + whole + "." + frac
}
