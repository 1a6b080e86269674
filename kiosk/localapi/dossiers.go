package localapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"motcua/internal/logx"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/engine"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

// DossierRequest is the body of POST /v1/dossiers.
type DossierRequest struct {
	// Service is the national procedure code (mã TTHC) of a service in
	// the agent's catalogue, e.g. "1.003781" (GET /v1/services/{code}
	// lists its fields).
	Service string `json:"service"`
	// Form holds the typed values: "FIELD" for a dossier-level field,
	// "ROLE.FIELD" for a party's field (the first person of the role).
	Form map[string]string `json:"form"`
	// IncludeCard fills the card party from the card read in the reader,
	// filtered by the caller's grants.
	IncludeCard bool `json:"include_card"`
	// CardSession is the card_session of the events the caller saw; with
	// include_card it must name the card in the reader now.
	CardSession string `json:"card_session,omitempty"`
	// Role is the party the card fills (default: the service's first
	// party taken from a card).
	Role string `json:"role,omitempty"`
	// ConsentAccepted says the citizen accepted the service's consent
	// text (consent_vi), which the dossier records with the time.
	ConsentAccepted bool `json:"consent_accepted"`
}

// hash identifies the request for Idempotency-Key: encoding/json writes
// map keys sorted, so two encodings of the same request hash the same.
func (r *DossierRequest) hash() string {
	b, _ := json.Marshal(r)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// DossierCreated is the answer to POST /v1/dossiers.
type DossierCreated struct {
	UUID    string `json:"uuid"`
	Service string `json:"service"`
	Schema  string `json:"schema"`
	State   string `json:"state"`
}

// requestError is a refusal with its HTTP status and code.
type requestError struct {
	status int
	code   string
	msg    string
	// problems lists the form's validation problems (form_invalid).
	problems []formProblem
}

func (e *requestError) Error() string { return e.msg }

type formProblem struct {
	Field string `json:"field"`
	VI    string `json:"vi"`
	EN    string `json:"en"`
}

func refuse(status int, code, format string, a ...any) *requestError {
	return &requestError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

func writeRequestError(w http.ResponseWriter, e *requestError) {
	if len(e.problems) > 0 {
		writeJSON(w, e.status, struct {
			apiErr
			Problems []formProblem `json:"problems"`
		}{apiErr{Code: e.code, Error: e.msg}, e.problems})
		return
	}
	apiError(w, e.status, e.code, e.msg)
}

func (s *Server) postDossier(w http.ResponseWriter, r *http.Request, app *App) {
	var req DossierRequest
	if !decodeBody(w, r, &req) {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		replay, err := s.idem.Begin(app.Name, key, req.hash())
		if err != nil {
			s.idempotencyRefused(w, err)
			return
		}
		if replay != nil {
			s.log.Info("dossier request replayed", "app_name", app.Name)
			w.Header().Set("Idempotent-Replayed", "true")
			writeRawJSON(w, replay.Status, replay.Response)
			return
		}
	}
	created, rerr := s.createDossier(r, &req, app)
	if rerr != nil {
		if key != "" {
			if err := s.idem.Abort(app.Name, key); err != nil {
				s.log.Error("idempotency store", "err", err)
			}
		}
		writeRequestError(w, rerr)
		return
	}
	if key != "" {
		if err := s.idem.Finish(app.Name, key, http.StatusCreated, created); err != nil {
			// The dossier is stored; only the replay is lost. Say so.
			s.log.Error("dossier stored but its Idempotency-Key could not be recorded", "err", err, "uuid", created.UUID)
		}
	}
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) idempotencyRefused(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBadIdempotencyKey):
		apiError(w, http.StatusBadRequest, "bad_idempotency_key", err.Error())
	case errors.Is(err, ErrIdempotencyMismatch):
		apiError(w, http.StatusConflict, "idempotency_key_reused", err.Error())
	case errors.Is(err, ErrIdempotencyInFlight):
		apiError(w, http.StatusConflict, "idempotency_in_progress", err.Error())
	case errors.Is(err, ErrIdempotencyInterrupted):
		apiError(w, http.StatusConflict, "idempotency_interrupted", err.Error())
	default:
		s.log.Error("idempotency store", "err", err)
		apiError(w, http.StatusServiceUnavailable, "idempotency_unavailable", "the idempotency store could not be written")
	}
}

// createDossier checks the request, builds the versioned dossier through
// kiosk/dossier and stores it in the outbox.
func (s *Server) createDossier(r *http.Request, req *DossierRequest, app *App) (*DossierCreated, *requestError) {
	svc, ok := s.catalog.Service(req.Service)
	if !ok {
		return nil, refuse(http.StatusUnprocessableEntity, "unknown_service",
			"service %q is not in this agent's catalogue (GET /v1/services/{code}; mã TTHC like 1.003781)", printable(logx.MaskDigits(req.Service), 40))
	}
	if !req.ConsentAccepted {
		return nil, refuse(http.StatusUnprocessableEntity, "consent_required",
			"the citizen must accept the service's consent text (consent_vi) first: send consent_accepted: true")
	}
	now := time.Now().UTC()
	persons := map[string][]prefill.Person{}
	if req.IncludeCard {
		role, rerr := cardRole(svc, req.Role)
		if rerr != nil {
			return nil, rerr
		}
		p, rerr := s.boundCard(req.CardSession, app)
		if rerr != nil {
			return nil, rerr
		}
		persons[role] = []prefill.Person{p}
	} else if req.Role != "" {
		return nil, refuse(http.StatusUnprocessableEntity, "bad_role", "role is only used with include_card")
	}
	d, rerr := buildDossier(svc, persons, req.Form, s, now)
	if rerr != nil {
		return nil, rerr
	}
	id, err := s.eng.QueueDossier(r.Context(), d)
	switch {
	case err == nil:
		s.log.Info("dossier queued", "app_name", app.Name, "service", svc.Code, "uuid", id)
		return &DossierCreated{UUID: id, Service: svc.Code, Schema: dossier.SchemaV1, State: string(outbox.Pending)}, nil
	case errors.Is(err, outbox.ErrInvalidInput):
		return nil, refuse(http.StatusUnprocessableEntity, "bad_dossier", "%s", logx.MaskDigits(err.Error()))
	case errors.Is(err, outbox.ErrLocked), errors.Is(err, outbox.ErrReadOnly), errors.Is(err, outbox.ErrDiskFull):
		s.log.Error("outbox refused a dossier", "err", err)
		return nil, refuse(http.StatusServiceUnavailable, "outbox_unavailable", "%s", logx.MaskDigits(err.Error()))
	default:
		s.log.Error("outbox failed", "err", err)
		return nil, refuse(http.StatusInternalServerError, "outbox_error", "%s", logx.MaskDigits(err.Error()))
	}
}

// cardRole is the party the card fills: the one asked for, or the
// service's first party taken from a card.
func cardRole(svc *catalog.Service, asked string) (string, *requestError) {
	if asked != "" {
		p, ok := svc.Party(asked)
		if !ok || !p.FromCard {
			return "", refuse(http.StatusUnprocessableEntity, "bad_role", "service %s has no card party %q", svc.Code, printable(asked, 40))
		}
		return asked, nil
	}
	for _, p := range svc.Parties {
		if p.FromCard {
			return p.Role, nil
		}
	}
	return "", refuse(http.StatusUnprocessableEntity, "bad_role", "service %s takes no party from a card", svc.Code)
}

// boundCard returns the read card as a dossier party, only if it is the
// card the caller saw (its card session): a card swapped between the
// caller's event and its POST is refused, never taken instead.
func (s *Server) boundCard(session string, app *App) (prefill.Person, *requestError) {
	if session == "" {
		return prefill.Person{}, refuse(http.StatusUnprocessableEntity, "card_session_required",
			"include_card needs card_session: the card_session of the card.read event this dossier is for")
	}
	var p prefill.Person
	var rerr *requestError
	rs := readerState(s.eng.View())
	s.eng.WithCard(func(slot engine.CardSlot, res *cccd.ReadResult) {
		switch st := cardState(slot.State, rs); {
		case slot.Session != session:
			rerr = refuse(http.StatusConflict, "card_changed",
				"the card in the reader is not the one this page saw (its card session ended); read the citizen's card again")
		case res == nil:
			rerr = refuse(http.StatusConflict, st, "the card is not read yet (%s)", st)
		default:
			v := viewFor(res, app)
			p = prefill.FromRead(&v.ReadResult)
		}
	})
	return p, rerr
}

// buildDossier prefills the service's form from the persons, types the
// caller's values in, checks the form and makes the versioned dossier.
func buildDossier(svc *catalog.Service, persons map[string][]prefill.Person, form map[string]string, s *Server, now time.Time) (*dossier.Dossier, *requestError) {
	f, err := prefill.New(svc, persons, s.eng.Addresses(), now)
	if err != nil {
		return nil, refuse(http.StatusUnprocessableEntity, "bad_parties", "%v", err)
	}
	defer f.Wipe()
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		party, field := "", k
		if i := strings.IndexByte(k, '.'); i >= 0 {
			party, field = k[:i], k[i+1:]
		}
		switch err := f.Set(party, field, 0, form[k]); {
		case errors.Is(err, prefill.ErrLocked):
			return nil, refuse(http.StatusUnprocessableEntity, "locked_field", "form field %q comes from the card and cannot be typed", printable(k, 60))
		case err != nil:
			return nil, refuse(http.StatusUnprocessableEntity, "unknown_field", "service %s has no form field %q (GET /v1/services/%s)",
				svc.Code, printable(logx.MaskDigits(k), 60), svc.Code)
		}
	}
	if probs := f.Validate(); len(probs) > 0 {
		e := refuse(http.StatusUnprocessableEntity, "form_invalid", "the form is not complete: %s", probs[0].EN)
		for _, p := range probs {
			name := p.Field
			if p.Party != "" {
				name = p.Party + "." + p.Field
			}
			e.problems = append(e.problems, formProblem{Field: name, VI: p.VI, EN: p.EN})
		}
		return nil, e
	}
	consent := dossier.Consent{Text: svc.ConsentVI, AcceptedAt: now}
	d, err := dossier.FromForm(f, consent, s.eng.Device(), now)
	if err != nil {
		return nil, refuse(http.StatusUnprocessableEntity, "form_invalid", "%s", logx.MaskDigits(err.Error()))
	}
	return d, nil
}

// ServiceView is a catalogue service as an integrator needs it to fill
// POST /v1/dossiers.
type ServiceView struct {
	Code      string      `json:"code"`
	NameVI    string      `json:"name_vi"`
	NameEN    string      `json:"name_en"`
	ConsentVI string      `json:"consent_vi"`
	Parties   []PartyView `json:"parties"`
	Fields    []FieldView `json:"fields"`
}

// PartyView is one party of a service.
type PartyView struct {
	Role     string `json:"role"`
	LabelVI  string `json:"label_vi"`
	FromCard bool   `json:"from_card"`
	Min      int    `json:"min"`
	Max      int    `json:"max"`
}

// FieldView is one field; Key is its name in DossierRequest.Form.
type FieldView struct {
	Key      string   `json:"key"`
	LabelVI  string   `json:"label_vi"`
	LabelEN  string   `json:"label_en"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	FromCard bool     `json:"from_card"`
	Options  []string `json:"options,omitempty"`
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request, _ *App) {
	svc, ok := s.catalog.Service(r.PathValue("code"))
	if !ok {
		apiError(w, http.StatusNotFound, "unknown_service", "no such service in this agent's catalogue")
		return
	}
	v := ServiceView{Code: svc.Code, NameVI: svc.NameVI, NameEN: svc.NameEN, ConsentVI: svc.ConsentVI}
	for _, p := range svc.Parties {
		v.Parties = append(v.Parties, PartyView{Role: p.Role, LabelVI: p.LabelVI, FromCard: p.FromCard, Min: p.Min, Max: p.Max})
	}
	for _, f := range svc.Fields {
		k := f.ID
		if f.Party != "" {
			k = f.Party + "." + f.ID
		}
		v.Fields = append(v.Fields, FieldView{Key: k, LabelVI: f.LabelVI, LabelEN: f.LabelEN, Type: f.Type, Required: f.Required,
			FromCard: strings.HasPrefix(f.Source, "card:"), Options: f.Options})
	}
	writeJSON(w, http.StatusOK, v)
}
