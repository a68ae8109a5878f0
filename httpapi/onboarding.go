package httpapi

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
)

// Headers the tokenization APIs require.
const (
	hdrMerchantID  = "x-merchantid"
	hdrVersion     = "version"
	hdrContentType = "content-type"
	hdrRoutingID   = "x-routing-id"
)

// requireHeaders checks that the named headers are present and well
// formed. (x-merchantid is matched against the API key by authenticate.)
func requireHeaders(r *http.Request, names ...string) error {
	for _, name := range names {
		v := strings.TrimSpace(r.Header.Get(name))
		if v == "" {
			return coft.FieldError(coft.EMISSING, name, "The %s header is required.", name)
		}
		switch name {
		case hdrVersion:
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return coft.Invalid(name, "The version header must be a date, YYYY-MM-DD (e.g. 2023-11-01).")
			}
		case hdrContentType:
			if mt, _, _ := mime.ParseMediaType(v); mt != "application/json" {
				return coft.Invalid(name, "The content-type header must be application/json.")
			}
		case hdrRoutingID:
			if len(v) > 128 || !printableASCII(v) {
				return coft.Invalid(name, "The x-routing-id header must be at most 128 printable characters.")
			}
		}
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// handleOnboarding serves POST /tokenization/onboarding: it onboards the
// merchant (associateId = its merchant id) or a sub-merchant to the card
// networks for COFT or ALT_ID. Calling it again is idempotent and can add
// networks; a network that rejected is asked again.
func (s *Server) handleOnboarding(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	if err := requireHeaders(r, hdrMerchantID, hdrVersion, hdrContentType, hdrRoutingID); err != nil {
		return err
	}
	p, err := juspay.ReadParams(w, r, juspay.OnboardingFields)
	if err != nil {
		return err
	}
	testMode, err := p.Flag("testMode")
	if err != nil {
		return err
	}
	if testMode && s.cfg.Production {
		return coft.Invalid("testMode", "testMode is for the sandbox: in production, onboarding goes to the card networks.")
	}
	networks, err := coft.ParseNetworks(p["network"])
	if err != nil {
		return err
	}
	o := &coft.Onboarding{MerchantID: a.merchant.ID, AssociateID: strings.TrimSpace(p["associateId"]),
		Flow: p["flow"], TestMode: testMode, Status: map[string]string{},
		Company: coft.Company{
			LegalName: strings.TrimSpace(p["companyDetails.legalName"]), TradeName: strings.TrimSpace(p["companyDetails.tradeName"]),
			WebsiteURL: strings.TrimSpace(p["companyDetails.websiteURL"]), ContactEmail: strings.TrimSpace(p["companyDetails.contactEmail"]),
			BusinessIDType:  strings.ToUpper(strings.TrimSpace(p["companyDetails.businessIdentificationType"])),
			BusinessIDValue: strings.TrimSpace(p["companyDetails.businessIdentificationValue"]),
		}}
	if o, err = s.payments.Onboard(ctx, o, networks); err != nil {
		return err
	}
	v := juspay.Onboarding{Status: "SUCCESS", AssociateID: o.AssociateID, Response: juspay.NetworkStatusesOf(o)}
	rejected := 0
	for _, brand := range networks {
		if o.NetworkStatus(brand) == coft.OnboardingRejected {
			rejected++
		}
	}
	if rejected == len(networks) {
		v.Status = "FAILURE"
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// handleOnboardingStatus serves GET /tokenization/onboarding/status?submerchantId=…[&flow=…].
func (s *Server) handleOnboardingStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	if err := requireHeaders(r, hdrMerchantID, hdrVersion); err != nil {
		return err
	}
	p, err := juspay.ReadParams(w, r, juspay.Fields{"submerchantId", "flow"})
	if err != nil {
		return err
	}
	id := strings.TrimSpace(p["submerchantId"])
	if id == "" {
		return coft.Missing("submerchantId")
	}
	flows := []string{coft.FlowCOFT, coft.FlowAltID}
	if f := p["flow"]; f != "" {
		if err := coft.ValidateFlow(f); err != nil {
			return err
		}
		flows = []string{f}
	}
	v := juspay.OnboardingStatus{Status: "SUCCESS", SubmerchantID: id, Onboardings: []juspay.OnboardingFlow{}}
	for _, flow := range flows {
		o, err := s.cfg.Store.FindOnboarding(ctx, a.merchant.ID, id, flow)
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		c := o.Company
		v.Onboardings = append(v.Onboardings, juspay.OnboardingFlow{Flow: flow, TestMode: o.TestMode,
			Response: juspay.NetworkStatusesOf(o),
			CompanyDetails: juspay.Company{LegalName: c.LegalName, TradeName: c.TradeName, WebsiteURL: c.WebsiteURL,
				ContactEmail: c.ContactEmail, BusinessIdentificationType: c.BusinessIDType, BusinessIdentificationValue: c.BusinessIDValue},
			CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: o.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	if len(v.Onboardings) == 0 {
		return coft.FieldError(coft.ENOTFOUND, "submerchantId", "%s has not been onboarded.", id)
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}

// validSubmerchant checks a submerchant_id parameter.
func validSubmerchant(field, id string) error {
	if len(id) > 64 || !printableASCII(id) {
		return coft.Invalid(field, "%s must be at most 64 printable characters.", field)
	}
	return nil
}
