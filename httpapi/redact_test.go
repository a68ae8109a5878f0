package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestMaskCardNumbers: a run of 12 to 19 digits (and longer), whatever
// spaces or dashes stand between its digits, keeps only its last four.
func TestMaskCardNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"/cardbins/4242424242424242":              "/cardbins/************4242",
		"4242 4242 4242 4242":                     "**** **** **** 4242",
		"4242-4242-4242-4242":                     "****-****-****-4242",
		"4242%204242%204242%204242":               "****%20****%20****%204242",
		"4242+4242+4242+4242":                     "****+****+****+4242",
		"4242 - 4242 - 4242 - 4242":               "**** - **** - **** - 4242",
		"4242\u00a04242\u00a04242\u00a04242":      "****\u00a0****\u00a0****\u00a04242",
		"card 4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2 ok": "card * * * * * * * * * * * * 4 2 4 2 ok",
		"/a/4242424242424242/b/5419190000000003x": "/a/************4242/b/************0003x",
		"123456789012":                            "********9012", // 12 digits, Luhn or not
		"12345678901":                             "12345678901",  // 11: not a card number
		"order 2026-11-22 10:00":                  "order 2026-11-22 10:00",
		"4242424242424242424242":                  "******************4242", // longer runs too
		"4242    4242 4242 4242":                  "4242    **** **** 4242", // four spaces end a run
		"4242424242424242 ":                       "************4242 ",
		"/orders/o1":                              "/orders/o1",
		"":                                        "",
	} {
		if got := maskCardNumbers(in); got != want {
			t.Errorf("maskCardNumbers(%q) = %q, want %q", in, got, want)
		}
		if got, want := holdsCardNumber(in), want != in; got != want {
			t.Errorf("holdsCardNumber(%q) = %v", in, got)
		}
	}
}

type cardError struct{}

func (cardError) Error() string { return "declined 4242-4242-4242-4242" }

// TestLogHandlerMasks: every logged string — message, attributes, groups,
// errors, attributes bound with With, other values — is masked; numbers
// and other attributes are kept.
func TestLogHandlerMasks(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler{slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	const pan = "4242424242424242"
	ctx := context.WithValue(context.Background(), requestKey, &requestInfo{id: "5419190000000003"})
	log.With("bound", "4242 4242 4242 4242").WithGroup("g").DebugContext(ctx, "paid with "+pan,
		"path", "/cardbins/4242%204242%204242%204242",
		slog.Group("card", "number", pan, "nested", slog.GroupValue(slog.String("n", "4242-4242-4242-4242"))),
		"error", cardError{}, "wrapped", errors.Join(errors.New(pan)),
		"bytes", []byte(pan), "map", map[string]string{"pan": pan}, "count", 42, "amount", 12.5,
		"plain", "no card here")
	out := buf.String()
	for _, leak := range []string{"4242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "4242%204242%204242", "5419190000"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log holds %q:\n%s", leak, out)
		}
	}
	for _, kept := range []string{`"msg":"paid with ************4242"`, `"bound":"**** **** **** 4242"`, `"count":42`,
		`"plain":"no card here"`, `"request_id":"************0003"`, `"n":"****-****-****-4242"`, `"error":"declined ****-****-****-4242"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("the log lacks %s:\n%s", kept, out)
		}
	}
}

// BenchmarkLogHandler: the access log's line, which holds nothing to mask,
// is passed on as it is.
func BenchmarkLogHandler(b *testing.B) {
	h := LogHandler{slog.DiscardHandler}
	log := slog.New(h)
	ctx := context.WithValue(context.Background(), requestKey, &requestInfo{id: "0123456789abcdef"})
	b.ReportAllocs()
	for b.Loop() {
		log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", "GET"), slog.String("route", "GET /orders/{order_id}"),
			slog.Int("status", 200), slog.Int("bytes", 512), slog.Float64("ms", 1.25),
			slog.String("merchant_id", "alpha"), slog.String("order_id", "order-20261122-0001"))
	}
}
