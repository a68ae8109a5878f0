package juspay

import (
	"github.com/coftkit/coft"
)

// OnboardingFields are what the onboarding API accepts.
var OnboardingFields = Fields{"associateId", "testMode", "flow", "network", "companyDetails.legalName",
	"companyDetails.tradeName", "companyDetails.websiteURL", "companyDetails.contactEmail",
	"companyDetails.businessIdentificationType", "companyDetails.businessIdentificationValue"}

// Onboarding is the onboarding API's response.
type Onboarding struct {
	Status      string          `json:"status"` // SUCCESS, or FAILURE when every network rejected
	AssociateID string          `json:"associateId"`
	Response    NetworkStatuses `json:"response"`
}

// NetworkStatuses lists every network's onboarding status, in the order
// Juspay's response lists them.
type NetworkStatuses struct {
	Visa       string `json:"visa"`
	Mastercard string `json:"mastercard"`
	RuPay      string `json:"rupay"`
	Amex       string `json:"amex"`
	Diners     string `json:"diners"`
}

func NetworkStatusesOf(o *coft.Onboarding) NetworkStatuses {
	return NetworkStatuses{Visa: o.NetworkStatus(coft.BrandVisa), Mastercard: o.NetworkStatus(coft.BrandMastercard),
		RuPay: o.NetworkStatus(coft.BrandRuPay), Amex: o.NetworkStatus(coft.BrandAmex), Diners: o.NetworkStatus(coft.BrandDiners)}
}

// OnboardingStatus is the fetch-onboarding response: one entry per
// flow the associate was onboarded for.
type OnboardingStatus struct {
	Status        string           `json:"status"`
	SubmerchantID string           `json:"submerchantId"`
	Onboardings   []OnboardingFlow `json:"onboardings"`
}

type OnboardingFlow struct {
	Flow           string          `json:"flow"`
	TestMode       bool            `json:"testMode"`
	Response       NetworkStatuses `json:"response"`
	CompanyDetails Company         `json:"companyDetails"`
	CreatedAt      string          `json:"createdAt"`
	UpdatedAt      string          `json:"updatedAt"`
}

type Company struct {
	LegalName                   string `json:"legalName"`
	TradeName                   string `json:"tradeName"`
	WebsiteURL                  string `json:"websiteURL"`
	ContactEmail                string `json:"contactEmail,omitempty"`
	BusinessIdentificationType  string `json:"businessIdentificationType"`
	BusinessIdentificationValue string `json:"businessIdentificationValue"`
}
