package localapi

import (
	"context"
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
	present bool
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
	Reader      string    `json:"reader"`
	CardPresent bool      `json:"card_present"`
	State       string    `json:"state"`
	Since       time.Time `json:"since"`
	Reason      string    `json:"reason,omitempty"`
	Error       string    `json:"error,omitempty"`
	KeyWaiting  bool      `json:"key_waiting"`
	Subscribers int       `json:"subscribers"`
}

// Status returns the current state.
func (s *Server) Status() Status {
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	return Status{Reader: s.cfg.Terminal.Name(), CardPresent: s.card.present, State: s.card.state,
		Since: s.card.since, Reason: s.card.reason, Error: s.card.errText, KeyWaiting: s.keys.Waiting(),
		Subscribers: s.hub.count()}
}

// Run watches the reader until ctx is done: on insertion it publishes
// card.inserted, waits for a key, reads the chip and publishes card.read
// (or card.error); on removal it wipes the data and publishes card.removed.
// If the reader goes away it is watched again after a pause.
func (s *Server) Run(ctx context.Context) error {
	loop := &cardloop.Loop{Terminal: s.cfg.Terminal, Keys: s.keys, Options: s.cfg.ReadOptions,
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
		s.card.res, s.card.reason, s.card.errText = nil, "", ""
		s.card.set(StateWaitingKey)
		s.card.mu.Unlock()
		s.metrics.CardPresent(true)
		s.publish(Event{Type: "card.inserted", NeedsKey: e.NeedsKey})
	case cardloop.Reading:
		s.card.mu.Lock()
		s.card.set(StateReading)
		s.card.mu.Unlock()
		s.publish(Event{Type: "card.reading"})
	case cardloop.Read:
		res := e.Result
		s.metrics.ObserveRead(res, nil)
		s.card.mu.Lock()
		s.card.res = res
		s.card.release = s.scrub.Hold(res.FullName, res.PlaceOfResidence, res.PlaceOfOrigin,
			res.FatherName, res.MotherName, res.SpouseName, res.IdentifyingMarks)
		s.card.set(StateRead)
		s.card.mu.Unlock()
		s.log.Info("card read", "id", cccd.MaskID(res.IDNumber), "access", res.Access,
			"passive", verdict(res), "total_ms", res.Stats.Total)
		// Events render a shallow copy: removal wipes res in place
		// (Wipe zeroes the struct), and rendering runs outside the lock.
		snap := *res
		s.publish(Event{Type: "card.read", res: &snap})
	case cardloop.Failed:
		s.metrics.ObserveRead(nil, e.Err)
		s.card.mu.Lock()
		s.card.reason, s.card.errText = e.Reason, e.Err.Error()
		s.card.set(StateFailed)
		s.card.mu.Unlock()
		s.log.Warn("card read failed", "reason", e.Reason, "err", e.Err)
		s.publish(Event{Type: "card.error", Reason: e.Reason, Error: e.Err.Error(), NeedsKey: e.NeedsKey})
	case cardloop.Removed:
		s.wipe()
		s.publish(Event{Type: "card.removed"})
		s.metrics.CardPresent(false)
	case cardloop.ReaderGone:
		s.log.Warn("reader went away; watching again", "reader_name", s.cfg.Terminal.Name())
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
	s.card.reason, s.card.errText = "", ""
	s.card.set(StateEmpty)
}

func verdict(r *cccd.ReadResult) string {
	if r.Verification == nil {
		return cccd.PassiveNotChecked
	}
	return r.Verification.Passive
}

// currentCard returns the read card (nil if none) under the slot lock.
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
