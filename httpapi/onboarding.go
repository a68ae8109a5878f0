package httpapi

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/coftkit/coft"
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

var onboardingFields = fields{"associateId", "testMode", "flow", "network", "companyDetails.legalName",
	"companyDetails.tradeName", "companyDetails.websiteURL", "companyDetails.contactEmail",
	"companyDetails.businessIdentificationType", "companyDetails.businessIdentificationValue"}

// onboardingView is the onboarding API's response.
type onboardingView struct {
	Status      string          `json:"status"` // SUCCESS, or FAILURE when every network rejected
	AssociateID string          `json:"associateId"`
	Response    networkStatuses `json:"response"`
}

// networkStatuses lists every network's onboarding status, in the order
// Juspay's response lists them.
type networkStatuses struct {
	Visa       string `json:"visa"`
	Mastercard string `json:"mastercard"`
	RuPay      string `json:"rupay"`
	Amex       string `json:"amex"`
	Diners     string `json:"diners"`
}

func onboardingResponse(o *coft.Onboarding) networkStatuses {
	return networkStatuses{Visa: o.NetworkStatus(coft.BrandVisa), Mastercard: o.NetworkStatus(coft.BrandMastercard),
		RuPay: o.NetworkStatus(coft.BrandRuPay), Amex: o.NetworkStatus(coft.BrandAmex), Diners: o.NetworkStatus(coft.BrandDiners)}
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
	p, err := readParams(w, r, onboardingFields)
	if err != nil {
		return err
	}
	testMode, err := p.flag("testMode")
	if err != nil {
		return err
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
	v := onboardingView{Status: "SUCCESS", AssociateID: o.AssociateID, Response: onboardingResponse(o)}
	rejected := 0
	for _, brand := range networks {
		if o.NetworkStatus(brand) == coft.OnboardingRejected {
			rejected++
		}
	}
	if rejected == len(networks) {
		v.Status = "FAILURE"
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// onboardingStatusView is the fetch-onboarding response: one entry per
// flow the associate was onboarded for.
type onboardingStatusView struct {
	Status        string               `json:"status"`
	SubmerchantID string               `json:"submerchantId"`
	Onboardings   []onboardingFlowView `json:"onboardings"`
}

type onboardingFlowView struct {
	Flow           string          `json:"flow"`
	TestMode       bool            `json:"testMode"`
	Response       networkStatuses `json:"response"`
	CompanyDetails companyView     `json:"companyDetails"`
	CreatedAt      string          `json:"createdAt"`
	UpdatedAt      string          `json:"updatedAt"`
}

type companyView struct {
	LegalName                   string `json:"legalName"`
	TradeName                   string `json:"tradeName"`
	WebsiteURL                  string `json:"websiteURL"`
	ContactEmail                string `json:"contactEmail,omitempty"`
	BusinessIdentificationType  string `json:"businessIdentificationType"`
	BusinessIdentificationValue string `json:"businessIdentificationValue"`
}

// handleOnboardingStatus serves GET /tokenization/onboarding/status?submerchantId=…[&flow=…].
func (s *Server) handleOnboardingStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := authFrom(ctx)
	if err := requireHeaders(r, hdrMerchantID, hdrVersion); err != nil {
		return err
	}
	p, err := readParams(w, r, fields{"submerchantId", "flow"})
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
	v := onboardingStatusView{Status: "SUCCESS", SubmerchantID: id, Onboardings: []onboardingFlowView{}}
	for _, flow := range flows {
		o, err := s.cfg.Store.FindOnboarding(ctx, a.merchant.ID, id, flow)
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		c := o.Company
		v.Onboardings = append(v.Onboardings, onboardingFlowView{Flow: flow, TestMode: o.TestMode,
			Response:       onboardingResponse(o),
			CompanyDetails: companyView{c.LegalName, c.TradeName, c.WebsiteURL, c.ContactEmail, c.BusinessIDType, c.BusinessIDValue},
			CreatedAt:      o.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: o.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	if len(v.Onboardings) == 0 {
		return coft.FieldError(coft.ENOTFOUND, "submerchantId", "%s has not been onboarded.", id)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// validSubmerchant checks a submerchant_id parameter.
func validSubmerchant(field, id string) error {
	if len(id) > 64 || !printableASCII(id) {
		return coft.Invalid(field, "%s must be at most 64 printable characters.", field)
	}
	return nil
}
