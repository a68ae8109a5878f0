package coft_test

import (
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

func validOnboarding() *coft.Onboarding {
	return &coft.Onboarding{MerchantID: "shop", AssociateID: "airline_AI", Flow: coft.FlowCOFT,
		Company: coft.Company{LegalName: "Air Example Ltd", TradeName: "Air Example", WebsiteURL: "https://air.example",
			ContactEmail: "ops@air.example", BusinessIDType: "PAN", BusinessIDValue: "AAAPL1234C"}}
}

// TestOnboardingValidate walks each field rule of the onboarding body: the
// error names the field, in the API's JSON spelling.
func TestOnboardingValidate(t *testing.T) {
	if err := validOnboarding().Validate(); err != nil {
		t.Fatalf("valid onboarding refused: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*coft.Onboarding)
		code  string
		field string
	}{
		{"no associateId", func(o *coft.Onboarding) { o.AssociateID = "" }, coft.EMISSING, "associateId"},
		{"long associateId", func(o *coft.Onboarding) { o.AssociateID = strings.Repeat("a", 65) }, coft.EINVALID, "associateId"},
		{"control character", func(o *coft.Onboarding) { o.AssociateID = "a\nb" }, coft.EINVALID, "associateId"},
		{"no flow", func(o *coft.Onboarding) { o.Flow = "" }, coft.EMISSING, "flow"},
		{"unknown flow", func(o *coft.Onboarding) { o.Flow = "TOKENS" }, coft.EINVALID, "flow"},
		{"lower-case flow", func(o *coft.Onboarding) { o.Flow = "coft" }, coft.EINVALID, "flow"},
		{"no legalName", func(o *coft.Onboarding) { o.Company.LegalName = " " }, coft.EMISSING, "companyDetails.legalName"},
		{"no tradeName", func(o *coft.Onboarding) { o.Company.TradeName = "" }, coft.EMISSING, "companyDetails.tradeName"},
		{"long tradeName", func(o *coft.Onboarding) { o.Company.TradeName = strings.Repeat("x", 201) }, coft.ERANGE, "companyDetails.tradeName"},
		{"no websiteURL", func(o *coft.Onboarding) { o.Company.WebsiteURL = "" }, coft.EMISSING, "companyDetails.websiteURL"},
		{"websiteURL not a URL", func(o *coft.Onboarding) { o.Company.WebsiteURL = "Partner's merchant URL" }, coft.EINVALID, "companyDetails.websiteURL"},
		{"websiteURL ftp", func(o *coft.Onboarding) { o.Company.WebsiteURL = "ftp://air.example" }, coft.EINVALID, "companyDetails.websiteURL"},
		{"contactEmail", func(o *coft.Onboarding) { o.Company.ContactEmail = "ops at air.example" }, coft.EINVALID, "companyDetails.contactEmail"},
		{"contactEmail two @", func(o *coft.Onboarding) { o.Company.ContactEmail = "a@b@air.example" }, coft.EINVALID, "companyDetails.contactEmail"},
		{"contactEmail no dot", func(o *coft.Onboarding) { o.Company.ContactEmail = "ops@localhost" }, coft.EINVALID, "companyDetails.contactEmail"},
		{"no id type", func(o *coft.Onboarding) { o.Company.BusinessIDType = "" }, coft.EMISSING, "companyDetails.businessIdentificationType"},
		{"unknown id type", func(o *coft.Onboarding) { o.Company.BusinessIDType = "AADHAAR" }, coft.EINVALID, "companyDetails.businessIdentificationType"},
		{"no id value", func(o *coft.Onboarding) { o.Company.BusinessIDValue = "" }, coft.EMISSING, "companyDetails.businessIdentificationValue"},
		{"PAN lower case", func(o *coft.Onboarding) { o.Company.BusinessIDValue = "aaapl1234c" }, coft.EINVALID, "companyDetails.businessIdentificationValue"},
		{"PAN digits misplaced", func(o *coft.Onboarding) { o.Company.BusinessIDValue = "AAAP11234C" }, coft.EINVALID, "companyDetails.businessIdentificationValue"},
		{"PAN short", func(o *coft.Onboarding) { o.Company.BusinessIDValue = "AAAPL1234" }, coft.EINVALID, "companyDetails.businessIdentificationValue"},
		{"GSTIN check character", func(o *coft.Onboarding) {
			o.Company.BusinessIDType, o.Company.BusinessIDValue = "GSTIN", "27AAPFU0939F1ZA"
		}, coft.EINVALID, "companyDetails.businessIdentificationValue"},
		{"CIN", func(o *coft.Onboarding) {
			o.Company.BusinessIDType, o.Company.BusinessIDValue = "CIN", "X72900KA2015PTC082988"
		}, coft.EINVALID, "companyDetails.businessIdentificationValue"},
	} {
		o := validOnboarding()
		tc.edit(o)
		err := o.Validate()
		if coft.ErrorCode(err) != tc.code || coft.ErrorField(err) != tc.field {
			t.Errorf("%s: got %v, want %s on %s", tc.name, err, tc.code, tc.field)
		}
	}
	for typ, value := range map[string]string{
		"GSTIN": "27AAPFU0939F1ZV", "CIN": "U72900KA2015PTC082988", "LLPIN": "AAB-1234",
	} {
		o := validOnboarding()
		o.Company.BusinessIDType, o.Company.BusinessIDValue = typ, value
		if err := o.Validate(); err != nil {
			t.Errorf("valid %s refused: %v", typ, err)
		}
	}
	o := validOnboarding()
	o.Company.ContactEmail = "" // optional
	if err := o.Validate(); err != nil {
		t.Errorf("onboarding without contactEmail refused: %v", err)
	}
}

func TestParseNetworks(t *testing.T) {
	all, err := coft.ParseNetworks("")
	if err != nil || len(all) != 5 {
		t.Fatalf("absent network = %v, %v; want all five", all, err)
	}
	two, err := coft.ParseNetworks("visa, RUPAY")
	if err != nil || strings.Join(two, ",") != "VISA,RUPAY" {
		t.Fatalf("ParseNetworks = %v, %v", two, err)
	}
	for _, bad := range []string{"DISCOVER", "VISA,,RUPAY", "MAESTRO"} {
		if _, err := coft.ParseNetworks(bad); coft.ErrorField(err) != "network" {
			t.Errorf("ParseNetworks(%q) = %v; want an error on network", bad, err)
		}
	}
}

// TestTokenStatusAfter covers every lifecycle action from every status.
func TestTokenStatusAfter(t *testing.T) {
	statuses := []string{coft.TokenInitiated, coft.TokenActive, coft.TokenSuspended, coft.TokenInactive}
	want := map[string]map[string]string{ // action → from → to ("" = refused)
		coft.TokenSuspend:    {coft.TokenActive: coft.TokenSuspended},
		coft.TokenResume:     {coft.TokenSuspended: coft.TokenActive},
		coft.TokenDeactivate: {coft.TokenInitiated: coft.TokenInactive, coft.TokenActive: coft.TokenInactive, coft.TokenSuspended: coft.TokenInactive},
		coft.TokenReplace:    {coft.TokenActive: coft.TokenActive, coft.TokenSuspended: coft.TokenSuspended},
	}
	for action, table := range want {
		for _, from := range statuses {
			got, err := coft.TokenStatusAfter(from, action)
			if to := table[from]; to == "" {
				if coft.ErrorCode(err) != coft.ECONFLICT || !strings.Contains(coft.ErrorMessage(err), from) {
					t.Errorf("%s from %s = %q, %v; want a conflict naming %s", action, from, got, err, from)
				}
			} else if err != nil || got != to {
				t.Errorf("%s from %s = %q, %v; want %s", action, from, got, err, to)
			}
		}
	}
	if _, err := coft.TokenStatusAfter(coft.TokenActive, "delete"); coft.ErrorField(err) != "action" {
		t.Errorf("unknown action: %v", err)
	}
}
