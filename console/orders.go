package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/payment"
)

func (s *Server) orderRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/orders", s.Orders),
		s.get("/console/{merchant_id}/orders/{order_id}", s.Order),
		s.post("/console/{merchant_id}/orders/{order_id}/refund", coft.PermRefund, s.OrderRefund),
		s.post("/console/{merchant_id}/orders/{order_id}/events/{event_id}/redeliver", coft.PermWebhooks, s.OrderRedeliver),
	}
}

// pageSize is how many orders a page of the list shows.
const pageSize = 50

// india is the time zone the console shows and reads dates in.
var india = time.FixedZone("IST", 5*3600+1800)

// Orders serves GET /console/{merchant_id}/orders: the merchant's orders,
// newest first, searched by order id, customer, status and date (days in
// India's time), a page at a time (?after=ORDER_ID continues after it).
func (s *Server) Orders(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	f := coft.OrderFilter{MerchantID: v.merchant.ID, OrderID: strings.TrimSpace(q.Get("order_id")),
		CustomerID: strings.TrimSpace(q.Get("customer_id")), Status: coft.OrderStatus(q.Get("status")), Limit: pageSize + 1}
	view := components.OrdersView{OrderID: f.OrderID, CustomerID: f.CustomerID, Status: string(f.Status),
		From: q.Get("from"), To: q.Get("to"), Statuses: statuses}
	if f.Status != "" && f.Status.ID() == 0 {
		view.Error, f.Status = "Choose a status from the list.", ""
	}
	var err error
	if f.From, err = day(q.Get("from"), 0); err != nil {
		view.Error = "From must be a date like 2026-11-30."
	}
	if f.To, err = day(q.Get("to"), 1); err != nil {
		view.Error = "To must be a date like 2026-11-30."
	}
	if after := q.Get("after"); after != "" {
		if f.Before, err = s.cfg.Store.FindOrder(r.Context(), v.merchant.ID, after); err != nil {
			if coft.ErrorCode(err) != coft.ENOTFOUND {
				return err
			}
			view.Error = "That page of the list is gone; this is the first page."
		}
	}
	orders, err := s.cfg.Store.ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	if len(orders) > pageSize {
		orders = orders[:pageSize]
		next := url.Values{}
		for k, vs := range q {
			next[k] = vs
		}
		next.Set("after", orders[len(orders)-1].OrderID)
		view.Next = "?" + next.Encode()
	}
	for _, o := range orders {
		view.Orders = append(view.Orders, components.OrderRow{OrderID: o.OrderID, Amount: o.Amount.String(),
			Status: string(o.Status), CustomerID: o.CustomerID, Created: o.CreatedAt.In(india).Format("2 Jan 2006, 15:04"),
			Href: orderPath(v, o.OrderID)})
	}
	s.render(w, r, http.StatusOK, components.ConsoleOrders(v.frame("orders", "Orders"), view))
	return nil
}

var statuses = []string{string(coft.StatusNew), string(coft.StatusPendingVBV), string(coft.StatusCharged),
	string(coft.StatusAuthenticationFailed), string(coft.StatusAuthorizationFailed), string(coft.StatusJuspayDeclined),
	string(coft.StatusAuthorizing)}

// day is the start of a date (YYYY-MM-DD, India's time) plus add days;
// the zero time for "".
func day(s string, add int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, india)
	if err != nil {
		return time.Time{}, err
	}
	return t.AddDate(0, 0, add), nil
}

// Order serves GET /console/{merchant_id}/orders/{order_id}: the order's
// facts and its whole story on one timeline, with the refund form for
// those who may refund.
func (s *Server) Order(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.orderPage(w, r, v, http.StatusOK, nil, "")
}

// orderPage renders an order's page; form, when not nil, is a refund form
// sent back with its error (with status).
func (s *Server) orderPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, form *components.RefundForm, msg string) error {
	h, err := s.cfg.Store.OrderHistory(r.Context(), v.merchant.ID, r.PathValue("order_id"))
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return errNoOrder
	} else if err != nil {
		return err
	}
	o := h.Order
	view := components.OrderView{OrderID: o.OrderID, Status: string(o.Status), Facts: orderFacts(h),
		Steps: timeline(h, v.can(coft.PermWebhooks)), Error: msg}
	q := r.URL.Query()
	if uid := q.Get("refund"); uid != "" {
		for _, rf := range h.Refunds {
			if rf.UniqueRequestID == uid {
				view.Notice = "Refund " + uid + " of " + coft.DisplayAmount(rf.Amount) + ": " + rf.Status + "."
			}
		}
	}
	if id := q.Get("redelivered"); id != "" {
		view.Notice = "Event " + id + " is due again: it is sent now."
	}
	if o.Status == coft.StatusCharged && v.can(coft.PermRefund) {
		if left, err := payment.Refundable(o, h.Refunds, ""); err == nil {
			if form == nil {
				// The key is made now: the form sent twice refunds once.
				form = &components.RefundForm{Amount: left.String(), Key: "console-" + coft.RandomHex(12)}
			}
			form.Left = coft.DisplayAmount(left)
			view.Refund = form
		}
	}
	if form != nil && view.Refund == nil { // no longer refundable: the form's error says why
		view.Error = form.Error
	}
	s.render(w, r, status, components.ConsoleOrder(v.frame("orders", "Order "+o.OrderID), view))
	return nil
}

var errNoOrder = coft.Errorf(coft.ENOTFOUND, "There is no such order.")

// orderFacts are an order's facts as its page lists them. The service's
// own id (ord_…) is left out: it is the capability in the order's payment
// links.
func orderFacts(h *coft.OrderHistory) []components.Fact {
	o := h.Order
	facts := []components.Fact{{Label: "Order id", Value: o.OrderID}, {Label: "Amount", Value: coft.DisplayAmount(o.Amount)},
		{Label: "Status", Value: string(o.Status)}, {Label: "Customer", Value: orNone(o.CustomerID)}}
	if o.CustomerEmail != "" {
		facts = append(facts, components.Fact{Label: "Customer's email", Value: o.CustomerEmail})
	}
	if o.CustomerPhone != "" {
		facts = append(facts, components.Fact{Label: "Customer's phone", Value: o.CustomerPhone})
	}
	facts = append(facts, components.Fact{Label: "Created", Value: o.CreatedAt.In(india).Format("2 Jan 2006, 15:04:05") + " IST"},
		components.Fact{Label: "Return URL", Value: orNone(o.ReturnURL)})
	if o.Description != "" {
		facts = append(facts, components.Fact{Label: "Description", Value: o.Description})
	}
	if o.WebhookURL != "" {
		facts = append(facts, components.Fact{Label: "Webhook URL (this order's)", Value: o.WebhookURL})
	}
	if !o.ExpiresAt.IsZero() {
		facts = append(facts, components.Fact{Label: "Payment link expires", Value: o.ExpiresAt.In(india).Format("2 Jan 2006, 15:04") + " IST"})
	}
	var refunded coft.Amount
	for _, r := range h.Refunds {
		if r.Status == coft.RefundSuccess {
			refunded += r.Amount
		}
	}
	if len(h.Refunds) > 0 {
		facts = append(facts, components.Fact{Label: "Refunded", Value: coft.DisplayAmount(refunded)})
	}
	return append(facts, components.Fact{Label: "Payment attempts", Value: strconv.Itoa(len(h.Txns))})
}

// OrderRefund serves POST /console/{merchant_id}/orders/{order_id}/refund
// (admins): amount and the idempotency key the page was rendered with, so
// that the form sent twice refunds once. The refund is the API's
// (payment.RefundOrder). Then back to the order's page, which shows it.
func (s *Server) OrderRefund(w http.ResponseWriter, r *http.Request, v *viewer) error {
	orderID := r.PathValue("order_id")
	raw := strings.TrimSpace(r.PostFormValue("amount"))
	form := &components.RefundForm{Amount: raw, Key: strings.TrimSpace(r.PostFormValue("unique_request_id"))}
	again := func(err error) error {
		_, status := statusOf(err)
		form.Error = refundError(err)
		return s.orderPage(w, r, v, status, form, "")
	}
	amount, err := coft.ParseAmount("amount", strings.ReplaceAll(strings.TrimPrefix(raw, "₹"), ",", ""))
	if err != nil {
		return again(err)
	}
	_, _, rf, err := s.cfg.Payments.RefundOrder(r.Context(), v.merchant, payment.RefundRequest{OrderID: orderID,
		UniqueRequestID: form.Key, Amount: amount})
	switch code := coft.ErrorCode(err); {
	case err == nil:
	case code == coft.ENOTFOUND:
		return errNoOrder
	case code == coft.EINTERNAL:
		return err
	case code == coft.EUNAVAILABLE && rf != nil:
		return again(coft.Errorf(coft.EUNAVAILABLE, "The bank did not answer: refund %s is pending. Send the form again (with the same key) to finish it.", rf.UniqueRequestID))
	default:
		return again(err)
	}
	http.Redirect(w, r, orderPath(v, orderID)+"?refund="+url.QueryEscape(rf.UniqueRequestID)+"#refund-"+rf.ID, http.StatusSeeOther)
	return nil
}

// refundError says what is wrong with a refund form, naming the field.
func refundError(err error) string {
	switch coft.ErrorField(err) {
	case "amount":
		switch coft.ErrorCode(err) {
		case coft.EMISSING:
			return "Amount: type the amount to refund, such as 100.00."
		case coft.EINVALID:
			return "Amount: type rupees and paise as a number, such as 100.00."
		}
		msg := coft.ErrorMessage(err)
		if rest, ok := strings.CutPrefix(msg, "amount "); ok {
			return "Amount " + rest
		}
		return "Amount: " + msg
	case "unique_request_id":
		return "The form's idempotency key is not valid: reload the page and try again."
	}
	return coft.ErrorMessage(err)
}

// OrderRedeliver serves POST
// /console/{merchant_id}/orders/{order_id}/events/{event_id}/redeliver:
// the event is due again now, whatever became of it, and the webhook
// worker is woken.
func (s *Server) OrderRedeliver(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	orderID, id := r.PathValue("order_id"), r.PathValue("event_id")
	if _, err := s.cfg.Store.FindOrder(ctx, v.merchant.ID, orderID); coft.ErrorCode(err) == coft.ENOTFOUND {
		return errNoOrder
	} else if err != nil {
		return err
	}
	if err := s.cfg.Store.RedeliverEvent(ctx, v.merchant.ID, id, s.cfg.Now()); coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.Errorf(coft.ENOTFOUND, "There is no such event.")
	} else if err != nil {
		return err
	}
	if s.cfg.Notify != nil {
		s.cfg.Notify()
	}
	http.Redirect(w, r, orderPath(v, orderID)+"?redelivered="+url.QueryEscape(id)+"#event-"+id, http.StatusSeeOther)
	return nil
}

// orderPath is the path of an order's page.
func orderPath(v *viewer, orderID string) string {
	return "/console/" + v.merchant.ID + "/orders/" + url.PathEscape(orderID)
}
