package bintable

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

var table = MustNew()

func TestLookupSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want coft.CardBin
	}{
		{"541919", coft.CardBin{BIN: "541919", Brand: "MASTERCARD", Bank: "HDFC Bank", BankCode: "JP_HDFC", Country: "INDIA", Type: "DEBIT", SubType: "PLATINUM", IssuerTokenizes: true, Known: true}},
		{"433587", coft.CardBin{BIN: "433587", Brand: "VISA", Bank: "SBI", BankCode: "JP_SBI", Country: "INDIA", Type: "CREDIT", IssuerTokenizes: true, Known: true}},
		{"526731", coft.CardBin{BIN: "526731", Brand: "MASTERCARD", Bank: "Axis Bank", BankCode: "JP_AXIS", Country: "INDIA", Type: "DEBIT", IssuerTokenizes: true, Known: true}},
		{"4242424242424242", coft.CardBin{BIN: "424242", Brand: "VISA", Bank: "Sandbox Bank", BankCode: "JP_SANDBOX", Country: "INDIA", Type: "CREDIT", IssuerTokenizes: true, Known: true}},
		// A whole card number finds the same entry as its BIN.
		{"5419190000000003", coft.CardBin{BIN: "541919", Brand: "MASTERCARD", Bank: "HDFC Bank", BankCode: "JP_HDFC", Country: "INDIA", Type: "DEBIT", SubType: "PLATINUM", IssuerTokenizes: true, Known: true}},
	}
	for _, tt := range tests {
		got, ok := table.Lookup(tt.in)
		if !ok {
			t.Errorf("Lookup(%q) not ok", tt.in)
			continue
		}
		if got != tt.want {
			t.Errorf("Lookup(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestLookupLongestPrefix(t *testing.T) {
	tests := []struct {
		in        string
		bin       string
		typ       string
		tokenizes bool
	}{
		{"541919", "541919", "DEBIT", true},
		{"5419195", "541919", "DEBIT", true},
		{"54191955", "54191955", "PREPAID", false},
		{"5419195512345678", "54191955", "PREPAID", false},
		{"5419195612345678", "541919", "DEBIT", true},
		{"433587", "433587", "CREDIT", true},
		{"4335871099999999", "43358710", "PREPAID", false},
		{"457036", "457036", "DEBIT", true},
		{"4570361", "4570361", "PREPAID", false},
		{"4570361234567890", "4570361", "PREPAID", false},
		{"4570362234567890", "457036", "DEBIT", true},
		// 6, 8 and 9 digits under one issuer.
		{"6083269999999999", "608326", "DEBIT", true},
		{"6083261099999999", "60832610", "PREPAID", false},
		{"608326105", "608326105", "PREPAID", true},
		{"6083261050000004", "608326105", "PREPAID", true},
		{"6083261060000000", "60832610", "PREPAID", false},
		// Shorter input than the refining BIN cannot match it.
		{"6083261", "608326", "DEBIT", true},
	}
	for _, tt := range tests {
		got, ok := table.Lookup(tt.in)
		if !ok || got.BIN != tt.bin || got.Type != tt.typ || got.IssuerTokenizes != tt.tokenizes || !got.Known {
			t.Errorf("Lookup(%q) = %+v, %v; want bin %s type %s tokenizes %v", tt.in, got, ok, tt.bin, tt.typ, tt.tokenizes)
		}
	}
}

func TestLookupInfersBrand(t *testing.T) {
	tests := []struct {
		in    string
		brand string
	}{
		{"340000", "AMEX"},
		{"370000123456789", "AMEX"},
		{"300000", "DINERS"},
		{"305999", "DINERS"},
		{"360000", "DINERS"},
		{"380000", "DINERS"},
		{"390000", "DINERS"},
		{"508999", "RUPAY"},
		{"600000", "RUPAY"},
		{"650000", "RUPAY"},
		{"810000", "RUPAY"},
		{"820000", "RUPAY"},
		{"353000", "RUPAY"},
		{"356000", "RUPAY"},
		{"510000", "MASTERCARD"},
		{"559999", "MASTERCARD"},
		{"222100", "MASTERCARD"},
		{"272099", "MASTERCARD"},
		{"500000", "MAESTRO"},
		{"560000", "MAESTRO"},
		{"580000", "MAESTRO"},
		{"630000", "MAESTRO"},
		{"670000", "MAESTRO"},
		{"400000", "VISA"},
		{"4999999999999999", "VISA"},
	}
	for _, tt := range tests {
		got, ok := table.Lookup(tt.in)
		want := coft.CardBin{BIN: tt.in[:6], Brand: tt.brand}
		if !ok {
			t.Errorf("Lookup(%q) not ok", tt.in)
		} else if got != want {
			t.Errorf("Lookup(%q)\n got %+v\nwant %+v", tt.in, got, want)
		}
	}
}

func TestLookupNothingKnown(t *testing.T) {
	for _, in := range []string{
		"",
		"54191",                // 5 digits
		"54191900000000000000", // 20 digits
		"54191a",
		"5419190000000000x",
		"541919 ",
		"５４１９１９", // full-width digits
		"100000", // in no network's range
		"220000",
		"272100",
		"310000",
		"350000",
		"900000",
	} {
		if got, ok := table.Lookup(in); ok {
			t.Errorf("Lookup(%q) = %+v, true; want false", in, got)
		}
	}
}

func TestEmbeddedTable(t *testing.T) {
	entries := table.Entries()
	if len(entries) < 45 {
		t.Errorf("%d entries, want at least 45", len(entries))
	}
	brands, types, countries := map[string]bool{}, map[string]bool{}, map[string]bool{}
	indianTokenizing, indianNot := 0, 0
	lengths := map[int]bool{}
	for i, e := range entries {
		if i > 0 && entries[i-1].BIN >= e.BIN {
			t.Errorf("entries not sorted: %s before %s", entries[i-1].BIN, e.BIN)
		}
		brands[e.Brand], types[e.Type], countries[e.Country] = true, true, true
		lengths[len(e.BIN)] = true
		if e.Country == "INDIA" {
			if e.IssuerTokenizes {
				indianTokenizing++
			} else {
				indianNot++
			}
		}
		if !e.Known {
			t.Errorf("entry %s has Known false", e.BIN)
		}
		// Every entry lies in its network's range.
		if got := inferBrand(value(e.BIN[:2]), value(e.BIN[:3]), value(e.BIN[:4])); got != e.Brand {
			t.Errorf("bin %s is %s but lies in %s's range", e.BIN, e.Brand, got)
		}
		if got, ok := table.Lookup(e.BIN); !ok || got != e {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", e.BIN, got, ok, e)
		}
	}
	for _, b := range []string{"VISA", "MASTERCARD", "RUPAY", "AMEX", "DINERS", "MAESTRO"} {
		if !brands[b] {
			t.Errorf("no %s bin", b)
		}
	}
	for _, ty := range []string{"CREDIT", "DEBIT", "PREPAID"} {
		if !types[ty] {
			t.Errorf("no %s bin", ty)
		}
	}
	for _, l := range []int{6, 7, 8, 9} {
		if !lengths[l] {
			t.Errorf("no %d-digit bin", l)
		}
	}
	if indianTokenizing == 0 || indianNot == 0 {
		t.Errorf("Indian bins: %d tokenizing, %d not; want some of each", indianTokenizing, indianNot)
	}
	delete(countries, "INDIA")
	if len(countries) < 3 {
		t.Errorf("countries other than INDIA: %v, want at least 3", countries)
	}
}

func TestTestCards(t *testing.T) {
	wantLen := map[string]int{"AMEX": 15, "DINERS": 14}
	for _, e := range table.Entries() {
		card, ok := table.TestCard(e.BIN)
		if !ok {
			t.Errorf("TestCard(%s) not ok", e.BIN)
			continue
		}
		n := wantLen[e.Brand]
		if n == 0 {
			n = 16
		}
		if !coft.LuhnValid(card) || !strings.HasPrefix(card, e.BIN) || len(card) != n {
			t.Errorf("test card %s of bin %s: want %d Luhn-valid digits starting with the bin", card, e.BIN, n)
		}
		if got, _ := table.Lookup(card); got != e {
			t.Errorf("Lookup(%s) = %+v, want %+v", card, got, e)
		}
	}
	if _, ok := table.TestCard("999999"); ok {
		t.Error("TestCard(999999) ok for a bin not in the table")
	}
}

func TestParseErrors(t *testing.T) {
	const head = "bin,brand,bank,bank_code,country,type,sub_type,issuer_tokenizes,test_card\n"
	const good = "541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,PLATINUM,true,5419190000000003\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"bad header", "bin,brand\n" + good, "header"},
		{"short bin", head + good + "54191,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,true,5419190000000003\n", "line 3: bin \"54191\""},
		{"long bin", head + "5419190000,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,true,5419190000000003\n", "line 2: bin"},
		{"letters in bin", head + "54191X,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,true,5419190000000003\n", "line 2: bin"},
		{"unknown brand", head + good + "601100,DISCOVER,Some Bank,JP_SOME,UNITED STATES,CREDIT,,true,6011000000000004\n", "line 3: unknown brand \"DISCOVER\""},
		{"unknown type", head + "541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,CHARGE,,true,5419190000000003\n", "line 2: unknown type"},
		{"bad tokenizes", head + "541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,yes,5419190000000003\n", "line 2: issuer_tokenizes"},
		{"no bank", head + "541919,MASTERCARD,,JP_HDFC,INDIA,DEBIT,,true,5419190000000003\n", "line 2: bank is empty"},
		{"bad bank code", head + "541919,MASTERCARD,HDFC Bank,HDFC,INDIA,DEBIT,,true,5419190000000003\n", "line 2: bank code"},
		{"no country", head + "541919,MASTERCARD,HDFC Bank,JP_HDFC,,DEBIT,,true,5419190000000003\n", "line 2: country"},
		{"duplicate", head + good + "# a comment\n" + good, "line 4: duplicate bin 541919"},
		{"luhn", head + "541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,true,5419190000000004\n", "line 2: test card"},
		{"card of another bin", head + "541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,,true,5419200000000000\n", "line 2: test card"},
		{"card refined away", head + good + "54191900,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,PREPAID,,false,5419190000000011\n", "line 2: test card 5419190000000003 looks up to bin 54191900"},
		{"field count", head + "541919,MASTERCARD\n", "line 2"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestParseGood(t *testing.T) {
	in := "bin,brand,bank,bank_code,country,type,sub_type,issuer_tokenizes,test_card\n" +
		"# comments and blank lines are skipped\n\n" +
		"541919,MASTERCARD,HDFC Bank,JP_HDFC,INDIA,DEBIT,PLATINUM,true,5419190000000003\n"
	tb, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []coft.CardBin{{BIN: "541919", Brand: "MASTERCARD", Bank: "HDFC Bank", BankCode: "JP_HDFC", Country: "INDIA", Type: "DEBIT", SubType: "PLATINUM", IssuerTokenizes: true, Known: true}}
	if got := tb.Entries(); !slices.Equal(got, want) {
		t.Errorf("Entries\n got %+v\nwant %+v", got, want)
	}
}

var sink coft.CardBin

func BenchmarkLookup(b *testing.B) {
	for _, bm := range []struct{ name, in, bin string }{
		{"known6", "541919", "541919"},
		{"card16match8", "5419195500000007", "54191955"},
		{"unknownRange", "4000001234567899", "400000"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			if got, _ := table.Lookup(bm.in); got.BIN != bm.bin {
				b.Fatalf("Lookup(%s).BIN = %s, want %s", bm.in, got.BIN, bm.bin)
			}
			b.ReportAllocs()
			for b.Loop() {
				sink, _ = table.Lookup(bm.in)
			}
		})
	}
}

// TestREADMETestCards keeps the README's test-card table in step with the
// embedded table.
func TestREADMETestCards(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tab := MustNew()
	for _, b := range tab.Entries() {
		n, _ := tab.TestCard(b.BIN)
		if !strings.Contains(string(readme), "| `"+n+"` | "+b.Brand+" | "+b.Bank+" |") {
			t.Errorf("README lacks test card %s (%s %s)", n, b.Brand, b.Bank)
		}
	}
}

// FuzzLookup: any input of digits or not, no panic; a match is for the
// number's own prefix.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"424242", "4242424242424242", "541919550000", "", "6", "00000000000000000000", "12ab34"} {
		f.Add(s)
	}
	table := MustNew()
	f.Fuzz(func(t *testing.T, digits string) {
		b, ok := table.Lookup(digits)
		if ok && b.Known && !strings.HasPrefix(digits, b.BIN) {
			t.Fatalf("Lookup(%q) matched BIN %q", digits, b.BIN)
		}
	})
}
