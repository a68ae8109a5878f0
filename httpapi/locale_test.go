package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/coftkit/coft"
)

// TestConsentLanguages: the dialog speaks the customer's language, chosen
// by ?lang= or Accept-Language, and the evidence records the text shown.
func TestConsentLanguages(t *testing.T) {
	h := newHarness(t, "sqlite")
	for i, tc := range []struct{ query, accept, want string }{
		{"", "", "en"},
		{"", "hi-IN,hi;q=0.9,en;q=0.8", "hi"},
		{"?lang=bn", "hi", "bn"},
		{"?lang=ta", "", "ta"},
		{"", "te", "te"},
		{"", "mr-IN", "mr"},
		{"?lang=fr", "de", "en"},
	} {
		id := "lang" + string(rune('a'+i))
		h.order(h.keyA, id, true, "")
		res := h.txn(h.keyA, newCardForm(id, goodCard))
		u := res.str("payment.authentication.url")
		req, _ := http.NewRequest("GET", u+tc.query, nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		b := h.browser(false)
		page, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := goquery.NewDocumentFromReader(page.Body)
		page.Body.Close()
		text := coft.ConsentTexts[tc.want]
		if lang, _ := doc.Find("html").Attr("lang"); lang != tc.want || strings.TrimSpace(doc.Find("#coft-title").Text()) != text.Title ||
			!strings.Contains(doc.Text(), text.Accept) || !strings.Contains(doc.Text(), "Shop alpha") {
			t.Fatalf("%s%s (%s): lang %q, title %q; want %s", id, tc.query, tc.accept, lang, doc.Find("#coft-title").Text(), tc.want)
		}
		if v, _ := doc.Find(`input[name="text_id"]`).Attr("value"); v != text.ID {
			t.Fatalf("%s: text_id %q, want %q", id, v, text.ID)
		}
		if tc.want == "hi" {
			tok, _ := doc.Find(`input[name="form_token"]`).Attr("value")
			status, _, _ := b.post(u, url.Values{"decision": {"accept"}, "form_token": {tok},
				"text_id": {text.ID}, "locale": {"hi"}}, nil)
			if status != 303 {
				t.Fatalf("hindi decision: %d", status)
			}
			cs, _ := h.db.ListConsents(context.Background(), "alpha", res.str("txn_uuid"))
			if len(cs) != 1 || cs[0].Locale != "hi" || cs[0].TextID != "tokenize-hi-v1" {
				t.Fatalf("evidence: %+v", cs)
			}
		}
	}
}
