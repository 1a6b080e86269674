package localapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"motcua/internal/metrics"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
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
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var cardCancel context.CancelFunc
	var cardDone chan struct{}
	removed := func() {
		if cardCancel != nil {
			cardCancel()
			<-cardDone
			cardCancel, cardDone = nil, nil
		}
		s.wipe()
	}
	defer removed()
	for ctx.Err() == nil {
		wctx, stopWatch := context.WithCancel(ctx)
		ch := s.cfg.Terminal.Watch(wctx)
		s.beat.Beat()
	watch:
		for {
			select {
			case <-ctx.Done():
				break watch
			case <-tick.C:
				s.beat.Beat()
			case present, ok := <-ch:
				s.beat.Beat()
				if !ok {
					s.log.Warn("reader went away; watching again", "reader_name", s.cfg.Terminal.Name())
					break watch
				}
				s.card.mu.Lock()
				was := s.card.present
				s.card.mu.Unlock()
				switch {
				case present && !was:
					s.inserted()
					cctx, cancel := context.WithCancel(ctx)
					cardCancel, cardDone = cancel, make(chan struct{})
					go func(done chan struct{}) {
						defer close(done)
						s.readCard(cctx)
					}(cardDone)
				case !present && was:
					removed()
					s.publish(Event{Type: "card.removed"})
					s.metrics.CardPresent(false)
				}
			}
		}
		stopWatch()
		removed()
		if ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

func (s *Server) inserted() {
	s.card.mu.Lock()
	s.card.present = true
	s.card.res, s.card.reason, s.card.errText = nil, "", ""
	s.card.set(StateWaitingKey)
	s.card.mu.Unlock()
	s.metrics.CardPresent(true)
	s.publish(Event{Type: "card.inserted", NeedsKey: !s.keys.Waiting()})
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
	if s.card.present {
		s.keys.Clear()
	}
	s.card.present = false
	s.card.reason, s.card.errText = "", ""
	s.card.set(StateEmpty)
}

// readCard waits for keys and reads, retrying with new keys after a wrong
// key, until the card is read, removed or ctx ends.
func (s *Server) readCard(ctx context.Context) {
	for ctx.Err() == nil {
		keys, q, err := s.keys.Wait(ctx)
		if err != nil {
			return
		}
		s.card.mu.Lock()
		s.card.set(StateReading)
		s.card.mu.Unlock()
		s.publish(Event{Type: "card.reading"})
		res, err := s.readOnce(keys, q)
		s.metrics.ObserveRead(res, err)
		if ctx.Err() != nil {
			if res != nil {
				res.Wipe()
			}
			return
		}
		if err == nil {
			s.keys.Clear()
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
			return
		}
		reason := metrics.ReadFailureReason(err)
		s.card.mu.Lock()
		s.card.reason, s.card.errText = reason, err.Error()
		s.card.set(StateFailed)
		s.card.mu.Unlock()
		s.log.Warn("card read failed", "reason", reason, "err", err)
		retry := reason == metrics.ReasonWrongKey || reason == metrics.ReasonNoKey
		s.publish(Event{Type: "card.error", Reason: reason, Error: err.Error(), NeedsKey: retry})
		if !retry {
			return // wait for the card to be removed
		}
		s.keys.Clear()
	}
}

func verdict(r *cccd.ReadResult) string {
	if r.Verification == nil {
		return cccd.PassiveNotChecked
	}
	return r.Verification.Passive
}

// readOnce connects and reads with keys, cross-checking the QR they came from.
func (s *Server) readOnce(keys []reader.Key, q *qr.Payload) (*cccd.ReadResult, error) {
	conn, err := s.cfg.Terminal.Connect()
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	opts := s.cfg.ReadOptions
	opts.Keys = keys
	res, err := reader.Read(conn, opts)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("reader returned no result")
	}
	if q != nil {
		for _, m := range qr.CrossCheck(q, res.Identity) {
			res.Warnings = append(res.Warnings, "QR vs chip: "+m.Message)
		}
	}
	return res, nil
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
