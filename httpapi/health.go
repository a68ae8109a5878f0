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

// handleReady answers 200 only when the database does.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Store.Ping(r.Context()); err != nil {
		logOf(r.Context()).WarnContext(r.Context(), "database not ready", "error", err.Error())
		juspay.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	juspay.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

// handleNotFound answers paths and methods the API does not serve.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return coft.Errorf(coft.ENOTFOUND, "No endpoint %s %s.", r.Method, r.URL.Path)
}
