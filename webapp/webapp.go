// Package webapp serves the go-app frontend of package app: the hosted
// consent page, prerendered, and the assets that run its WebAssembly.
//
// It handles the go-app v10 pitfalls of shared/reference/GO-APP-NOTES.md:
// own icon (never go-app's hot-linked one), loader restyled in
// static/consent.css, an inline storage shim with its CSP hash, a service
// worker that removes itself, a content-hashed wasm URL served
// precompressed and cached forever, WasmContentLength for the progress
// label, and a fixed Version (the wasm's hash).
//
// Pages are not prerendered per request (go-app takes ~77 µs and 100 KB per
// page): see RenderConsent.
package webapp

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/csp"
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Config configures the frontend.
type Config struct {
	// WebDir holds app.wasm, app.wasm.br and app.wasm.gz (make wasm).
	WebDir string
	// Title is the pages' <title>.
	Title string
}

// Server serves the go-app frontend. It is safe for concurrent use.
type Server struct {
	handler   *goapp.Handler
	wasm      *wasmBundle
	csp       csp.Policy // the consent page's, without frame-ancestors
	style     string     // the consent page's stylesheets, inlined (see pageStyle)
	templates map[variant]*template
}

// Paths served by go-app's handler; see Assets.
var goappPaths = []string{"/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css"}

// Asset paths outside go-app's handler.
const (
	iconPath  = "/static/favicon.svg"
	stylePath = "/static/consent.css"
	framePath = "/static/frame.js" // tells a framing merchant page the height
	webPrefix = "/web/"
)

// New loads the wasm from cfg.WebDir and renders the consent page's
// templates (each view travels in its prerender request's path: Servers
// share no state). It calls app.Register. It fails, saying to run
// `make wasm`, when the wasm files are missing or stale.
func New(cfg Config) (*Server, error) {
	if cfg.WebDir == "" {
		return nil, errors.New("webapp: Config.WebDir is empty")
	}
	wasm, err := loadWasm(cfg.WebDir)
	if err != nil {
		return nil, err
	}
	app.Register()

	s := &Server{
		wasm: wasm,
		handler: &goapp.Handler{
			Name:            cfg.Title,
			Title:           cfg.Title,
			Lang:            "en",
			Icon:            goapp.Icon{Default: iconPath, SVG: iconPath},
			ThemeColor:      "#0b5cad",
			BackgroundColor: "#f6f8fa",
			Styles:          []string{stylePath}, // after go-app's /app.css; both inlined (pageStyle)
			LoadingLabel:    "{progress}%",
			// No preload of the wasm: on a phone's network its 1.45 MB
			// compete with the page for the link and delay the first
			// paint. app.js asks for it once the page is parsed.
			RawHeaders: []string{storageShimTag, `<script defer src="` + framePath + `"></script>`},
			Resources:  wasmResolver{path: wasm.path},
			Version:    wasm.hash,
			// The wasm is served compressed: the progress label needs the
			// uncompressed size.
			WasmContentLength:     strconv.Itoa(wasm.rawSize),
			ServiceWorkerTemplate: serviceWorker,
		},
	}
	if s.style, err = s.pageStyle(); err != nil {
		return nil, err
	}
	s.csp = csp.Parse("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' " + shimHash() +
		"; style-src 'self' " + hashSource(s.style) + "; img-src 'self' data:; connect-src 'self'; manifest-src 'self'" +
		"; worker-src 'self'; form-action 'self'; base-uri 'none'")
	if s.templates, err = s.renderTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

// wasmResolver is the handler's go-app ResourceResolver: it maps
// /web/app.wasm to its content-hashed URL and leaves every other path
// alone. It is not an http.Handler, so go-app's handler serves nothing under
// /web/ itself.
type wasmResolver struct{ path string }

// Resolve implements goapp.ResourceResolver.
func (r wasmResolver) Resolve(location string) string {
	switch location {
	case "", "/":
		return "/"
	case "/web/app.wasm", "web/app.wasm":
		return r.path
	}
	return location
}

// AssetPaths lists what to mount Assets on: exact paths, and one prefix
// ending in "/" (/web/). With Go 1.22 patterns:
//
//	for _, p := range ws.AssetPaths() {
//		mux.Handle("GET "+p, ws.Assets())
//	}
func (s *Server) AssetPaths() []string {
	return append(append([]string(nil), goappPaths...), webPrefix)
}

// Assets serves go-app's scripts, manifest and stylesheet (through go-app's
// handler: Cache-Control no-cache, ETag = the wasm hash) and the wasm at
// /web/app.<hash>.wasm (precompressed by Accept-Encoding, cacheable
// forever). Any other path, including another wasm hash, is not found. The
// consent page itself is not served here: see RenderConsent.
func (s *Server) Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		if strings.HasPrefix(p, webPrefix) {
			s.wasm.ServeHTTP(w, r)
			return
		}
		for _, gp := range goappPaths {
			if p == gp {
				s.handler.ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	})
}

// WasmPath is the wasm's content-hashed URL path, e.g. for a
// <link rel="preload" as="fetch" crossorigin> on an earlier page.
func (s *Server) WasmPath() string { return s.wasm.path }

// ConsentCSP returns the consent page's Content-Security-Policy, with
// frameAncestors (the merchant's origins when the page is framed; none:
// 'none') as the frame-ancestors sources. Go's wasm needs
// 'wasm-unsafe-eval'; the only inline script is the storage shim, allowed
// by its hash.
func (s *Server) ConsentCSP(frameAncestors ...string) csp.Policy {
	if len(frameAncestors) == 0 {
		frameAncestors = []string{"'none'"}
	}
	return s.csp.With("frame-ancestors", frameAncestors...)
}
