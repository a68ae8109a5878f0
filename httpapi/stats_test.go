package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
)

// TestConsentStatsAPI: GET /consents/stats answers the caller's dialogs
// of a period as JSON (exact counts, rates and times) or CSV; another
// merchant's key gets its own; malformed or impossible periods and
// formats are refused in the Juspay error shape, naming the field.
func TestConsentStatsAPI(t *testing.T) {
	forDialects(t, func(t *testing.T, h *harness) {
		// Three decisions on the hosted page, taken 3, 6 and 9 seconds
		// after the dialog was served.
		for i, tc := range []struct {
			decision, ff string
		}{{"accept", "mobile-portrait"}, {"decline", "desktop"}, {"accept", ""}} {
			id := fmt.Sprintf("st%d", i)
			h.order(h.keyA, id, true, "")
			res := h.txn(h.keyA, newCardForm(id, goodCard))
			u := res.str("payment.authentication.url")
			b := h.browser(false)
			_, _, page := b.visit(u)
			h.advance(time.Duration(3*(i+1)) * time.Second)
			form := url.Values{"decision": {tc.decision}, "form_token": {formToken(t, page)}, "text_id": {"tokenize-en-v1"}, "locale": {"en"}}
			if tc.ff != "" {
				form.Set("form_factor", tc.ff)
			}
			if status, _, page := b.post(u, form, nil); status != 303 {
				t.Fatalf("%s: consent post %d %s", id, status, page)
			}
		}
		// Two simulated dialogs, the same day.
		if err := h.db.RecordSimulatedConsents(context.Background(), []coft.ConsentOutcome{
			{MerchantID: "alpha", ShownAt: h.clock(), Channel: coft.ChannelMerchantPage, Language: "hi", FormFactor: coft.FormFactorMobileLandscape,
				Brand: coft.BrandRuPay, TextID: "tokenize-hi-v1", Outcome: coft.OutcomeAccepted, Timed: true, DecideTime: 12 * time.Second},
			{MerchantID: "alpha", ShownAt: h.clock(), Channel: coft.ChannelHostedPage, Brand: coft.BrandVisa, Outcome: coft.OutcomeAbandoned},
		}); err != nil {
			t.Fatal(err)
		}
		day := coft.StatsDayKey(h.clock())
		next := coft.StatsDay(h.clock()).AddDate(0, 0, 1).Format(time.DateOnly)
		for _, path := range []string{"/consents/stats", "/consents/stats?from=" + day + "&to=" + next} {
			res := h.must(200, request{method: "GET", path: path, key: h.keyA})
			for k, want := range map[string]any{
				"merchant_id": "alpha", "time_zone": "Asia/Kolkata", "to": day, "total.shown": 5.0, "total.accepted": 3.0,
				"total.declined": 1.0, "total.abandoned": 1.0, "total.acceptance_rate": 0.6, "total.median_decide_ms": 6000.0,
				"total.p90_decide_ms": 12000.0, "total.timed": 4.0, "total.simulated": 2.0, "pending": 0.0,
				"splits.channel.0.value": "HOSTED_PAGE", "splits.channel.0.shown": 4.0, "splits.channel.0.acceptance_rate": 0.5,
				"splits.channel.1.value": "MERCHANT_PAGE", "splits.form_factor.0.value": "mobile-portrait",
				"splits.form_factor.2.value": "desktop", "splits.form_factor.2.shown": 2.0, "splits.form_factor.2.median_decide_ms": 6000.0,
				"splits.form_factor.3.value": "", "splits.form_factor.3.median_decide_ms": nil,
				"splits.card_brand.0.value": "RUPAY", "splits.text_version.1.value": "tokenize-hi-v1",
			} {
				if got := res.get(k); got != want {
					t.Errorf("%s: %s = %v, want %v", path, k, got, want)
				}
			}
			if path != "/consents/stats" {
				if days := res.get("days").([]any); len(days) != 1 || res.str("days.0.day") != day || res.get("days.0.shown") != 5.0 {
					t.Errorf("days: %v", days)
				}
			} else if days := res.get("days").([]any); len(days) != 30 || res.get("from") != coft.StatsDay(h.clock()).AddDate(0, 0, -29).Format(time.DateOnly) {
				t.Errorf("the default period: from %v, %d days", res.get("from"), len(days))
			}
		}
		csv := h.must(200, request{method: "GET", path: "/consents/stats?format=csv&from=" + day + "&to=" + next, key: h.keyA})
		lines := strings.Split(strings.TrimSpace(csv.raw), "\n")
		if ct := csv.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.HasPrefix(lines[0], "from,to,split,value,shown") ||
			lines[1] != day+","+day+",total,,5,3,1,1,0.6000,6000,12000,4,0,2,0" ||
			!strings.Contains(csv.header.Get("Content-Disposition"), "consent-stats-"+day+"-to-"+day+".csv") {
			t.Fatalf("CSV: %q\n%s", ct, csv.raw)
		}
		// Beta's key: beta's own (none).
		if res := h.must(200, request{method: "GET", path: "/consents/stats", key: h.keyB}); res.get("merchant_id") != "beta" || res.get("total.shown") != 0.0 {
			t.Fatalf("beta's stats: %s", res.raw)
		}
		for _, tc := range []struct {
			query, field string
		}{
			{"from=yesterday", "from"},
			{"to=2026-11-22T00:00:00Z", "to"}, // not a midnight in India
			{"from=" + next + "&to=" + day, "to"},
			{"from=2020-01-01&to=" + next, "from"},
			{"format=xml", "format"},
			{"form=2026-01-01", "form"},
		} {
			res := h.do(request{method: "GET", path: "/consents/stats?" + tc.query, key: h.keyA})
			if res.status != 400 || res.errorField() != tc.field || res.str("status") != "error" || res.str("error_message") == "" {
				t.Errorf("%s: %d %s", tc.query, res.status, res.raw)
			}
		}
		h.must(401, request{method: "GET", path: "/consents/stats"})
	})
}

// TestDemoCheckoutCounted: a checkout of the demo store (the sandbox's
// demo merchant, the hosted way) is a real consent, in the demo
// merchant's stats; the demo's gallery dialog records nothing.
func TestDemoCheckoutCounted(t *testing.T) {
	h := newHarness(t, "sqlite")
	key := h.merchant("demo", true)
	b := h.browser(false)
	status, loc, page := b.post(h.srv.URL+"/demo/checkout", url.Values{"mode": {"hosted"}}, nil)
	if status != 303 || !strings.Contains(loc, "/payment-page") {
		t.Fatalf("demo checkout: %d %s %s", status, loc, page)
	}
	status, auth, page := b.post(loc, url.Values{"card_number": {goodCard}, "card_exp_month": {"12"}, "card_exp_year": {"31"},
		"card_security_code": {"123"}, "name_on_card": {"Asha Rao"}}, nil)
	if status != 303 || !strings.Contains(auth, "/v2/txns/consent/demo/") {
		t.Fatalf("payment page: %d %s %s", status, auth, page)
	}
	b.pay(auth, "accept")
	if status, _, _ := b.post(h.srv.URL+"/demo/dialog?lang=en", url.Values{"decision": {"decline"}, "form_token": {"preview"},
		"text_id": {"tokenize-en-v1"}, "locale": {"en"}}, nil); status != 200 {
		t.Fatalf("gallery dialog: %d", status)
	}
	res := h.must(200, request{method: "GET", path: "/consents/stats", key: key})
	if res.get("total.shown") != 1.0 || res.get("total.accepted") != 1.0 || res.str("splits.channel.0.value") != "HOSTED_PAGE" ||
		res.get("total.simulated") != 0.0 {
		t.Fatalf("the demo merchant's stats: %s", res.raw)
	}
}
