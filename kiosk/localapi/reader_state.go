package localapi

import (
	"context"
	"errors"
	"time"

	"motcua/reader"
)

// Reader states (GET /v1/status reader_state, /healthz, reader.* events).
const (
	// ReaderNone: no reader attached yet; the API serves and says so.
	ReaderNone = "none"
	// ReaderReady: the reader answers (it reported card presence).
	ReaderReady = "ready"
	// ReaderGone: the reader went away (unplugged, PC/SC restarted); it is
	// watched again.
	ReaderGone = "gone"
)

// StateNoReader is the card state while there is no working reader.
const StateNoReader = "no_reader"

// ErrReaderAttached is returned by Attach when the server has its reader.
var ErrReaderAttached = errors.New("local API: a reader is already attached")

// Attach gives the server its reader when it was started without one (the
// reader appeared after start-up). Run starts watching it at once.
func (s *Server) Attach(t reader.Terminal) error {
	if t == nil {
		return errors.New("local API: nil reader")
	}
	s.card.mu.Lock()
	if s.term != nil {
		s.card.mu.Unlock()
		return ErrReaderAttached
	}
	s.term = t
	s.card.mu.Unlock()
	close(s.attached)
	s.log.Info("card reader attached", "reader_name", t.Name())
	return nil
}

// terminal returns the attached reader (nil before Attach).
func (s *Server) terminal() reader.Terminal {
	s.card.mu.Lock()
	defer s.card.mu.Unlock()
	return s.term
}

// readerName is the attached reader's name, or "".
func (s *Server) readerName() string {
	if t := s.terminal(); t != nil {
		return t.Name()
	}
	return ""
}

// waitTerminal waits for a reader, beating the heartbeat meanwhile (the loop
// is alive: waiting for hardware is not a hang). It returns nil when ctx ends.
func (s *Server) waitTerminal(ctx context.Context) reader.Terminal {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s.beat.Beat()
		select {
		case <-s.attached:
			return s.terminal()
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// setReaderState records and announces a change of the reader's state.
func (s *Server) setReaderState(st string) {
	s.card.mu.Lock()
	if s.card.reader == st {
		s.card.mu.Unlock()
		return
	}
	s.card.reader = st
	if st != ReaderReady && !s.card.present {
		s.card.set(StateNoReader)
	} else if st == ReaderReady && s.card.state == StateNoReader {
		s.card.set(StateEmpty)
	}
	s.card.mu.Unlock()
	switch st {
	case ReaderReady:
		s.publish(Event{Type: "reader.ready"})
	case ReaderGone:
		s.publish(Event{Type: "reader.gone", Error: "the card reader went away; waiting for it to come back"})
	}
}

// trackedTerminal reports to the server when the reader answers (its
// presence watch gives a first value) and when a watch ends.
type trackedTerminal struct {
	reader.Terminal
	s *Server
}

// Watch passes the reader's presence reports on, marking the reader ready
// at the first one.
func (t trackedTerminal) Watch(ctx context.Context) <-chan bool {
	in := t.Terminal.Watch(ctx)
	out := make(chan bool)
	go func() {
		defer close(out)
		first := true
		for {
			var v bool
			var ok bool
			select {
			case v, ok = <-in:
			case <-ctx.Done(): // some terminals never close their channel
				return
			}
			if !ok {
				return
			}
			if first {
				t.s.setReaderState(ReaderReady)
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
