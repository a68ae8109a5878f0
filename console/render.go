package console

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/csp"
	"github.com/coftkit/coft/juspay"
)

// CSP is the console's Content-Security-Policy: its own scripts and
// styles, data: images (the QR code, charts), frames of its own pages (the
// dialog's preview), never framed itself.
var CSP = csp.Parse("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

// render writes a page, rendered whole before any of it is sent.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(context.WithoutCancel(r.Context()), &buf); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "rendering console page", "error", err.Error())
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", CSP.String())
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// statusOf maps an error to its code and HTTP status, by the API's table.
func statusOf(err error) (string, int) { return juspay.Status(err) }

var consoleWords = map[string]string{
	coft.ENOTFOUND:     "Not found",
	coft.EUNAUTHORIZED: "Please sign in",
	coft.EFORBIDDEN:    "Not allowed",
	coft.EINVALID:      "Please check the form",
	coft.EMISSING:      "Please check the form",
	coft.ERANGE:        "Please check the form",
	coft.ECONFLICT:     "Not possible now",
	coft.EINTERNAL:     "Something went wrong",
	coft.EUNAVAILABLE:  "Please try again",
}

// errors is a console handler: its error is answered with a page.
// Internal errors are logged and shown as such.
func (s *Server) errors(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = &juspay.StatusError{Status: http.StatusRequestEntityTooLarge, Err: coft.Errorf(coft.EINVALID, "This form sent too much.")}
		}
		code, status := statusOf(err)
		text := coft.ErrorMessage(err)
		if code == coft.EINTERNAL {
			s.cfg.Logger.ErrorContext(r.Context(), "console page failed", "error", err.Error())
			text = "The console could not do this. Nothing was changed; please try again."
		}
		s.render(w, r, status, components.ConsoleMessage(consoleWords[code], text))
	})
}

// form is a console post: from a browser on this site (Go's cross-origin
// protection, and an Origin or Sec-Fetch-Site header), its body bounded.
func (s *Server) form(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.errors(func(http.ResponseWriter, *http.Request) error {
		return coft.Errorf(coft.EFORBIDDEN, "This form can only be sent from the console's own pages.")
	}))
	protected := cop.Handler(next)
	return s.errors(func(w http.ResponseWriter, r *http.Request) error {
		if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
			return coft.Errorf(coft.EFORBIDDEN, "This form can only be sent from the console's own pages.")
		}
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		if err := r.ParseMultipartForm(256 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return err
		}
		protected.ServeHTTP(w, r)
		return nil
	})
}
