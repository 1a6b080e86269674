package pcsc

import (
	"context"
	"errors"

	"github.com/ebfe/scard"

	"motcua/reader"
)

// Terminal returns the named reader as a reader.Terminal.
func (c *Context) Terminal(name string) *Terminal { return &Terminal{c: c, name: name} }

// Terminal is one PC/SC reader seen through the reader.Terminal interface
// that the kiosk, the CLI and the simulated reader share.
type Terminal struct {
	c    *Context
	name string
}

// Name is the reader's name.
func (t *Terminal) Name() string { return t.name }

// Watch reports card presence: the current state first, then every change,
// until ctx is done. A mute card counts as absent. The channel closes when
// ctx is done, or when the reader or the PC/SC service goes away.
func (t *Terminal) Watch(ctx context.Context) <-chan bool {
	out := make(chan bool, 1)
	send := func(p bool) bool {
		select {
		case out <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		withContext(ctx, func(wctx *scard.Context) error {
			states := []scard.ReaderState{{Reader: t.name, CurrentState: scard.StateUnaware}}
			var tr cardTracker
			for ctx.Err() == nil {
				err := wctx.GetStatusChange(states, pollTimeout)
				switch {
				case err == nil:
				case errors.Is(err, scard.ErrTimeout):
					continue
				default:
					return err // cancelled, reader gone or service stopped
				}
				ev := states[0].EventState
				if ev&(scard.StateUnknown|scard.StateUnavailable) != 0 {
					return ErrReaderUnavailable
				}
				states[0].CurrentState = ev &^ scard.StateChanged // event counter kept
				if ev&scard.StateMute != 0 {
					ev &^= scard.StatePresent
				}
				first := !tr.known
				removed, inserted := tr.step(ev)
				if first && !inserted && !send(false) {
					return nil
				}
				if removed && !send(false) || inserted && !send(true) {
					return nil
				}
			}
			return nil
		})
	}()
	return out
}

// Connect opens the card exclusively (T=0 or T=1).
func (t *Terminal) Connect() (reader.Conn, error) { return t.c.Connect(t.name, true) }

// ConnectMode opens the card, exclusively or shared.
func (t *Terminal) ConnectMode(exclusive bool) (*Card, error) { return t.c.Connect(t.name, exclusive) }
