package coft

import (
	"context"
	"time"
)

// ConsentText is one version of the words the consent dialog shows. Its
// ID is stored with every decision, so the evidence says what the customer
// read. A text is never edited: a change is a new ID.
type ConsentText struct {
	ID      string // e.g. "tokenize-en-v1"
	Locale  string // BCP 47, e.g. "en"
	Title   string
	Lead    string // "Save your {card} for faster payments at {merchant}?"
	Points  []string
	Accept  string // the button that gives consent
	Decline string // the button that refuses it
	Pending string // announced while the choice is being sent
}

// DefaultLocale is the locale used when none of the customer's is available.
const DefaultLocale = "en"

// ConsentTexts are the published texts, by locale.
var ConsentTexts = map[string]ConsentText{
	"en": {
		ID:     "tokenize-en-v1",
		Locale: "en",
		Title:  "Save this card securely?",
		Lead:   "{merchant} can save your {card} as a secure token, so you can pay faster next time without typing the card number.",
		Points: []string{
			"Your card number is replaced by a token issued by {network}. {merchant} never stores your card number.",
			"You confirm this payment with your bank as usual.",
			"You can remove the saved card at any time.",
		},
		Accept:  "Yes, save my card",
		Decline: "No, don't save",
		Pending: "Saving your choice…",
	},
}

// ConsentTextFor returns the text for a locale, or the default locale's.
func ConsentTextFor(locale string) ConsentText {
	if t, ok := ConsentTexts[locale]; ok {
		return t
	}
	return ConsentTexts[DefaultLocale]
}

// Consent channels: where the customer made the decision.
const (
	ChannelHostedPage       = "HOSTED_PAGE"       // our page before the bank's
	ChannelMerchantPage     = "MERCHANT_PAGE"     // the dialog embedded in the merchant's page
	ChannelManagementPage   = "MANAGEMENT_SCREEN" // the saved-cards screen (out-of-band)
	ChannelMerchantDeclared = "MERCHANT_DECLARED" // the merchant passed tokenize=true|false
)

// Consent is the evidence of one customer decision about tokenizing a card.
type Consent struct {
	ID          string // cns_…
	MerchantID  string
	TxnUUID     string
	CustomerID  string // cst_… when the order has a customer
	Fingerprint string // the card's fingerprint
	Decision    bool   // true: the customer agreed to tokenization
	TextID      string // the ConsentText shown
	Locale      string
	Channel     string
	ClientIP    string
	UserAgent   string
	ShownAt     time.Time // when the dialog was first served, if known
	DecidedAt   time.Time
}

// ConsentStore keeps consent evidence.
type ConsentStore interface {
	// ListConsents returns the consent records of a transaction, oldest first.
	ListConsents(ctx context.Context, merchantID, txnUUID string) ([]*Consent, error)
}
