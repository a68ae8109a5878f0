package coft

import (
	"context"
	"strings"
	"time"
)

// Customer is a merchant's customer, the owner of saved cards.
type Customer struct {
	ID                string // cst_…, assigned by the service
	MerchantID        string
	ObjectReferenceID string // the merchant's own id for the customer, unique per merchant
	MobileNumber      string
	MobileCountryCode string
	EmailAddress      string
	FirstName         string
	LastName          string
	// Implicit is set when the service created the customer itself: an
	// order named a customer_id the merchant never created, and a card
	// was saved for it. The merchant's customer_id is its
	// object_reference_id.
	Implicit  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the customer's fields.
func (c *Customer) Validate() error {
	if c.ObjectReferenceID != "" && !ValidReference(c.ObjectReferenceID, 128) {
		return Invalid("object_reference_id", "object_reference_id must be at most 128 letters, digits or one of _-.@+:")
	}
	if c.MobileNumber != "" && (!AllDigits(c.MobileNumber) || len(c.MobileNumber) < 6 || len(c.MobileNumber) > 15) {
		return Invalid("mobile_number", "mobile_number must be 6 to 15 digits.")
	}
	if c.MobileCountryCode != "" && !validCountryCode(c.MobileCountryCode) {
		return Invalid("mobile_country_code", "mobile_country_code must be 1 to 4 digits, such as 91.")
	}
	if err := ValidateEmail("email_address", c.EmailAddress); err != nil {
		return err
	}
	if len(c.FirstName) > 100 {
		return FieldError(ERANGE, "first_name", "first_name must be at most 100 characters.")
	}
	if len(c.LastName) > 100 {
		return FieldError(ERANGE, "last_name", "last_name must be at most 100 characters.")
	}
	return nil
}

// ValidateEmail accepts an empty string or a plain address such as a@b.in.
func ValidateEmail(field, s string) error {
	if s == "" {
		return nil
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || len(s) > 254 || !emailLocal(local) || !emailDomain(domain) {
		return Invalid(field, "%s must be an e-mail address such as name@example.com.", field)
	}
	return nil
}

// emailLocal accepts the dot-atom local parts people use.
func emailLocal(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+/=?^_`{|}~.-", c) >= 0) {
			return false
		}
	}
	return true
}

// emailDomain accepts host names with at least two labels.
func emailDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func validCountryCode(s string) bool {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	return AllDigits(s) && len(s) <= 4
}

// ValidReference reports whether s is 1..max characters of [A-Za-z0-9_-.@+:].
func ValidReference(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '.' || c == '@' || c == '+' || c == ':') {
			return false
		}
	}
	return true
}

// CustomerStore keeps customers. Every method is scoped to one merchant: a
// customer of another merchant is reported as ENOTFOUND.
type CustomerStore interface {
	// CreateCustomer stores a new customer. Returns ECONFLICT if the
	// merchant already has a customer with the same object_reference_id.
	CreateCustomer(ctx context.Context, c *Customer) error
	// UpdateCustomer replaces the customer's fields. Returns ENOTFOUND or ECONFLICT.
	UpdateCustomer(ctx context.Context, c *Customer) error
	// FindCustomer finds a customer by id (cst_…) or object_reference_id.
	// Returns ENOTFOUND if the merchant has no such customer.
	FindCustomer(ctx context.Context, merchantID, idOrReference string) (*Customer, error)
	// ListCustomers returns a merchant's customers that match the filter,
	// newest first, at most f.Limit (keyset paging: f.Before).
	ListCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, error)
}

// CustomerFilter selects a merchant's customers. An empty Search matches
// every customer.
type CustomerFilter struct {
	MerchantID string
	// Search matches a customer exactly by one of: its id (cst_…), its
	// object_reference_id, its email address (in any case), or its mobile
	// number (the digits; spaces, dashes and a leading + are ignored, and
	// a number longer than 10 digits is also tried without its leading
	// country code).
	Search string
	// Before continues a list after its last customer: customers created
	// before it (or at the same time with a smaller id).
	Before *Customer
	Limit  int // 1..500; default 50
}

// MobileCandidates returns the mobile numbers Search may name, or nil
// when it is not a phone number.
func (f CustomerFilter) MobileCandidates() []string {
	s := strings.TrimPrefix(strings.TrimSpace(f.Search), "+")
	s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(s) < 6 || len(s) > 19 || !AllDigits(s) {
		return nil
	}
	if len(s) > 10 {
		return []string{s, s[len(s)-10:]}
	}
	return []string{s}
}
