package console

import "net/http"

// Route is one of the console's URL patterns and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes lists the console's whole URL surface; package httpapi mounts
// it. Reads are GETs of a merchant's pages; every change is a POST
// (s.form: same-origin, bounded) of a page that checks the form token and
// the role's permission (s.page).
func (s *Server) Routes() []Route {
	routes := []Route{
		{"GET /console", s.errors(s.Index)},
		{"GET /console/{$}", s.errors(s.Index)},
		{"GET /console/sign-in", s.errors(s.SignInPage)},
		{"POST /console/sign-in", s.form(s.errors(s.SignIn))},
		{"GET /console/sign-in/code", s.errors(s.CodePage)},
		{"POST /console/sign-in/code", s.form(s.errors(s.Code))},
		{"POST /console/sign-out", s.form(s.errors(s.SignOut))},
		{"GET /console/setup", s.errors(s.SetupPage)},
		{"POST /console/setup", s.form(s.errors(s.Setup))},
		{"GET /console/{merchant_id}/account", s.page("", s.Account)},
		{"POST /console/{merchant_id}/account/totp", s.form(s.page("", s.AccountTOTP))},
	}
	routes = append(routes, s.orderRoutes()...)
	routes = append(routes, s.customerRoutes()...)
	routes = append(routes, s.settingsRoutes()...)
	routes = append(routes, s.developerRoutes()...)
	routes = append(routes, s.insightRoutes()...)
	return routes
}
