package juspay

import (
	"strings"

	"github.com/coftkit/coft"
)

// Customer is a customer, as the customer APIs answer it.
type Customer struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`
	ObjectReferenceID string      `json:"object_reference_id"`
	MobileNumber      string      `json:"mobile_number"`
	MobileCountryCode string      `json:"mobile_country_code"`
	EmailAddress      string      `json:"email_address"`
	FirstName         string      `json:"first_name"`
	LastName          string      `json:"last_name"`
	DateCreated       string      `json:"date_created"`
	LastUpdated       string      `json:"last_updated"`
	Juspay            *ClientAuth `json:"juspay,omitempty"`
}

func CustomerOf(c *coft.Customer) *Customer {
	return &Customer{ID: c.ID, Object: "customer", ObjectReferenceID: c.ObjectReferenceID,
		MobileNumber: c.MobileNumber, MobileCountryCode: c.MobileCountryCode, EmailAddress: c.EmailAddress,
		FirstName: c.FirstName, LastName: c.LastName, DateCreated: Timestamp(c.CreatedAt), LastUpdated: Timestamp(c.UpdatedAt)}
}

var CustomerFields = Fields{"object_reference_id", "mobile_number", "mobile_country_code", "email_address",
	"first_name", "last_name", "options.get_client_auth_token"}

// ApplyCustomer copies the Fields present in p onto c.
func ApplyCustomer(c *coft.Customer, p Params) {
	set := func(dst *string, k string) {
		if v, ok := p[k]; ok {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&c.ObjectReferenceID, "object_reference_id")
	set(&c.MobileNumber, "mobile_number")
	set(&c.MobileCountryCode, "mobile_country_code")
	set(&c.EmailAddress, "email_address")
	set(&c.FirstName, "first_name")
	set(&c.LastName, "last_name")
}
