package coft

import (
	"context"
	"strings"
	"time"
)

// Onboarding flows: what a merchant is onboarded to the card networks for.
const (
	FlowCOFT  = "COFT"   // card-on-file tokens for saved cards
	FlowAltID = "ALT_ID" // Alt IDs for guest checkout
)

// Networks, in the order the onboarding response lists them.
var Networks = []string{BrandVisa, BrandMastercard, BrandRuPay, BrandAmex, BrandDiners}

// Onboarding statuses of one network, as the response spells them.
const (
	OnboardingNotRequested = "not_onboarded" // never asked for
	OnboardingPending      = "pending"       // asked; the network has not answered
	OnboardingOnboarded    = "onboarded"
	OnboardingRejected     = "rejected"
)

// NetworkSet is a set of card networks (brands).
type NetworkSet uint8

func networkBit(brand string) NetworkSet {
	for i, n := range Networks {
		if n == brand {
			return 1 << i
		}
	}
	return 0
}

// Has reports whether the set holds the network.
func (s NetworkSet) Has(brand string) bool {
	b := networkBit(brand)
	return b != 0 && s&b != 0
}

// AllNetworks holds every network.
const AllNetworks NetworkSet = 1<<5 - 1

// With returns the set with the network added.
func (s NetworkSet) With(brand string) NetworkSet { return s | networkBit(brand) }

// Company is the business an onboarding is for: the merchant itself or one
// of its sub-merchants (a partner's or reseller's merchant).
type Company struct {
	LegalName       string
	TradeName       string
	WebsiteURL      string
	ContactEmail    string
	BusinessIDType  string // businessIdentificationType, e.g. PAN
	BusinessIDValue string // businessIdentificationValue
}

// Onboarding is a merchant's or sub-merchant's registration with the card
// networks for one flow.
type Onboarding struct {
	MerchantID string
	// AssociateID identifies the sub-merchant (travel networks pass airline
	// codes). When it equals MerchantID the merchant itself is onboarded.
	AssociateID string
	Flow        string // FlowCOFT or FlowAltID
	TestMode    bool   // networks answer at once
	Company     Company
	// Status holds each requested network's status (OnboardingPending,
	// OnboardingOnboarded or OnboardingRejected), by brand.
	Status    map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NetworkStatus returns the network's status, OnboardingNotRequested when
// it was never asked for.
func (o *Onboarding) NetworkStatus(brand string) string {
	if s, ok := o.Status[brand]; ok {
		return s
	}
	return OnboardingNotRequested
}

// Onboarded returns the networks that have onboarded the associate.
func (o *Onboarding) Onboarded() NetworkSet {
	var s NetworkSet
	for brand, st := range o.Status {
		if st == OnboardingOnboarded {
			s = s.With(brand)
		}
	}
	return s
}

// Validate checks an onboarding request. Fields are named as the
// onboarding API's JSON names them.
func (o *Onboarding) Validate() error {
	if o.AssociateID == "" {
		return Missing("associateId")
	}
	if len(o.AssociateID) > 64 || !printable(o.AssociateID) {
		return Invalid("associateId", "associateId must be 1 to 64 printable characters.")
	}
	if err := ValidateFlow(o.Flow); err != nil {
		return err
	}
	c := &o.Company
	for _, f := range []struct{ name, value string }{
		{"companyDetails.legalName", c.LegalName},
		{"companyDetails.tradeName", c.TradeName},
		{"companyDetails.websiteURL", c.WebsiteURL},
		{"companyDetails.businessIdentificationType", c.BusinessIDType},
		{"companyDetails.businessIdentificationValue", c.BusinessIDValue},
	} {
		if strings.TrimSpace(f.value) == "" {
			return Missing(f.name)
		}
		if len(f.value) > 200 || !printable(f.value) {
			return FieldError(ERANGE, f.name, "%s must be at most 200 printable characters.", f.name)
		}
	}
	if err := ValidateHTTPURL("companyDetails.websiteURL", c.WebsiteURL); err != nil {
		return err
	}
	if c.ContactEmail != "" && !ValidEmail(c.ContactEmail) {
		return Invalid("companyDetails.contactEmail", "companyDetails.contactEmail must be an e-mail address.")
	}
	return validateBusinessID(c.BusinessIDType, c.BusinessIDValue)
}

// ValidateFlow checks a flow field: FlowCOFT or FlowAltID, exactly.
func ValidateFlow(flow string) error {
	switch flow {
	case "":
		return Missing("flow")
	case FlowCOFT, FlowAltID:
		return nil
	}
	return Invalid("flow", "flow must be ALT_ID or COFT.")
}

// ValidateAnswer checks a network's answer to an onboarding: onboarded or
// rejected.
func ValidateAnswer(status string) error {
	if status != OnboardingOnboarded && status != OnboardingRejected {
		return Invalid("status", "status must be onboarded or rejected.")
	}
	return nil
}

// Business identifier types the onboarding API accepts, with their formats.
var businessIDFormats = map[string]struct {
	check func(string) bool
	shape string
}{
	"PAN":   {ValidPAN, "10 characters: 5 letters, 4 digits, 1 letter (e.g. AAAPL1234C)"},
	"GSTIN": {validGSTIN, "15 characters: state code, PAN, entity number, Z, check character (e.g. 27AAAPL1234C1Z5)"},
	"CIN":   {validCIN, "21 characters (e.g. U72900KA2015PTC082988)"},
	"LLPIN": {validLLPIN, "3 letters, a dash and 4 digits (e.g. AAB-1234)"},
}

func validateBusinessID(typ, value string) error {
	f, ok := businessIDFormats[typ]
	if !ok {
		return Invalid("companyDetails.businessIdentificationType",
			"companyDetails.businessIdentificationType must be one of PAN, GSTIN, CIN, LLPIN.")
	}
	if !f.check(value) {
		return Invalid("companyDetails.businessIdentificationValue",
			"companyDetails.businessIdentificationValue is not a valid %s: %s.", typ, f.shape)
	}
	return nil
}

// ValidPAN reports whether s is an Indian Permanent Account Number:
// five letters, four digits, one letter, all upper case.
func ValidPAN(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		c := s[i]
		if i >= 5 && i < 9 {
			if c < '0' || c > '9' {
				return false
			}
		} else if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// validGSTIN checks a GST identification number's layout and check
// character.
func validGSTIN(s string) bool {
	if len(s) != 15 || !AllDigits(s[:2]) || !ValidPAN(s[2:12]) || s[13] != 'Z' {
		return false
	}
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := 0
	for i := 0; i < 14; i++ {
		v := strings.IndexByte(alphabet, s[i])
		if v < 0 {
			return false
		}
		p := v * (1 + i%2)
		sum += p/36 + p%36
	}
	return s[14] == alphabet[(36-sum%36)%36]
}

func validCIN(s string) bool {
	if len(s) != 21 || (s[0] != 'U' && s[0] != 'L') {
		return false
	}
	return AllDigits(s[1:6]) && upperLetters(s[6:8]) && AllDigits(s[8:12]) && upperLetters(s[12:15]) && AllDigits(s[15:])
}

func validLLPIN(s string) bool {
	return len(s) == 8 && upperLetters(s[:3]) && s[3] == '-' && AllDigits(s[4:])
}

func upperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// ValidEmail reports whether s looks like an e-mail address: one '@', a
// local part, and a domain with a dot, without spaces.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || at > 64 || len(s) > 254 || strings.Count(s, "@") != 1 || !printable(s) || strings.ContainsAny(s, " ,;<>()[]\\\"") {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-2 && !strings.Contains(domain, "..") && domain[0] != '.'
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseNetworks reads the onboarding request's network field: one network
// or several separated by commas, case-insensitive; empty means all five.
func ParseNetworks(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return Networks, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		brand := strings.ToUpper(strings.TrimSpace(part))
		if networkBit(brand) == 0 {
			return nil, Invalid("network", "network must be one or more of VISA, MASTERCARD, RUPAY, AMEX, DINERS.")
		}
		out = append(out, brand)
	}
	return out, nil
}

// OnboardingStore keeps onboardings. Every method is scoped to one merchant.
type OnboardingStore interface {
	// SaveOnboarding records an onboarding request: the company details
	// replace earlier ones; networks in o.Status that the associate has not
	// been asked for are added with their status, and the ones it has keep
	// theirs (re-onboarding is idempotent). o is filled with the stored
	// state, every network included.
	SaveOnboarding(ctx context.Context, o *Onboarding) error
	// FindOnboarding returns ENOTFOUND if the associate was never onboarded
	// for the flow.
	FindOnboarding(ctx context.Context, merchantID, associateID, flow string) (*Onboarding, error)
	// SetOnboardingStatus records a network's answer. Returns ENOTFOUND if
	// the network was never asked.
	SetOnboardingStatus(ctx context.Context, merchantID, associateID, flow, brand, status string) error
	// OnboardedNetworks returns the networks that onboarded the associate,
	// for COFT and for ALT_ID, in one read.
	OnboardedNetworks(ctx context.Context, merchantID, associateID string) (coft, altID NetworkSet, err error)
	// ListOnboardings returns a merchant's onboardings, its own and its
	// sub-merchants', every flow, by associate id then flow; at most limit.
	ListOnboardings(ctx context.Context, merchantID string, limit int) ([]*Onboarding, error)
	// PendingOnboardings returns onboardings, of every merchant, that have
	// a network still pending. At most limit, oldest first.
	PendingOnboardings(ctx context.Context, limit int) ([]*Onboarding, error)
}
