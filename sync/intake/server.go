package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxBody is the largest request body the intake reads.
const MaxBody = 32 << 20

// Server is the intake HTTP handler.
type Server struct {
	store Backend
	token string
	// adminToken authorises the operator routes (empty: none).
	adminToken string
	// heartbeatEvery is the shortest interval between two heartbeats of a
	// device; faster ones get 429.
	heartbeatEvery time.Duration
	// offlineAfter is how long without a heartbeat makes a device offline.
	offlineAfter time.Duration
	limiter      *rateLimiter
	faults       Faults
	dice         *dice
	log          *slog.Logger
	now          func() time.Time
	// maxBody bounds a submission body (MaxBody unless the limits say less).
	maxBody int64
	// maxAttachment bounds one attachment (MaxAttachment).
	maxAttachment int64

	mu        sync.Mutex
	inFlight  map[string]bool
	pilotLast time.Time
}

// NewServer returns a handler over store that accepts enrolled devices and,
// when token is not empty, the shared-token pilot device, and injects
// faults. Options (SetAdminToken, SetRateLimit, SetHeartbeat) are set before
// serving.
func NewServer(store Backend, token string, faults Faults, log *slog.Logger) (*Server, error) {
	if err := faults.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{store: store, token: token, faults: faults, dice: newDice(faults.Seed), log: log,
		now: time.Now, maxBody: MaxBody, maxAttachment: MaxAttachment, inFlight: map[string]bool{},
		heartbeatEvery: DefaultHeartbeatEvery, offlineAfter: DefaultOfflineAfter,
		limiter: newRateLimiter(DefaultRate, DefaultBurst)}, nil
}

// Defaults of the server options.
const (
	DefaultHeartbeatEvery = time.Minute      // at most one heartbeat a minute per device
	DefaultOfflineAfter   = 15 * time.Minute // no heartbeat for this long: offline
	DefaultRate           = 20.0             // requests per second per device
	DefaultBurst          = 100
)

// SetAdminToken sets the bearer token of the operator routes (/v1/admin/*,
// /fleet, /metrics, status updates of any dossier).
func (s *Server) SetAdminToken(tok string) { s.adminToken = tok }

// SetRateLimit bounds each device's requests per second (rate <= 0: no
// limit) with a burst.
func (s *Server) SetRateLimit(rate float64, burst int) { s.limiter = newRateLimiter(rate, burst) }

// SetHeartbeat sets the shortest interval between a device's heartbeats and
// the silence after which the fleet view shows it offline.
func (s *Server) SetHeartbeat(every, offlineAfter time.Duration) {
	if every > 0 {
		s.heartbeatEvery = every
	}
	if offlineAfter > 0 {
		s.offlineAfter = offlineAfter
	}
}

// SetFaults replaces the injected faults (e.g. to heal the receiver).
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Handler returns the routes of the intake API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /v1/dossiers", s.auth(s.faulty(s.submit)))
	mux.HandleFunc("GET /v1/dossiers/{key}", s.auth(s.faulty(s.status)))
	mux.HandleFunc("PUT /v1/dossiers/{key}/status", s.auth(s.setStatus))
	mux.HandleFunc("PUT /v1/dossiers/{key}/attachments/{name}", s.auth(s.faulty(s.putAttachment)))
	mux.HandleFunc("POST /v1/heartbeat", s.auth(s.heartbeat))
	mux.HandleFunc("GET /v1/admin/dossiers", s.admin(s.adminDossiers))
	mux.HandleFunc("GET /v1/admin/devices", s.admin(s.adminDevices))
	mux.HandleFunc("POST /v1/admin/devices", s.admin(s.adminAddDevice))
	mux.HandleFunc("POST /v1/admin/devices/{id}/revoke", s.admin(s.adminRevokeDevice))
	mux.HandleFunc("GET /v1/admin/report", s.admin(s.adminReport))
	mux.HandleFunc("GET /fleet", s.admin(s.fleet))
	mux.HandleFunc("GET /metrics", s.admin(s.metrics))
	return mux
}

// dossierJSON is the answer to submit and status requests.
type dossierJSON struct {
	IdempotencyKey string `json:"idempotency_key"`
	DossierCode    string `json:"dossier_code"`
	Status         int    `json:"status"`
	Service        string `json:"service"`
	Submissions    int    `json:"submissions"`
	Replayed       bool   `json:"replayed,omitempty"`
	// ProvincialCode is the provincial system's mã hồ sơ once the hub
	// forwarded the dossier (1.1).
	ProvincialCode string `json:"provincial_dossier_code,omitempty"`
	// Attachments and Complete (1.2): the listed attachments, which have
	// arrived, and whether all have.
	Attachments []AttachmentState `json:"attachments,omitempty"`
	Complete    bool              `json:"complete"`
}

func toJSON(d Dossier, replayed bool) dossierJSON {
	return dossierJSON{IdempotencyKey: d.IdempotencyKey, DossierCode: d.DossierCode, Status: d.Status,
		Service: d.Service, Submissions: d.Submissions, Replayed: replayed, ProvincialCode: d.ProvincialCode,
		Attachments: d.Attachments, Complete: d.Complete()}
}

// faulty injects the configured faults that strike before processing.
func (s *Server) faulty(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := s.currentFaults()
		switch {
		case s.dice.hit(f.Drop):
			s.log.Info("fault: drop", "path", r.URL.Path)
			hangUp(w, false)
			return
		case s.dice.hit(f.Reset):
			s.log.Info("fault: reset", "path", r.URL.Path)
			hangUp(w, true)
			return
		case s.dice.hit(f.FiveXX):
			s.log.Info("fault: 503", "path", r.URL.Path)
			writeError(w, http.StatusServiceUnavailable, "injected fault")
			return
		}
		next(w, r)
	}
}

// hangUp closes the client connection without an answer; with reset the
// close sends a TCP RST.
func hangUp(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if reset {
		nc := conn
		if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
			nc = tc.NetConn()
		}
		if tcp, ok := nc.(*net.TCPConn); ok {
			tcp.SetLinger(0)
			tcp.Close()
			return
		}
	}
	conn.Close()
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	if r.Context().Value(adminKey) == true {
		// Dossiers come from devices: one the operator submitted would be
		// bound to no device and counted for no commune.
		writeError(w, http.StatusForbidden, "dossiers are submitted by devices, not with the operator token")
		return
	}
	device := deviceOf(r)
	key := r.Header.Get("Idempotency-Key")
	if !validKey(key) {
		writeError(w, http.StatusBadRequest, "Idempotency-Key header must be a UUID")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		return // connection broke while reading: no answer possible
	}
	var req struct {
		Service     string           `json:"service"`
		Payload     json.RawMessage  `json:"payload"`
		Attachments []AttachmentSpec `json:"attachments,omitempty"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body is not a submit request JSON object")
		return
	}
	if !validService(req.Service) {
		writeError(w, http.StatusUnprocessableEntity, "service must be a national procedure code (mã TTHC)")
		return
	}
	if p := bytes.TrimSpace(req.Payload); len(p) == 0 || p[0] != '{' {
		writeError(w, http.StatusUnprocessableEntity, "payload must be a JSON object")
		return
	}
	ab, keepsAttachments := s.store.(AttachmentBackend)
	if len(req.Attachments) > 0 {
		if err := checkSpecs(req.Attachments, s.maxAttachment); err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		if !keepsAttachments {
			// Not a refusal of the dossier: the agent keeps it and retries.
			writeError(w, http.StatusNotImplemented, "this hub's store does not keep attachments yet")
			return
		}
	}

	release, ok := s.claimInFlight(w, key, "a request with this Idempotency-Key is still being processed")
	if !ok {
		return
	}
	defer release()

	f := s.currentFaults()
	if f.Delay > 0 {
		// A slow receiver keeps processing even when the client gives up.
		time.Sleep(f.Delay)
	}
	var (
		d       Dossier
		created bool
	)
	if len(req.Attachments) > 0 {
		d, created, err = ab.SubmitWithAttachments(r.Context(), device, key, req.Service, req.Payload, req.Attachments, s.now())
	} else {
		d, created, err = s.store.SubmitFrom(r.Context(), device, key, req.Service, req.Payload, s.now())
	}
	if errors.Is(err, ErrOtherDevice) {
		// Not 422: that would make the genuine kiosk's dossier final
		// "rejected" when another device took its key first. 409 keeps it
		// pending at the agent (never lost) while the operator looks.
		s.log.Error("idempotency key of another device", "device", device, "key", key)
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusConflict, "Idempotency-Key is bound to another device; the operator has been alerted")
		return
	}
	if errors.Is(err, ErrKeyReuse) {
		writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different body")
		return
	}
	if err != nil {
		s.log.Error("store submit", "err", err)
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	s.log.Info("submit", "device", device, "key", key, "dossier_code", d.DossierCode, "created", created, "submissions", d.Submissions)
	if s.dice.hit(f.SilentAccept) {
		s.log.Info("fault: silent accept", "key", key)
		hangUp(w, false)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	writeJSON(w, code, toJSON(d, !created))
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	d, err := s.store.Lookup(r.Context(), r.PathValue("key"))
	if errors.Is(err, ErrNotFound) || err == nil && !mayAccess(r, d) {
		// Another device's dossier is answered as unknown: a device learns
		// nothing about keys it does not own.
		writeError(w, http.StatusNotFound, "no dossier with this Idempotency-Key")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "store failure")
		return
	}
	writeJSON(w, http.StatusOK, toJSON(d, false))
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status int `json:"status"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be {\"status\": N}")
		return
	}
	key := r.PathValue("key")
	d, err := s.store.Lookup(r.Context(), key)
	if err == nil && !mayAccess(r, d) {
		err = ErrNotFound
	}
	if err == nil {
		d, err = s.store.UpdateStatus(r.Context(), key, req.Status)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "no dossier with this Idempotency-Key")
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		writeJSON(w, http.StatusOK, toJSON(d, false))
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func validKey(k string) bool {
	if len(k) != 36 {
		return false
	}
	for i, c := range k {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func validService(code string) bool {
	if len(code) == 0 || len(code) > 32 {
		return false
	}
	for _, c := range code {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// claimInFlight marks name as being processed, or answers 409 with
// Retry-After when it already is (a retry that overtook a slow request).
// The caller defers release.
func (s *Server) claimInFlight(w http.ResponseWriter, name, busy string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight[name] {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusConflict, busy)
		return nil, false
	}
	s.inFlight[name] = true
	return func() {
		s.mu.Lock()
		delete(s.inFlight, name)
		s.mu.Unlock()
	}, true
}
