package pages

import (
	"errors"
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/juspay"
)

// pageWords are what a customer page says for each error code: a title,
// and a text where the error's own message is not for customers (internal
// errors; not-found ones, whose message names what was looked up). Other
// errors show their message.
var pageWords = map[string]struct{ title, text string }{
	coft.ENOTFOUND:     {"Payment link not valid", "This payment link does not exist. Please return to the store and try again."},
	coft.EUNAUTHORIZED: {"Link expired", ""},
	coft.EFORBIDDEN:    {"Request not accepted", ""},
	coft.EINVALID:      {"Request not understood", ""},
	coft.EMISSING:      {"Request not understood", ""},
	coft.ERANGE:        {"Request not understood", ""},
	coft.ECONFLICT:     {"Not possible now", ""},
	coft.EINTERNAL:     {"Something went wrong", "We could not continue the payment. No money was taken by this step; please try again."},
	coft.EUNAVAILABLE:  {"Please try again", ""},
}

// errFormNotValid refuses a posted form without the payment's form token.
var errFormNotValid = coft.Errorf(coft.EFORBIDDEN, "This form is not valid for this payment. Please return to the store and try again.")

// titledError gives a customer page's error a title of its own.
type titledError struct {
	title string
	err   error
}

func (e *titledError) Error() string { return e.err.Error() }
func (e *titledError) Unwrap() error { return e.err }

// titled is err, shown on a customer page under title.
func titled(title string, err error) error { return &titledError{title, err} }

// Error answers a customer page's error with a page, never JSON: the
// HTTP status from the same table as the API's errors (juspay.Status), the
// words from pageWords. Internal errors are logged with their cause.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code, status := juspay.Status(err)
	words := pageWords[code]
	title, text := words.title, words.text
	if text == "" {
		text = coft.ErrorMessage(err)
	}
	var te *titledError
	if errors.As(err, &te) {
		title = te.title
	}
	if code == coft.EINTERNAL {
		s.cfg.Logger.ErrorContext(r.Context(), "customer page failed", "error", err.Error())
	}
	s.page(w, r, status, components.MessagePage(title, text))
}

// Page is a customer page's handler: its error is answered by
// Error.
func (s *Server) Page(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.Error(w, r, err)
		}
	})
}
