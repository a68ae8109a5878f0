package coft

import (
	"context"
	"strings"
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
	"hi": {
		ID:     "tokenize-hi-v1",
		Locale: "hi",
		Title:  "क्या यह कार्ड सुरक्षित रूप से सेव करें?",
		Lead:   "{merchant} आपके {card} को एक सुरक्षित टोकन के रूप में सेव कर सकता है, ताकि अगली बार आप कार्ड नंबर डाले बिना जल्दी भुगतान कर सकें।",
		Points: []string{
			"आपके कार्ड नंबर की जगह {network} का जारी किया हुआ टोकन रखा जाएगा। {merchant} आपका कार्ड नंबर कभी सेव नहीं करता।",
			"आप इस भुगतान की पुष्टि हमेशा की तरह अपने बैंक से करेंगे।",
			"आप सेव किया हुआ कार्ड कभी भी हटा सकते हैं।",
		},
		Accept:  "हाँ, मेरा कार्ड सेव करें",
		Decline: "नहीं, सेव न करें",
		Pending: "आपका चुनाव भेजा जा रहा है…",
	},
	"bn": {
		ID:     "tokenize-bn-v1",
		Locale: "bn",
		Title:  "এই কার্ডটি নিরাপদে সেভ করবেন?",
		Lead:   "{merchant} আপনার {card} একটি নিরাপদ টোকেন হিসেবে সেভ করতে পারে, যাতে পরের বার কার্ড নম্বর না লিখেই দ্রুত পেমেন্ট করতে পারেন।",
		Points: []string{
			"আপনার কার্ড নম্বরের বদলে {network}-এর দেওয়া একটি টোকেন রাখা হবে। {merchant} কখনও আপনার কার্ড নম্বর সেভ করে না।",
			"এই পেমেন্টটি আপনি যথারীতি আপনার ব্যাঙ্কের সঙ্গে নিশ্চিত করবেন।",
			"সেভ করা কার্ড আপনি যেকোনো সময় সরিয়ে দিতে পারেন।",
		},
		Accept:  "হ্যাঁ, আমার কার্ড সেভ করুন",
		Decline: "না, সেভ করবেন না",
		Pending: "আপনার পছন্দ পাঠানো হচ্ছে…",
	},
	"ta": {
		ID:     "tokenize-ta-v1",
		Locale: "ta",
		Title:  "இந்த கார்டைப் பாதுகாப்பாகச் சேமிக்கவா?",
		Lead:   "{merchant} உங்கள் {card}-ஐ ஒரு பாதுகாப்பான டோக்கனாகச் சேமிக்கலாம்; அடுத்த முறை கார்டு எண்ணை உள்ளிடாமல் விரைவாகப் பணம் செலுத்தலாம்.",
		Points: []string{
			"உங்கள் கார்டு எண்ணுக்குப் பதிலாக {network} வழங்கும் டோக்கன் பயன்படுத்தப்படும். {merchant} உங்கள் கார்டு எண்ணை ஒருபோதும் சேமிப்பதில்லை.",
			"இந்தப் பணம் செலுத்துதலை வழக்கம்போல் உங்கள் வங்கியுடன் உறுதிப்படுத்துவீர்கள்.",
			"சேமித்த கார்டை எப்போது வேண்டுமானாலும் நீக்கலாம்.",
		},
		Accept:  "ஆம், என் கார்டைச் சேமி",
		Decline: "வேண்டாம், சேமிக்க வேண்டாம்",
		Pending: "உங்கள் தேர்வு அனுப்பப்படுகிறது…",
	},
	"te": {
		ID:     "tokenize-te-v1",
		Locale: "te",
		Title:  "ఈ కార్డును సురక్షితంగా సేవ్ చేయాలా?",
		Lead:   "{merchant} మీ {card}ను సురక్షిత టోకెన్‌గా సేవ్ చేయగలదు, దాంతో తదుపరిసారి కార్డ్ నంబర్ టైప్ చేయకుండానే త్వరగా చెల్లించవచ్చు.",
		Points: []string{
			"మీ కార్డ్ నంబర్‌కు బదులుగా {network} జారీ చేసిన టోకెన్ ఉంటుంది. {merchant} మీ కార్డ్ నంబర్‌ను ఎప్పుడూ సేవ్ చేయదు.",
			"ఈ చెల్లింపును మీరు ఎప్పటిలాగే మీ బ్యాంక్‌తో నిర్ధారిస్తారు.",
			"సేవ్ చేసిన కార్డును మీరు ఎప్పుడైనా తీసివేయవచ్చు.",
		},
		Accept:  "అవును, నా కార్డును సేవ్ చేయండి",
		Decline: "వద్దు, సేవ్ చేయవద్దు",
		Pending: "మీ ఎంపిక పంపబడుతోంది…",
	},
	"mr": {
		ID:     "tokenize-mr-v1",
		Locale: "mr",
		Title:  "हे कार्ड सुरक्षितपणे सेव्ह करायचे का?",
		Lead:   "{merchant} तुमचे {card} सुरक्षित टोकन म्हणून सेव्ह करू शकते, म्हणजे पुढच्या वेळी कार्ड नंबर न टाइप करता पटकन पेमेंट करता येईल.",
		Points: []string{
			"तुमच्या कार्ड नंबरऐवजी {network} ने दिलेले टोकन वापरले जाईल. {merchant} तुमचा कार्ड नंबर कधीही सेव्ह करत नाही.",
			"हे पेमेंट तुम्ही नेहमीप्रमाणे तुमच्या बँकेसोबत निश्चित कराल.",
			"सेव्ह केलेले कार्ड तुम्ही कधीही काढून टाकू शकता.",
		},
		Accept:  "हो, माझे कार्ड सेव्ह करा",
		Decline: "नाही, सेव्ह करू नका",
		Pending: "तुमची निवड पाठवली जात आहे…",
	},
}

// MatchLocale picks the published locale that suits a customer: the
// explicit choice (e.g. a lang parameter) when it is published, else the
// best of an Accept-Language header's languages by quality, else
// DefaultLocale. Only the primary subtag counts ("hi-IN" is "hi").
func MatchLocale(explicit, acceptLanguage string) string {
	if l := primarySubtag(explicit); l != "" {
		if _, ok := ConsentTexts[l]; ok {
			return l
		}
	}
	best, bestQ := DefaultLocale, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q = parseQ(v)
		}
		l := primarySubtag(tag)
		if _, ok := ConsentTexts[l]; ok && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

func primarySubtag(tag string) string {
	tag, _, _ = strings.Cut(strings.TrimSpace(tag), "-")
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	return strings.ToLower(tag)
}

// parseQ reads a quality value ("1", "0.8", "0.25"); a malformed one is 0.
func parseQ(v string) float64 {
	if v == "1" || strings.HasPrefix(v, "1.") {
		return 1
	}
	if !strings.HasPrefix(v, "0.") || len(v) > 5 {
		return 0
	}
	q, scale := 0.0, 0.1
	for _, c := range v[2:] {
		if c < '0' || c > '9' {
			return 0
		}
		q += float64(c-'0') * scale
		scale /= 10
	}
	return q
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
	// TooFast flags a decision taken less than MinDecisionTime after the
	// dialog was shown: recorded, not refused, for whoever weighs the
	// evidence.
	TooFast bool
	// FormFactor is the screen the decision was taken on (FormFactors),
	// and FormFactorSource where that came from (FormFactorFromDialog or
	// FormFactorFromHints); both empty when no dialog of ours was shown.
	FormFactor       string
	FormFactorSource string
}

// MinDecisionTime is the floor under which a decision is flagged TooFast:
// one second from the dialog's being served to the choice, less than a
// person takes to see the dialog and tap (a page's load alone takes a
// phone about a third of it).
const MinDecisionTime = time.Second

// DecidedTooFast reports whether a decision at decided on a dialog shown
// at shown (zero: unknown) came faster than MinDecisionTime.
func DecidedTooFast(shown, decided time.Time) bool {
	return !shown.IsZero() && decided.Sub(shown) < MinDecisionTime
}

// ConsentStore keeps consent evidence.
type ConsentStore interface {
	// ListConsents returns the consent records of a transaction, oldest first.
	ListConsents(ctx context.Context, merchantID, txnUUID string) ([]*Consent, error)
}

// PageConsent is a decision taken in the dialog embedded in a merchant's
// page (the drop-in), before any payment exists. The merchant then passes
// it to /txns as consent_id with tokenize=true|false, which links it to the
// payment once.
type PageConsent struct {
	ID         string // pcn_…
	MerchantID string
	OrderID    string // the order of the client_auth_token the page used
	ISIN       string // the card the dialog was about
	Last4      string
	Brand      string
	Decision   bool
	TextID     string
	Locale     string
	Origin     string // the merchant page's origin
	ClientIP   string
	UserAgent  string
	ShownAt    time.Time
	DecidedAt  time.Time
	TooFast    bool   // see Consent.TooFast
	TxnUUID    string // the payment it was used for, once used
	// FormFactor and FormFactorSource: see Consent.
	FormFactor       string
	FormFactorSource string
}

// PageConsentStore keeps decisions taken in merchant pages.
type PageConsentStore interface {
	// RecordPageConsent stores a decision, once per dialog shown: the same
	// dialog (order, card, ShownAt) decided again leaves the first record,
	// copied into c, or is ECONFLICT when the decision differs.
	RecordPageConsent(ctx context.Context, c *PageConsent) error
	// FindPageConsent returns ENOTFOUND if the merchant has no such decision.
	FindPageConsent(ctx context.Context, merchantID, id string) (*PageConsent, error)
	// UsePageConsent links a decision to a payment, once: ENOTFOUND if the
	// merchant has no such decision, ECONFLICT if it was used already.
	UsePageConsent(ctx context.Context, merchantID, id, txnUUID string) (*PageConsent, error)
}
