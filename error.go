package coft

import (
	"errors"
	"fmt"
)

// Error codes. They are few on purpose: the transport maps each to an HTTP
// status and a Juspay error code in one table.
const (
	EINVALID      = "invalid"      // a field has a malformed or unacceptable value
	EMISSING      = "missing"      // a required field is absent
	ERANGE        = "range"        // a value is outside its allowed range
	ENOTFOUND     = "not_found"    // the object does not exist (or is not the caller's)
	ECONFLICT     = "conflict"     // the object already exists or is in the wrong state
	EUNAUTHORIZED = "unauthorized" // credentials are missing, wrong or expired
	EFORBIDDEN    = "forbidden"    // credentials are valid but do not allow this
	EINTERNAL     = "internal"     // a fault of ours; details are logged, not shown
	EUNAVAILABLE  = "unavailable"  // a card network or bank cannot be reached now: nothing changed, try again
)

// Error is a domain error: a code, the field it concerns (if any) and a
// message that is safe to show to the caller.
type Error struct {
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an *Error about one field.
func FieldError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Missing reports that a required field is absent.
func Missing(field string) *Error {
	return FieldError(EMISSING, field, "%s is required.", field)
}

// Invalid reports that a field's value is unacceptable.
func Invalid(field, format string, args ...any) *Error {
	return FieldError(EINVALID, field, format, args...)
}

// PrefixField puts prefix before the field err names ("order." + "amount"
// for the order.* fields of a payment); other errors are returned as they
// are.
func PrefixField(err error, prefix string) error {
	if prefix == "" || ErrorField(err) == "" {
		return err
	}
	return FieldError(ErrorCode(err), prefix+ErrorField(err), "%s", ErrorMessage(err))
}

// ErrorCode returns the code of err's *Error, or EINTERNAL for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err's *Error, or "Internal error." for
// any other error, so internal details never reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field of err's *Error, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
