package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"motcua/sync/heartbeat/wire"
)

// heartbeatAnswer is the answer to an accepted heartbeat.
type heartbeatAnswer struct {
	// MinIntervalSeconds is the shortest interval the hub accepts between
	// two heartbeats of a device.
	MinIntervalSeconds int `json:"min_interval_seconds"`
}

// heartbeat records a device's heartbeat, at most one per heartbeatEvery
// (429 with Retry-After otherwise; the bound is read from the store, so it
// holds across replicas).
func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	if r.Context().Value(adminKey) == true {
		writeError(w, http.StatusForbidden, "heartbeats come from devices")
		return
	}
	dev := deviceRecordOf(r)
	now := s.now()
	last := dev.LastHeartbeatAt
	if dev.ID == PilotDevice {
		last = s.pilotHeartbeat(now, false)
	}
	if !last.IsZero() && now.Sub(last) < s.heartbeatEvery {
		wait := s.heartbeatEvery - now.Sub(last)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "heartbeat sent too soon")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "heartbeat too large")
		}
		return
	}
	var hb wire.Report
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hb); err != nil {
		writeError(w, http.StatusBadRequest, "body is not a heartbeat JSON object")
		return
	}
	if err := hb.Validate(); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err := s.store.PutHeartbeat(r.Context(), dev.ID, hb, now); err != nil {
		s.log.Error("store heartbeat", "device", dev.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	if dev.ID == PilotDevice {
		s.pilotHeartbeat(now, true)
	}
	writeJSON(w, http.StatusOK, heartbeatAnswer{MinIntervalSeconds: int(s.heartbeatEvery / time.Second)})
}

// pilotHeartbeat reads (and with set, records) the pilot device's last
// heartbeat time in this replica's memory: the pilot has no credential row
// to carry it.
func (s *Server) pilotHeartbeat(now time.Time, set bool) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set {
		s.pilotLast = now
	}
	return s.pilotLast
}
