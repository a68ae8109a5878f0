package console

import (
	"net/http"

	"github.com/coftkit/coft"
)

// Route is one of the console's URL patterns and its handler. Perm is the
// permission a merchant's page needs ("" for reading).
type Route struct {
	Pattern string
	Perm    coft.Permission
	Handler http.Handler
}

// get is a merchant's page, read by every role.
func (s *Server) get(pattern string, h handler) Route {
	return Route{Pattern: "GET " + pattern, Handler: s.page("", h)}
}

// post is a change on a merchant's page, made by the roles with perm ("":
// every role, e.g. their own account).
func (s *Server) post(pattern string, perm coft.Permission, h handler) Route {
	return Route{Pattern: "POST " + pattern, Perm: perm, Handler: s.form(s.page(perm, h))}
}

// open is a page outside any merchant (signing in).
func (s *Server) open(pattern string, h func(http.ResponseWriter, *http.Request) error) Route {
	if pattern[0] == 'P' {
		return Route{Pattern: pattern, Handler: s.form(s.errors(h))}
	}
	return Route{Pattern: pattern, Handler: s.errors(h)}
}

// Routes lists the console's whole URL surface; package httpapi mounts
// it. Reads are GETs of a merchant's pages; every change is a POST
// (s.form: same-origin, bounded) of a page that checks the form token and
// the role's permission (s.page).
func (s *Server) Routes() []Route {
	routes := []Route{
		s.open("GET /console", s.Index),
		s.open("GET /console/{$}", s.Index),
		s.open("GET /console/sign-in", s.SignInPage),
		s.open("POST /console/sign-in", s.SignIn),
		s.open("GET /console/sign-in/code", s.CodePage),
		s.open("POST /console/sign-in/code", s.Code),
		s.open("POST /console/sign-out", s.SignOut),
		s.open("GET /console/setup", s.SetupPage),
		s.open("POST /console/setup", s.Setup),
		s.get("/console/{merchant_id}/account", s.Account),
		s.post("/console/{merchant_id}/account/totp", "", s.AccountTOTP),
	}
	routes = append(routes, s.orderRoutes()...)
	routes = append(routes, s.customerRoutes()...)
	routes = append(routes, s.settingsRoutes()...)
	routes = append(routes, s.developerRoutes()...)
	routes = append(routes, s.insightRoutes()...)
	return routes
}
