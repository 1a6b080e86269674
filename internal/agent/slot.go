package agent

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"motcua/reader"
	"motcua/reader/pcsc"
)

// NoReader is what ReaderSlot.Name says while no reader is attached.
const NoReader = "no reader"

// slotPoll is how often a slot with no reader looks for one. PC/SC reports
// reader hot-plug, but a stopped PC/SC service reports nothing: a poll also
// notices the service coming back.
const slotPoll = time.Second

// ReaderSlot is the configured PC/SC reader, whichever is attached. With a
// configuration the agent never falls back to the simulated reader: while no
// reader is attached (or the PC/SC service is down) the slot reports no card,
// Name says "no reader", and it waits for one (hot-plug). A reader unplugged
// later is waited for again.
type ReaderSlot struct {
	want string // configured reader name; "" for the first suitable one
	log  *slog.Logger

	mu       sync.Mutex
	pc       *pcsc.Context
	cur      *pcsc.Terminal
	warned   bool
	lastErr  string
	attached chan struct{} // closed and replaced when a reader is attached
}

// NewReaderSlot returns the slot for the reader named want ("" for any).
func NewReaderSlot(want string, log *slog.Logger) *ReaderSlot {
	return &ReaderSlot{want: want, log: log, attached: make(chan struct{})}
}

var _ reader.Terminal = (*ReaderSlot)(nil)

// Name is the attached reader's name, or NoReader.
func (s *ReaderSlot) Name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return NoReader
	}
	return s.cur.Name()
}

// Attached reports whether a reader is attached now.
func (s *ReaderSlot) Attached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil
}

// Connect opens the card in the attached reader.
func (s *ReaderSlot) Connect() (reader.Conn, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil, pcsc.ErrNoReader
	}
	return cur.Connect()
}

// Watch reports card presence, "no card" while no reader is attached, and
// keeps going across reader unplug and re-plug until ctx is done.
func (s *ReaderSlot) Watch(ctx context.Context) <-chan bool {
	out := make(chan bool, 1)
	go func() {
		defer close(out)
		last, known := false, false
		send := func(p bool) bool {
			if known && p == last {
				return true
			}
			select {
			case out <- p:
				last, known = p, true
				return true
			case <-ctx.Done():
				return false
			}
		}
		for ctx.Err() == nil {
			t := s.current()
			if t == nil {
				if !send(false) {
					return
				}
				if t = s.wait(ctx); t == nil {
					return
				}
			}
			for p := range t.Watch(ctx) {
				if !send(p) {
					return
				}
			}
			if ctx.Err() != nil {
				return
			}
			s.detach(t) // the reader or the PC/SC service went away
			if !send(false) {
				return
			}
			// A reader that is listed but cannot be watched must not
			// become a busy loop: look again after a pause.
			select {
			case <-ctx.Done():
				return
			case <-time.After(slotPoll):
			}
		}
	}()
	return out
}

// Close releases the PC/SC context.
func (s *ReaderSlot) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pc != nil {
		s.pc.Close()
		s.pc, s.cur = nil, nil
	}
}

func (s *ReaderSlot) current() *pcsc.Terminal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		s.findLocked()
	}
	return s.cur
}

// wait polls until a reader is attached or ctx is done (nil then).
func (s *ReaderSlot) wait(ctx context.Context) *pcsc.Terminal {
	tick := time.NewTicker(slotPoll)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.attached
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-ch: // another watcher found it
		}
		if t := s.current(); t != nil {
			return t
		}
	}
}

func (s *ReaderSlot) detach(t *pcsc.Terminal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == t {
		s.log.Warn("card reader went away: waiting for it to come back", "reader_name", t.Name())
		s.cur = nil
		// A stopped PC/SC service invalidates the context: start afresh.
		if s.pc != nil {
			s.pc.Close()
			s.pc = nil
		}
	}
}

// findLocked looks for the reader to use once.
func (s *ReaderSlot) findLocked() {
	if s.pc == nil {
		pc, err := pcsc.Open()
		if err != nil {
			s.noReader(err.Error())
			return
		}
		s.pc = pc
	}
	names, err := s.pc.Readers()
	if err != nil {
		s.pc.Close()
		s.pc = nil
		s.noReader(err.Error())
		return
	}
	name := s.pick(names)
	if name == "" {
		if s.want != "" {
			s.noReader("reader " + s.want + " is not attached (attached: " + strings.Join(names, ", ") + ")")
		} else {
			s.noReader("no card reader is attached")
		}
		return
	}
	s.cur = s.pc.Terminal(name)
	s.warned, s.lastErr = false, ""
	close(s.attached)
	s.attached = make(chan struct{})
	s.log.Info("card reader attached", "reader_name", name)
}

// pick chooses among the attached readers: the configured one; else a real
// reader; a vpcd virtual reader only when it holds a card (pcscd with vpcd
// always lists its virtual slots).
func (s *ReaderSlot) pick(names []string) string {
	if s.want != "" {
		if slices.Contains(names, s.want) {
			return s.want
		}
		return ""
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "Virtual PCD") {
			return n
		}
	}
	for _, n := range names {
		if present(context.Background(), s.pc.Terminal(n)) {
			return n
		}
	}
	return ""
}

// noReader logs the state once per distinct reason, not once per poll.
func (s *ReaderSlot) noReader(reason string) {
	if s.warned && reason == s.lastErr {
		return
	}
	s.warned, s.lastErr = true, reason
	s.log.Warn("no reader: waiting for a card reader to be attached", "reason", reason)
}
