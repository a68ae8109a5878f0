package httpapi

import "testing"

// TestNoCardNumberRepeated: a card number a client put where it does not
// belong — a path, a field name — is not written back in an error answer
// or in the access log.
func TestNoCardNumberRepeated(t *testing.T) {
	for in, want := range map[string]string{
		"/cardbins/4242424242424242":              "/cardbins/424242******4242",
		"/a/4242424242424242/b/5419190000000003x": "/a/424242******4242/b/541919******0003x",
		"/orders/123456789012":                    "/orders/123456789012", // not a card number (Luhn)
		"/orders/o1":                              "/orders/o1",
		"":                                        "",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"card_no":             "card_no",
		"udf10":               "udf10",
		"4242424242424242":    "(a field name with a long run of digits)",
		"4242 4242 4242 4242": "(a field name with a long run of digits)",
		"x.4242-4242-4242-42": "(a field name with a long run of digits)",
		"42424242424":         "42424242424",
	} {
		if got := safeKey(in); got != want {
			t.Errorf("safeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
