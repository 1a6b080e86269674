package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"motcua/kiosk/cardloop"
	"motcua/reader"
	"motcua/reader/cccd"
)

// SlotState is what the card on the reader is doing, whatever the visit
// does with it (the local API reports it as the card state).
type SlotState string

// Slot states.
const (
	SlotEmpty      SlotState = "empty"       // no card
	SlotWaitingKey SlotState = "waiting_key" // a card is in, no key yet
	SlotReading    SlotState = "reading"     // the chip is being read
	SlotRead       SlotState = "read"        // the chip was read
	SlotFailed     SlotState = "failed"      // the read failed (a new key retries while the card stays)
)

// CardSlot is the card on the reader, as View reports it.
type CardSlot struct {
	// Session names this card's stay on the reader (new at each insertion,
	// random, not derived from the card): a caller can bind what it does
	// to the card it saw.
	Session string
	State   SlotState
	Since   time.Time // when State began
	Reason  string    // cardloop.Reason* of a failed read
	Error   string    // the failure in words
	// Read says the card's chip read is held (WithCard gives it).
	Read bool
}

// cardSlot is the engine's record of the card on the reader.
type cardSlot struct {
	session string
	state   SlotState
	since   time.Time
	reason  string
	errText string
	// read is this card's chip read as filed in the visit (the session
	// owns it; nil once the visit is wiped or the card leaves).
	read *cccd.ReadResult
}

func (s *cardSlot) set(st SlotState) { s.state, s.since = st, time.Now() }

func (s *cardSlot) view() CardSlot {
	return CardSlot{Session: s.session, State: s.state, Since: s.since, Reason: s.reason, Error: s.errText, Read: s.read != nil}
}

// newCardSession is a fresh card session name.
func newCardSession() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WithCard calls fn with the card slot and the chip read of the card on
// the reader (nil if none is held), under the engine's lock: fn must copy
// what it keeps and not call the engine. A front end serving the card
// (the local API) renders it here, so a removal cannot wipe it midway.
func (e *Engine) WithCard(fn func(slot CardSlot, read *cccd.ReadResult)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(e.slot.view(), e.slot.read)
}

// ErrReaderAttached is returned by Attach when the engine has its reader.
var ErrReaderAttached = errors.New("engine: a reader is already attached")

// Attach gives an engine started without a reader its reader (it
// appeared after start-up); the card loop starts watching it at once.
func (e *Engine) Attach(t reader.Terminal) error {
	if t == nil {
		return errors.New("engine: nil reader")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.term != nil {
		return ErrReaderAttached
	}
	e.term = t
	close(e.attached)
	e.log.Info("card reader attached", "reader_name", t.Name())
	return nil
}

// readerName is the attached reader's name, or ""; called with e.mu held.
func (e *Engine) readerName() string {
	if e.term == nil {
		return ""
	}
	return e.term.Name()
}

// runLoop waits for a reader (beating: waiting for hardware is not a
// hang), then runs the card loop on it until ctx ends.
func (e *Engine) runLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		e.beat()
		select {
		case <-ctx.Done():
			return
		case <-e.attached:
		case <-tick.C:
			continue
		}
		break
	}
	e.mu.Lock()
	t := e.term
	e.mu.Unlock()
	loop := &cardloop.Loop{Terminal: watchedTerminal{Terminal: t, e: e}, Keys: e.keys, Options: e.cfg.ReadOptions,
		OnEvent: e.onCard, Beat: e.beat}
	loop.Run(ctx)
}

// beat records that the card loop is alive.
func (e *Engine) beat() {
	e.lastBeat.Store(time.Now().UnixNano())
	if e.cfg.Beat != nil {
		e.cfg.Beat()
	}
}

// LoopHealthy is a health check: the card loop beat within the last 5
// seconds (it beats while waiting for a reader too) and no chip read has
// run for over a minute.
func (e *Engine) LoopHealthy(context.Context) error {
	last := e.lastBeat.Load()
	if last == 0 {
		return errors.New("the card loop has not started")
	}
	if d := time.Since(time.Unix(0, last)); d > 5*time.Second {
		return fmt.Errorf("the card loop has not beaten for %s", d.Round(time.Second))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.slot.state == SlotReading && time.Since(e.slot.since) > time.Minute {
		return fmt.Errorf("a chip read has been running for %s", time.Since(e.slot.since).Round(time.Second))
	}
	return nil
}

// readerAnswered marks the reader ready at the first presence report of
// a watch, and says so once.
func (e *Engine) readerAnswered() {
	e.mu.Lock()
	if e.readyTerm {
		e.mu.Unlock()
		return
	}
	e.readyTerm, e.readerGone = true, false
	e.unlockEmit(Event{Kind: ReaderReady, Step: e.step})
}

// watchedTerminal tells the engine when the reader answers: the first
// presence report of a watch means it works.
type watchedTerminal struct {
	reader.Terminal
	e *Engine
}

// Watch passes the reader's presence reports on, marking the reader ready
// at the first one.
func (t watchedTerminal) Watch(ctx context.Context) <-chan bool {
	in := t.Terminal.Watch(ctx)
	out := make(chan bool)
	go func() {
		defer close(out)
		first := true
		for {
			var v, ok bool
			select {
			case v, ok = <-in:
			case <-ctx.Done(): // some terminals never close their channel
				return
			}
			if !ok {
				return
			}
			if first {
				t.e.readerAnswered()
				first = false
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
