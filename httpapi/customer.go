package httpapi

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
)

type customerView struct {
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
	Juspay            *clientAuth `json:"juspay,omitempty"`
}

func customerViewOf(c *coft.Customer) *customerView {
	return &customerView{ID: c.ID, Object: "customer", ObjectReferenceID: c.ObjectReferenceID,
		MobileNumber: c.MobileNumber, MobileCountryCode: c.MobileCountryCode, EmailAddress: c.EmailAddress,
		FirstName: c.FirstName, LastName: c.LastName, DateCreated: timestamp(c.CreatedAt), LastUpdated: timestamp(c.UpdatedAt)}
}

var customerFields = fields{"object_reference_id", "mobile_number", "mobile_country_code", "email_address",
	"first_name", "last_name", "options.get_client_auth_token"}

// applyCustomerParams copies the fields present in p onto c.
func applyCustomerParams(c *coft.Customer, p params) {
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

// handleCustomerCreate serves POST /customers.
func (s *Server) handleCustomerCreate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, customerFields)
	if err != nil {
		return err
	}
	c := &coft.Customer{MerchantID: a.merchant.ID, MobileCountryCode: "91"}
	applyCustomerParams(c, p)
	// Juspay requires these two; email_address is optional.
	for _, k := range []string{"object_reference_id", "mobile_number"} {
		if strings.TrimSpace(p[k]) == "" {
			return coft.Missing(k)
		}
	}
	withToken, err := p.flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	if err := s.cfg.Store.CreateCustomer(r.Context(), c); err != nil {
		return err
	}
	s.writeCustomer(w, c, withToken)
	return nil
}

func (s *Server) writeCustomer(w http.ResponseWriter, c *coft.Customer, withToken bool) {
	v := customerViewOf(c)
	if withToken {
		v.Juspay = s.clientAuth(authtoken.Scope{MerchantID: c.MerchantID, CustomerID: c.ID})
	}
	writeJSON(w, http.StatusOK, v)
}

// handleCustomerGet serves GET /customers/{customer_id}.
func (s *Server) handleCustomerGet(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, fields{"customer_id", "options.get_client_auth_token"})
	if err != nil {
		return err
	}
	withToken, err := p.flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	if err := sameID(p, "customer_id", r.PathValue("customer_id")); err != nil {
		return err
	}
	c, err := s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, r.PathValue("customer_id"))
	if err != nil {
		return err
	}
	s.writeCustomer(w, c, withToken)
	return nil
}

// handleCustomerUpdate serves POST /customers/{customer_id}.
func (s *Server) handleCustomerUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := readParams(w, r, append(fields{"customer_id"}, customerFields...))
	if err != nil {
		return err
	}
	withToken, err := p.flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	if err := sameID(p, "customer_id", r.PathValue("customer_id")); err != nil {
		return err
	}
	c, err := s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, r.PathValue("customer_id"))
	if err != nil {
		return err
	}
	applyCustomerParams(c, p)
	if v, ok := p["object_reference_id"]; ok && strings.TrimSpace(v) == "" {
		return coft.Missing("object_reference_id")
	}
	if err := s.cfg.Store.UpdateCustomer(r.Context(), c); err != nil {
		return err
	}
	s.writeCustomer(w, c, withToken)
	return nil
}
