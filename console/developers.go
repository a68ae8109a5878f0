package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

func (s *Server) developerRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/developers", s.Developers),
		s.get("/console/{merchant_id}/developers/events/{event_id}", s.Event),
	}
}

// eventsShown is how many of the latest webhook events the developers'
// corner lists.
const eventsShown = 50

// Developers serves GET /console/{merchant_id}/developers: the API's base
// URL and the merchant id, the merchant's recent API requests, the
// webhook delivery log and, in the sandbox, the test cards.
func (s *Server) Developers(w http.ResponseWriter, r *http.Request, v *viewer) error {
	view := components.DevelopersView{BaseURL: s.cfg.BaseURL, MerchantID: v.merchant.ID, WebhookURL: v.merchant.WebhookURL}
	if s.cfg.Requests != nil {
		view.Requests = s.cfg.Requests.Recent(v.merchant.ID)
	}
	events, err := s.cfg.Store.ListEvents(r.Context(), v.merchant.ID, "", eventsShown)
	if err != nil {
		return err
	}
	for _, e := range events {
		view.Events = append(view.Events, eventRow(v.merchant.ID, e))
	}
	// The sandbox's cards; New empties them in production.
	for _, c := range s.cfg.TestCards {
		view.TestCards = append(view.TestCards, components.TestCardRow{Number: c.Number, Brand: coft.BrandName(c.Bin.Brand),
			Issuer: c.Bin.Bank, Type: c.Bin.Type,
			Tokenizable: coft.TokenizeSupport(&coft.Merchant{TokenizationEnabled: true}, c.Bin, coft.AllNetworks)})
	}
	s.render(w, r, http.StatusOK, components.ConsoleDevelopers(v.frame("developers", "Developers"), view))
	return nil
}

// Event serves GET /console/{merchant_id}/developers/events/{event_id}: a
// webhook event, each attempt at delivering it, and what was sent.
func (s *Server) Event(w http.ResponseWriter, r *http.Request, v *viewer) error {
	e, attempts, err := s.cfg.Store.FindEvent(r.Context(), v.merchant.ID, r.PathValue("event_id"))
	if err != nil {
		return err
	}
	view := components.EventView{EventRow: eventRow(v.merchant.ID, e)}
	if !e.DeliveredAt.IsZero() {
		view.Delivered = e.DeliveredAt.In(india).Format("2 Jan 2006, 15:04:05")
	}
	if e.Status == coft.DeliveryPending && !e.NextAttemptAt.IsZero() {
		view.NextAttempt = e.NextAttemptAt.In(india).Format("2 Jan 2006, 15:04:05")
	}
	if len(e.Body) > 0 {
		var buf bytes.Buffer
		if json.Indent(&buf, e.Body, "", "  ") == nil {
			view.Body = buf.String()
		} else {
			view.Body = string(e.Body)
		}
	}
	for _, a := range attempts {
		row := components.AttemptRow{N: a.N, At: a.At.In(india).Format("2 Jan 2006, 15:04:05"), URL: a.URL,
			Answer: "no answer", Error: a.Error, Took: a.Duration.Round(time.Millisecond).String()}
		if a.HTTPStatus != 0 {
			row.Answer = strconv.Itoa(a.HTTPStatus)
		}
		view.Tries = append(view.Tries, row)
	}
	s.render(w, r, http.StatusOK, components.ConsoleEvent(v.frame("developers", "Event "+e.Name), view))
	return nil
}

// eventRow is an event as the delivery log lists it, linked to its page
// and to its order's (order events) or customer's (token events).
func eventRow(merchantID string, e *coft.Event) components.EventRow {
	row := components.EventRow{ID: e.ID, Name: e.Name, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
		Created: e.CreatedAt.In(india).Format("2 Jan 2006, 15:04:05"),
		Href:    "/console/" + merchantID + "/developers/events/" + url.PathEscape(e.ID)}
	if e.OrderID != "" {
		row.OrderID, row.OrderHref = e.OrderID, "/console/"+merchantID+"/orders/"+url.PathEscape(e.OrderID)
	}
	if e.CustomerID != "" {
		row.CustomerID, row.CustomerHref = e.CustomerID, customerPath(merchantID, e.CustomerID)
	}
	return row
}
