package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/pages"
)

func (s *Server) customerRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/customers", s.Customers),
		s.get("/console/{merchant_id}/customers/{customer_id}", s.Customer),
		s.post("/console/{merchant_id}/customers/{customer_id}/cards/{card_reference}/deregister", coft.PermDeregister, s.Deregister),
	}
}

// Customers serves GET /console/{merchant_id}/customers: the merchant's
// customers, newest first, found exactly by id, reference, email or mobile
// number (?q=), a page at a time (?after=CUSTOMER_ID continues after it).
func (s *Server) Customers(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	f := coft.CustomerFilter{MerchantID: v.merchant.ID, Search: strings.TrimSpace(q.Get("q")), Limit: pageSize + 1}
	view := components.CustomersView{Search: f.Search}
	if len(f.Search) > 254 {
		view.Error = "Search for an id, reference, email or mobile number of at most 254 characters."
		s.render(w, r, http.StatusBadRequest, components.ConsoleCustomers(v.frame("customers", "Customers"), view))
		return nil
	}
	if after := q.Get("after"); after != "" {
		var err error
		if f.Before, err = s.cfg.Store.FindCustomer(r.Context(), v.merchant.ID, after); err != nil {
			if coft.ErrorCode(err) != coft.ENOTFOUND {
				return err
			}
			view.Error = "That page of the list is gone; this is the first page."
		}
	}
	customers, err := s.cfg.Store.ListCustomers(r.Context(), f)
	if err != nil {
		return err
	}
	if len(customers) > pageSize {
		customers = customers[:pageSize]
		next := url.Values{"after": {customers[len(customers)-1].ID}}
		if f.Search != "" {
			next.Set("q", f.Search)
		}
		view.Next = "?" + next.Encode()
	}
	for _, c := range customers {
		view.Customers = append(view.Customers, components.CustomerRow{ID: c.ID, Reference: c.ObjectReferenceID,
			Name: fullName(c), Email: c.EmailAddress, Mobile: mobile(c), Created: c.CreatedAt.In(india).Format("2 Jan 2006, 15:04"),
			Href: customerPath(v.merchant.ID, c.ID)})
	}
	s.render(w, r, http.StatusOK, components.ConsoleCustomers(v.frame("customers", "Customers"), view))
	return nil
}

// Customer serves GET /console/{merchant_id}/customers/{customer_id}: the
// customer, their saved cards with their tokens, and their consent and
// withdrawal records from the consent ledger.
func (s *Server) Customer(w http.ResponseWriter, r *http.Request, v *viewer) error {
	c, err := s.cfg.Store.FindCustomer(r.Context(), v.merchant.ID, r.PathValue("customer_id"))
	if err != nil {
		return err
	}
	view, err := s.customerView(r.Context(), v, c)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "deregistered" {
		view.Notice = "The card was removed and its network token de-registered. The withdrawal of consent is the last record below."
	}
	s.render(w, r, http.StatusOK, components.ConsoleCustomer(v.frame("customers", "Customer "+customerTitle(c)), view))
	return nil
}

// Deregister serves POST
// /console/{merchant_id}/customers/{customer_id}/cards/{card_reference}/deregister:
// the card is removed and its network token de-registered, as the API's
// card delete does, and the merchant's withdrawal of the customer's
// consent is recorded in the consent ledger. Who did it is written to
// the audit log.
func (s *Server) Deregister(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	c, err := s.cfg.Store.FindCustomer(ctx, v.merchant.ID, r.PathValue("customer_id"))
	if err != nil {
		return err
	}
	again := func(status int, msg string) error {
		view, err := s.customerView(ctx, v, c)
		if err != nil {
			return err
		}
		view.Error = msg
		s.render(w, r, status, components.ConsoleCustomer(v.frame("customers", "Customer "+customerTitle(c)), view))
		return nil
	}
	card, err := s.cfg.Store.FindCard(ctx, v.merchant.ID, r.PathValue("card_reference"))
	if coft.ErrorCode(err) == coft.ENOTFOUND || err == nil && card.CustomerID != c.ID {
		return again(http.StatusNotFound, "That card is not among this customer's saved cards: it may have been removed already.")
	} else if err != nil {
		return err
	}
	// The merchant, not the customer, withdraws here: the same evidence
	// as the API's card delete (channel, address, user agent).
	if err := s.cfg.Payments.RemoveCard(ctx, v.merchant, card, pages.Withdrawal(r, coft.ChannelMerchantDeclared)); err != nil {
		if code, status := statusOf(err); code == coft.EUNAVAILABLE {
			return again(status, coft.ErrorMessage(err))
		}
		return err
	}
	// The ledger's withdrawal says what happened; the audit log says who
	// in the merchant did it. The card is gone either way: a failure here
	// is logged, not shown as the removal's.
	if err := s.cfg.Store.RecordAudit(ctx, &coft.AuditEntry{MerchantID: v.merchant.ID, Actor: v.actor(),
		Setting: "saved_card", Old: cardLabel(card) + " (" + card.Reference + ") of " + c.ID,
		New: "removed; token de-registered", At: s.cfg.Now()}); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording a de-registration in the audit log", "merchant_id", v.merchant.ID,
			"card_reference", card.Reference, "error", err.Error())
	}
	http.Redirect(w, r, customerPath(v.merchant.ID, c.ID)+"?done=deregistered", http.StatusSeeOther)
	return nil
}

// customerView is what a customer's page shows.
func (s *Server) customerView(ctx context.Context, v *viewer, c *coft.Customer) (components.CustomerView, error) {
	view := components.CustomerView{ID: c.ID, Reference: c.ObjectReferenceID, Name: fullName(c), Email: c.EmailAddress,
		Mobile: mobile(c), Created: c.CreatedAt.In(india).Format("2 Jan 2006, 15:04"), Implicit: c.Implicit,
		Orders: []components.Link{ordersOf(v.merchant.ID, c.ID)}}
	if c.ObjectReferenceID != "" {
		// An order names its customer as the merchant passed it: by id or
		// by reference.
		view.Orders = append(view.Orders, ordersOf(v.merchant.ID, c.ObjectReferenceID))
	}
	cards, err := s.cfg.Store.ListCards(ctx, v.merchant.ID, c.ID)
	if err != nil {
		return view, err
	}
	now := s.cfg.Now()
	byRef, byFingerprint := map[string]string{}, map[string]string{}
	for _, card := range cards {
		cv := components.SavedCardView{Reference: card.Reference, Label: cardLabel(card), Last4: card.Last4,
			Expiry: card.ExpMonth + "/" + card.ExpYear, Expired: card.Expired(now), Nickname: card.Nickname,
			Issuer: card.Issuer, Type: card.Type, Saved: card.CreatedAt.In(india).Format("2 Jan 2006, 15:04")}
		if t := card.Token; t != nil {
			cv.Token = &components.CardTokenView{Status: t.Status, Last4: t.Last4, Provider: coft.BrandName(t.Provider),
				HasPAR: t.PAR != "", Updated: t.UpdatedAt.In(india).Format("2 Jan 2006, 15:04")}
			if t.ExpMonth != "" {
				cv.Token.Expiry = t.ExpMonth + "/" + t.ExpYear
			}
		}
		if v.can(coft.PermDeregister) {
			cv.Deregister = customerPath(v.merchant.ID, c.ID) + "/cards/" + url.PathEscape(card.Reference) + "/deregister"
		}
		view.Cards = append(view.Cards, cv)
		byRef[card.Reference], byFingerprint[card.Fingerprint] = cv.Label, cv.Label
	}
	entries, err := s.cfg.Store.CustomerLedger(ctx, v.merchant.ID, c.ID)
	if err != nil {
		return view, err
	}
	for _, e := range entries {
		view.Records = append(view.Records, consentRecord(v.merchant.ID, e, byRef, byFingerprint))
	}
	return view, nil
}

// ledgerFields are the members of a ledger record the console shows
// (coft.LedgerRecord.Fields names them).
type ledgerFields struct {
	Kind        string `json:"kind"`
	Channel     string `json:"channel"`
	Decision    *bool  `json:"decision"`
	TextID      string `json:"text_id"`
	Language    string `json:"language"`
	ShownAt     string `json:"shown_at"`
	At          string `json:"at"`
	CardRef     string `json:"card_reference"`
	Fingerprint string `json:"fingerprint"`
	OrderID     string `json:"order_id"`
	TooFast     bool   `json:"too_fast"`
	Corrects    int64  `json:"corrects"`
	Reason      string `json:"reason"`
}

// consentRecord is a ledger entry as the customer's page shows it; cards
// still saved are named by their label, others by their reference.
func consentRecord(merchantID string, e coft.LedgerEntry, byRef, byFingerprint map[string]string) components.ConsentRecordView {
	rv := components.ConsentRecordView{Seq: e.Seq, Hash: e.Hash, PrevHash: e.PrevHash,
		At: e.CreatedAt.In(india).Format("2 Jan 2006, 15:04:05")}
	var f ledgerFields
	if err := json.Unmarshal([]byte(e.Record), &f); err != nil {
		rv.What = "A record the console cannot read"
		return rv
	}
	rv.Kind, rv.TextID, rv.Language, rv.OrderID, rv.TooFast, rv.Reason = f.Kind, f.TextID, f.Language, f.OrderID, f.TooFast, f.Reason
	rv.Channel = channelName(f.Channel)
	at, err := time.Parse(time.RFC3339Nano, f.At)
	if err == nil {
		rv.At = at.In(india).Format("2 Jan 2006, 15:04:05")
	}
	if shown, err2 := time.Parse(time.RFC3339Nano, f.ShownAt); err == nil && err2 == nil {
		rv.TimeToDecide = at.Sub(shown).Round(100 * time.Millisecond).String()
	}
	if f.OrderID != "" {
		rv.OrderHref = "/console/" + merchantID + "/orders/" + url.PathEscape(f.OrderID)
	}
	switch {
	case byRef[f.CardRef] != "":
		rv.Card = byRef[f.CardRef]
	case byFingerprint[f.Fingerprint] != "":
		rv.Card = byFingerprint[f.Fingerprint]
	case f.CardRef != "":
		rv.Card = "No longer saved (reference " + f.CardRef + ")"
	}
	switch {
	case f.Kind == coft.LedgerDecision && f.Decision != nil && *f.Decision:
		rv.What = "Agreed to save the card as a network token"
	case f.Kind == coft.LedgerDecision && f.Decision != nil:
		rv.What = "Declined to save the card as a network token"
	case f.Kind == coft.LedgerWithdrawal:
		rv.What = "Consent withdrawn: the card removed and its token de-registered"
	case f.Kind == "correction" && f.Corrects > 0:
		rv.What = "Correction of record " + strconv.FormatInt(f.Corrects, 10)
	default:
		rv.What = "Ledger record (" + f.Kind + ")"
	}
	return rv
}

// channelName says in words where a decision or withdrawal was made.
func channelName(c string) string {
	switch c {
	case "":
		return ""
	case coft.ChannelHostedPage:
		return "The service's consent page (" + c + ")"
	case coft.ChannelMerchantPage:
		return "The dialog in the merchant's page (" + c + ")"
	case coft.ChannelManagementPage:
		return "The customer's saved-cards screen (" + c + ")"
	case coft.ChannelMerchantDeclared:
		return "Declared by the merchant: API or console (" + c + ")"
	}
	return c
}

// cardLabel names a card without its number: "Visa ending 4242".
func cardLabel(c *coft.Card) string { return coft.BrandName(c.Brand) + " ending " + c.Last4 }

func customerPath(merchantID, customerID string) string {
	return "/console/" + merchantID + "/customers/" + url.PathEscape(customerID)
}

// customerTitle names a customer in a page's title.
func customerTitle(c *coft.Customer) string {
	if c.ObjectReferenceID != "" {
		return c.ObjectReferenceID
	}
	return c.ID
}

// ordersOf links to the orders that name a customer as customerID.
func ordersOf(merchantID, customerID string) components.Link {
	return components.Link{Href: "/console/" + merchantID + "/orders?" + url.Values{"customer_id": {customerID}}.Encode(),
		Label: "Orders naming " + customerID}
}

func fullName(c *coft.Customer) string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

func mobile(c *coft.Customer) string {
	if c.MobileNumber == "" || c.MobileCountryCode == "" {
		return c.MobileNumber
	}
	return "+" + strings.TrimPrefix(c.MobileCountryCode, "+") + " " + c.MobileNumber
}
