package pcsc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/ebfe/scard"

	"motcua/reader/iso7816"
)

// Connect opens the card in the named reader with T=0 or T=1, exclusively
// when asked (no other program can talk to the card until Close). An empty
// reader gives ErrNoCard, a missing one ErrNoReader, a card held by another
// program ErrSharing.
func (c *Context) Connect(reader string, exclusive bool) (*Card, error) {
	mode := scard.ShareShared
	if exclusive {
		mode = scard.ShareExclusive
	}
	c.mu.Lock()
	if c.ctx == nil {
		c.mu.Unlock()
		return nil, errClosed
	}
	card, err := c.ctx.Connect(reader, mode, scard.ProtocolT0|scard.ProtocolT1)
	c.mu.Unlock()
	if errors.Is(err, scard.ErrRemovedCard) { // left while connecting
		return nil, fmt.Errorf("connect to %q: %w: %w", reader, ErrNoCard, translate(err))
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %q: %w", reader, translate(err))
	}
	k := &Card{card: card, mode: mode, reader: reader}
	if err := k.refreshATR(); err != nil {
		card.Disconnect(scard.LeaveCard)
		return nil, fmt.Errorf("connect to %q: %w", reader, err)
	}
	k.probeExtended()
	return k, nil
}

// Card is an open connection to a card. It implements iso7816.Transport and
// reader.Conn. Transmit, Reconnect and Close may be called from different
// goroutines; calls are serialised.
type Card struct {
	mu     sync.Mutex
	card   *scard.Card
	mode   scard.ShareMode
	reader string
	atr    []byte
	closed bool

	// maxAPDU is what the reader driver said about APDU sizes:
	// extUnknown, extShortOnly, or the largest command data field it
	// passes.
	maxAPDU int
}

const (
	extUnknown   = -1
	extShortOnly = 0
)

// Transmit sends one command APDU and returns the response APDU. A response
// shorter than two bytes is iso7816.ErrShortResponse (vpcd, for one, returns
// nothing and no error when the card leaves mid-command); when the reader
// then reports the card gone, the error matches iso7816.ErrCardRemoved too.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	out, err := c.card.Transmit(apdu)
	if err != nil {
		return nil, translate(err)
	}
	if len(out) < 2 {
		if st, err := c.card.Status(); err != nil || !cardPresent(st.State) {
			return nil, fmt.Errorf("%w: %w", iso7816.ErrShortResponse, iso7816.ErrCardRemoved)
		}
		return nil, iso7816.ErrShortResponse
	}
	return out, nil
}

// ATR is the card's answer to reset (as of Connect or the last Reconnect).
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.atr...)
}

// Reader is the name of the reader the card is in.
func (c *Card) Reader() string { return c.reader }

// SupportsExtended reports whether the reader passes extended-length APDUs,
// as far as its driver tells (the PC/SC part 10 property dwMaxAPDUDataSize,
// else SCARD_ATTR_MAXINPUT). ok is false when the driver does not say; the
// caller then looks at the ATR or probes with a command. Whether the card
// itself accepts them is a separate question (iso7816.ExtendedLengthInATR).
func (c *Card) SupportsExtended() (supported, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.maxAPDU {
	case extUnknown:
		return false, false
	case extShortOnly:
		return false, true
	}
	return c.maxAPDU > 255, true
}

// Reconnect re-establishes the connection in the same share mode, resetting
// the card first when reset is true (clears any secure-messaging session).
// Call it after an error matching ErrCardReset.
func (c *Card) Reconnect(reset bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed
	}
	disp := scard.LeaveCard
	if reset {
		disp = scard.ResetCard
	}
	if err := c.card.Reconnect(c.mode, scard.ProtocolT0|scard.ProtocolT1, disp); err != nil {
		return fmt.Errorf("reconnect to %q: %w", c.reader, translate(err))
	}
	if err := c.refreshATR(); err != nil {
		return fmt.Errorf("reconnect to %q: %w", c.reader, err)
	}
	return nil
}

// Close disconnects, leaving the card powered in the reader. Closing twice
// is harmless.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.card.Disconnect(scard.LeaveCard); err != nil {
		return translate(err)
	}
	return nil
}

// refreshATR reads the ATR from the card status.
func (c *Card) refreshATR() error {
	st, err := c.card.Status()
	if err != nil {
		return translate(err)
	}
	c.atr = append([]byte(nil), st.Atr...)
	return nil
}

// PC/SC part 10 (v2.02.09): the feature list, and the TLV properties.
const (
	featureGetTLVProperties = 0x12
	propMaxAPDUDataSize     = 0x0A
)

// probeExtended asks the reader driver how large an APDU it passes: first
// the part 10 TLV property dwMaxAPDUDataSize (0: short APDUs only), then
// SCARD_ATTR_MAXINPUT. Drivers that know neither leave it unknown.
func (c *Card) probeExtended() {
	c.maxAPDU = extUnknown
	if n, ok := c.tlvMaxAPDUDataSize(); ok {
		c.maxAPDU = n
		return
	}
	if b, err := c.card.GetAttrib(scard.AttrMaxinput); err == nil && len(b) >= 4 {
		// Bytes of a whole command: header, Lc, Le and the data field.
		n := int(binary.LittleEndian.Uint32(b))
		switch {
		case n <= 0:
		case n <= 4+1+255+1:
			c.maxAPDU = extShortOnly
		default:
			c.maxAPDU = n - (4 + 3 + 2)
		}
	}
}

// tlvMaxAPDUDataSize reads dwMaxAPDUDataSize through the part 10 feature
// FEATURE_GET_TLV_PROPERTIES.
func (c *Card) tlvMaxAPDUDataSize() (int, bool) {
	feats, err := c.card.Control(scard.CtlCode(ioctlGetFeatureRequest), nil)
	if err != nil {
		return 0, false
	}
	var ctl uint32
	for b := feats; len(b) >= 6; b = b[6:] { // tag 1, length 1 (4), big-endian code
		if b[0] == featureGetTLVProperties && b[1] == 4 {
			ctl = binary.BigEndian.Uint32(b[2:6])
		}
	}
	if ctl == 0 {
		return 0, false
	}
	props, err := c.card.Control(ctl, nil)
	if err != nil {
		return 0, false
	}
	for b := props; len(b) >= 2; {
		tag, l := b[0], int(b[1])
		if 2+l > len(b) {
			return 0, false
		}
		if tag == propMaxAPDUDataSize && l == 4 {
			return int(binary.LittleEndian.Uint32(b[2:6])), true
		}
		b = b[2+l:]
	}
	return 0, false
}
