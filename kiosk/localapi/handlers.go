package localapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"motcua/internal/config"
	"motcua/internal/logx"
	"motcua/internal/metrics"
	"motcua/reader/cccd"
)

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
	case StateNoReader:
		apiError(w, http.StatusNotFound, StateNoReader, "no card reader is attached (or it went away)")
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

// maxBody bounds a request body; a larger one is answered 413.
const maxBody = 1 << 20

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		apiError(w, http.StatusUnsupportedMediaType, "bad_content_type", "send application/json")
		return false
	}
	if r.ContentLength > maxBody {
		apiError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the request body is over %d bytes", maxBody))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			apiError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the request body is over %d bytes", maxBody))
			return false
		}
		apiError(w, http.StatusBadRequest, "bad_json", "request body: "+logx.MaskDigits(err.Error()))
		return false
	}
	if dec.More() {
		apiError(w, http.StatusBadRequest, "bad_json", "request body: one JSON object expected")
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
	// The engine puts the keys in and announces qr.scanned in one step:
	// the read they start comes after it in the event stream.
	p, err := s.eng.ScanQR(body.Payload)
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "bad_qr", logx.MaskDigits(err.Error()))
		return
	}
	// Masked here, before any logger: the redactor is a second line only.
	s.log.Info("QR scanned", "app_name", app.Name, "id", cccd.MaskID(p.IDNumber), "unreliable", p.Unreliable)
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
	var err error
	switch digits := strings.TrimSpace(body.IDNumber + body.CAN); {
	case (body.IDNumber == "") == (body.CAN == ""):
		err = errors.New("give exactly one of id_number or can")
	case body.IDNumber != "" && len(digits) != 12:
		err = errors.New("id_number must be the 12 digits of the ID number")
	case body.CAN != "" && len(digits) != 6:
		err = errors.New("can must be the 6 digits of the card access number")
	default:
		err = s.eng.TypedDigits(digits)
	}
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "bad_key", logx.MaskDigits(err.Error()))
		return
	}
	s.log.Info("key typed", "app_name", app.Name)
	writeJSON(w, http.StatusAccepted, struct {
		Accepted bool `json:"accepted"`
	}{true})
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
	defer s.hub.unsubscribe(sub)
	if b, err := json.Marshal(s.hello(app)); err == nil {
		ws.WriteText(b)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		ws.readLoop()
	}()
	for {
		select {
		case <-sub.done:
			ws.Close(closeCode(sub.closeReason()), sub.closeReason())
			return
		case b := <-sub.ch:
			if sub.killed.Load() { // unpaired meanwhile: not even a queued event
				ws.Close(closeCode(sub.closeReason()), sub.closeReason())
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

// hello is the first event on a socket: the reader and card state (is a
// card in, is it waiting for its key, which card session), and the card
// if one is read, so a client connecting mid-visit does not wait for the
// next insertion.
func (s *Server) hello(app *App) Event {
	st := s.Status()
	e := Event{Type: "hello", At: time.Now().UTC(), Reader: st.Reader, Status: &st,
		NeedsKey: st.NeedsKey, CardSession: st.CardSession}
	s.withCard(func(res *cccd.ReadResult, state string) {
		if res != nil {
			snap := *res // rendered after the lock is released
			e.res = &snap
		}
	})
	return e.render(app)
}

// HealthReport is /healthz: the registered checks plus the reader. With no
// working reader it is not OK (503), although the process is: the
// systemd watchdog consults the checks only, so a kiosk waiting for its
// reader is not restarted in a loop.
type HealthReport struct {
	metrics.Report
	ReaderState string `json:"reader_state"`
}

func (s *Server) getHealth(w http.ResponseWriter, r *http.Request, _ *App) {
	rep := metrics.Report{OK: true, Checks: map[string]string{}}
	if s.cfg.Health != nil {
		rep = s.cfg.Health.Check(r.Context())
	}
	st := s.Status()
	switch st.ReaderState {
	case ReaderReady:
		rep.Checks["reader"] = "ok"
	case ReaderNone:
		rep.OK, rep.Checks["reader"] = false, "no reader: no card reader attached yet"
	default:
		rep.OK, rep.Checks["reader"] = false, "no reader: the card reader went away"
	}
	code := http.StatusOK
	if !rep.OK {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, HealthReport{Report: rep, ReaderState: st.ReaderState})
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request, _ *App) {
	s.metrics.Registry.Handler().ServeHTTP(w, r)
}

func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request, _ *App) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}
