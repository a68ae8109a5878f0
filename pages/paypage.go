package pages

import (
	"net/http"
	"net/url"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/juspay"
)

// payPageFields are what the hosted payment page's form may post.
var payPageFields = juspay.Fields{"card_number", "name_on_card", "card_exp_month", "card_exp_year", "card_security_code"}

// PayPage serves GET /orders/{id}/payment-page: the order's hosted
// payment page (its payment links). The ord_… id in the URL is the
// capability.
func (s *Server) PayPage(w http.ResponseWriter, r *http.Request) error {
	m, o, ok := s.payPageOrder(w, r)
	if ok {
		s.renderPayPage(w, r, m, o, http.StatusOK, components.PayView{})
	}
	return nil
}

// PayPageSubmit serves POST /orders/{id}/payment-page: the card
// entered, it starts the payment as /txns would and sends the customer to
// the consent dialog or the bank; a mistake shows the form again.
func (s *Server) PayPageSubmit(w http.ResponseWriter, r *http.Request) error {
	m, o, ok := s.payPageOrder(w, r)
	if !ok {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		s.renderPayPage(w, r, m, o, http.StatusBadRequest, components.PayView{Error: "The form could not be read. Please try again."})
		return nil
	}
	p := juspay.Params{"order_id": o.OrderID, "payment_method_type": "CARD"}
	for k, vs := range r.PostForm {
		if !payPageFields.Allows(k) {
			continue // nothing but the card's fields comes from the page
		}
		p[k] = vs[0]
	}
	t, err := s.startPayment(r, m, p)
	if err != nil {
		if coft.ErrorCode(err) == coft.EINTERNAL {
			s.Error(w, r, err)
			return nil
		}
		s.renderPayPage(w, r, m, o, http.StatusBadRequest, components.PayView{Error: coft.ErrorMessage(err),
			ErrorField: coft.ErrorField(err), NameOnCard: p["name_on_card"], ExpMonth: p["card_exp_month"], ExpYear: p["card_exp_year"]})
		return nil
	}
	http.Redirect(w, r, s.views.AuthenticationURL(t), http.StatusSeeOther)
	return nil
}

func (s *Server) payPageOrder(w http.ResponseWriter, r *http.Request) (*coft.Merchant, *coft.Order, bool) {
	o, err := s.cfg.Store.FindOrderByID(r.Context(), r.PathValue("id"))
	var m *coft.Merchant
	if err == nil {
		m, err = s.findMerchantByID(r.Context(), o.MerchantID)
	}
	if err != nil {
		s.Error(w, r, err)
		return nil, nil, false
	}
	s.allowFraming(w, m)
	if o.Status == coft.StatusCharged {
		s.page(w, r, http.StatusOK, components.MessagePage("Already paid", "This order is already paid. Thank you."))
		return nil, nil, false
	}
	if o.Expired(s.cfg.Now()) {
		s.Error(w, r, titled("Payment link expired", &juspay.StatusError{Status: http.StatusGone,
			Err: coft.Errorf(coft.ECONFLICT, "This payment link has expired. Please return to the store and try again.")}))
		return nil, nil, false
	}
	return m, o, true
}

func (s *Server) renderPayPage(w http.ResponseWriter, r *http.Request, m *coft.Merchant, o *coft.Order, status int, v components.PayView) {
	v.MerchantName, v.OrderID, v.Amount = m.DisplayName(), o.OrderID, coft.DisplayAmount(o.Amount)
	v.Action = "/orders/" + url.PathEscape(o.ID) + "/payment-page"
	s.page(w, r, status, components.PayPage(v))
}
