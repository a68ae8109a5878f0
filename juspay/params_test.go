package juspay

import "testing"

// TestSafeKey: a card number a client put in a field name is not written
// back in an error answer.
func TestSafeKey(t *testing.T) {
	for in, want := range map[string]string{
		"card_no":             "card_no",
		"udf10":               "udf10",
		"4242424242424242":    "(a field name with a long run of digits)",
		"4242 4242 4242 4242": "(a field name with a long run of digits)",
		"x.4242-4242-4242-42": "(a field name with a long run of digits)",
		"42424242424":         "42424242424",
	} {
		if got := SafeKey(in); got != want {
			t.Errorf("SafeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
