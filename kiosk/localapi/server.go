package localapi

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"motcua/internal/config"
	"motcua/internal/logx"
	"motcua/internal/metrics"
	"motcua/kiosk/cardloop"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/sync/outbox"
)

// OpenAPI is the API's OpenAPI 3 document (served at /openapi.yaml).
//
//go:embed openapi.yaml
var OpenAPI []byte

// Protocol is the WebSocket subprotocol the events socket speaks.
const Protocol = "motcua.v1"

// Outbox takes dossiers; *outbox.Store satisfies it.
type Outbox interface {
	Add(ctx context.Context, service string, payload []byte) (string, error)
}

// Config configures a Server.
type Config struct {
	// Terminal is the card reader (required).
	Terminal reader.Terminal
	// Keys is the key source the card loop waits on (default: a new
	// KeyBox). QR scans and typed IDs posted to the API go into it; the
	// operator's admin screen can put keys in directly.
	Keys *cardloop.KeyBox
	// ReadOptions is the template for each read (Keys is filled in).
	ReadOptions reader.Options
	// Pairings holds the paired applications (required).
	Pairings *Pairings
	// Origins are the browser origins allowed (CORS and WebSocket).
	Origins []string
	// Outbox receives dossiers (nil: POST /v1/dossiers answers 503).
	Outbox Outbox
	// Device identifies this agent in dossiers.
	Device string
	// Metrics and Health are served at /metrics and /healthz (optional).
	Metrics *metrics.Agent
	Health  *metrics.Health
	// Logger gets redacted logs (default: discard). Scrubber is where the
	// card holder's values are held while the card is in (optional).
	Logger   *slog.Logger
	Scrubber *logx.Scrubber
}

// Server is the local integration API.
type Server struct {
	cfg     Config
	keys    *cardloop.KeyBox
	origins origins
	hub     *hub
	card    slot
	beat    *metrics.Heartbeat
	metrics *metrics.Agent
	scrub   *logx.Scrubber
	log     *slog.Logger
	mux     *http.ServeMux
}

// New checks cfg and returns a server; call Run for the card loop and
// serve Handler on a listener from Listen.
func New(cfg Config) (*Server, error) {
	if cfg.Terminal == nil {
		return nil, errors.New("local API: no reader terminal")
	}
	if cfg.Pairings == nil {
		return nil, errors.New("local API: no pairing store")
	}
	o, err := newOrigins(cfg.Origins)
	if err != nil {
		return nil, fmt.Errorf("local API: %w", err)
	}
	s := &Server{cfg: cfg, keys: cfg.Keys, origins: o, hub: newHub(), metrics: cfg.Metrics,
		scrub: cfg.Scrubber, log: cfg.Logger, beat: metrics.NewHeartbeat("card loop", 5*time.Second)}
	if s.keys == nil {
		s.keys = cardloop.NewKeyBox()
	}
	if s.metrics == nil {
		s.metrics = metrics.NewAgent()
	}
	if s.scrub == nil {
		s.scrub = logx.NewScrubber()
	}
	if s.log == nil {
		s.log = slog.New(logx.NewRedactor(slog.DiscardHandler, s.scrub))
	}
	s.card.set(StateEmpty)
	s.routes()
	return s, nil
}

// Keys is the server's key source.
func (s *Server) Keys() *cardloop.KeyBox { return s.keys }

// publish stamps and fans out an event.
func (s *Server) publish(e Event) {
	e.At = time.Now().UTC()
	e.Reader = s.cfg.Terminal.Name()
	s.hub.publish(e)
}

type route struct {
	pattern string
	auth    bool
	h       func(w http.ResponseWriter, r *http.Request, app *App)
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, rt := range []route{
		{"GET /v1/status", true, s.getStatus},
		{"GET /v1/card", true, s.getCard},
		{"GET /v1/card/verification", true, s.getVerification},
		{"GET /v1/card/photo", true, s.getPhoto},
		{"POST /v1/qr", true, s.postQR},
		{"POST /v1/key", true, s.postKey},
		{"POST /v1/dossiers", true, s.postDossier},
		{"GET /v1/events", true, s.getEvents},
		{"GET /v1/whoami", true, s.getWhoami},
		{"GET /healthz", false, s.getHealth},
		{"GET /metrics", false, s.getMetrics},
		{"GET /openapi.yaml", false, s.getOpenAPI},
	} {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !s.guard(w, r) {
			return
		}
		apiError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
}

// Handler is the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) {
	if w.code == 0 {
		w.code = c
	}
	w.ResponseWriter.WriteHeader(c)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the events handler take the connection over.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	w.code = http.StatusSwitchingProtocols
	return hj.Hijack()
}

// guard refuses requests that do not come from this machine: a non-loopback
// peer, a Host that is not a loopback name (DNS rebinding), or an Origin
// that is not configured. It sets CORS headers for configured origins.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if !peerLoopback(r.RemoteAddr) {
		apiError(w, http.StatusForbidden, "not_loopback", "the local API serves this machine only")
		return false
	}
	if !loopbackHost(r.Host) {
		apiError(w, http.StatusForbidden, "bad_host", "Host must be localhost, 127.0.0.1 or [::1]")
		return false
	}
	origin, ok := s.origins.allowed(r)
	if !ok {
		apiError(w, http.StatusForbidden, "origin_not_allowed", "this web origin is not configured (api.origins)")
		return false
	}
	if origin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Max-Age", "600")
		if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
			h.Set("Access-Control-Allow-Private-Network", "true")
		}
	}
	return true
}

// token is the bearer token from the Authorization header or, for browser
// WebSockets (which cannot set headers), the "bearer.TOKEN" subprotocol.
func token(r *http.Request) string {
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); strings.HasPrefix(p, "bearer.") {
				return p[len("bearer."):]
			}
		}
	}
	return ""
}

func (s *Server) wrap(rt route) http.Handler {
	name := rt.pattern[strings.IndexByte(rt.pattern, ' ')+1:]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() { s.metrics.APIRequest(name, sw.code) }()
		if !s.guard(sw, r) {
			return
		}
		var app *App
		if rt.auth {
			var ok bool
			if app, ok = s.cfg.Pairings.Lookup(token(r)); !ok {
				sw.Header().Set("WWW-Authenticate", `Bearer realm="motcua"`)
				apiError(sw, http.StatusUnauthorized, "unpaired", "pair this application first: motcua serve pair --name APP")
				return
			}
		}
		rt.h(sw, r, app)
	})
}

// preflight answers CORS preflight requests for any path (no token: the
// browser sends none on a preflight).
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	if !s.guard(w, r) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ServeHTTP serves the API (preflights included).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		s.preflight(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

type apiErr struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiErr{Code: code, Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request, app *App) {
	writeJSON(w, http.StatusOK, s.Status())
}

func (s *Server) getWhoami(w http.ResponseWriter, r *http.Request, app *App) {
	writeJSON(w, http.StatusOK, struct {
		Name   string   `json:"name"`
		Grants []string `json:"grants"`
	}{app.Name, app.Grants})
}

// noCard answers when there is no read card, saying why.
func noCard(w http.ResponseWriter, state string) {
	switch state {
	case StateReading, StateWaitingKey:
		apiError(w, http.StatusConflict, state, "the card is not read yet ("+state+")")
	case StateFailed:
		apiError(w, http.StatusConflict, state, "the last read failed; see /v1/status")
	default:
		apiError(w, http.StatusNotFound, "no_card", "no card has been read")
	}
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request, app *App) {
	var v *CardView
	var st string
	s.withCard(func(res *cccd.ReadResult, state string) { v, st = viewFor(res, app), state })
	if v == nil {
		noCard(w, st)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request, app *App) {
	var ver *cccd.Verification
	var st string
	var ok bool
	s.withCard(func(res *cccd.ReadResult, state string) {
		st = state
		if res != nil {
			ok = true
			ver = &cccd.Verification{Passive: cccd.PassiveNotChecked, ChipAuth: cccd.ChipAuthNotChecked}
			if res.Verification != nil {
				v := *res.Verification
				ver = &v
			}
		}
	})
	if !ok {
		noCard(w, st)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		*cccd.Verification
		Verified bool `json:"verified"`
	}{ver, ver.Verified()})
}

func (s *Server) getPhoto(w http.ResponseWriter, r *http.Request, app *App) {
	if !app.Granted(config.GrantPhoto) {
		apiError(w, http.StatusForbidden, "not_granted", "this application is not granted the photo (motcua serve pair --grant photo)")
		return
	}
	var photo []byte
	var mime, st string
	var read bool
	s.withCard(func(res *cccd.ReadResult, state string) {
		st = state
		if res != nil {
			read = true
			photo, mime = append([]byte(nil), res.Photo...), res.PhotoMIME
		}
	})
	if !read {
		noCard(w, st)
		return
	}
	if len(photo) == 0 {
		apiError(w, http.StatusNotFound, "no_photo", "the face image was not read")
		return
	}
	defer clear(photo)
	if mime == "" {
		mime = "application/octet-stream"
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(photo)
}

const maxBody = 1 << 20

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		apiError(w, http.StatusUnsupportedMediaType, "bad_content_type", "send application/json")
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "bad_json", "request body: "+logx.MaskDigits(err.Error()))
		return false
	}
	return true
}

func (s *Server) postQR(w http.ResponseWriter, r *http.Request, app *App) {
	var body struct {
		Payload string `json:"payload"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	p, err := qr.Parse(body.Payload)
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "bad_qr", logx.MaskDigits(err.Error()))
		return
	}
	keys, err := reader.KeysFromCitizen(p.IDNumber, p.BirthDate(), p.IssueDate())
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "bad_qr", logx.MaskDigits(err.Error()))
		return
	}
	s.keys.Put(keys, p)
	s.log.Info("QR scanned", "app_name", app.Name, "id", p.IDNumber)
	s.publish(Event{Type: "qr.scanned", QR: p})
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) postKey(w http.ResponseWriter, r *http.Request, app *App) {
	var body struct {
		IDNumber string `json:"id_number"`
		CAN      string `json:"can"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	var k reader.Key
	var err error
	switch {
	case body.IDNumber != "" && body.CAN == "":
		k, err = reader.KeyFromID(body.IDNumber)
	case body.CAN != "" && body.IDNumber == "":
		k, err = reader.KeyFromCAN(body.CAN)
	default:
		err = errors.New("give exactly one of id_number or can")
	}
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "bad_key", logx.MaskDigits(err.Error()))
		return
	}
	s.keys.Put([]reader.Key{k}, nil)
	s.log.Info("key typed", "app_name", app.Name)
	writeJSON(w, http.StatusAccepted, struct {
		Accepted bool `json:"accepted"`
	}{true})
}

// DossierRequest is the body of POST /v1/dossiers.
type DossierRequest struct {
	// Service is the national procedure code (mã TTHC), e.g. "1.004222".
	Service string `json:"service"`
	// Form is the application's form data (any JSON object).
	Form json.RawMessage `json:"form"`
	// IncludeCard adds the read card's identity (filtered by the caller's
	// grants) and its verification as the applicant.
	IncludeCard bool `json:"include_card"`
}

// dossier is what goes into the outbox.
type dossier struct {
	Service      string             `json:"service"`
	Form         json.RawMessage    `json:"form"`
	Applicant    *cccd.Identity     `json:"applicant,omitempty"`
	Verification *cccd.Verification `json:"verification,omitempty"`
	CardReadAt   *time.Time         `json:"card_read_at,omitempty"`
	Source       struct {
		Channel string    `json:"channel"`
		App     string    `json:"app"`
		Device  string    `json:"device,omitempty"`
		At      time.Time `json:"at"`
	} `json:"source"`
}

func (s *Server) postDossier(w http.ResponseWriter, r *http.Request, app *App) {
	var req DossierRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if !outbox.ValidService(req.Service) {
		apiError(w, http.StatusUnprocessableEntity, "bad_service", "service must be a national procedure code (mã TTHC), e.g. 1.004222")
		return
	}
	if len(req.Form) == 0 || req.Form[0] != '{' {
		apiError(w, http.StatusUnprocessableEntity, "bad_form", "form must be a JSON object")
		return
	}
	if s.cfg.Outbox == nil {
		apiError(w, http.StatusServiceUnavailable, "no_outbox", "this agent has no outbox configured")
		return
	}
	d := dossier{Service: req.Service, Form: req.Form}
	d.Source.Channel, d.Source.App, d.Source.Device, d.Source.At = "localapi", app.Name, s.cfg.Device, time.Now().UTC()
	if req.IncludeCard {
		var st string
		s.withCard(func(res *cccd.ReadResult, state string) {
			st = state
			if v := viewFor(res, app); v != nil {
				id := v.Identity
				d.Applicant, d.Verification = &id, v.Verification
				at := v.ReadAt
				d.CardReadAt = &at
			}
		})
		if d.Applicant == nil {
			noCard(w, st)
			return
		}
	}
	payload, err := json.Marshal(d)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	id, err := s.cfg.Outbox.Add(r.Context(), req.Service, payload)
	clear(payload)
	switch {
	case err == nil:
		s.log.Info("dossier queued", "app_name", app.Name, "service", req.Service, "uuid", id)
		writeJSON(w, http.StatusCreated, struct {
			UUID    string `json:"uuid"`
			Service string `json:"service"`
			State   string `json:"state"`
		}{id, req.Service, string(outbox.Pending)})
	case errors.Is(err, outbox.ErrInvalidInput):
		apiError(w, http.StatusUnprocessableEntity, "bad_dossier", logx.MaskDigits(err.Error()))
	case errors.Is(err, outbox.ErrLocked), errors.Is(err, outbox.ErrReadOnly), errors.Is(err, outbox.ErrDiskFull):
		s.log.Error("outbox refused a dossier", "err", err)
		apiError(w, http.StatusServiceUnavailable, "outbox_unavailable", logx.MaskDigits(err.Error()))
	default:
		s.log.Error("outbox failed", "err", err)
		apiError(w, http.StatusInternalServerError, "outbox_error", logx.MaskDigits(err.Error()))
	}
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request, app *App) {
	proto := ""
	if headerHas(r.Header, "Sec-WebSocket-Protocol", Protocol) {
		proto = Protocol
	}
	sub := s.hub.subscribe(app)
	ws, err := upgrade(w, r, proto)
	if err != nil {
		s.hub.unsubscribe(sub)
		apiError(w, http.StatusBadRequest, "not_websocket", err.Error())
		return
	}
	// The current state first, so a client that connects with a card
	// already read does not wait for the next insertion.
	hello := Event{Type: "hello", At: time.Now().UTC(), Reader: s.cfg.Terminal.Name()}
	s.withCard(func(res *cccd.ReadResult, state string) {
		if res != nil {
			snap := *res // rendered after the lock is released
			hello.res = &snap
		}
	})
	if b, err := json.Marshal(hello.render(app)); err == nil {
		ws.WriteText(b)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		ws.readLoop()
	}()
	defer s.hub.unsubscribe(sub)
	for {
		select {
		case b, ok := <-sub.ch:
			if !ok {
				ws.Close(1008, "too slow")
				return
			}
			if err := ws.WriteText(b); err != nil {
				ws.c.Close()
				return
			}
		case <-readDone:
			return
		}
	}
}

func (s *Server) getHealth(w http.ResponseWriter, r *http.Request, _ *App) {
	if s.cfg.Health == nil {
		writeJSON(w, http.StatusOK, metrics.Report{OK: true, Checks: map[string]string{}})
		return
	}
	s.cfg.Health.Handler().ServeHTTP(w, r)
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request, _ *App) {
	s.metrics.Registry.Handler().ServeHTTP(w, r)
}

func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request, _ *App) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}
