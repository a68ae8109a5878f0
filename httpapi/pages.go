package httpapi

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/pages"
)

// handleHome serves the sandbox's landing page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	var eps []components.Endpoint
	for _, rt := range s.apiRoutes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		eps = append(eps, components.Endpoint{Method: method, Path: path, What: rt.doc})
	}
	var buf bytes.Buffer
	if err := components.Home(s.cfg.BaseURL, eps, s.cfg.TestCards).Render(r.Context(), &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", pages.CSP.String())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
	return nil
}

// assetCSP is the policy of static assets: a stylesheet may load its own
// files (fonts, images), nothing runs.
var assetCSP = csp.Parse("default-src 'none'; style-src 'self'").String()

// cacheAssets lets browsers keep static assets for an hour.
func cacheAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Content-Security-Policy", assetCSP)
		if r.URL.Path == "coft.js" || r.URL.Path == "frame.js" {
			// Merchants' pages load the drop-in with an integrity hash,
			// which browsers check only on CORS responses.
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		next.ServeHTTP(w, r)
	})
}
