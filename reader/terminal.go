package reader

import (
	"context"
	"fmt"

	"motcua/reader/iso7816"
)

// Conn is an open connection to a card.
type Conn interface {
	iso7816.Transport
	ATR() []byte
	Close() error
}

// Terminal is one reader slot: a PC/SC reader or the simulated reader. The
// kiosk, the CLI and the local API all work against this interface.
type Terminal interface {
	Name() string
	// Watch reports card presence: the current state at once, then every
	// change, until ctx is done.
	Watch(ctx context.Context) <-chan bool
	// Connect opens the card in the slot (exclusively, where the platform can).
	Connect() (Conn, error)
}

// WaitAndConnect waits until a card is present and connects to it.
func WaitAndConnect(ctx context.Context, t Terminal) (Conn, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := t.Watch(wctx)
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no card on %s: %w", t.Name(), ctx.Err())
		case present, ok := <-ch:
			if !ok {
				return nil, fmt.Errorf("reader %s went away", t.Name())
			}
			if present {
				return t.Connect()
			}
		}
	}
}
