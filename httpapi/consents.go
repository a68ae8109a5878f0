package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
	"github.com/coftkit/coft/juspay"
)

// handleConsentExport serves GET /consents/export[?from=&to=&customer_id=]:
// the caller's own consent ledger, the entries appended in [from, to) (RFC
// 3339; open when absent), as JSON Lines (docs/EVIDENCE.md); with
// customer_id (the id or the merchant's object_reference_id), only that
// customer's entries, each with its inclusion proof. Without to, the
// chain's head is signed first, so that the file is covered to its end.
func (s *Server) handleConsentExport(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"from", "to", "customer_id"})
	if err != nil {
		return err
	}
	var customer *coft.Customer
	if id := p["customer_id"]; id != "" {
		customer, err = s.cfg.Store.FindCustomer(r.Context(), a.merchant.ID, id)
		if coft.ErrorCode(err) == coft.ENOTFOUND {
			return coft.FieldError(coft.ENOTFOUND, "customer_id", "Customer not found.")
		} else if err != nil {
			return err
		}
	}
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		if v := p[name]; v != "" {
			if bounds[i], err = time.Parse(time.RFC3339, v); err != nil {
				return coft.FieldError(coft.EINVALID, name, "%s must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z.", name)
			}
		}
	}
	ctx := r.Context()
	if bounds[1].IsZero() {
		// A head left unsigned still verifies through its chain: the export
		// goes on, and the reconciler signs it within the hour.
		if _, err := s.cfg.Store.CheckpointLedgers(ctx, a.merchant.ID); err != nil {
			s.cfg.Logger.Warn("signing the consent ledger's head for an export", "merchant_id", a.merchant.ID, "error", err.Error())
		}
	}
	var x *coft.LedgerExport
	if customer != nil {
		x, err = s.cfg.Store.ExportCustomerLedger(ctx, a.merchant.ID, customer.ID, bounds[0], bounds[1])
	} else {
		x, err = s.cfg.Store.ExportLedger(ctx, a.merchant.ID, bounds[0], bounds[1])
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := evidence.Write(&buf, x); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="consents.jsonl"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// consentHistory is GET /customers/{customer_id}/consents' answer.
type consentHistory struct {
	CustomerID string         `json:"customer_id"`
	Consents   []consentEntry `json:"consents"`
}

// consentEntry is one ledger entry: the record as it was hashed, and the
// hashes that place it in the merchant's chain (an export proves them).
type consentEntry struct {
	Seq      int64           `json:"seq"`
	Record   json.RawMessage `json:"record"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// handleCustomerConsents serves GET /customers/{customer_id}/consents: the
// customer's consent history (decisions and withdrawals, oldest first),
// from the merchant's consent ledger.
func (s *Server) handleCustomerConsents(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r.Context())
	p, err := juspay.ReadParams(w, r, juspay.Fields{"customer_id"})
	if err != nil {
		return err
	}
	c, err := s.pathCustomer(r, a.merchant, p)
	if err != nil {
		return err
	}
	entries, err := s.cfg.Store.CustomerLedger(r.Context(), a.merchant.ID, c.ID)
	if err != nil {
		return err
	}
	v := consentHistory{CustomerID: c.ID, Consents: make([]consentEntry, len(entries))}
	for i, e := range entries {
		v.Consents[i] = consentEntry{Seq: e.Seq, Record: json.RawMessage(e.Record), PrevHash: e.PrevHash, Hash: e.Hash}
	}
	juspay.WriteJSON(w, http.StatusOK, v)
	return nil
}
