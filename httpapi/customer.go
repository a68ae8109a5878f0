package httpapi

import (
	"net/http"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/juspay"
)

// handleCustomerCreate serves POST /customers.
func (s *Server) handleCustomerCreate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.CustomerFields)
	if err != nil {
		return err
	}
	c := &coft.Customer{MerchantID: a.merchant.ID, MobileCountryCode: "91"}
	juspay.ApplyCustomer(c, p)
	// Juspay requires these two; email_address is optional.
	for _, k := range []string{"object_reference_id", "mobile_number"} {
		if strings.TrimSpace(p[k]) == "" {
			return coft.Missing(k)
		}
	}
	withToken, err := p.Flag("options.get_client_auth_token")
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
	v := juspay.CustomerOf(c)
	if withToken {
		v.Juspay = s.clientAuth(authtoken.Scope{MerchantID: c.MerchantID, CustomerID: c.ID})
	}
	juspay.WriteJSON(w, http.StatusOK, v)
}

// handleCustomerGet serves GET /customers/{customer_id}.
func (s *Server) handleCustomerGet(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"customer_id", "options.get_client_auth_token"})
	if err != nil {
		return err
	}
	withToken, err := p.Flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	c, err := s.pathCustomer(r, a.merchant, p)
	if err != nil {
		return err
	}
	s.writeCustomer(w, c, withToken)
	return nil
}

// handleCustomerUpdate serves POST /customers/{customer_id}.
func (s *Server) handleCustomerUpdate(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, append(juspay.Fields{"customer_id"}, juspay.CustomerFields...))
	if err != nil {
		return err
	}
	withToken, err := p.Flag("options.get_client_auth_token")
	if err != nil {
		return err
	}
	c, err := s.pathCustomer(r, a.merchant, p)
	if err != nil {
		return err
	}
	juspay.ApplyCustomer(c, p)
	if v, ok := p["object_reference_id"]; ok && strings.TrimSpace(v) == "" {
		return coft.Missing("object_reference_id")
	}
	if err := s.cfg.Store.UpdateCustomer(r.Context(), c); err != nil {
		return err
	}
	s.writeCustomer(w, c, withToken)
	return nil
}

// pathCustomer is the merchant's customer the path names (by id or
// object_reference_id), a customer_id repeated in the parameters agreeing.
func (s *Server) pathCustomer(r *http.Request, m *coft.Merchant, p juspay.Params) (*coft.Customer, error) {
	id := r.PathValue("customer_id")
	if err := sameID(p, "customer_id", id); err != nil {
		return nil, err
	}
	return s.cfg.Store.FindCustomer(r.Context(), m.ID, id)
}
