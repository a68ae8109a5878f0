package juspay

// CardGet is the /v4/card/get response.
type CardGet struct {
	Reference             string       `json:"reference"` // the token's reference
	CardReference         string       `json:"card_reference"`
	CustomerID            string       `json:"customer_id"`
	NameOnCard            string       `json:"name_on_card"`
	Nickname              *string      `json:"nickname"` // null when the card has none, as Juspay's
	Fingerprint           string       `json:"fingerprint"`
	CardType              string       `json:"card_type"`
	SubType               *string      `json:"sub_type"` // null when unknown, as Juspay's
	Network               string       `json:"network"`
	Issuer                string       `json:"issuer"`
	IssuerCountry         string       `json:"issuer_country"`
	TokenDetails          TokenDetails `json:"token_details"`
	AuthenticationDetails AuthDetails  `json:"authentication_details"`
	CardDetails           CardDetails  `json:"card_details"`
	// ECI and TokenRequestorID come with the cryptogram from the network:
	// its electronic commerce indicator, and the id (TRID) the network
	// knows the service by as the token's requestor.
	ECI              string `json:"eci"`
	TokenRequestorID string `json:"token_requestor_id"`
	// IssuerCountryCode is null, as in Juspay's samples: issuer_country
	// names the country.
	IssuerCountryCode *Null `json:"issuer_country_code"`
}

type TokenDetails struct {
	Status           string `json:"status"`
	FirstSix         string `json:"first_six"`
	LastFour         string `json:"last_four"`
	ExpMonth         string `json:"exp_month"`
	ExpYear          string `json:"exp_year"`
	Provider         string `json:"provider"`
	ProviderCategory string `json:"provider_category"`
}

type AuthDetails struct {
	Cryptogram string `json:"cryptogram"`
	Token      string `json:"token"`
}

type CardDetails struct {
	LastFour string `json:"last_four"`
	PAR      string `json:"par"`
	ExpMonth string `json:"exp_month"`
	ExpYear  string `json:"exp_year"`
}

// AltID is the /get/altId response. The Alt ID is never stored.
// Juspay answers {status, payload{…, altIdDetails (the Alt ID's details
// sealed to the merchant's key)}, errorCode: null, errorMessage: null};
// this service also gives the details in the clear at the top level, as
// it always has.
type AltID struct {
	Status string `json:"status"`
	AltIDDetails
	AltIDCard
	// ErrorCode and ErrorMessage are null: no error.
	ErrorCode    *string      `json:"errorCode"`
	ErrorMessage *string      `json:"errorMessage"`
	Payload      AltIDPayload `json:"payload"`
}

// AltIDDetails are what only the merchant may read.
type AltIDDetails struct {
	AltID    string `json:"altId"`
	ExpMonth string `json:"expMonth"`
	ExpYear  string `json:"expYear"`
	TAVV     string `json:"tavv"`
	PAR      string `json:"par"`
}

// AltIDCard describes the card, at the top level and in the payload.
type AltIDCard struct {
	CardBrand         string `json:"cardBrand"`
	CardIssuerBank    string `json:"cardIssuerBank"`
	CardIssuerCountry string `json:"cardIssuerCountry"`
	Provider          string `json:"provider"`
	ProviderCategory  string `json:"providerCategory"`
	CorrelationID     string `json:"correlationId"`
}

// AltIDPayload is Juspay's payload block of /get/altId.
type AltIDPayload struct {
	AltIDCard
	// AltIDDetails is {altId, expMonth, expYear, tavv, par} as a JWE
	// (RSA-OAEP-256, A128GCM) to the merchant's newest live JWE key (see
	// `merchants jwt-keys`); absent when the merchant has none.
	AltIDDetails string `json:"altIdDetails,omitempty"`
}
