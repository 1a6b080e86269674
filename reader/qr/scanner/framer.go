// Package scanner reads QR codes from desk scanners: USB-serial (CDC)
// scanners that send each code as a line, and keyboard-wedge scanners that
// type it, told apart from a person typing by their timing.
package scanner

// DefaultMaxFrame bounds a frame: a card QR is a few hundred bytes and a QR
// code holds at most 2953.
const DefaultMaxFrame = 4096

// Framer splits a serial byte stream into codes. A code ends at CR, LF or
// CRLF; empty lines are skipped. A frame longer than MaxFrame is dropped
// whole (up to its terminator) and counted, never cut into pieces that could
// look like codes. The zero value is ready to use.
type Framer struct {
	// MaxFrame is the longest accepted frame in bytes; 0 means
	// DefaultMaxFrame.
	MaxFrame int

	buf      []byte
	overlong bool // the current frame passed MaxFrame: drop it at its end
	dropped  int
}

// Feed consumes bytes and returns the codes they complete, in order.
func (f *Framer) Feed(p []byte) []string {
	max := f.MaxFrame
	if max <= 0 {
		max = DefaultMaxFrame
	}
	var codes []string
	for _, c := range p {
		if c == '\r' || c == '\n' {
			// CRLF: the LF finds an empty buffer and is skipped.
			if code, ok := f.end(); ok {
				codes = append(codes, code)
			}
			continue
		}
		if f.overlong {
			continue
		}
		if len(f.buf) >= max {
			f.overlong = true
			f.buf = f.buf[:0]
			continue
		}
		f.buf = append(f.buf, c)
	}
	return codes
}

// end closes the current frame.
func (f *Framer) end() (string, bool) {
	if f.overlong {
		f.overlong = false
		f.dropped++
		return "", false
	}
	if len(f.buf) == 0 {
		return "", false
	}
	code := string(f.buf)
	clear(f.buf)
	f.buf = f.buf[:0]
	return code, true
}

// Flush ends the pending frame as if a terminator had arrived: for scanners
// configured without a suffix, after a silence. It reports false when
// nothing was pending.
func (f *Framer) Flush() (string, bool) { return f.end() }

// Pending is the number of bytes of the unfinished frame.
func (f *Framer) Pending() int { return len(f.buf) }

// Discard drops the unfinished frame (after a disconnect the rest of it
// will never come) and returns its length.
func (f *Framer) Discard() int {
	n := len(f.buf)
	clear(f.buf)
	f.buf = f.buf[:0]
	f.overlong = false
	return n
}

// Dropped is the number of overlong frames dropped so far.
func (f *Framer) Dropped() int { return f.dropped }
