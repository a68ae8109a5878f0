package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

// onboardingLimit bounds the onboardings the page lists.
const onboardingLimit = 500

// onboardingLabels are the onboarding form's labels of the onboarding
// API's fields, which its validation names.
var onboardingLabels = map[string]string{
	"associateId": "Sub-merchant id", "flow": "Flow", "network": "Networks", "testMode": "Test mode",
	"companyDetails.legalName": "Legal name", "companyDetails.tradeName": "Trade name",
	"companyDetails.websiteURL": "Website", "companyDetails.contactEmail": "Contact email",
	"companyDetails.businessIdentificationType":  "Business id type",
	"companyDetails.businessIdentificationValue": "Business id",
}

// Onboarding serves GET /console/{merchant_id}/settings/onboarding: the
// merchant's and its sub-merchants' onboarding with each card network,
// for each flow, and the form that onboards a sub-merchant.
func (s *Server) Onboarding(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form := components.OnboardingForm{Flow: coft.FlowCOFT, Networks: map[string]bool{}, TestMode: !s.cfg.Production}
	for _, n := range coft.Networks {
		form.Networks[n] = true
	}
	return s.renderOnboarding(w, r, v, http.StatusOK, components.OnboardingView{Form: form}, r.URL.Query().Get("onboarded"))
}

// renderOnboarding shows the onboardings, with a notice when the
// associate onboarded names one of them.
func (s *Server) renderOnboarding(w http.ResponseWriter, r *http.Request, v *viewer, status int, ov components.OnboardingView, onboarded string) error {
	obs, err := s.cfg.Store.ListOnboardings(r.Context(), v.merchant.ID, onboardingLimit)
	if err != nil {
		return err
	}
	// The merchant's own onboarding first, then its sub-merchants'.
	slices.SortStableFunc(obs, func(a, b *coft.Onboarding) int {
		return boolRank(a.AssociateID != v.merchant.ID) - boolRank(b.AssociateID != v.merchant.ID)
	})
	for _, o := range obs {
		row := components.OnboardingRow{AssociateID: o.AssociateID, Self: o.AssociateID == v.merchant.ID, Flow: o.Flow,
			TestMode: o.TestMode, Updated: o.UpdatedAt.In(india).Format("2 Jan 2006, 15:04")}
		for _, n := range coft.Networks {
			row.Statuses = append(row.Statuses, o.NetworkStatus(n))
		}
		ov.Rows = append(ov.Rows, row)
		if o.AssociateID == onboarded && onboarded != "" {
			ov.Notice = onboarded + " was submitted to the networks."
		}
	}
	ov.Networks, ov.Can, ov.TestModeAllowed = coft.Networks, v.can(coft.PermOnboarding), !s.cfg.Production
	if ov.Errors == nil {
		ov.Errors = components.FieldErrors{}
	}
	s.render(w, r, status, components.ConsoleOnboarding(v.frame("settings", "Network onboarding"), ov))
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Onboard serves POST /console/{merchant_id}/settings/onboarding: a
// sub-merchant (or the merchant itself) onboarded to the chosen networks
// for a flow, through the same use case as POST /tokenization/onboarding.
// A refused field is named with its label; nothing is submitted.
func (s *Server) Onboard(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f := r.PostForm
	form := components.OnboardingForm{AssociateID: strings.TrimSpace(f.Get("associateId")), Flow: f.Get("flow"),
		LegalName: strings.TrimSpace(f.Get("companyDetails.legalName")), TradeName: strings.TrimSpace(f.Get("companyDetails.tradeName")),
		WebsiteURL: strings.TrimSpace(f.Get("companyDetails.websiteURL")), ContactEmail: strings.TrimSpace(f.Get("companyDetails.contactEmail")),
		BusinessIDType:  strings.ToUpper(strings.TrimSpace(f.Get("companyDetails.businessIdentificationType"))),
		BusinessIDValue: strings.ToUpper(strings.TrimSpace(f.Get("companyDetails.businessIdentificationValue"))),
		Networks:        map[string]bool{}, TestMode: f.Get("testMode") == "on"}
	var networks []string
	var err error
	switch {
	case len(f["network"]) == 0:
		err = coft.Invalid("network", "Choose at least one network.")
	case form.TestMode && s.cfg.Production:
		err = coft.Invalid("testMode", "Test mode is for the sandbox: in production, onboarding goes to the card networks.")
	default:
		networks, err = coft.ParseNetworks(strings.Join(f["network"], ","))
		err = fieldLabel(err, onboardingLabels)
	}
	for _, n := range f["network"] {
		form.Networks[strings.ToUpper(n)] = true
	}
	var o *coft.Onboarding
	if err == nil {
		o, err = s.cfg.Payments.Onboard(r.Context(), &coft.Onboarding{MerchantID: v.merchant.ID, AssociateID: form.AssociateID,
			Flow: form.Flow, TestMode: form.TestMode, Status: map[string]string{},
			Company: coft.Company{LegalName: form.LegalName, TradeName: form.TradeName, WebsiteURL: form.WebsiteURL,
				ContactEmail: form.ContactEmail, BusinessIDType: form.BusinessIDType, BusinessIDValue: form.BusinessIDValue}}, networks)
		err = fieldLabel(err, onboardingLabels)
	}
	if err != nil {
		if coft.ErrorField(err) == "" {
			return err
		}
		_, status := statusOf(err)
		return s.renderOnboarding(w, r, v, status, components.OnboardingView{Form: form,
			Errors: components.FieldErrors{coft.ErrorField(err): coft.ErrorMessage(err)}}, "")
	}
	var asked []string
	for _, n := range networks {
		asked = append(asked, n+" "+o.NetworkStatus(n))
	}
	if err := s.cfg.Store.RecordAudit(r.Context(), &coft.AuditEntry{MerchantID: v.merchant.ID, Actor: v.actor(), Setting: "onboarding",
		New: fmt.Sprintf("%s, %s: %s", o.AssociateID, o.Flow, strings.Join(asked, ", "))}); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/settings/onboarding?onboarded="+url.QueryEscape(o.AssociateID), http.StatusSeeOther)
	return nil
}
