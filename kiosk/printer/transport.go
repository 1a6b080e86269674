package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.bug.st/serial"
)

// conn is an open printer: bytes out, status bytes in.
type conn interface {
	io.Writer
	io.Closer
	// readByte waits at most d for one byte.
	readByte(d time.Duration) (byte, error)
	// setWriteDeadline bounds the next writes (zero: none).
	setWriteDeadline(t time.Time)
}

var errTimeout = errors.New("timed out")

// dial opens the printer named by addr:
//
//	tcp://HOST:9100            raw TCP (JetDirect / AppSocket)
//	usb:/dev/usb/lp0           Linux usblp character device
//	serial:/dev/ttyUSB0        serial port, 9600 8N1; serial:/dev/ttyUSB0?baud=19200
func dial(ctx context.Context, addr string, timeout time.Duration) (conn, error) {
	scheme, rest, ok := strings.Cut(addr, ":")
	if !ok || rest == "" {
		return nil, fail(ErrConfig, fmt.Sprintf("%q: want tcp://HOST:PORT, usb:/dev/usb/lpN or serial:/dev/ttyX", addr), nil)
	}
	switch scheme {
	case "tcp":
		u, err := url.Parse(addr)
		if err != nil || u.Host == "" || u.Port() == "" {
			return nil, fail(ErrConfig, fmt.Sprintf("%q: want tcp://HOST:PORT (port 9100 usually)", addr), err)
		}
		d := net.Dialer{Timeout: timeout}
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return nil, fail(ErrUnreachable, u.Host, err)
		}
		return &netConn{c}, nil
	case "usb":
		if !strings.HasPrefix(rest, "/") {
			return nil, fail(ErrConfig, fmt.Sprintf("%q: want usb:/dev/usb/lpN", addr), nil)
		}
		f, err := os.OpenFile(rest, os.O_RDWR, 0)
		if err != nil {
			return nil, fail(ErrUnreachable, rest, err)
		}
		return &fileConn{f: f}, nil
	case "serial":
		path, query, _ := strings.Cut(rest, "?")
		baud := 9600
		if query != "" {
			q, err := url.ParseQuery(query)
			if err == nil && q.Get("baud") != "" {
				baud, err = strconv.Atoi(q.Get("baud"))
			}
			if err != nil || baud <= 0 {
				return nil, fail(ErrConfig, fmt.Sprintf("%q: bad baud rate", addr), err)
			}
		}
		if !strings.HasPrefix(path, "/") && !strings.HasPrefix(strings.ToUpper(path), "COM") {
			return nil, fail(ErrConfig, fmt.Sprintf("%q: want serial:/dev/ttyX or serial:COMn", addr), nil)
		}
		p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
		if err != nil {
			return nil, fail(ErrUnreachable, path, err)
		}
		return &serialConn{p}, nil
	}
	return nil, fail(ErrConfig, fmt.Sprintf("%q: unknown scheme %q (tcp, usb, serial)", addr, scheme), nil)
}

type netConn struct{ net.Conn }

func (c *netConn) readByte(d time.Duration) (byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	_, err := io.ReadFull(c.Conn, b[:])
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return 0, errTimeout
	}
	return b[0], err
}

func (c *netConn) setWriteDeadline(t time.Time) { _ = c.SetWriteDeadline(t) }

// fileConn is a usblp device. Its reads are not pollable, so a read that
// never returns is abandoned after the timeout (the goroutine ends when
// the device is closed or answers).
type fileConn struct {
	f *os.File
}

func (c *fileConn) Write(p []byte) (int, error) { return c.f.Write(p) }
func (c *fileConn) Close() error                { return c.f.Close() }
func (c *fileConn) setWriteDeadline(t time.Time) {
	_ = c.f.SetWriteDeadline(t)
}

func (c *fileConn) readByte(d time.Duration) (byte, error) {
	if err := c.f.SetReadDeadline(time.Now().Add(d)); err == nil {
		var b [1]byte
		_, err := io.ReadFull(c.f, b[:])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, errTimeout
		}
		return b[0], err
	}
	type res struct {
		b   byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var b [1]byte
		_, err := io.ReadFull(c.f, b[:])
		ch <- res{b[0], err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-time.After(d):
		return 0, errTimeout
	}
}

type serialConn struct{ p serial.Port }

func (c *serialConn) Write(p []byte) (int, error) { return c.p.Write(p) }
func (c *serialConn) Close() error                { return c.p.Close() }
func (c *serialConn) setWriteDeadline(time.Time)  {}
func (c *serialConn) readByte(d time.Duration) (byte, error) {
	if err := c.p.SetReadTimeout(d); err != nil {
		return 0, err
	}
	var b [1]byte
	n, err := c.p.Read(b[:])
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errTimeout
	}
	return b[0], nil
}
