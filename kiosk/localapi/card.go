package localapi

import (
	"context"
	"sync"
	"time"

	"motcua/kiosk/engine"
	"motcua/reader/cccd"
)

// Card states (GET /v1/status): the engine's slot states, and no_reader.
const (
	StateEmpty      = string(engine.SlotEmpty)      // no card
	StateWaitingKey = string(engine.SlotWaitingKey) // card in, no key yet
	StateReading    = string(engine.SlotReading)
	StateRead       = string(engine.SlotRead)
	StateFailed     = string(engine.SlotFailed) // read failed; a new key retries while the card stays
)

// Status is the reader and card state.
type Status struct {
	// Reader is the reader's name ("" when none is attached).
	Reader string `json:"reader"`
	// ReaderState is none (no reader attached), ready or gone.
	ReaderState string `json:"reader_state"`
	CardPresent bool   `json:"card_present"`
	// CardSession names the card in the reader (send it back as
	// card_session with include_card).
	CardSession string    `json:"card_session,omitempty"`
	State       string    `json:"state"`
	Since       time.Time `json:"since"`
	Reason      string    `json:"reason,omitempty"`
	Error       string    `json:"error,omitempty"`
	KeyWaiting  bool      `json:"key_waiting"`
	// NeedsKey: a card is in and waits for its key (scan the QR or type
	// the ID).
	NeedsKey    bool `json:"needs_key"`
	Subscribers int  `json:"subscribers"`
}

// Status returns the current state, as the engine has it.
func (s *Server) Status() Status {
	waiting := s.eng.Keys().Waiting()
	v := s.eng.View()
	rs := readerState(v)
	st := cardState(v.Card.State, rs)
	return Status{Reader: v.Reader, ReaderState: rs, CardPresent: v.CardPresent, CardSession: v.Card.Session,
		State: st, Since: v.Card.Since, Reason: v.Card.Reason, Error: v.Card.Error, KeyWaiting: waiting,
		NeedsKey: needsKey(st, waiting), Subscribers: s.hub.count()}
}

// readerState is the engine's reader as the API names it.
func readerState(v engine.View) string {
	switch {
	case v.Reader == "":
		return ReaderNone
	case v.ReaderGone:
		return ReaderGone
	case v.ReaderReady:
		return ReaderReady
	}
	return ReaderNone // attached, not answered yet
}

// cardState is the slot's state, or no_reader when there is no card and
// no working reader.
func cardState(slot engine.SlotState, reader string) string {
	if slot == engine.SlotEmpty && reader != ReaderReady {
		return StateNoReader
	}
	return string(slot)
}

// needsKey: the card waits for a key, or its last key was wrong and no new
// one is waiting.
func needsKey(state string, keyWaiting bool) bool {
	return !keyWaiting && (state == StateWaitingKey || state == StateFailed)
}

// hold keeps the card holder's values in the log scrubber while the card
// is read and in the reader.
type hold struct {
	mu      sync.Mutex
	release func()
}

func (h *hold) set(release func()) {
	h.mu.Lock()
	old := h.release
	h.release = release
	h.mu.Unlock()
	if old != nil {
		old()
	}
}

// Run follows the engine until ctx is done: its card and reader events
// become the API's events (reader.ready, reader.gone, card.inserted,
// card.reading, card.read, card.error, card.removed, qr.scanned, and
// help.requested when the person at the kiosk calls an officer), rendered
// for each socket under its application's grants. It also follows the
// pairing store, closing the event sockets of applications unpaired while
// connected. The host starts and stops the engine.
//
// When ctx ends, the event sockets are closed (1001, "agent stopping"):
// http.Server.Shutdown does not close hijacked connections, and clients
// must learn at once that they should reconnect.
func (s *Server) Run(ctx context.Context) error {
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); s.followPairings(ctx) }()
	defer func() { <-watchDone }()
	defer s.hub.closeAll(closeStopping)
	stop := s.eng.Subscribe(s.onEngineEvent)
	defer s.hold.set(nil)
	defer stop()
	<-ctx.Done()
	return nil
}

// onEngineEvent keeps the metrics, the logs and the scrubber in step with
// the engine, and publishes what callers may see. The engine's stream is
// ordered, and this runs on one goroutine: the API's events keep that order.
func (s *Server) onEngineEvent(ev engine.Event) {
	name := s.eng.View().Reader
	switch ev.Kind {
	case engine.ReaderReady:
		s.publish(Event{Type: "reader.ready"}, name)
	case engine.ReaderGone:
		s.log.Warn("reader went away; watching again", "reader_name", name)
		s.publish(Event{Type: "reader.gone", Error: "the card reader went away; waiting for it to come back"}, name)
	case engine.QRAccepted:
		s.publish(Event{Type: "qr.scanned", QR: ev.QR}, name)
	case engine.CardInserted:
		s.metrics.CardPresent(true)
		s.publish(Event{Type: "card.inserted", NeedsKey: ev.NeedsKey, CardSession: ev.Session}, name)
	case engine.CardReading:
		s.publish(Event{Type: "card.reading", CardSession: ev.Session}, name)
	case engine.CardRead:
		res := ev.Read // a snapshot: the visit owns and wipes the original
		s.metrics.ObserveRead(res, nil)
		s.hold.set(s.scrub.Hold(res.FullName, res.PlaceOfResidence, res.PlaceOfOrigin,
			res.FatherName, res.MotherName, res.SpouseName, res.IdentifyingMarks))
		s.log.Info("card read", "id", cccd.MaskID(res.IDNumber), "access", res.Access,
			"passive", verdict(res), "total_ms", res.Stats.Total)
		s.publish(Event{Type: "card.read", res: res, CardSession: ev.Session}, name)
	case engine.CardFailed:
		s.metrics.ObserveRead(nil, ev.Err)
		s.log.Warn("card read failed", "reason", ev.Reason, "err", ev.Err)
		s.publish(Event{Type: "card.error", Reason: ev.Reason, Error: ev.Err.Error(), NeedsKey: ev.NeedsKey,
			CardSession: ev.Session}, name)
	case engine.CardRemoved:
		s.hold.set(nil)
		s.publish(Event{Type: "card.removed"}, name)
		s.metrics.CardPresent(false)
	case engine.VisitWiped:
		s.hold.set(nil)
	case engine.CheckedIn, engine.TicketIssued:
		if ev.CheckIn != nil { // the record is final (clinic.go)
			s.publish(checkInEvent(ev), name)
		}
	case engine.HelpCalled: // issue 19: the desk of the office shows it
		s.publish(Event{Type: "help.requested", Help: &HelpRequest{Kiosk: s.eng.Device(), Step: ev.Step.String(),
			VisitStep: ev.N, VisitSteps: engine.VisitSteps, CallID: helpID(ev)}}, name)
	case engine.HelpReceived: // another kiosk of the office, over the office link
		h := ev.Help
		s.publish(Event{Type: "help.requested", Help: &HelpRequest{Kiosk: h.Kiosk, Step: h.Step, VisitStep: h.Visit,
			VisitSteps: engine.VisitSteps, CallID: h.ID, Office: h.Office, Remote: true}}, name)
	case engine.HelpAnswered, engine.HelpCleared: // a desk is coming (or the call expired: no desk)
		if h := ev.Help; h != nil && h.Desk != "" {
			s.publish(Event{Type: "help.answered", Help: &HelpRequest{Kiosk: h.Kiosk, Step: h.Step, VisitStep: h.Visit,
				VisitSteps: engine.VisitSteps, CallID: h.ID, Office: h.Office, Remote: h.Remote, Desk: h.Desk}}, name)
		}
	}
}

// helpID is the call's id of a help event ("" when it has none).
func helpID(ev engine.Event) string {
	if ev.Help == nil {
		return ""
	}
	return ev.Help.ID
}

func verdict(r *cccd.ReadResult) string {
	if r.Verification == nil {
		return cccd.PassiveNotChecked
	}
	return r.Verification.Passive
}

// withCard calls fn with the read card (nil if none) and the card state,
// under the engine's lock (fn copies what it keeps).
func (s *Server) withCard(fn func(res *cccd.ReadResult, st string)) {
	rs := readerState(s.eng.View())
	s.eng.WithCard(func(slot engine.CardSlot, res *cccd.ReadResult) { fn(res, cardState(slot.State, rs)) })
}

// ReadLoopHealthy is a health check: the engine's card loop is alive (it
// beats while waiting for a reader too) and no read has been stuck for
// longer than a minute.
func (s *Server) ReadLoopHealthy(ctx context.Context) error { return s.eng.LoopHealthy(ctx) }
