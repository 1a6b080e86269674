package localapi

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"motcua/internal/logx"
	"motcua/internal/metrics"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
)

// OpenAPI is the API's OpenAPI 3 document (served at /openapi.yaml).
//
//go:embed openapi.yaml
var OpenAPI []byte

// Protocol is the WebSocket subprotocol the events socket speaks.
const Protocol = "motcua.v1"

// Config configures a Server.
type Config struct {
	// Engine conducts the reader slot (required): the API shows its card
	// and its events, sends it QR scans and typed keys, and queues
	// dossiers through it, built from its catalogue. An engine without a
	// reader yet makes the API serve "no reader" until Attach. Run the
	// engine headless (engine.Config.Headless) when no screen follows
	// the visit, so the card's data leaves with the card; the host starts
	// and stops it.
	Engine *engine.Engine
	// Pairings holds the paired applications (required).
	Pairings *Pairings
	// Origins are the browser origins allowed (CORS and WebSocket).
	Origins []string
	// Idempotency remembers POST /v1/dossiers answers by Idempotency-Key
	// (default: OpenIdempotency in the pairing store's directory).
	Idempotency *Idempotency
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
	eng     *engine.Engine
	origins origins
	hub     *hub
	hold    hold
	catalog *catalog.Catalog
	idem    *Idempotency
	refused *refusalLog
	metrics *metrics.Agent
	scrub   *logx.Scrubber
	log     *slog.Logger
	mux     *http.ServeMux
}

// New checks cfg and returns a server; call Run to follow the engine and
// serve Handler on a listener from Listen.
func New(cfg Config) (*Server, error) {
	if cfg.Pairings == nil {
		return nil, errors.New("local API: no pairing store")
	}
	if cfg.Engine == nil {
		return nil, errors.New("local API: no engine")
	}
	o, err := newOrigins(cfg.Origins)
	if err != nil {
		return nil, fmt.Errorf("local API: %w", err)
	}
	s := &Server{cfg: cfg, eng: cfg.Engine, origins: o, hub: newHub(cfg.Pairings.byHash), metrics: cfg.Metrics,
		scrub: cfg.Scrubber, log: cfg.Logger, catalog: cfg.Engine.Catalog(), idem: cfg.Idempotency}
	if s.idem == nil {
		if s.idem, err = OpenIdempotency(cfg.Pairings.Dir()); err != nil {
			return nil, fmt.Errorf("local API: %w", err)
		}
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
	s.refused = newRefusalLog(s.log)
	s.routes()
	return s, nil
}

// Keys is the engine's key source (the operator's screen may put keys in).
func (s *Server) Keys() *cardloop.KeyBox { return s.eng.Keys() }

// publish stamps and fans out an event.
func (s *Server) publish(e Event, reader string) {
	e.At = time.Now().UTC()
	e.Reader = reader
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
		{"GET /v1/services/{code}", true, s.getService},
		{"GET /v1/help", true, s.getHelp},                // issue 19, office link (help.go)
		{"POST /v1/help/answer", true, s.postHelpAnswer}, // issue 19, office link (help.go)
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
//
// Refusals are logged (rate-limited, with the origin or host but no
// personal data): an integrator whose page is refused finds why in the log.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if !peerLoopback(r.RemoteAddr) {
		s.refused.record("not_loopback", r, "peer", r.RemoteAddr)
		apiError(w, http.StatusForbidden, "not_loopback", "the local API serves this machine only")
		return false
	}
	if !loopbackHost(r.Host) {
		s.refused.record("bad_host", r, "host", r.Host)
		apiError(w, http.StatusForbidden, "bad_host", "Host must be localhost, 127.0.0.1 or [::1]")
		return false
	}
	origin, ok := s.origins.allowed(r)
	if !ok {
		s.refused.record("origin_not_allowed", r, "origin", r.Header.Get("Origin"))
		apiError(w, http.StatusForbidden, "origin_not_allowed", "this web origin is not configured (api.origins)")
		return false
	}
	if origin != "" {
		setCORS(w.Header(), origin, r)
	}
	return true
}

// setCORS answers a configured origin. Chromium's Private Network Access /
// Local Network Access preflight (a public or intranet page calling
// loopback) asks with Access-Control-Request-Private-Network; only a
// configured origin is told yes (the guard refused every other before).
func setCORS(h http.Header, origin string, r *http.Request) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Max-Age", "600")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
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

// writeRawJSON writes an already encoded JSON answer (a replay).
func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// followPairings applies pairing changes to open event sockets: at once for
// a change made through this store, within a second for one made by
// another process (`motcua serve unpair` edits the file).
func (s *Server) followPairings(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	failing := false // log a broken store once, not every second
	for {
		changed := s.cfg.Pairings.Changed()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
			err := s.cfg.Pairings.Refresh()
			if err != nil && !failing {
				s.log.Error("pairing store unreadable; closing event sockets until it is fixed", "err", err)
			} else if err == nil && failing {
				s.log.Info("pairing store readable again")
			}
			failing = err != nil
		}
		s.hub.revalidate()
	}
}
