package coft

// CardBin describes the cards whose numbers start with a BIN (the issuer
// identification number, 6 to 9 digits).
type CardBin struct {
	BIN      string
	Brand    string // VISA, MASTERCARD, RUPAY, AMEX, DINERS, MAESTRO
	Bank     string // issuer name, "" when unknown
	BankCode string // juspay_bank_code, e.g. JP_HDFC
	Country  string // issuer country, e.g. INDIA
	Type     string // CREDIT, DEBIT, PREPAID
	SubType  string // e.g. PLATINUM
	// IssuerTokenizes reports whether the issuer supports network tokens.
	IssuerTokenizes bool
	// Known is false when the BIN is not in the table and only the brand was
	// inferred from the card networks' number ranges.
	Known bool
}

// BinLookup finds what is known about a card number's BIN.
type BinLookup interface {
	// Lookup takes 6 to 19 digits (a BIN or a whole card number) and returns
	// the longest matching entry, or the brand inferred from the networks'
	// number ranges. ok is false when nothing at all is known.
	Lookup(digits string) (bin CardBin, ok bool)
}

// tokenizableBrands are the networks that issue tokens for domestic cards.
var tokenizableBrands = map[string]bool{
	BrandVisa: true, BrandMastercard: true, BrandRuPay: true, BrandAmex: true, BrandDiners: true,
}

// TokenizeSupport reports whether a card with this BIN can be tokenized for
// the merchant: the merchant has tokenization on, the card is domestic, its
// network issues tokens and has onboarded the merchant (or the payment's
// sub-merchant) for COFT, and its issuer supports tokens.
func TokenizeSupport(m *Merchant, b CardBin, onboarded NetworkSet) bool {
	return m != nil && m.TokenizationEnabled && onboarded.Has(b.Brand) &&
		b.Country == "INDIA" && tokenizableBrands[b.Brand] && b.IssuerTokenizes
}

// ValidBIN reports whether s is 6 to 9 digits.
func ValidBIN(s string) bool {
	return len(s) >= 6 && len(s) <= 9 && AllDigits(s)
}

// LuhnValid reports whether the digits pass the Luhn check.
func LuhnValid(digits string) bool {
	if !AllDigits(digits) {
		return false
	}
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
