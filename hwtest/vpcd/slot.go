package vpcd

import (
	"context"
	"errors"
	"sync"
)

// ErrOccupied reports an Insert into a slot that already holds a card.
var ErrOccupied = errors.New("vpcd: a card is already in this slot")

// Slot is one virtual reader seen from the card side: Insert connects a
// card to vpcd and serves it in the background, Remove closes the
// connection, which pcscd sees as the card being pulled. A slot can be
// used for any number of insert/remove cycles. Its methods are safe for
// concurrent use.
type Slot struct {
	addr string
	opts Options

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// NewSlot returns the slot of the vpcd reader listening at addr.
func NewSlot(addr string, opts Options) *Slot {
	return &Slot{addr: addr, opts: opts}
}

// Insert connects card to vpcd. It returns once the connection is up (the
// reader then reports a card within pcscd's polling interval) or with the
// connection error.
func (s *Slot) Insert(card Card) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		select {
		case <-s.done: // the previous card left on its own
		default:
			return ErrOccupied
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := dial(ctx, s.addr, s.opts)
	if err != nil {
		cancel()
		return err
	}
	done := make(chan struct{})
	s.cancel, s.done, s.err = cancel, done, nil
	go func() {
		err := serveConn(ctx, conn, card, s.opts)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

// Remove pulls the card: it closes the connection and waits until serving
// has stopped. It returns the error serving ended with, if any; removing
// from an empty slot does nothing.
func (s *Slot) Remove() error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	if s.done == done {
		s.cancel, s.done, s.err = nil, nil, nil
	}
	return err
}

// Inserted reports whether a card is being served.
func (s *Slot) Inserted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}
