// Package pcsc is the PC/SC transport over github.com/ebfe/scard: reader
// lists, card presence through GetStatusChange (keeping the event counter),
// reader hot-plug, exclusive connections and reconnect after reset. Platform
// differences (service names, hints) live in the _linux.go and _windows.go
// files; the rest is shared.
package pcsc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"motcua/reader"
	"motcua/reader/iso7816"
)

// Errors callers branch on.
var (
	// ErrNoService: the PC/SC service is not running (pcscd, SCardSvr).
	ErrNoService = errors.New("the smart-card service is not running: " + serviceHint)
	// ErrNoReader: the named reader is not attached.
	ErrNoReader = errors.New("smart-card reader not found")
	// ErrNoCard: the reader is empty.
	ErrNoCard = errors.New("no card in the reader")
	// ErrSharing: another program holds the card exclusively.
	ErrSharing = errors.New("another program is using the card")
)

// pnpNotification is the pseudo-reader whose state changes when readers
// are attached or removed.
const pnpNotification = `\\?PnP?\Notification`

// pollTimeout bounds each GetStatusChange so a watcher notices ctx
// cancellation even where SCardCancel is unreliable.
const pollTimeout = 500 * time.Millisecond

// translate maps PC/SC errors to the errors the layers above branch on.
func translate(err error) error {
	var se scard.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se {
	case scard.ErrRemovedCard, scard.ErrNoSmartcard, scard.ErrUnpoweredCard:
		return fmt.Errorf("%w (%v)", iso7816.ErrCardRemoved, se)
	case scard.ErrResetCard, scard.ErrCommError, scard.ErrUnresponsiveCard, scard.ErrTimeout:
		return fmt.Errorf("%w (%v)", iso7816.ErrTransient, se)
	case scard.ErrUnknownReader, scard.ErrReaderUnavailable, scard.ErrNoReadersAvailable:
		return fmt.Errorf("%w (%v)", ErrNoReader, se)
	case scard.ErrSharingViolation:
		return fmt.Errorf("%w (%v)", ErrSharing, se)
	case scard.ErrNoService, scard.ErrServiceStopped:
		return fmt.Errorf("%w (%v)", ErrNoService, se)
	}
	return se
}

// Context is a PC/SC context.
type Context struct {
	mu  sync.Mutex
	ctx *scard.Context
}

// Open establishes a PC/SC context.
func Open() (*Context, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, translate(err)
	}
	return &Context{ctx: c}, nil
}

// Close releases the context.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil
	}
	err := c.ctx.Release()
	c.ctx = nil
	return err
}

// Readers lists the attached readers; none is an empty list, not an error.
func (c *Context) Readers() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	names, err := c.ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return names, nil
}

// WatchReaders reports the reader list at once and whenever a reader is
// attached or removed, until ctx is done.
func (c *Context) WatchReaders(ctx context.Context) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		defer close(out)
		wctx, err := scard.EstablishContext()
		if err != nil {
			return
		}
		defer wctx.Release()
		stop := context.AfterFunc(ctx, func() { wctx.Cancel() })
		defer stop()
		last := ""
		states := []scard.ReaderState{{Reader: pnpNotification, CurrentState: scard.StateUnaware}}
		for ctx.Err() == nil {
			names, err := wctx.ListReaders()
			if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
				return
			}
			key := fmt.Sprint(names)
			if key != last {
				last = key
				select {
				case out <- names:
				case <-ctx.Done():
					return
				}
			}
			err = wctx.GetStatusChange(states, pollTimeout)
			switch {
			case err == nil:
				states[0].CurrentState = states[0].EventState
			case errors.Is(err, scard.ErrTimeout):
			case errors.Is(err, scard.ErrCancelled):
				return
			default:
				// Some platforms lack PnP notification: poll the list instead.
				select {
				case <-time.After(pollTimeout):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// Terminal returns the named reader as a reader.Terminal.
func (c *Context) Terminal(name string) *Terminal { return &Terminal{c: c, name: name} }

// Terminal is one PC/SC reader.
type Terminal struct {
	c    *Context
	name string
}

// Name is the reader's name.
func (t *Terminal) Name() string { return t.name }

// Watch reports card presence: the current state first, then every change,
// until ctx is done. The channel closes when the reader goes away.
func (t *Terminal) Watch(ctx context.Context) <-chan bool {
	out := make(chan bool, 1)
	go func() {
		defer close(out)
		// A blocking GetStatusChange needs its own context: Cancel on it
		// wakes this watcher alone.
		wctx, err := scard.EstablishContext()
		if err != nil {
			return
		}
		defer wctx.Release()
		stop := context.AfterFunc(ctx, func() { wctx.Cancel() })
		defer stop()
		states := []scard.ReaderState{{Reader: t.name, CurrentState: scard.StateUnaware}}
		first := true
		var present bool
		for ctx.Err() == nil {
			err := wctx.GetStatusChange(states, pollTimeout)
			switch {
			case err == nil:
			case errors.Is(err, scard.ErrTimeout):
				continue
			default:
				return // cancelled, reader gone or service stopped
			}
			ev := states[0].EventState
			if ev&scard.StateUnknown != 0 || ev&scard.StateUnavailable != 0 {
				return
			}
			// Keep the whole word, event counter in the upper 16 bits
			// included; without it Windows reports a change at once, forever.
			states[0].CurrentState = ev &^ scard.StateChanged
			now := ev&scard.StatePresent != 0 && ev&scard.StateMute == 0
			if first || now != present {
				first, present = false, now
				select {
				case out <- now:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// Connect opens the card exclusively (T=0 or T=1).
func (t *Terminal) Connect() (reader.Conn, error) { return t.ConnectMode(true) }

// ConnectMode opens the card, exclusively or shared.
func (t *Terminal) ConnectMode(exclusive bool) (*Card, error) {
	mode := scard.ShareShared
	if exclusive {
		mode = scard.ShareExclusive
	}
	t.c.mu.Lock()
	card, err := t.c.ctx.Connect(t.name, mode, scard.ProtocolAny)
	t.c.mu.Unlock()
	if err != nil {
		if errors.Is(err, scard.ErrNoSmartcard) || errors.Is(err, scard.ErrRemovedCard) {
			return nil, fmt.Errorf("%w: %s", ErrNoCard, t.name)
		}
		return nil, translate(err)
	}
	c := &Card{card: card, mode: mode}
	if st, err := card.Status(); err == nil {
		c.atr = st.Atr
	}
	if b, err := card.GetAttrib(scard.AttrMaxinput); err == nil && len(b) >= 4 {
		c.maxInput = int(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
	}
	return c, nil
}

// Card is an open card. It implements iso7816.Transport and reader.Conn.
type Card struct {
	card     *scard.Card
	mode     scard.ShareMode
	atr      []byte
	maxInput int
}

// Transmit sends one APDU. A response shorter than two bytes is an error:
// a card that leaves mid-command makes PC/SC return nothing and no error.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	out, err := c.card.Transmit(apdu)
	if err != nil {
		return nil, translate(err)
	}
	if len(out) < 2 {
		return nil, iso7816.ErrShortResponse
	}
	return out, nil
}

// ATR is the card's answer to reset.
func (c *Card) ATR() []byte { return c.atr }

// SupportsExtended reports whether the reader passes extended APDUs, when
// the driver says (SCARD_ATTR_MAXINPUT).
func (c *Card) SupportsExtended() (supported, ok bool) {
	if c.maxInput == 0 {
		return false, false
	}
	return c.maxInput > 261, true
}

// Reconnect re-establishes the connection, resetting the card if asked
// (after SCARD_W_RESET_CARD, or to clear a secure-messaging session).
func (c *Card) Reconnect(reset bool) error {
	disp := scard.LeaveCard
	if reset {
		disp = scard.ResetCard
	}
	if err := c.card.Reconnect(c.mode, scard.ProtocolAny, disp); err != nil {
		return translate(err)
	}
	if st, err := c.card.Status(); err == nil {
		c.atr = st.Atr
	}
	return nil
}

// Close disconnects, leaving the card powered in the reader.
func (c *Card) Close() error { return translate(c.card.Disconnect(scard.LeaveCard)) }
