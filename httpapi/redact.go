package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
)

// LogHandler wraps a slog.Handler so that every record logged with a
// request's context carries the request's id, and so that no record
// carries a card number: in the message, every attribute's key and every
// string value (in groups too, errors, Stringers and other values as the
// JSON handler would write them), a run of 12 digits or more keeps only
// its last four (see maskCardNumbers). Every logger of the process is made
// with it, so this holds for every line, not only the access log's.
type LogHandler struct{ slog.Handler }

// Handle masks card numbers and adds request_id to records logged within a
// request.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if recordNeedsMask(r) {
		masked := slog.NewRecord(r.Time, r.Level, maskCardNumbers(r.Message), r.PC)
		r.Attrs(func(a slog.Attr) bool {
			masked.AddAttrs(maskAttr(a))
			return true
		})
		r = masked
	}
	if id := requestID(ctx); id != "" {
		// A client may choose its request id (X-Request-Id).
		r.AddAttrs(slog.String("request_id", maskCardNumbers(id)))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler; the attributes
// are masked once, here.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return LogHandler{h.Handler.WithAttrs(masked)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h LogHandler) WithGroup(name string) slog.Handler {
	return LogHandler{h.Handler.WithGroup(maskCardNumbers(name))}
}

// recordNeedsMask tells whether a record must be rebuilt: it holds a run
// to mask, or a value whose text is only known once formatted. Most
// records (the access log's) hold neither and are passed on as they are.
func recordNeedsMask(r slog.Record) bool {
	need := holdsCardNumber(r.Message)
	if !need {
		r.Attrs(func(a slog.Attr) bool {
			need = attrNeedsMask(a)
			return !need
		})
	}
	return need
}

func attrNeedsMask(a slog.Attr) bool {
	if holdsCardNumber(a.Key) {
		return true
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return holdsCardNumber(a.Value.String())
	case slog.KindAny, slog.KindLogValuer:
		return true
	case slog.KindGroup:
		for _, g := range a.Value.Group() {
			if attrNeedsMask(g) {
				return true
			}
		}
	}
	return false
}

// maskAttr returns a with every card number in it masked.
func maskAttr(a slog.Attr) slog.Attr {
	a.Key = maskCardNumbers(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(maskCardNumbers(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]slog.Attr, len(group))
		for i, g := range group {
			masked[i] = maskAttr(g)
		}
		a.Value = slog.GroupValue(masked...)
	case slog.KindAny:
		a.Value = maskAny(v)
	default: // numbers, times, durations, booleans: not card numbers
		a.Value = v
	}
	return a
}

// maskAny masks a value the handler would format itself: an error or a
// Stringer becomes its (masked) text; anything else is kept unless its
// JSON (or, if it has none, its fmt text) holds a card number, which then
// replaces it, masked.
func maskAny(v slog.Value) slog.Value {
	switch x := v.Any().(type) {
	case error:
		return slog.StringValue(maskCardNumbers(x.Error()))
	case fmt.Stringer:
		return slog.StringValue(maskCardNumbers(x.String()))
	case []byte:
		return slog.StringValue(maskCardNumbers(string(x)))
	}
	var text string
	if b, err := json.Marshal(v.Any()); err == nil {
		text = string(b)
	} else {
		text = fmt.Sprintf("%+v", v.Any())
	}
	if holdsCardNumber(text) {
		return slog.StringValue(maskCardNumbers(text))
	}
	return v
}

// minMaskedRun is the shortest run of digits that is masked: the shortest
// card number.
const minMaskedRun = 12

// maskCardNumbers returns s with every run of 12 digits or more replaced
// by asterisks but for its last four digits. Up to three separators may
// stand between two digits of a run: spaces, tabs, dashes, plus signs,
// no-break spaces and their percent-encoded forms (%20, %09, %2D, %2B), as
// in "4242 4242 4242 4242", "4242-4242-4242-4242" or
// "4242%204242%204242%204242". Separators are kept, so the line stays
// readable; the masked digits cannot be recovered from it (a 12-digit run
// keeps 4 of 12, a 16-digit card number 4 of 16).
func maskCardNumbers(s string) string {
	if !holdsCardNumber(s) {
		return s
	}
	out := []byte(s)
	var digits []int
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		var end int
		digits, end = digitRun(s, i, digits[:0])
		if len(digits) >= minMaskedRun {
			for _, j := range digits[:len(digits)-4] {
				out[j] = '*'
			}
		}
		i = end
	}
	return string(out)
}

// holdsCardNumber reports whether s holds a run maskCardNumbers masks. It
// allocates nothing: it is called on every string of every log record.
func holdsCardNumber(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	if n < minMaskedRun {
		return false
	}
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		n, end := 0, i
		for j := i; j < len(s); {
			if isDigit(s[j]) {
				n++
				j++
				end = j
				continue
			}
			k, ok := skipSeparators(s, j)
			if !ok {
				break
			}
			j = k
		}
		if n >= minMaskedRun {
			return true
		}
		i = end
	}
	return false
}

// digitRun reads the run of digits that starts at s[i] (a digit): it
// appends the index of each of its digits to digits and returns them with
// the index just after the run's last digit.
func digitRun(s string, i int, digits []int) ([]int, int) {
	end := i
	for i < len(s) {
		if isDigit(s[i]) {
			digits = append(digits, i)
			i++
			end = i
			continue
		}
		j, ok := skipSeparators(s, i)
		if !ok {
			break
		}
		i = j
	}
	return digits, end
}

// skipSeparators skips one to three separators at s[i] and reports whether
// a digit follows them (and where).
func skipSeparators(s string, i int) (int, bool) {
	j := i
	for range 3 {
		w := separatorWidth(s, j)
		if w == 0 {
			break
		}
		j += w
	}
	return j, j > i && j < len(s) && isDigit(s[j])
}

// separatorWidth is the length of the separator at s[i], or 0.
func separatorWidth(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '\t', '-', '+':
		return 1
	case 0xC2: // U+00A0, no-break space
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return 2
		}
	case '%':
		if i+2 < len(s) {
			switch s[i+1 : i+3] {
			case "20", "09", "2D", "2d", "2B", "2b":
				return 3
			}
		}
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
