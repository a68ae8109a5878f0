package httpapi

import (
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/juspay"
)

// handleHealth answers while the process runs.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	juspay.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is /readyz's answer.
type readiness struct {
	Status      string   `json:"status"`
	Database    string   `json:"database"`
	Environment string   `json:"environment"`
	Warnings    []string `json:"warnings,omitempty"`
}

// handleReady answers 200 only when the database does, with the
// environment and the operator's warnings.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	v := readiness{Status: "ok", Database: "ok", Environment: s.cfg.Environment, Warnings: s.cfg.Warnings}
	status := http.StatusOK
	if err := s.cfg.Store.Ping(r.Context()); err != nil {
		logOf(r.Context()).WarnContext(r.Context(), "database not ready", "error", err.Error())
		v.Status, v.Database, status = "unavailable", "unreachable", http.StatusServiceUnavailable
	}
	juspay.WriteJSON(w, status, v)
}

// handleNotFound answers paths and methods the API does not serve.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return coft.Errorf(coft.ENOTFOUND, "No endpoint %s %s.", maskCardNumbers(r.Method), maskCardNumbers(r.URL.Path))
}
