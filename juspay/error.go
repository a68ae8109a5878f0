// Package juspay is Juspay's wire format: how requests' fields are read
// (query, form or JSON), the objects answers carry, the error shape, and
// the signed return URL.
package juspay

import (
	"errors"
	"net/http"
	"strings"

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

// StatusError is an error that also sets the HTTP status, for transport
// failures that have no domain code of their own (body too large, …).
type StatusError struct {
	Status int
	Err    *coft.Error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// Status is the HTTP status err is answered with, and its domain code
// (EINTERNAL for an error without one): the same table serves the API's
// JSON errors and the customer pages' error pages.
func Status(err error) (code string, status int) {
	code = coft.ErrorCode(err)
	kind, ok := errorKinds[code]
	if !ok {
		code, kind = coft.EINTERNAL, errorKinds[coft.EINTERNAL]
	}
	status = kind.httpStatus
	var se *StatusError
	if errors.As(err, &se) {
		status = se.Status
	}
	return code, status
}

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
func camelError(requestID string, kind errorKind, code, msg, field string) camelErrorBody {
	return camelErrorBody{ErrorCode: code, ErrorMessage: msg, Field: field, Error: true, Status: "FAILURE",
		SnakeCode: code, SnakeMessage: code, UserMessage: msg, ErrorInfo: classicInfo(requestID, kind, msg, field)}
}

// classicInfo is the error_info block of an error.
func classicInfo(requestID string, kind errorKind, msg, field string) errorInfo {
	info := errorInfo{Category: kind.category, Code: kind.infoCode, RequestID: requestID,
		DeveloperMessage: msg, UserMessage: msg, Href: "NA"}
	if field != "" {
		info.Fields = []fieldError{{FieldName: field, Reason: msg}}
	}
	return info
}

// WriteError renders err in the Juspay error shape of the API r asked:
// the classic one, or the camelCase APIs'. requestID is shown in
// error_info. Internal errors show only their message ("Internal error.").
func WriteError(w http.ResponseWriter, r *http.Request, err error, requestID string) {
	code, httpStatus := Status(err)
	kind := errorKinds[code]
	msg := coft.ErrorMessage(err)
	field := coft.ErrorField(err)
	if CamelCaseAPI(r) {
		WriteJSON(w, httpStatus, camelError(requestID, kind, camelCodes[code], msg, field))
		return
	}
	WriteJSON(w, httpStatus, errorBody{Status: kind.status, ErrorCode: kind.errorCode, ErrorMessage: msg, UserMessage: msg,
		ErrorInfo: classicInfo(requestID, kind, msg, field)})
}

// WriteCamelError renders err in the camelCase APIs' shape, with an
// errorCode of the API's own (ALT_ID_GENERATION_FAILED, …).
func WriteCamelError(w http.ResponseWriter, err error, errorCode, requestID string) {
	code, httpStatus := Status(err)
	WriteJSON(w, httpStatus, camelError(requestID, errorKinds[code], errorCode, coft.ErrorMessage(err), coft.ErrorField(err)))
}

// CamelCaseAPI reports whether the request is for one of the newer JSON
// APIs, whose errors take the camelCase shape. (/v4/txns, /v4/order-status,
// /v4/orders/… and /v4/session are the classic APIs under JWE+JWS: their
// errors keep the classic shape.)
func CamelCaseAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/tokenization/") || strings.HasPrefix(p, "/v4/card/") || p == "/get/altId"
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
