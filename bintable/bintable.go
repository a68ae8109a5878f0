// Package bintable is the sandbox card-BIN table: a small, embedded list of
// BINs (bins.csv) of Indian and international issuers across the card
// networks the service accepts, with a Luhn-valid test card for each.
//
// A Table implements coft.BinLookup. It finds the longest BIN (9 down to 6
// digits) that a card number starts with and, for numbers it does not know,
// infers the brand from the networks' number ranges.
//
// bins.csv has a header row and one BIN a line; lines starting with # are
// comments. Every row is checked when the table is loaded.
package bintable

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/coftkit/coft"
)

//go:embed bins.csv
var binsCSV []byte

// header is the required first row of a BIN file.
var header = []string{"bin", "brand", "bank", "bank_code", "country", "type", "sub_type", "issuer_tokenizes", "test_card"}

// Table is a BIN table. It is safe for concurrent use once built.
type Table struct {
	// entries holds the BINs keyed by key(value, length).
	entries map[uint64]entry
	// lengths has bit n set when the table has a BIN of n digits.
	lengths uint16
}

type entry struct {
	bin      coft.CardBin
	testCard string
	line     int // in the file the table was parsed from
}

var _ coft.BinLookup = (*Table)(nil)

// key packs a BIN's numeric value and its length, so that "0123456" and
// "123456" stay apart, into a map key that costs no allocation to build.
func key(value uint64, length int) uint64 { return value<<4 | uint64(length) }

// New returns the embedded sandbox table.
func New() (*Table, error) { return Parse(bytes.NewReader(binsCSV)) }

// MustNew is like New but panics if the embedded table is invalid.
func MustNew() *Table {
	t, err := New()
	if err != nil {
		panic(err)
	}
	return t
}

// Parse reads a BIN table in the format of bins.csv: the header row
// bin,brand,bank,bank_code,country,type,sub_type,issuer_tokenizes,test_card
// followed by one row per BIN. It reports a bad row by its line number.
// Each row's test card must look up to the row's own BIN, not to a longer
// BIN of the table.
func Parse(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // until the header is checked
	cr.TrimLeadingSpace = true
	first, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("bintable: empty file")
		}
		return nil, fmt.Errorf("bintable: %w", err)
	}
	if !slices.Equal(first, header) {
		return nil, fmt.Errorf("bintable: header is %q, want %q", strings.Join(first, ","), strings.Join(header, ","))
	}
	cr.FieldsPerRecord = len(header)
	t := &Table{entries: make(map[uint64]entry)}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bintable: %w", err)
		}
		line, _ := cr.FieldPos(0)
		e, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("bintable: line %d: %w", line, err)
		}
		e.line = line
		k := key(value(e.bin.BIN), len(e.bin.BIN))
		if _, dup := t.entries[k]; dup {
			return nil, fmt.Errorf("bintable: line %d: duplicate bin %s", line, e.bin.BIN)
		}
		t.entries[k] = e
		t.lengths |= 1 << len(e.bin.BIN)
	}
	for _, e := range t.entries {
		if got, _ := t.Lookup(e.testCard); got.BIN != e.bin.BIN {
			return nil, fmt.Errorf("bintable: line %d: test card %s looks up to bin %s, not %s", e.line, e.testCard, got.BIN, e.bin.BIN)
		}
	}
	return t, nil
}

func parseRow(rec []string) (entry, error) {
	b := coft.CardBin{
		BIN: rec[0], Brand: rec[1], Bank: rec[2], BankCode: rec[3],
		Country: rec[4], Type: rec[5], SubType: rec[6], Known: true,
	}
	switch {
	case !coft.ValidBIN(b.BIN):
		return entry{}, fmt.Errorf("bin %q is not 6 to 9 digits", b.BIN)
	case !knownBrand(b.Brand):
		return entry{}, fmt.Errorf("unknown brand %q", b.Brand)
	case b.Type != "CREDIT" && b.Type != "DEBIT" && b.Type != "PREPAID":
		return entry{}, fmt.Errorf("unknown type %q (want CREDIT, DEBIT or PREPAID)", b.Type)
	case b.Bank == "":
		return entry{}, errors.New("bank is empty")
	case !strings.HasPrefix(b.BankCode, "JP_"):
		return entry{}, fmt.Errorf("bank code %q does not start with JP_", b.BankCode)
	case b.Country == "":
		return entry{}, errors.New("country is empty")
	}
	switch rec[7] {
	case "true":
		b.IssuerTokenizes = true
	case "false":
	default:
		return entry{}, fmt.Errorf("issuer_tokenizes %q is not true or false", rec[7])
	}
	card := rec[8]
	if len(card) < 12 || len(card) > 19 || !coft.LuhnValid(card) || !strings.HasPrefix(card, b.BIN) {
		return entry{}, fmt.Errorf("test card %q is not a Luhn-valid number of 12 to 19 digits starting with %s", card, b.BIN)
	}
	return entry{bin: b, testCard: card}, nil
}

func knownBrand(s string) bool {
	switch s {
	case coft.BrandVisa, coft.BrandMastercard, coft.BrandRuPay, coft.BrandAmex, coft.BrandDiners, coft.BrandMaestro:
		return true
	}
	return false
}

// value is the number the digits spell; s has at most 19 digits.
func value(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v
}

// Lookup takes 6 to 19 digits (a BIN or a whole card number) and returns the
// entry of the longest BIN in the table that they start with, trying 9, 8, 7
// and 6 digits. Failing that it returns the first six digits with the brand
// inferred from the networks' number ranges and Known false. ok is false when
// the input is not 6 to 19 digits or no network's range matches.
func (t *Table) Lookup(digits string) (coft.CardBin, bool) {
	n := len(digits)
	if n < 6 || n > 19 {
		return coft.CardBin{}, false
	}
	var prefix [10]uint64 // prefix[l] is the value of digits[:l]
	var v uint64
	for i := 0; i < n; i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return coft.CardBin{}, false
		}
		if i < 9 {
			v = v*10 + uint64(c-'0')
			prefix[i+1] = v
		}
	}
	for l := min(n, 9); l >= 6; l-- {
		if t.lengths&(1<<l) == 0 {
			continue
		}
		if e, ok := t.entries[key(prefix[l], l)]; ok {
			return e.bin, true
		}
	}
	brand := inferBrand(prefix[2], prefix[3], prefix[4])
	if brand == "" {
		return coft.CardBin{}, false
	}
	return coft.CardBin{BIN: digits[:6], Brand: brand}, true
}

// inferBrand names the network whose number range holds a card number, given
// the number's first two, three and four digits (p2, p3, p4), or returns "".
// The ranges are checked in this order, most specific first:
//
//	AMEX        34, 37
//	DINERS      300–305, 36, 38, 39
//	RUPAY       508, 60, 65, 81, 82, 353, 356
//	MASTERCARD  51–55, 2221–2720
//	MAESTRO     50, 56–58, 63, 67
//	VISA        4
//
// 60 and 65 are Discover's internationally and 353 and 356 lie in JCB's
// range; RuPay cards are issued there in India, and this table is Indian, so
// they are taken as RUPAY. 508 is checked before Maestro's 50.
func inferBrand(p2, p3, p4 uint64) string {
	switch {
	case p2 == 34 || p2 == 37:
		return coft.BrandAmex
	case p3 >= 300 && p3 <= 305 || p2 == 36 || p2 == 38 || p2 == 39:
		return coft.BrandDiners
	case p3 == 508 || p2 == 60 || p2 == 65 || p2 == 81 || p2 == 82 || p3 == 353 || p3 == 356:
		return coft.BrandRuPay
	case p2 >= 51 && p2 <= 55 || p4 >= 2221 && p4 <= 2720:
		return coft.BrandMastercard
	case p2 == 50 || p2 >= 56 && p2 <= 58 || p2 == 63 || p2 == 67:
		return coft.BrandMaestro
	case p2/10 == 4:
		return coft.BrandVisa
	}
	return ""
}

// Entries returns every BIN in the table, sorted by BIN.
func (t *Table) Entries() []coft.CardBin {
	out := make([]coft.CardBin, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, e.bin)
	}
	slices.SortFunc(out, func(a, b coft.CardBin) int { return strings.Compare(a.BIN, b.BIN) })
	return out
}

// TestCard returns the Luhn-valid sandbox card number listed for a BIN of
// the table (written as in Entries), and false if there is no such BIN.
// Looking the number up finds that very BIN.
func (t *Table) TestCard(bin string) (string, bool) {
	if !coft.ValidBIN(bin) {
		return "", false
	}
	e, ok := t.entries[key(value(bin), len(bin))]
	return e.testCard, ok
}
