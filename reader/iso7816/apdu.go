// Package iso7816 is the tiny APDU layer: command encoding (short and extended
// length), response parsing, and status words turned into typed errors.
package iso7816

import (
	"errors"
	"fmt"
)

// Transport sends one command APDU and returns the raw response APDU
// (data followed by SW1 SW2). A PC/SC reader, the in-process simulated reader
// and a secure-messaging wrapper all implement it, so the layers above plug
// into any of them the same way.
type Transport interface {
	Transmit(apdu []byte) ([]byte, error)
}

// MaxShortNe and MaxExtendedNe are the largest response lengths a short and an
// extended APDU can ask for.
const (
	MaxShortNe    = 256
	MaxExtendedNe = 65536
)

// Command is a command APDU. Ne is the number of response bytes expected: 0
// means no Le field; MaxShortNe or MaxExtendedNe ask for "as many as you have".
type Command struct {
	Cla, Ins, P1, P2 byte
	Data             []byte
	Ne               int
}

// ErrCommandTooLong reports a command that cannot be encoded in the chosen form.
var ErrCommandTooLong = errors.New("iso7816: command too long for APDU form")

// NeedsExtended reports whether the command cannot be sent as a short APDU.
func (c Command) NeedsExtended() bool {
	return len(c.Data) > 255 || c.Ne > MaxShortNe
}

// Bytes encodes the command. It uses the extended form when extended is true
// or when the command does not fit the short form.
func (c Command) Bytes(extended bool) ([]byte, error) {
	if len(c.Data) > 65535 || c.Ne > MaxExtendedNe || c.Ne < 0 {
		return nil, ErrCommandTooLong
	}
	ext := extended || c.NeedsExtended()
	b := make([]byte, 0, 4+3+len(c.Data)+3)
	b = append(b, c.Cla, c.Ins, c.P1, c.P2)
	switch {
	case !ext:
		if len(c.Data) > 0 {
			b = append(b, byte(len(c.Data)))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			b = append(b, byte(c.Ne)) // 256 encodes as 00
		}
	default:
		if len(c.Data) > 0 {
			b = append(b, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			ne := c.Ne
			if ne == MaxExtendedNe {
				ne = 0
			}
			if len(c.Data) == 0 {
				b = append(b, 0)
			}
			b = append(b, byte(ne>>8), byte(ne))
		}
	}
	return b, nil
}

// ParseCommand decodes a command APDU in short or extended form. It is used
// by the card side (the simulated card) and by tests.
func ParseCommand(b []byte) (Command, bool, error) {
	if len(b) < 4 {
		return Command{}, false, fmt.Errorf("iso7816: command of %d bytes, want at least 4", len(b))
	}
	c := Command{Cla: b[0], Ins: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, false, nil
	case len(body) == 1: // case 2 short
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = MaxShortNe
		}
		return c, false, nil
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.Data = body[1:]
		case 2 + lc:
			c.Data = body[1 : 1+lc]
			c.Ne = int(body[1+lc])
			if c.Ne == 0 {
				c.Ne = MaxShortNe
			}
		default:
			return Command{}, false, fmt.Errorf("iso7816: short command Lc=%d with %d body bytes", lc, len(body))
		}
		return c, false, nil
	case len(body) == 3: // case 2 extended
		c.Ne = int(body[1])<<8 | int(body[2])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
		return c, true, nil
	default: // case 3 or 4 extended
		if len(body) < 3 {
			return Command{}, false, fmt.Errorf("iso7816: malformed extended command")
		}
		lc := int(body[1])<<8 | int(body[2])
		rest := body[3:]
		switch len(rest) {
		case lc:
			c.Data = rest
		case lc + 2:
			c.Data = rest[:lc]
			c.Ne = int(rest[lc])<<8 | int(rest[lc+1])
			if c.Ne == 0 {
				c.Ne = MaxExtendedNe
			}
		default:
			return Command{}, false, fmt.Errorf("iso7816: extended command Lc=%d with %d body bytes", lc, len(rest))
		}
		if lc == 0 {
			return Command{}, false, fmt.Errorf("iso7816: extended command with Lc=0")
		}
		return c, true, nil
	}
}

// Response is a response APDU split into its data and status word.
type Response struct {
	Data []byte
	SW   uint16
}

// ErrShortResponse reports a response of fewer than two bytes. A PC/SC reader
// returns zero bytes and no error when the card is pulled mid-command, so this
// must never be mistaken for success.
var ErrShortResponse = errors.New("iso7816: response shorter than 2 bytes (card removed or reader fault)")

// ParseResponse splits a raw response APDU.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, ErrShortResponse
	}
	n := len(b) - 2
	return Response{Data: b[:n], SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Bytes encodes the response as data || SW1 SW2.
func (r Response) Bytes() []byte {
	out := make([]byte, 0, len(r.Data)+2)
	out = append(out, r.Data...)
	return append(out, byte(r.SW>>8), byte(r.SW))
}

// OK reports whether the status word is 9000.
func (r Response) OK() bool { return r.SW == 0x9000 }

// Err returns nil for 9000 and a *StatusError otherwise.
func (r Response) Err() error {
	if r.SW == 0x9000 {
		return nil
	}
	return &StatusError{SW: r.SW}
}

// Exchange encodes c, transmits it, follows 61xx (GET RESPONSE) and 6Cxx
// (wrong Le, resend with the right one), and returns the final response. It
// does not turn a non-9000 status into an error; call Response.Err for that.
func Exchange(t Transport, c Command, extended bool) (Response, error) {
	raw, err := c.Bytes(extended)
	if err != nil {
		return Response{}, err
	}
	var data []byte
	for range 64 { // bounded: a card answering 61xx forever is broken
		out, err := t.Transmit(raw)
		if err != nil {
			return Response{}, err
		}
		r, err := ParseResponse(out)
		if err != nil {
			return Response{}, err
		}
		switch r.SW >> 8 {
		case 0x61:
			data = append(data, r.Data...)
			ne := int(r.SW & 0xFF)
			if ne == 0 {
				ne = MaxShortNe
			}
			raw, _ = Command{Cla: c.Cla & 0x03, Ins: 0xC0, Ne: ne}.Bytes(false)
			continue
		case 0x6C:
			c.Ne = int(r.SW & 0xFF)
			if c.Ne == 0 {
				c.Ne = MaxShortNe
			}
			raw, _ = c.Bytes(false)
			continue
		}
		r.Data = append(data, r.Data...)
		return r, nil
	}
	return Response{}, errors.New("iso7816: card keeps answering 61xx/6Cxx")
}

// ErrCardRemoved reports that the card left the reader. Transports wrap it
// (errors.Is) so that every layer above can tell a pulled card from a fault.
var ErrCardRemoved = errors.New("card removed from the reader")

// ErrTransient marks an error after which the card is still there and a new
// session may resume: a lost response, a reader glitch. Secure-messaging
// counters can no longer be trusted, so the caller runs access control again
// before resuming.
var ErrTransient = errors.New("transient card communication error")
