package coft_test

import (
	"testing"
	"time"

	"github.com/coftkit/coft"
)

func TestCardInputValidate(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	in := coft.CardInput{Number: "4242 4242-4242 4242", ExpMonth: "7", ExpYear: "31", CVV: "123", Name: "  Asha Rao "}
	if err := in.Validate(now); err != nil {
		t.Fatal(err)
	}
	if in.Number != "4242424242424242" || in.ExpMonth != "07" || in.ExpYear != "2031" || in.Name != "Asha Rao" {
		t.Fatalf("normalized: %+v", in)
	}
	good := coft.CardInput{Number: "4242424242424242", ExpMonth: "12", ExpYear: "2031"}
	with := func(f func(*coft.CardInput)) coft.CardInput { c := good; f(&c); return c }
	for _, c := range []struct {
		in          coft.CardInput
		field, code string
	}{
		{with(func(c *coft.CardInput) { c.Number = "" }), "card_number", coft.EMISSING},
		{with(func(c *coft.CardInput) { c.Number = "4242424242424241" }), "card_number", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.Number = "42424242424" }), "card_number", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.Number = "4242x24242424242" }), "card_number", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.ExpMonth = "" }), "card_exp_month", coft.EMISSING},
		{with(func(c *coft.CardInput) { c.ExpMonth = "13" }), "card_exp_month", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.ExpMonth = "1a" }), "card_exp_month", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.ExpYear = "" }), "card_exp_year", coft.EMISSING},
		{with(func(c *coft.CardInput) { c.ExpYear = "231" }), "card_exp_year", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.ExpMonth, c.ExpYear = "10", "2026" }), "card_exp_year", coft.EINVALID},
		{with(func(c *coft.CardInput) { c.Name = string(make([]byte, 101)) + "x" }), "name_on_card", coft.ERANGE},
	} {
		err := c.in.Validate(now)
		if coft.ErrorField(err) != c.field || coft.ErrorCode(err) != c.code {
			t.Errorf("%+v: %v (field %q, code %q), want %s %s", c.in, err, coft.ErrorField(err), coft.ErrorCode(err), c.field, c.code)
		}
	}
	// The card's month ends in India's time: 30 November 20:00 UTC is
	// already 1 December there.
	nov := coft.CardInput{Number: "4242424242424242", ExpMonth: "11", ExpYear: "2026"}
	if err := nov.Validate(time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("still November in India: %v", err)
	}
	nov = coft.CardInput{Number: "4242424242424242", ExpMonth: "11", ExpYear: "2026"}
	if err := nov.Validate(time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)); coft.ErrorField(err) != "card_exp_year" {
		t.Fatalf("December in India: %v", err)
	}
}

func TestValidateCVV(t *testing.T) {
	for _, c := range []struct {
		cvv, brand string
		required   bool
		ok         bool
	}{
		{"123", coft.BrandVisa, true, true}, {"1234", coft.BrandAmex, true, true}, {"", coft.BrandVisa, false, true},
		{"", coft.BrandVisa, true, false}, {"1234", coft.BrandVisa, true, false}, {"123", coft.BrandAmex, true, false},
		{"12a", coft.BrandMastercard, true, false},
	} {
		if err := coft.ValidateCVV(c.cvv, c.brand, c.required); (err == nil) != c.ok || err != nil && coft.ErrorField(err) != "card_security_code" {
			t.Errorf("%q %s required=%v: %v", c.cvv, c.brand, c.required, err)
		}
	}
}

func TestCardValidatePayment(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	card := &coft.Card{Brand: coft.BrandVisa, ExpMonth: "12", ExpYear: "2031"}
	for _, c := range []struct {
		what             string
		card             *coft.Card
		in               coft.CardInput
		cvvNeeded, cvvLs bool
		field            string // "" when accepted
	}{
		{"with its CVV", card, coft.CardInput{CVV: "123"}, true, false, ""},
		{"CVV-less", card, coft.CardInput{}, true, true, ""},
		{"the service's own check", card, coft.CardInput{}, false, false, ""},
		{"without a CVV it needs", card, coft.CardInput{}, true, false, "card_security_code"},
		{"a malformed CVV, even CVV-less", card, coft.CardInput{CVV: "12"}, true, true, "card_security_code"},
		{"with a card number", card, coft.CardInput{Number: "4242424242424242", CVV: "123"}, true, false, "card_number"},
		{"with an expiry", card, coft.CardInput{ExpYear: "31", CVV: "123"}, true, false, "card_exp_year"},
		{"expired", &coft.Card{Brand: coft.BrandVisa, ExpMonth: "01", ExpYear: "2026"}, coft.CardInput{CVV: "123"}, true, false, "card_token"},
	} {
		err := c.card.ValidatePayment(c.in, now, c.cvvNeeded, c.cvvLs)
		if coft.ErrorField(err) != c.field || (c.field == "") != (err == nil) {
			t.Errorf("%s: %v, want field %q", c.what, err, c.field)
		}
	}
}
