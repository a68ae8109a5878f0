package coft

import (
	"strings"
	"time"
)

// CardInput is a new card's fields as sent for a payment.
type CardInput struct {
	Number   string
	ExpMonth string
	ExpYear  string
	CVV      string
	Name     string
}

// Validate checks a new card's fields and normalizes them:
//   - Number: 12 to 19 digits once spaces and dashes are removed, passing
//     the Luhn check; kept as its digits;
//   - ExpMonth: 1 to 12, kept as MM; ExpYear: YY or YYYY, kept as YYYY;
//     the card must not have expired at now, in India's time zone;
//   - Name: at most 100 characters, trimmed.
//
// The security code's length depends on the card's network, known from its
// BIN: check it with ValidateCVV. Errors name the field (card_number,
// card_exp_month, card_exp_year, name_on_card) and never repeat the number.
func (c *CardInput) Validate(now time.Time) error {
	c.Number = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, c.Number)
	if c.Number == "" {
		return Missing("card_number")
	}
	if len(c.Number) < 12 || len(c.Number) > 19 || !LuhnValid(c.Number) {
		return Invalid("card_number", "card_number is not a valid card number.")
	}
	mm, yy := c.ExpMonth, c.ExpYear
	if mm == "" {
		return Missing("card_exp_month")
	}
	if len(mm) == 1 {
		mm = "0" + mm
	}
	if len(mm) != 2 || mm < "01" || mm > "12" || !AllDigits(mm) {
		return Invalid("card_exp_month", "card_exp_month must be 01 to 12.")
	}
	switch {
	case yy == "":
		return Missing("card_exp_year")
	case len(yy) == 2 && AllDigits(yy):
		yy = "20" + yy
	case len(yy) == 4 && AllDigits(yy):
	default:
		return Invalid("card_exp_year", "card_exp_year must be YY or YYYY.")
	}
	if CardExpired(mm, yy, now) {
		return Invalid("card_exp_year", "The card has expired.")
	}
	c.ExpMonth, c.ExpYear = mm, yy
	c.Name = strings.TrimSpace(c.Name)
	if len(c.Name) > 100 {
		return FieldError(ERANGE, "name_on_card", "name_on_card must be at most 100 characters.")
	}
	return nil
}

// ValidateCVV checks a security code for the card's network: 4 digits for
// AMEX, 3 for the others. An empty code is an error only when required. The
// code is never stored.
func ValidateCVV(cvv, brand string, required bool) error {
	if cvv == "" {
		if required {
			return Missing("card_security_code")
		}
		return nil
	}
	n := 3
	if brand == BrandAmex {
		n = 4
	}
	if len(cvv) != n || !AllDigits(cvv) {
		return Invalid("card_security_code", "card_security_code must be %d digits for %s cards.", n, brand)
	}
	return nil
}

// ValidatePayment checks a payment with the saved card: no new card's
// fields with it, the card not expired at now, and its security code: needed
// unless the card may pay without one (cvvLess, see Network.CVVLess) or the
// service's own check of out-of-band tokenization, which the bank's OTP
// authenticates, pays with it (cvvNeeded false); checked for format when
// given.
func (c *Card) ValidatePayment(in CardInput, now time.Time, cvvNeeded, cvvLess bool) error {
	for _, f := range []struct{ name, value string }{
		{"card_number", in.Number}, {"card_exp_month", in.ExpMonth}, {"card_exp_year", in.ExpYear},
	} {
		if f.value != "" {
			return Invalid(f.name, "%s cannot be sent with card_token.", f.name)
		}
	}
	if c.Expired(now) {
		return Invalid("card_token", "The saved card has expired.")
	}
	if in.CVV == "" && cvvNeeded && !cvvLess {
		return FieldError(EMISSING, "card_security_code",
			"card_security_code is required: this saved card can pay without it only with an ACTIVE network token of a network that allows CVV-less payments (see token.cvv_less_support in GET /cards).")
	}
	return ValidateCVV(in.CVV, c.Brand, false)
}
