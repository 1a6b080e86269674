// Package pcsc is the PC/SC transport over github.com/ebfe/scard: reader
// lists, card insert/remove events through GetStatusChange (keeping the
// event counter), reader hot-plug through the \\?PnP?\Notification
// pseudo-reader, exclusive connections, reconnect after reset, and PC/SC
// errors turned into the typed errors the layers above branch on.
//
// Platform differences live in pcsc_linux.go, pcsc_windows.go and
// pcsc_darwin.go; the rest is shared. On Linux this needs cgo and
// libpcsclite; on Windows ebfe/scard calls winscard.dll without cgo.
package pcsc

import (
	"errors"
	"fmt"
	"sync"

	"github.com/ebfe/scard"

	"motcua/reader/iso7816"
)

// Errors callers branch on (with errors.Is). A card that leaves is reported
// as iso7816.ErrCardRemoved, a reset by another program as ErrCardReset,
// which also matches iso7816.ErrTransient.
var (
	// ErrNoService: the PC/SC service is not running (pcscd, SCardSvr).
	ErrNoService = errors.New("the smart-card service is not running: " + serviceHint)
	// ErrNoReader: the named reader is not attached.
	ErrNoReader = errors.New("smart-card reader not found")
	// ErrReaderUnavailable: the reader went away or stopped working while
	// in use. It also matches ErrNoReader.
	ErrReaderUnavailable = errors.New("smart-card reader unavailable")
	// ErrNoCard: the reader is empty, or the card in it does not answer.
	ErrNoCard = errors.New("no card in the reader")
	// ErrCardRemoved is iso7816.ErrCardRemoved: the card left the reader.
	ErrCardRemoved = iso7816.ErrCardRemoved
	// ErrCardReset: another program reset the card (SCARD_W_RESET_CARD).
	// Call Card.Reconnect(false) and run access control again. It also
	// matches iso7816.ErrTransient.
	ErrCardReset = errors.New("the card was reset by another program")
	// ErrSharing: another program holds the card exclusively, or holds
	// it at all when an exclusive connection is asked for.
	ErrSharing = errors.New("another program is using the card")
)

// translate maps PC/SC errors to the errors the layers above branch on,
// keeping the PC/SC text for the log.
func translate(err error) error {
	var se scard.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se {
	case scard.ErrRemovedCard:
		return fmt.Errorf("%w (%v)", iso7816.ErrCardRemoved, se)
	case scard.ErrNoSmartcard, scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard, scard.ErrUnsupportedCard:
		// The card is gone or never answered: as removed for a session
		// in progress, as "no card" for a new connection.
		return fmt.Errorf("%w: %w (%v)", ErrNoCard, iso7816.ErrCardRemoved, se)
	case scard.ErrResetCard:
		return fmt.Errorf("%w: %w (%v)", ErrCardReset, iso7816.ErrTransient, se)
	case scard.ErrCommError, scard.ErrTimeout, scard.ErrNotTransacted:
		return fmt.Errorf("%w (%v)", iso7816.ErrTransient, se)
	case scard.ErrUnknownReader, scard.ErrNoReadersAvailable:
		return fmt.Errorf("%w (%v)", ErrNoReader, se)
	case scard.ErrReaderUnavailable:
		return fmt.Errorf("%w: %w (%v)", ErrReaderUnavailable, ErrNoReader, se)
	case scard.ErrSharingViolation:
		return fmt.Errorf("%w (%v)", ErrSharing, se)
	case scard.ErrNoService, scard.ErrServiceStopped:
		return fmt.Errorf("%w (%v)", ErrNoService, se)
	}
	return fmt.Errorf("pc/sc: %w", se)
}

// Context is a PC/SC context: the entry point for reader lists, events and
// connections. Its methods are safe for concurrent use; Watch runs on a
// context of its own so that it never blocks the others.
type Context struct {
	mu  sync.Mutex
	ctx *scard.Context
}

// Open establishes a PC/SC context. Without a PC/SC service it fails with
// ErrNoService.
func Open() (*Context, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, translate(err)
	}
	return &Context{ctx: c}, nil
}

// Close releases the context. Cards connected through it should be closed
// first. Closing twice is harmless.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil
	}
	err := c.ctx.Release()
	c.ctx = nil
	if err != nil {
		return translate(err)
	}
	return nil
}

var errClosed = errors.New("pcsc: context closed")

// Readers lists the attached readers. No reader is an empty list, not an
// error.
func (c *Context) Readers() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil, errClosed
	}
	return listReaders(c.ctx)
}

func listReaders(ctx *scard.Context) ([]string, error) {
	names, err := ctx.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return []string{}, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return names, nil
}
