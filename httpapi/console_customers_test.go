package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coftkit/coft"
	"github.com/coftkit/coft/bintable"
	"github.com/coftkit/coft/cardscan"
	"github.com/coftkit/coft/sqlstore/sqltest"
)

// testCardOf is a sandbox test card number of the brand.
func testCardOf(t testing.TB, brand string) string {
	t.Helper()
	bins := bintable.MustNew()
	for _, b := range bins.Entries() {
		if n, ok := bins.TestCard(b.BIN); ok && b.Brand == brand {
			return n
		}
	}
	t.Fatalf("no %s test card", brand)
	return ""
}

// deregisterWatch counts the tokens de-registered with the network, and
// fails them while down is set.
type deregisterWatch struct {
	coft.Network
	n    atomic.Int32
	down atomic.Bool
}

func (d *deregisterWatch) Deregister(ctx context.Context, brand, number string) error {
	if d.down.Load() {
		return errors.New("network unreachable")
	}
	d.n.Add(1)
	return d.Network.Deregister(ctx, brand, number)
}

// TestConsoleCustomers: the customers list finds a customer by id,
// reference, email or mobile number; a customer's page shows their saved
// cards (masked), each card's token and its status, and their consent
// records with each record's proof, and never a card number; an admin
// de-registers a card (the token de-registered with the network, the
// card gone, a withdrawal in the ledger and on the page, who did it in the
// audit log); viewers and developers cannot; nothing of another
// merchant's answers but 404.
func TestConsoleCustomers(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			h := newConsoleHarness(t, d)
			ctx := context.Background()
			watch := &deregisterWatch{Network: h.currentNetwork()}
			h.setNetwork(watch)
			master := testCardOf(t, coft.BrandMastercard)
			scan := cardscan.New([]string{goodCard, master}, "123")

			// A customer who paid and agreed to save the card as a token,
			// and who has a second card kept in the locker.
			cst := h.order(h.keyA, "buy1", true, "")
			res := h.txn(h.keyA, newCardForm("buy1", goodCard))
			h.browser(true).pay(res.str("payment.authentication.url"), "accept")
			kept := h.saveCard("alpha", cst, master)
			h.advance(time.Second)
			other := h.customer(h.keyA, "other")
			betaCst := h.customer(h.keyB, "theirs")
			betaCard := h.saveCard("beta", betaCst, goodCard)

			admin := h.signIn(h.consoleUser("alpha", "admin@alpha.example", coft.RoleAdmin, false))
			dev := h.signIn(h.consoleUser("alpha", "dev@alpha.example", coft.RoleDeveloper, false))
			viewer := h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))

			t.Run("search", func(t *testing.T) {
				for q, want := range map[string][]string{
					"":                   {other, cst},
					cst:                  {cst},
					"cbuy1":              {cst},
					"CBUY1@Example.com":  {cst},
					"+91 98765 43210":    {other, cst},
					"nobody@example.com": nil,
					betaCst:              nil,
				} {
					p := viewer.get("/console/alpha/customers?" + url.Values{"q": {q}}.Encode())
					if p.status != 200 {
						t.Fatalf("q=%q: %d", q, p.status)
					}
					var got []string
					p.doc.Find("tbody tr td:first-child a").Each(func(_ int, a *goquery.Selection) { got = append(got, a.Text()) })
					if strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("q=%q: %v, want %v", q, got, want)
					}
					if len(want) == 0 && !strings.Contains(p.text("main"), "No customer matches") {
						t.Errorf("q=%q: no 'no match' message", q)
					}
				}
				if p := viewer.get("/console/alpha/customers?q=" + strings.Repeat("x", 300)); p.status != http.StatusBadRequest || p.text(".error") == "" {
					t.Errorf("a long search: %d %q", p.status, p.text(".error"))
				}
			})

			page := "/console/alpha/customers/" + cst
			t.Run("page", func(t *testing.T) {
				p := viewer.get(page)
				if p.status != 200 {
					t.Fatalf("customer page: %d", p.status)
				}
				if hits := scan.Hits([]byte(p.body)); hits != nil {
					t.Fatalf("card data on the page: %v", hits)
				}
				cards := p.doc.Find("section.panel")
				if cards.Length() != 2 {
					t.Fatalf("%d cards shown", cards.Length())
				}
				tokenized := cards.FilterFunction(func(_ int, s *goquery.Selection) bool {
					return strings.Contains(s.Find("h3").Text(), "Visa ending 4242")
				})
				text := tokenized.Text()
				card, err := h.db.FindCardByFingerprint(ctx, "alpha", cst, h.locker.Fingerprint(goodCard))
				if err != nil || card.Token == nil {
					t.Fatalf("tokenized card: %v", err)
				}
				for _, want := range []string{"12/2031", card.Reference, "ACTIVE", card.Token.Last4, "PAR", "present"} {
					if !strings.Contains(text, want) {
						t.Errorf("the tokenized card does not show %q: %s", want, text)
					}
				}
				lockerText := cards.FilterFunction(func(_ int, s *goquery.Selection) bool {
					return strings.Contains(s.Find("h3").Text(), "Mastercard ending "+kept.Last4)
				}).Text()
				if !strings.Contains(lockerText, "None: the card is kept in the locker.") {
					t.Errorf("the locker card: %s", lockerText)
				}
				// The consent: when, channel, decision, text and language,
				// and its proof as the ledger holds it.
				entries, err := h.db.CustomerLedger(ctx, "alpha", cst)
				if err != nil || len(entries) != 1 {
					t.Fatalf("ledger: %v %v", entries, err)
				}
				rec := p.doc.Find("ol.ledger > li")
				if rec.Length() != 1 {
					t.Fatalf("%d records shown", rec.Length())
				}
				text = rec.Text()
				for _, want := range []string{"Agreed to save the card as a network token", "HOSTED_PAGE", "tokenize-en-v1", "en",
					"Visa ending 4242", "buy1", "IST", entries[0].Hash, entries[0].PrevHash} {
					if !strings.Contains(text, want) {
						t.Errorf("the record does not show %q: %s", want, text)
					}
				}
				if href, _ := rec.Find(`a[href="/console/alpha/orders/buy1"]`).Attr("href"); href == "" {
					t.Error("the record does not link to its order")
				}
				// Only admins see the de-register button.
				if n := p.doc.Find(`form[action$="/deregister"]`).Length(); n != 0 {
					t.Errorf("a viewer sees %d de-register forms", n)
				}
				ap := admin.get(page)
				forms := ap.doc.Find(`form[action$="/deregister"]`)
				if forms.Length() != 2 || forms.First().AttrOr("data-confirm", "") == "" {
					t.Fatalf("admin: %d de-register forms", forms.Length())
				}
			})

			deregister := page + "/cards/" + kept.Reference + "/deregister"
			t.Run("viewers and developers cannot de-register", func(t *testing.T) {
				for name, b := range map[string]*browser{"viewer": viewer, "developer": dev} {
					tok := b.get(page).token()
					if p := b.submit(deregister, url.Values{"csrf": {tok}}); p.status != http.StatusForbidden {
						t.Errorf("%s: %d", name, p.status)
					}
				}
				if _, err := h.db.FindCard(ctx, "alpha", kept.Reference); err != nil {
					t.Fatalf("the card went: %v", err)
				}
			})

			t.Run("cross-merchant", func(t *testing.T) {
				tok := admin.get(page).token()
				for _, path := range []string{"/console/beta/customers", "/console/beta/customers/" + betaCst,
					"/console/alpha/customers/" + betaCst, "/console/alpha/customers/theirs"} {
					if p := admin.get(path); p.status != http.StatusNotFound {
						t.Errorf("GET %s: %d", path, p.status)
					}
				}
				for _, path := range []string{
					"/console/beta/customers/" + betaCst + "/cards/" + betaCard.Reference + "/deregister",
					"/console/alpha/customers/" + betaCst + "/cards/" + betaCard.Reference + "/deregister",
					page + "/cards/" + betaCard.Reference + "/deregister",
					"/console/alpha/customers/" + other + "/cards/" + kept.Reference + "/deregister", // another customer's card
				} {
					if p := admin.submit(path, url.Values{"csrf": {tok}}); p.status != http.StatusNotFound {
						t.Errorf("POST %s: %d", path, p.status)
					}
				}
				for _, ref := range []string{betaCard.Reference, kept.Reference} {
					m := map[string]string{betaCard.Reference: "beta", kept.Reference: "alpha"}[ref]
					if _, err := h.db.FindCard(ctx, m, ref); err != nil {
						t.Fatalf("card %s went: %v", ref, err)
					}
				}
			})

			t.Run("the network down: the card is kept", func(t *testing.T) {
				card, _ := h.db.FindCardByFingerprint(ctx, "alpha", cst, h.locker.Fingerprint(goodCard))
				watch.down.Store(true)
				defer watch.down.Store(false)
				tok := admin.get(page).token()
				p := admin.submit(page+"/cards/"+card.Reference+"/deregister", url.Values{"csrf": {tok}})
				if p.status != http.StatusServiceUnavailable || !strings.Contains(p.text(".error"), "the card was kept") {
					t.Fatalf("%d %q", p.status, p.text(".error"))
				}
				if _, err := h.db.FindCard(ctx, "alpha", card.Reference); err != nil {
					t.Fatalf("the card went: %v", err)
				}
			})

			t.Run("an admin de-registers", func(t *testing.T) {
				card, _ := h.db.FindCardByFingerprint(ctx, "alpha", cst, h.locker.Fingerprint(goodCard))
				before := watch.n.Load()
				tok := admin.get(page).token()
				p := admin.submit(page+"/cards/"+card.Reference+"/deregister", url.Values{"csrf": {tok}})
				if p.status != http.StatusSeeOther || p.location != page+"?done=deregistered" {
					t.Fatalf("%d %q %s", p.status, p.location, p.text(".error"))
				}
				if _, err := h.db.FindCard(ctx, "alpha", card.Reference); coft.ErrorCode(err) != coft.ENOTFOUND {
					t.Fatalf("the card is still saved: %v", err)
				}
				if watch.n.Load() != before+1 {
					t.Error("the token was not de-registered with the network")
				}
				entries, _ := h.db.CustomerLedger(ctx, "alpha", cst)
				last := entries[len(entries)-1]
				var rec map[string]any
				json.Unmarshal([]byte(last.Record), &rec)
				if rec["kind"] != coft.LedgerWithdrawal || rec["channel"] != coft.ChannelMerchantDeclared || rec["card_reference"] != card.Reference {
					t.Fatalf("the ledger's last record: %s", last.Record)
				}
				audit, _ := h.db.ListAudit(ctx, "alpha", 10)
				if len(audit) == 0 || audit[0].Actor != "admin@alpha.example" || !strings.Contains(audit[0].Old, card.Reference) {
					t.Errorf("audit: %+v", audit)
				}
				p = admin.get(p.location)
				if !strings.Contains(p.text(".note"), "de-registered") {
					t.Errorf("no notice: %q", p.text(".note"))
				}
				recs := p.doc.Find("ol.ledger > li")
				shown := recs.Last().Text()
				if recs.Length() != 2 || !strings.Contains(shown, "Consent withdrawn") || !strings.Contains(shown, "MERCHANT_DECLARED") ||
					!strings.Contains(shown, card.Reference) || !strings.Contains(shown, last.Hash) {
					t.Errorf("the withdrawal on the page (%d records): %s", recs.Length(), shown)
				}
				if n := p.doc.Find("section.panel").Length(); n != 1 {
					t.Errorf("%d cards left on the page", n)
				}
				if hits := scan.Hits([]byte(p.body)); hits != nil {
					t.Fatalf("card data on the page: %v", hits)
				}
				// Again: the card is gone, said on the customer's page.
				p = admin.submit(page+"/cards/"+card.Reference+"/deregister", url.Values{"csrf": {tok}})
				if p.status != http.StatusNotFound || !strings.Contains(p.text(".error"), "removed already") {
					t.Errorf("again: %d %q", p.status, p.text(".error"))
				}
			})
		})
	}
}

// TestConsoleCustomersPaging: the list's pages follow one another, newest
// first.
func TestConsoleCustomersPaging(t *testing.T) {
	h := newConsoleHarness(t, "sqlite")
	ctx := context.Background()
	for i := range 55 {
		h.advance(time.Second)
		if err := h.db.CreateCustomer(ctx, &coft.Customer{MerchantID: "alpha", ObjectReferenceID: "p" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := h.signIn(h.consoleUser("alpha", "view@alpha.example", coft.RoleViewer, false))
	p := b.get("/console/alpha/customers")
	if n := p.doc.Find("tbody tr").Length(); n != 50 || p.doc.Find("tbody tr td:nth-child(2)").First().Text() != "p54" {
		t.Fatalf("first page: %d rows", n)
	}
	next, _ := p.doc.Find(`a[rel="next"]`).Attr("href")
	p = b.get("/console/alpha/customers" + next)
	if n := p.doc.Find("tbody tr").Length(); n != 5 || p.doc.Find("tbody tr td:nth-child(2)").Last().Text() != "p0" {
		t.Fatalf("second page: %d rows", n)
	}
	if p.doc.Find(`a[rel="next"]`).Length() != 0 {
		t.Fatal("a third page")
	}
	if p := b.get("/console/alpha/customers?after=cst_gone"); p.status != 200 || !strings.Contains(p.text(".error"), "first page") {
		t.Fatalf("a gone page: %d %q", p.status, p.text(".error"))
	}
}
