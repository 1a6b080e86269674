package intake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// adminDossiers lists dossiers: ?from=&to= (RFC 3339, optional) bound the
// first submission, ?payloads=true includes the payloads.
func (s *Server) adminDossiers(w http.ResponseWriter, r *http.Request) {
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, p.name+" must be an RFC 3339 time")
				return
			}
			*p.t = t
		}
	}
	ds, err := s.store.Dossiers(r.Context(), from, to, r.URL.Query().Get("payloads") == "true")
	if err != nil {
		s.log.Error("admin dossiers", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	if ds == nil {
		ds = []Dossier{}
	}
	writeJSON(w, http.StatusOK, ds)
}

// adminDevices lists the devices with their latest heartbeat, without
// credential hashes.
func (s *Server) adminDevices(w http.ResponseWriter, r *http.Request) {
	devs, err := s.store.Devices(r.Context())
	if err != nil {
		s.log.Error("admin devices", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	for i := range devs {
		devs[i].Credentials = nil
	}
	if devs == nil {
		devs = []Device{}
	}
	writeJSON(w, http.StatusOK, devs)
}

// adminReport answers the monthly report of ?month=YYYY-MM as JSON.
func (s *Server) adminReport(w http.ResponseWriter, r *http.Request) {
	month := r.URL.Query().Get("month")
	if _, _, err := MonthRange(month); err != nil {
		writeError(w, http.StatusBadRequest, "month must be YYYY-MM")
		return
	}
	rep, err := BuildReport(r.Context(), s.store, month, s.now())
	if err != nil {
		s.log.Error("admin report", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// adminAddDevice enrols a device: {"name": ..., "credentials": [hash...]}.
// Credentials travel as hashes: the token itself never leaves the CLI.
func (s *Server) adminAddDevice(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        string   `json:"name"`
		Credentials []string `json:"credentials"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be {\"name\": ..., \"credentials\": [...]}")
		return
	}
	d := NewDevice(req.Name, req.Credentials, s.now())
	switch err := s.store.AddDevice(r.Context(), d); {
	case errors.Is(err, ErrDeviceExists):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil && strings.HasPrefix(err.Error(), "intake: "):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, "store failure")
	default:
		d.Credentials = nil
		writeJSON(w, http.StatusCreated, d)
	}
}

// adminRevokeDevice revokes a device; its next request is refused.
func (s *Server) adminRevokeDevice(w http.ResponseWriter, r *http.Request) {
	switch err := s.store.RevokeDevice(r.Context(), r.PathValue("id"), s.now()); {
	case errors.Is(err, ErrNoDevice):
		writeError(w, http.StatusNotFound, "no such device")
	case err != nil:
		writeError(w, http.StatusInternalServerError, "store failure")
	default:
		writeJSON(w, http.StatusOK, map[string]bool{"revoked": true})
	}
}
