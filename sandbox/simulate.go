package sandbox

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/coftkit/coft"
)

// SimulateConsents makes up n consent dialogs of a merchant's checkouts
// over the days before now, for demonstrating consent insight: a
// realistic spread of channels, languages, devices (form factors), card
// brands, decisions, abandonments and times to decide, with a few
// differences to find (Tamil readers hesitate longer; landscape phones
// decline more; the saved-cards screen is accepted most). The outcomes
// are marked simulated: they are counted in the stats, apart, and never
// enter the consent ledger. The same seed gives the same dialogs.
func SimulateConsents(merchantID string, n, days int, now time.Time, seed uint64) []coft.ConsentOutcome {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if days < 1 {
		days = 1
	}
	out := make([]coft.ConsentOutcome, n)
	start := now.Add(-time.Duration(days) * 24 * time.Hour)
	for i := range out {
		o := &out[i]
		o.MerchantID, o.Simulated = merchantID, true
		// Checkouts through the day, busier in the evening (India).
		o.ShownAt = start.Add(time.Duration(rng.Int64N(int64(now.Sub(start)))))
		if h := coft.InIndia(o.ShownAt).Hour(); h < 8 && rng.IntN(3) > 0 {
			o.ShownAt = o.ShownAt.Add(12 * time.Hour)
			if o.ShownAt.After(now) {
				o.ShownAt = o.ShownAt.Add(-24 * time.Hour)
			}
		}
		o.Channel = pick(rng, []string{coft.ChannelHostedPage, coft.ChannelMerchantPage, coft.ChannelManagementPage}, []int{64, 26, 10})
		o.Language = pick(rng, []string{"en", "hi", "bn", "ta", "te", "mr"}, []int{46, 24, 8, 9, 7, 6})
		o.TextID = coft.ConsentTextFor(o.Language).ID
		o.FormFactor = pick(rng, coft.FormFactors, []int{63, 7, 30})
		o.Brand = pick(rng, []string{coft.BrandVisa, coft.BrandMastercard, coft.BrandRuPay, coft.BrandAmex, coft.BrandDiners},
			[]int{44, 31, 19, 4, 2})

		accept, abandon := 0.64, 0.10
		switch {
		case o.Channel == coft.ChannelManagementPage:
			accept, abandon = 0.82, 0.06 // the customer came to secure the card
		case o.Channel == coft.ChannelMerchantPage:
			abandon = 0 // the drop-in records no dialog that was not answered
		}
		if o.FormFactor == coft.FormFactorMobileLandscape {
			accept -= 0.12
		}
		if o.Brand == coft.BrandRuPay {
			accept += 0.05
		}
		switch r := rng.Float64(); {
		case r < abandon:
			o.Outcome = coft.OutcomeAbandoned
			o.Language, o.TextID, o.FormFactor = "", "", "" // nothing was posted
			continue
		case r < abandon+(1-abandon)*accept:
			o.Outcome = coft.OutcomeAccepted
		default:
			o.Outcome = coft.OutcomeDeclined
		}
		// Time to decide: log-normal, a median of about 5 s, longer for
		// Tamil and Telugu readers, shorter on the saved-cards screen.
		median := 5.0
		switch o.Language {
		case "ta", "te":
			median = 8
		case "en":
			median = 4.5
		}
		if o.Channel == coft.ChannelManagementPage {
			median *= 0.7
		}
		secs := median * math.Exp(0.7*rng.NormFloat64())
		if rng.IntN(100) == 0 {
			secs = 0.3 + 0.6*rng.Float64() // now and then a click before reading
		}
		o.Timed, o.DecideTime = true, time.Duration(secs*float64(time.Second))
		o.TooFast = o.DecideTime < coft.MinDecisionTime
	}
	return out
}

// pick chooses one of values with the given weights.
func pick(rng *rand.Rand, values []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return values[i]
		}
		r -= w
	}
	return values[len(values)-1]
}
