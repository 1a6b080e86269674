package localapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"motcua/kiosk/cardloop"
	"motcua/reader/cccd"
)

// Card states (GET /v1/status).
const (
	StateEmpty      = "empty"       // no card
	StateWaitingKey = "waiting_key" // card in, no key yet
	StateReading    = "reading"
	StateRead       = "read"
	StateFailed     = "failed" // read failed; a new key retries while the card stays
)

// slot is the card currently in the reader and what was read from it.
type slot struct {
	mu      sync.Mutex
	reader  string // ReaderNone, ReaderReady or ReaderGone
	present bool
	// session names this card's stay in the reader (new at each
	// insertion); a dossier with include_card must name it, so it can only
	// take the card its caller saw.
	session string
	state   string
	res     *cccd.ReadResult
	reason  string
	errText string
	since   time.Time // when the current state began
	release func()    // drops the holder's values from the log scrubber
}

func (s *slot) set(state string) {
	s.state, s.since = state, time.Now()
}

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

// Status returns the current state.
func (s *Server) Status() Status {
	waiting := s.keys.Waiting()
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	name := ""
	if s.term != nil {
		name = s.term.Name()
	}
	return Status{Reader: name, ReaderState: s.card.reader, CardPresent: s.card.present, CardSession: s.card.session,
		State: s.card.state, Since: s.card.since, Reason: s.card.reason, Error: s.card.errText, KeyWaiting: waiting,
		NeedsKey: needsKey(s.card.state, waiting), Subscribers: s.hub.count()}
}

// needsKey: the card waits for a key, or its last key was wrong and no new
// one is waiting.
func needsKey(state string, keyWaiting bool) bool {
	return !keyWaiting && (state == StateWaitingKey || state == StateFailed)
}

// newSession returns a fresh card session name (random, not derived from
// the card).
func newSession() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Run watches the reader until ctx is done: on insertion it publishes
// card.inserted, waits for a key, reads the chip and publishes card.read
// (or card.error); on removal it wipes the data and publishes card.removed.
// If the reader goes away it is watched again after a pause.
//
// Started without a reader, it serves state "no_reader" and waits for
// Attach. It also follows the pairing store, closing the event sockets of
// applications unpaired while connected.
//
// When ctx ends, the event sockets are closed (1001, "agent stopping"):
// http.Server.Shutdown does not close hijacked connections, and clients
// must learn at once that they should reconnect.
func (s *Server) Run(ctx context.Context) error {
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); s.followPairings(ctx) }()
	defer func() { <-watchDone }()
	defer s.hub.closeAll(closeStopping)
	t := s.waitTerminal(ctx)
	if t == nil {
		return nil
	}
	loop := &cardloop.Loop{Terminal: trackedTerminal{Terminal: t, s: s}, Keys: s.keys, Options: s.cfg.ReadOptions,
		OnEvent: s.onCardEvent, Beat: s.beat.Beat}
	return loop.Run(ctx)
}

// onCardEvent keeps the slot, the metrics and the logs in step with the
// card loop, and publishes what callers may see.
func (s *Server) onCardEvent(e cardloop.Event) {
	switch e.Type {
	case cardloop.Inserted:
		s.card.mu.Lock()
		s.card.present = true
		s.card.session = newSession()
		s.card.res, s.card.reason, s.card.errText = nil, "", ""
		s.card.set(StateWaitingKey)
		sess := s.card.session
		s.card.mu.Unlock()
		s.metrics.CardPresent(true)
		s.publish(Event{Type: "card.inserted", NeedsKey: e.NeedsKey, CardSession: sess})
	case cardloop.Reading:
		s.card.mu.Lock()
		s.card.set(StateReading)
		sess := s.card.session
		s.card.mu.Unlock()
		s.publish(Event{Type: "card.reading", CardSession: sess})
	case cardloop.Read:
		res := e.Result
		s.metrics.ObserveRead(res, nil)
		s.card.mu.Lock()
		s.card.res = res
		s.card.release = s.scrub.Hold(res.FullName, res.PlaceOfResidence, res.PlaceOfOrigin,
			res.FatherName, res.MotherName, res.SpouseName, res.IdentifyingMarks)
		s.card.set(StateRead)
		sess := s.card.session
		s.card.mu.Unlock()
		s.log.Info("card read", "id", cccd.MaskID(res.IDNumber), "access", res.Access,
			"passive", verdict(res), "total_ms", res.Stats.Total)
		// Events render a shallow copy: removal wipes res in place
		// (Wipe zeroes the struct), and rendering runs outside the lock.
		snap := *res
		s.publish(Event{Type: "card.read", res: &snap, CardSession: sess})
	case cardloop.Failed:
		s.metrics.ObserveRead(nil, e.Err)
		s.card.mu.Lock()
		s.card.reason, s.card.errText = e.Reason, e.Err.Error()
		s.card.set(StateFailed)
		sess := s.card.session
		s.card.mu.Unlock()
		s.log.Warn("card read failed", "reason", e.Reason, "err", e.Err)
		s.publish(Event{Type: "card.error", Reason: e.Reason, Error: e.Err.Error(), NeedsKey: e.NeedsKey, CardSession: sess})
	case cardloop.Removed:
		s.wipe()
		s.publish(Event{Type: "card.removed"})
		s.metrics.CardPresent(false)
	case cardloop.ReaderGone:
		s.log.Warn("reader went away; watching again", "reader_name", s.readerName())
		s.setReaderState(ReaderGone)
	}
}

// wipe forgets the card: the photo bytes are zeroed, the identity dropped.
func (s *Server) wipe() {
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	if s.card.res != nil {
		s.card.res.Wipe()
		s.card.res = nil
	}
	if s.card.release != nil {
		s.card.release()
		s.card.release = nil
	}
	s.card.present = false
	s.card.session = ""
	s.card.reason, s.card.errText = "", ""
	if s.card.reader == ReaderReady {
		s.card.set(StateEmpty)
	} else {
		s.card.set(StateNoReader)
	}
}

func verdict(r *cccd.ReadResult) string {
	if r.Verification == nil {
		return cccd.PassiveNotChecked
	}
	return r.Verification.Passive
}

// withCard calls fn with the read card (nil if none) under the slot lock.
func (s *Server) withCard(fn func(res *cccd.ReadResult, st string)) {
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	fn(s.card.res, s.card.state)
}

// ReadLoopHealthy is a health check: the card loop is alive and no read
// has been stuck for longer than a minute.
func (s *Server) ReadLoopHealthy(ctx context.Context) error {
	if err := s.beat.Check(ctx); err != nil {
		return err
	}
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	if s.card.state == StateReading && time.Since(s.card.since) > time.Minute {
		return fmt.Errorf("a chip read has been running for %s", time.Since(s.card.since).Round(time.Second))
	}
	return nil
}
