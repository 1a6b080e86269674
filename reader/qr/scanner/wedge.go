package scanner

import (
	"strings"
	"time"
)

// Key is one key press as the UI toolkit delivers it, with the time it
// arrived. Enter is the Return/Enter key; otherwise Rune is the character.
type Key struct {
	Rune  rune
	Enter bool
	At    time.Time
}

// Origin says who produced a run of keys.
type Origin int

// Origins of key runs.
const (
	Typed   Origin = iota + 1 // a person at the keyboard: hand the keys back to the UI
	Scanned                   // a keyboard-wedge scanner burst: a code
)

func (o Origin) String() string {
	switch o {
	case Typed:
		return "typed"
	case Scanned:
		return "scanned"
	}
	return "unknown"
}

// Run is a decided run of keys. For Typed, Text is the keys in order with
// Enter as "\n", for the UI to replay; for Scanned it is the code without
// its Enter.
type Run struct {
	Origin Origin
	Text   string
}

// Wedge tells a keyboard-wedge scanner from a person typing, so a kiosk can
// listen for scans with no text field focused. A scanner types a whole code
// as a burst of keys a few milliseconds apart, ending in Enter; people leave
// far longer gaps. Keys are held while a burst may be in progress and then
// given back, so typing is never lost, only delayed by at most MaxGap (call
// Flush from a timer). It is pure logic driven by the keys' timestamps and
// the now passed to Flush. Not safe for concurrent use.
type Wedge struct {
	// MaxGap is the longest pause between two keys of one scan; 0 means
	// DefaultMaxGap.
	MaxGap time.Duration
	// MinLen is the fewest characters a scan has (Enter excluded); 0 means
	// DefaultMinLen.
	MinLen int

	pending []Key
}

// Defaults for Wedge. Scanners type one key every 1 to 20 ms; 50 ms between
// keys sustained over 8 keys would be 240 words a minute.
const (
	DefaultMaxGap = 50 * time.Millisecond
	DefaultMinLen = 8
)

func (w *Wedge) maxGap() time.Duration {
	if w.MaxGap > 0 {
		return w.MaxGap
	}
	return DefaultMaxGap
}

func (w *Wedge) minLen() int {
	if w.MinLen > 0 {
		return w.MinLen
	}
	return DefaultMinLen
}

// Feed takes one key and returns the runs it decides, in order (often
// none: the key is held until the burst is decided).
func (w *Wedge) Feed(k Key) []Run {
	var out []Run
	if n := len(w.pending); n > 0 && k.At.Sub(w.pending[n-1].At) > w.maxGap() {
		out = append(out, w.typed())
	}
	if !k.Enter {
		w.pending = append(w.pending, k)
		return out
	}
	if len(w.pending) >= w.minLen() {
		var b strings.Builder
		for _, p := range w.pending {
			b.WriteRune(p.Rune)
		}
		w.pending = w.pending[:0]
		return append(out, Run{Origin: Scanned, Text: b.String()})
	}
	w.pending = append(w.pending, k)
	return append(out, w.typed())
}

// Flush gives back as typed the held keys when no key came for more than
// MaxGap before now: a burst that did not end in Enter in time is a person.
func (w *Wedge) Flush(now time.Time) []Run {
	if n := len(w.pending); n > 0 && now.Sub(w.pending[n-1].At) > w.maxGap() {
		return []Run{w.typed()}
	}
	return nil
}

// Pending is the number of keys held back.
func (w *Wedge) Pending() int { return len(w.pending) }

func (w *Wedge) typed() Run {
	var b strings.Builder
	for _, p := range w.pending {
		if p.Enter {
			b.WriteByte('\n')
		} else {
			b.WriteRune(p.Rune)
		}
	}
	w.pending = w.pending[:0]
	return Run{Origin: Typed, Text: b.String()}
}
