// Package vpcd serves a virtual card to the real pcscd through the vpcd
// driver of vsmartcard: the card is a TCP client of vpcd's port (35963 for
// "Virtual PCD 00 00"). Both directions carry a 2-byte big-endian length and
// a payload; a 1-byte payload from vpcd is a control code (00 power off, 01
// power on, 02 reset, 04 get ATR), a longer one a command APDU.
package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Card is what vpcd talks to.
type Card interface {
	ATR() []byte
	PowerOn()
	PowerOff()
	Reset()
	// Transmit answers a command APDU. An error means the card gives no
	// answer (it was pulled, or lost the response): the connection closes,
	// which pcscd sees as the card leaving.
	Transmit(apdu []byte) ([]byte, error)
}

// Control codes from vpcd.
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// DefaultAddr is the first virtual reader's port on this machine.
const DefaultAddr = "127.0.0.1:35963"

// Serve connects to vpcd at addr and answers it until ctx is done, the card
// leaves or the connection drops. Returning closes the connection: for
// pcscd the card has been removed.
func Serve(ctx context.Context, addr string, card Card) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("vpcd: connect %s: %w (is pcscd running with vsmartcard-vpcd?)", addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tc, _ := conn.(*net.TCPConn)
	for {
		quickAck(tc) // vpcd writes length and body separately: without this every APDU waits for delayed ACK
		msg, err := readFrame(conn)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("vpcd: read: %w", err)
		}
		var reply []byte
		switch {
		case len(msg) == 1:
			switch msg[0] {
			case ctrlOff:
				card.PowerOff()
				continue
			case ctrlOn:
				card.PowerOn()
				continue
			case ctrlReset:
				card.Reset()
				continue
			case ctrlATR:
				reply = card.ATR()
			default:
				continue // unknown control code: vpcd expects no answer
			}
		default:
			reply, err = card.Transmit(msg)
			if err != nil {
				return nil // the card is gone: close, as a pulled card would
			}
		}
		if err := writeFrame(conn, reply); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("vpcd: write: %w", err)
		}
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint16(hdr[:])
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("frame of %d bytes: %w", n, err)
	}
	return buf, nil
}

func writeFrame(w io.Writer, b []byte) error {
	if len(b) > 0xFFFF {
		return fmt.Errorf("frame of %d bytes too long", len(b))
	}
	frame := make([]byte, 2+len(b))
	binary.BigEndian.PutUint16(frame, uint16(len(b)))
	copy(frame[2:], b)
	_, err := w.Write(frame) // one write: length and body in one segment
	return err
}
