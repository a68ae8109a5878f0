package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

func (s *Server) orderRoutes() []Route {
	return []Route{
		s.get("/console/{merchant_id}/orders", s.Orders),
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
			Href: "/console/" + v.merchant.ID + "/orders/" + url.PathEscape(o.OrderID)})
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
