package pages

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/authtoken"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/juspay"
)

// DemoMerchant is the sandbox merchant the demo pays.
const DemoMerchant = "demo"

// demoCSP lets the demo's pages frame this service's own pages.
var demoCSP = CSP.With("frame-src", "'self'").String()

var demoStates = []components.DemoOption{
	{Value: "new", Label: "New card"}, {Value: "saved", Label: "Saved card"},
	{Value: "error", Label: "Error"}, {Value: "ineligible", Label: "Not eligible"},
}

var demoBrands = []components.DemoOption{
	{Value: "", Label: "The service's"}, {Value: "ff9933", Label: "Saffron"}, {Value: "ffff00", Label: "Yellow (adjusted for contrast)"},
	{Value: "138808", Label: "Green"}, {Value: "6f2dbd", Label: "Purple"}, {Value: "000000", Label: "Black"},
}

var demoLangs = []components.DemoOption{
	{Value: "en", Label: "English"}, {Value: "hi", Label: "हिन्दी"}, {Value: "bn", Label: "বাংলা"},
	{Value: "ta", Label: "தமிழ்"}, {Value: "te", Label: "తెలుగు"}, {Value: "mr", Label: "मराठी"},
}

func demoOption(opts []components.DemoOption, v, def string) string {
	for _, o := range opts {
		if o.Value == v {
			return v
		}
	}
	return def
}

// DemoConsolePath is the demo order's timeline in the merchant console,
// which is open without sign-in for the demo merchant in sandbox mode.
func DemoConsolePath(orderID string) string {
	return "/console/" + DemoMerchant + "/orders/" + url.PathEscape(orderID)
}

// Demo serves GET /demo: checkout three ways and the dialog gallery.
func (s *Server) Demo(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := components.DemoView{Lang: demoOption(demoLangs, q.Get("lang"), "en"), State: demoOption(demoStates, q.Get("state"), "new"),
		Langs: demoLangs, States: demoStates, Brand: demoOption(demoBrands, q.Get("brand"), ""), Brands: demoBrands}
	for _, c := range s.cfg.TestCards {
		if c.Bin.Country == "INDIA" {
			v.TestCards = append(v.TestCards, c)
		}
	}
	if id := q.Get("order_id"); id != "" {
		if o, err := s.cfg.Store.FindOrder(r.Context(), DemoMerchant, id); err == nil {
			v.Notice = "Order " + o.OrderID + " is " + string(o.Status) + "."
			if s.cfg.DemoConsole {
				v.ConsoleURL = DemoConsolePath(o.OrderID)
			}
			if _, t, err := s.cfg.Store.FindOrderStatus(r.Context(), DemoMerchant, id); err == nil && t != nil && t.TokenReference != "" {
				v.Notice += " The card was saved as a network token."
			}
		}
	}
	w.Header().Set("Content-Security-Policy", demoCSP)
	s.page(w, r, http.StatusOK, components.DemoPage(v))
	return nil
}

// DemoDialog serves GET /demo/dialog: the dialog with sample data,
// for the gallery. Its choices record nothing.
func (s *Server) DemoDialog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state := demoOption(demoStates, q.Get("state"), "new")
	csp := CSP.With("frame-ancestors", "'self'").String()
	w.Header().Del("X-Frame-Options")
	if r.Method == http.MethodPost || state == "ineligible" {
		w.Header().Set("Content-Security-Policy", csp)
		title, text := "This is a preview", "Nothing was recorded: the gallery's dialog takes no decisions."
		if state == "ineligible" && r.Method != http.MethodPost {
			title, text = "No dialog", "The card cannot be tokenized (tokenize_support is false), so the customer is not asked; the payment goes straight to the bank."
		}
		s.page(w, r, http.StatusOK, components.MessagePage(title, text))
		return nil
	}
	locale := demoOption(demoLangs, q.Get("lang"), "en")
	v := app.ConsentView{MerchantName: "Demo Store", Amount: coft.DisplayAmount(125000), CardBrand: "Visa", CardLast4: "4242",
		Action: "/demo/dialog?" + r.URL.RawQuery, FormToken: "preview", TextID: coft.ConsentTextFor(locale).ID, Locale: locale,
		SavedCard: state == "saved"}
	if state == "error" {
		v.Error = "Your choice could not be recorded. Please choose again."
	}
	if b := q.Get("brand"); b != "" && coft.ValidColor("#"+b) {
		v.Theme = themeURL("#" + b)
	}
	var buf bytes.Buffer
	if err := s.cfg.Consent.RenderConsent(&buf, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", s.cfg.Consent.ConsentCSP("'self'").String())
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// DemoCheckout serves POST /demo/checkout: an order of the demo
// merchant for a new customer, paid the chosen way.
func (s *Server) DemoCheckout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return coft.Errorf(coft.EINVALID, "Form not understood.")
	}
	m, err := s.findMerchantByID(ctx, DemoMerchant)
	if err != nil {
		return err
	}
	cust := &coft.Customer{MerchantID: m.ID, ObjectReferenceID: "demo-" + coft.RandomHex(4),
		MobileNumber: "9876543210", EmailAddress: "demo@example.com"}
	if err := s.cfg.Store.CreateCustomer(ctx, cust); err != nil {
		return err
	}
	o := &coft.Order{MerchantID: m.ID, OrderID: "demo" + coft.RandomHex(6), Amount: 125000, Currency: "INR",
		Status: coft.StatusNew, CustomerID: cust.ID, ReturnURL: s.cfg.BaseURL + "/demo", Description: "Demo Store order"}
	if err := s.cfg.Store.CreateOrder(ctx, o); err != nil {
		return err
	}
	links := s.views.PaymentLinks(o)
	switch r.PostForm.Get("mode") {
	case "iframe":
		w.Header().Set("Content-Security-Policy", demoCSP)
		s.page(w, r, http.StatusOK, components.DemoStorePage(components.DemoStoreView{Frame: links.Iframe,
			OrderID: o.OrderID, Amount: coft.DisplayAmount(o.Amount)}))
	case "dropin":
		tok, _ := s.cfg.Tokens.ClientAuthToken(authtoken.Scope{MerchantID: m.ID, OrderID: o.OrderID}, s.cfg.ClientTokenTTL)
		w.Header().Set("Content-Security-Policy", demoCSP)
		s.page(w, r, http.StatusOK, components.DemoStorePage(components.DemoStoreView{Script: s.cfg.BaseURL + "/static/coft.js",
			Integrity: dropInIntegrity, ClientToken: tok, OrderID: o.OrderID, Amount: coft.DisplayAmount(o.Amount),
			Card: r.PostForm.Get("card")}))
	default:
		http.Redirect(w, r, links.Web, http.StatusSeeOther)
	}
	return nil
}

// DemoPay serves POST /demo/pay: the demo store's server passes its
// form (with the drop-in's tokenize and consent_id) to /txns.
func (s *Server) DemoPay(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return coft.Errorf(coft.EINVALID, "Form not understood.")
	}
	m, err := s.findMerchantByID(r.Context(), DemoMerchant)
	if err != nil {
		return err
	}
	p := juspay.Params{"payment_method_type": "CARD"}
	for _, k := range []string{"order_id", "card_number", "card_exp_month", "card_exp_year", "card_security_code", "tokenize", "consent_id"} {
		if v := r.PostForm.Get(k); v != "" {
			p[k] = strings.ReplaceAll(v, " ", "")
		}
	}
	t, err := s.startPayment(r, m, p)
	if err != nil {
		w.Header().Set("Content-Security-Policy", demoCSP)
		return titled("Payment not started", err)
	}
	http.Redirect(w, r, s.views.AuthenticationURL(t), http.StatusSeeOther)
	return nil
}
