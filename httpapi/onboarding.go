package httpapi

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"sync"
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
	if err := o.Validate(); err != nil {
		return err
	}
	// Recorded pending first, so an answer the network sends at once
	// always finds its row; then the networks are asked.
	for _, brand := range networks {
		o.Status[brand] = coft.OnboardingPending
	}
	if err := s.Store.SaveOnboarding(ctx, o); err != nil {
		return err
	}
	ask := &coft.Onboarding{MerchantID: o.MerchantID, AssociateID: o.AssociateID, Flow: o.Flow, TestMode: o.TestMode,
		Company: o.Company, Status: map[string]string{}}
	for _, brand := range networks {
		switch o.Status[brand] {
		case coft.OnboardingRejected: // asked again
			if err := s.Store.SetOnboardingStatus(ctx, o.MerchantID, o.AssociateID, o.Flow, brand, coft.OnboardingPending); err != nil {
				return err
			}
			fallthrough
		case coft.OnboardingPending:
			ask.Status[brand] = coft.OnboardingPending
		}
	}
	if len(ask.Status) > 0 {
		answers, err := s.Network.Onboard(ctx, ask)
		if err != nil {
			// Left pending: the reconciler submits it again.
			s.log().ErrorContext(ctx, "onboarding submission failed", "associate_id", o.AssociateID, "error", err.Error())
		}
		for brand, status := range answers {
			if status == coft.OnboardingPending || ask.Status[brand] == "" {
				continue
			}
			if err := s.Store.SetOnboardingStatus(ctx, o.MerchantID, o.AssociateID, o.Flow, brand, status); err != nil {
				return err
			}
		}
		s.forgetOnboarded(o.MerchantID, o.AssociateID)
		if o, err = s.Store.FindOnboarding(ctx, o.MerchantID, o.AssociateID, o.Flow); err != nil {
			return err
		}
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
		o, err := s.Store.FindOnboarding(ctx, a.merchant.ID, id, flow)
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

// OnboardingChanged records a network's answer to a pending onboarding.
func (s *Server) OnboardingChanged(ctx context.Context, u coft.OnboardingUpdate) error {
	if err := coft.ValidateAnswer(u.Status); err != nil {
		return err
	}
	if err := s.Store.SetOnboardingStatus(ctx, u.MerchantID, u.AssociateID, u.Flow, u.Network, u.Status); err != nil {
		return err
	}
	s.forgetOnboarded(u.MerchantID, u.AssociateID)
	s.log().InfoContext(ctx, "network answered onboarding", "merchant_id", u.MerchantID, "associate_id", u.AssociateID,
		"flow", u.Flow, "network", u.Network, "status", u.Status)
	return nil
}

// ResubmitPendingOnboardings submits onboardings still waiting for a
// network's answer again, e.g. after a restart lost the network's
// callback. It returns how many it submitted.
func (s *Server) ResubmitPendingOnboardings(ctx context.Context) (int, error) {
	pending, err := s.Store.PendingOnboardings(ctx, 100)
	if err != nil {
		return 0, err
	}
	for _, o := range pending {
		ask := *o
		ask.Status = map[string]string{}
		for brand, st := range o.Status {
			if st == coft.OnboardingPending {
				ask.Status[brand] = st
			}
		}
		answers, err := s.Network.Onboard(ctx, &ask)
		if err != nil {
			return 0, err
		}
		for brand, status := range answers {
			if status != coft.OnboardingPending && ask.Status[brand] != "" {
				if err := s.OnboardingChanged(ctx, coft.OnboardingUpdate{MerchantID: o.MerchantID,
					AssociateID: o.AssociateID, Flow: o.Flow, Network: brand, Status: status}); err != nil {
					return 0, err
				}
			}
		}
	}
	return len(pending), nil
}

// onboardedCache keeps, per merchant and associate, the networks that
// onboarded it, sparing a read on every eligibility check. Changes made
// through this instance are seen at once; through another, within the
// merchant cache's TTL.
type onboardedCache struct {
	mu sync.RWMutex
	m  map[onboardedKey]onboardedEntry
}

type onboardedKey struct{ merchant, associate string }

type onboardedEntry struct {
	coft, altID coft.NetworkSet
	exp         time.Time
}

// onboarded returns the networks that onboarded the associate (the
// merchant itself when associateID is empty) for COFT and for ALT_ID.
func (s *Server) onboarded(ctx context.Context, merchantID, associateID string) (cof, alt coft.NetworkSet, err error) {
	if associateID == "" {
		associateID = merchantID
	}
	key := onboardedKey{merchantID, associateID}
	now := s.Now()
	c := &s.onboardedNetworks
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && now.Before(e.exp) {
		return e.coft, e.altID, nil
	}
	cof, alt, err = s.Store.OnboardedNetworks(ctx, merchantID, associateID)
	if err != nil {
		return 0, 0, err
	}
	if s.MerchantCacheTTL > 0 {
		c.mu.Lock()
		if c.m == nil || len(c.m) > 100_000 { // bounded: start over rather than grow without end
			c.m = map[onboardedKey]onboardedEntry{}
		}
		c.m[key] = onboardedEntry{cof, alt, now.Add(s.MerchantCacheTTL)}
		c.mu.Unlock()
	}
	return cof, alt, nil
}

func (s *Server) forgetOnboarded(merchantID, associateID string) {
	c := &s.onboardedNetworks
	c.mu.Lock()
	delete(c.m, onboardedKey{merchantID, associateID})
	c.mu.Unlock()
}

// tokenizeSupport reports whether a card with the BIN can be tokenized
// for the merchant, or the sub-merchant when submerchantID is set.
func (s *Server) tokenizeSupport(ctx context.Context, m *coft.Merchant, submerchantID string, b coft.CardBin) (bool, error) {
	if !m.TokenizationEnabled {
		return false, nil
	}
	cof, _, err := s.onboarded(ctx, m.ID, submerchantID)
	if err != nil {
		return false, err
	}
	return coft.TokenizeSupport(m, b, cof), nil
}

// validSubmerchant checks a submerchant_id parameter.
func validSubmerchant(field, id string) error {
	if len(id) > 64 || !printableASCII(id) {
		return coft.Invalid(field, "%s must be at most 64 printable characters.", field)
	}
	return nil
}
