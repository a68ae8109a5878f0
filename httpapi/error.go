package httpapi

import (
	"errors"
	"net/http"

	"github.com/coftkit/coft"
)

// errorKind is how one domain error code is written on the wire.
type errorKind struct {
	httpStatus int
	status     string // top-level "status"
	errorCode  string // "error_code" (classic) and "errorCode" (camelCase APIs)
	infoCode   string // "error_info.code"
	category   string // "error_info.category"
}

// errorKinds maps each domain error code to its HTTP status and Juspay codes.
var errorKinds = map[string]errorKind{
	coft.EINVALID:      {http.StatusBadRequest, "error", "invalid", "INVALID_INPUT", "USER_ERROR"},
	coft.EMISSING:      {http.StatusBadRequest, "error", "nullable", "INVALID_INPUT", "USER_ERROR"},
	coft.ERANGE:        {http.StatusBadRequest, "error", "invalidRange", "INVALID_INPUT", "USER_ERROR"},
	coft.ECONFLICT:     {http.StatusConflict, "error", "invalid_request_error", "INVALID_INPUT", "USER_ERROR"},
	coft.ENOTFOUND:     {http.StatusNotFound, "invalid_request_error", "object_not_found", "RESOURCE_NOT_FOUND", "USER_ERROR"},
	coft.EUNAUTHORIZED: {http.StatusUnauthorized, "error", "access_denied", "UNAUTHORIZED", "USER_ERROR"},
	coft.EFORBIDDEN:    {http.StatusForbidden, "error", "access_denied", "UNAUTHORIZED", "USER_ERROR"},
	coft.EINTERNAL:     {http.StatusInternalServerError, "error", "internal_error", "INTERNAL_SERVER_ERROR", "SERVER_ERROR"},
	coft.EUNAVAILABLE:  {http.StatusServiceUnavailable, "error", "internal_error", "INTERNAL_SERVER_ERROR", "SERVER_ERROR"},
}

// statusError is an error that also sets the HTTP status, for transport
// failures that have no domain code of their own (body too large, …).
type statusError struct {
	status int
	err    *coft.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

type errorBody struct {
	Status       string    `json:"status"`
	ErrorCode    string    `json:"error_code"`
	ErrorMessage string    `json:"error_message"`
	UserMessage  string    `json:"user_message"`
	ErrorInfo    errorInfo `json:"error_info"`
}

type errorInfo struct {
	Category         string       `json:"category"`
	Code             string       `json:"code"`
	RequestID        string       `json:"request_id"`
	DeveloperMessage string       `json:"developer_message"`
	UserMessage      string       `json:"user_message"`
	Fields           []fieldError `json:"fields,omitempty"`
	// Href is "NA", as in every Juspay error: no page documents one error.
	Href string `json:"href"`
}

type fieldError struct {
	FieldName string `json:"field_name"`
	Reason    string `json:"reason"`
}

// camelErrorBody is the error shape of the newer camelCase APIs: our
// {errorCode, errorMessage, field}, with the keys Juspay's samples of
// these APIs show: error true, status FAILURE, error_code and
// error_message (Juspay puts a code word there, as it does:
// "INVALID_REQUEST"), user_message (the message) and error_info as in the
// classic shape.
type camelErrorBody struct {
	ErrorCode    string    `json:"errorCode"`
	ErrorMessage string    `json:"errorMessage"`
	Field        string    `json:"field,omitempty"`
	Error        bool      `json:"error"`
	Status       string    `json:"status"`
	SnakeCode    string    `json:"error_code"`
	SnakeMessage string    `json:"error_message"`
	UserMessage  string    `json:"user_message"`
	ErrorInfo    errorInfo `json:"error_info"`
}

// camelError is the camelCase APIs' error body: errorCode is code (one of
// camelCodes, or an API's own such as ALT_ID_GENERATION_FAILED), kind the
// domain error's classic codes for error_info.
func camelError(r *http.Request, kind errorKind, code, msg, field string) camelErrorBody {
	return camelErrorBody{ErrorCode: code, ErrorMessage: msg, Field: field, Error: true, Status: "FAILURE",
		SnakeCode: code, SnakeMessage: code, UserMessage: msg, ErrorInfo: classicInfo(r, kind, msg, field)}
}

// classicInfo is the error_info block of an error.
func classicInfo(r *http.Request, kind errorKind, msg, field string) errorInfo {
	info := errorInfo{Category: kind.category, Code: kind.infoCode, RequestID: requestID(r.Context()),
		DeveloperMessage: msg, UserMessage: msg, Href: "NA"}
	if field != "" {
		info.Fields = []fieldError{{FieldName: field, Reason: msg}}
	}
	return info
}

// writeError renders err in the Juspay error shape. Internal errors are
// logged with the request's context and shown only as "Internal error.".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := coft.ErrorCode(err)
	kind := errorKinds[code]
	if kind.httpStatus == 0 {
		kind = errorKinds[coft.EINTERNAL]
	}
	httpStatus := kind.httpStatus
	var se *statusError
	if errors.As(err, &se) {
		httpStatus = se.status
	}
	if code == coft.EINTERNAL {
		logOf(r.Context()).ErrorContext(r.Context(), "request failed", "error", err.Error())
	}
	msg := coft.ErrorMessage(err)
	field := coft.ErrorField(err)
	if camelCaseAPI(r) {
		writeJSON(w, httpStatus, camelError(r, kind, camelCodes[code], msg, field))
		return
	}
	writeJSON(w, httpStatus, errorBody{Status: kind.status, ErrorCode: kind.errorCode, ErrorMessage: msg, UserMessage: msg,
		ErrorInfo: classicInfo(r, kind, msg, field)})
}

// camelCodes are the errorCode values of the camelCase APIs.
var camelCodes = map[string]string{
	coft.EINVALID:      "INVALID_REQUEST",
	coft.EMISSING:      "INVALID_REQUEST",
	coft.ERANGE:        "INVALID_REQUEST",
	coft.ECONFLICT:     "CONFLICT",
	coft.ENOTFOUND:     "NOT_FOUND",
	coft.EUNAUTHORIZED: "UNAUTHORIZED",
	coft.EFORBIDDEN:    "FORBIDDEN",
	coft.EINTERNAL:     "INTERNAL_ERROR",
	coft.EUNAVAILABLE:  "INTERNAL_ERROR",
}
