package httpapi

import "testing"

// TestLoggedPath: a card number a client put in a path is not written in
// the access log.
func TestLoggedPath(t *testing.T) {
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
}
