// Package vpcd serves a virtual card to the real pcscd through the vpcd
// driver of vsmartcard (Debian package vsmartcard-vpcd). vpcd listens on
// TCP port 35963 for reader "Virtual PCD 00 00" and 35964 for "Virtual PCD
// 00 01"; the virtual card is a TCP client of that port. Connecting puts the
// card in the reader, closing the connection takes it out.
//
// Both directions carry frames: a 2-byte big-endian length, then the
// payload. A 1-byte payload from vpcd is a control code (00 power off, 01
// power on, 02 reset, none of them answered; 04 get ATR, answered with the
// ATR). A longer payload is a command APDU, answered with the response APDU.
package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"motcua/reader/iso7816"
)

// Card is the card side that vpcd talks to.
type Card interface {
	// ATR is the answer to reset sent when vpcd asks for it.
	ATR() []byte
	// PowerOn, PowerOff and Reset follow vpcd's control codes.
	PowerOn()
	PowerOff()
	Reset()
	// Transmit answers a command APDU. An error means the card gives no
	// answer: a transient one (iso7816.ErrTransient, a card that stays
	// silent once) is sent as an empty answer and the card stays; any
	// other (it was pulled) closes the connection, which pcscd sees as the
	// card leaving mid-command.
	Transmit(apdu []byte) ([]byte, error)
}

// Control codes from vpcd (1-byte frames).
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// Addresses and PC/SC names of vpcd's two virtual readers on this machine.
const (
	DefaultAddr = "127.0.0.1:35963"
	SecondAddr  = "127.0.0.1:35964"
	DefaultName = "Virtual PCD 00 00"
	SecondName  = "Virtual PCD 00 01"
)

// MaxFrame is the largest payload a vpcd frame can carry. A response APDU
// longer than this (Le=0000 asking for 65536 bytes) cannot reach pcscd.
const MaxFrame = 0xFFFF

// ErrFrameTooLong reports a response APDU that does not fit a vpcd frame.
var ErrFrameTooLong = errors.New("vpcd: response APDU longer than a vpcd frame (65535 bytes)")

// Options tune a connection to vpcd.
type Options struct {
	// DelayedACK leaves the kernel's delayed ACK in place instead of
	// setting TCP_QUICKACK before every read. vpcd writes the length and
	// the body of a frame separately, so with delayed ACK each APDU waits
	// for the ACK timer (about 40 ms on Linux). Only for measuring that.
	DelayedACK bool
	// DialTimeout bounds the connection to vpcd (default 5 s).
	DialTimeout time.Duration
}

// Serve connects card to vpcd at addr and answers vpcd until ctx is done,
// the card leaves (Transmit fails) or vpcd closes the connection; each of
// these returns nil. Returning closes the connection: for pcscd the card has
// been removed. Other read or write failures are returned as errors.
func Serve(ctx context.Context, addr string, card Card) error {
	return ServeOptions(ctx, addr, card, Options{})
}

// ServeOptions is Serve with options.
func ServeOptions(ctx context.Context, addr string, card Card, opts Options) error {
	conn, err := dial(ctx, addr, opts)
	if err != nil {
		return err
	}
	return serveConn(ctx, conn, card, opts)
}

func dial(ctx context.Context, addr string, opts Options) (net.Conn, error) {
	timeout := opts.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("vpcd: connect %s: %w (is pcscd running with vsmartcard-vpcd?)", addr, err)
	}
	return conn, nil
}

// serveConn runs the frame loop on an established connection and closes it.
func serveConn(ctx context.Context, conn net.Conn, card Card, opts Options) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var r io.Reader = conn
	if tc, ok := conn.(*net.TCPConn); ok && !opts.DelayedACK {
		r = &quickAckReader{c: tc}
	}
	for {
		msg, err := readFrame(r)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("vpcd: read: %w", err)
		}
		var reply []byte
		if len(msg) == 0 {
			continue // not part of the protocol: vpcd never sends it
		}
		if len(msg) == 1 {
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
		} else {
			reply, err = card.Transmit(msg)
			switch {
			case errors.Is(err, iso7816.ErrTransient) && !errors.Is(err, iso7816.ErrCardRemoved):
				reply = []byte{0x00} // silent once: no status word (an empty frame stalls vpcd), the card stays
			case err != nil:
				return nil // the card is gone: close, as a pulled card would
			}
		}
		if err := writeFrame(conn, reply); err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("vpcd: write: %w", err)
		}
	}
}

// readFrame reads one length-prefixed frame; io.ReadFull copes with a
// frame split over any number of reads. A clean EOF before a frame starts
// is io.EOF; EOF inside a frame is io.ErrUnexpectedEOF.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint16(hdr[:])
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("frame of %d bytes: %w", n, err)
	}
	return buf, nil
}

// writeFrame writes length and body in one write, so they leave in one
// segment. A short write without an error is reported as io.ErrShortWrite.
func writeFrame(w io.Writer, b []byte) error {
	if len(b) > MaxFrame {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLong, len(b))
	}
	frame := make([]byte, 2+len(b))
	binary.BigEndian.PutUint16(frame, uint16(len(b)))
	copy(frame[2:], b)
	for len(frame) > 0 {
		n, err := w.Write(frame)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		frame = frame[n:]
	}
	return nil
}

// quickAckReader sets TCP_QUICKACK before every read: Linux clears it
// after sending an ACK, so setting it once is not enough.
type quickAckReader struct{ c *net.TCPConn }

func (q *quickAckReader) Read(p []byte) (int, error) {
	quickAck(q.c)
	return q.c.Read(p)
}
