package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.bug.st/serial"
)

// ErrGaveUp is returned by (*Serial).Run after MaxReconnects consecutive
// failed attempts to open the port.
var ErrGaveUp = errors.New("scanner: gave up reconnecting")

// Port is what the serial scanner reads from. go.bug.st/serial's Port
// satisfies it.
type Port interface {
	io.ReadCloser
	// SetReadTimeout makes Read return (0, nil) after t without data, so
	// the read loop can notice cancellation and silences.
	SetReadTimeout(t time.Duration) error
}

// EventKind says what happened to a serial scanner's connection.
type EventKind int

// Connection events.
const (
	Connected      EventKind = iota + 1 // the port opened
	Disconnected                        // the port failed (unplugged); Err says how
	OpenFailed                          // an open attempt failed; Err says how
	FrameDiscarded                      // a partial or overlong frame was dropped; N is its length (0: overlong)
)

func (k EventKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case OpenFailed:
		return "open failed"
	case FrameDiscarded:
		return "frame discarded"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event reports a connection change. It carries no scanned data.
type Event struct {
	Kind EventKind
	Err  error
	N    int
}

// Serial reads codes from a USB-serial (CDC ACM) scanner, one code per
// CR/LF-terminated line, and survives hot-unplug: when the port fails it is
// closed and reopened every ReconnectDelay, giving up after MaxReconnects
// consecutive failed opens.
type Serial struct {
	// Path is the device, e.g. /dev/ttyACM0 or COM3.
	Path string
	// Mode is the line setting; nil means 9600 8N1 (CDC scanners ignore
	// the baud rate).
	Mode *serial.Mode
	// IdleFlush ends a frame after this much silence, for scanners set up
	// without a line suffix. 0 means frames end only at CR/LF.
	IdleFlush time.Duration
	// ReconnectDelay is the pause between open attempts; 0 means 500 ms.
	ReconnectDelay time.Duration
	// MaxReconnects bounds consecutive failed opens; 0 means 120 (a
	// minute at the default delay). A successful open resets the count.
	MaxReconnects int
	// MaxFrame bounds a code's length; 0 means DefaultMaxFrame.
	MaxFrame int
	// Open opens the port; nil means serial.Open(Path, Mode).
	Open func() (Port, error)
	// OnEvent, when set, is told about connection changes (from Run's
	// goroutine).
	OnEvent func(Event)
}

// pollInterval is the read timeout: how often the loop looks at the context
// and the idle timer.
const pollInterval = 50 * time.Millisecond

// Run reads codes and sends them on codes until ctx is done (it then
// returns ctx.Err()) or the scanner stays away for MaxReconnects attempts
// (ErrGaveUp). It never closes codes.
func (s *Serial) Run(ctx context.Context, codes chan<- string) error {
	delay := s.ReconnectDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	maxFail := s.MaxReconnects
	if maxFail <= 0 {
		maxFail = 120
	}
	failures := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		port, err := s.open()
		if err != nil {
			failures++
			s.event(Event{Kind: OpenFailed, Err: err})
			if failures >= maxFail {
				return fmt.Errorf("%w: %s: %d attempts, last: %v", ErrGaveUp, s.Path, failures, err)
			}
		} else {
			failures = 0
			s.event(Event{Kind: Connected})
			err = s.read(ctx, port, codes)
			port.Close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.event(Event{Kind: Disconnected, Err: err})
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Serial) open() (Port, error) {
	if s.Open != nil {
		return s.Open()
	}
	mode := s.Mode
	if mode == nil {
		mode = &serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	}
	p, err := serial.Open(s.Path, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Path, err)
	}
	return p, nil
}

func (s *Serial) event(e Event) {
	if s.OnEvent != nil {
		s.OnEvent(e)
	}
}

// read runs until the port fails or ctx is done.
func (s *Serial) read(ctx context.Context, port Port, codes chan<- string) error {
	if err := port.SetReadTimeout(pollInterval); err != nil {
		return fmt.Errorf("set read timeout: %w", err)
	}
	f := &Framer{MaxFrame: s.MaxFrame}
	buf := make([]byte, 512)
	var last time.Time
	dropped := 0
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n, err := port.Read(buf)
		if n > 0 {
			last = time.Now()
			for _, c := range f.Feed(buf[:n]) {
				select {
				case codes <- c:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if f.Dropped() > dropped {
				dropped = f.Dropped()
				s.event(Event{Kind: FrameDiscarded})
			}
		}
		if err != nil {
			if p := f.Discard(); p > 0 {
				s.event(Event{Kind: FrameDiscarded, N: p})
			}
			return err
		}
		if n == 0 && s.IdleFlush > 0 && f.Pending() > 0 && time.Since(last) >= s.IdleFlush {
			if c, ok := f.Flush(); ok {
				select {
				case codes <- c:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
}
