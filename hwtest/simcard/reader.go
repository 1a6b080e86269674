package simcard

import (
	"context"
	"sync"
	"time"

	"motcua/reader"
)

// Latency models a contactless link: a fixed cost per APDU plus the time
// the bytes take at the link's bit rate (424 kbit/s for a fast ISO 14443 link).
type Latency struct {
	PerAPDU time.Duration
	BitRate int // bits per second; 0 means no transfer cost
}

// Contactless424 is a typical desktop contactless reader: about 3 ms of
// fixed cost per exchange (reader firmware, frame waiting time) at 424 kbit/s.
var Contactless424 = Latency{PerAPDU: 3 * time.Millisecond, BitRate: 424_000}

// Cost is the modelled time of one exchange.
func (l Latency) Cost(out, in int) time.Duration {
	d := l.PerAPDU
	if l.BitRate > 0 {
		d += time.Duration(int64(out+in) * 8 * int64(time.Second) / int64(l.BitRate))
	}
	return d
}

// Reader is an in-process card slot: the simulated reader. It implements
// iso7816.Transport for the card it holds, and reports insertions and
// removals to subscribers, like a PC/SC reader.
type Reader struct {
	name string

	mu      sync.Mutex
	card    *Card
	subs    map[chan bool]struct{}
	latency Latency
	pace    Latency // slept per exchange (SetPace)
	// Modelled is the link time the latency model added up (not slept).
	Modelled time.Duration
}

// NewReader makes an empty slot.
func NewReader(name string) *Reader {
	return &Reader{name: name, subs: map[chan bool]struct{}{}}
}

// Name is the reader's name.
func (r *Reader) Name() string { return r.name }

// SetLatency adds a modelled link cost to every exchange; it is accounted in
// Modelled, not slept, so benchmarks stay fast and deterministic.
func (r *Reader) SetLatency(l Latency) {
	r.mu.Lock()
	r.latency = l
	r.mu.Unlock()
}

// SetPace makes every exchange take the link's time for real (slept, not
// only accounted): the demo then moves at a real reader's pace, and
// benchmarks through the whole app see the read as a person would.
func (r *Reader) SetPace(l Latency) {
	r.mu.Lock()
	r.pace = l
	r.mu.Unlock()
}

// Insert puts a card in the slot (replacing any other) and powers it up.
func (r *Reader) Insert(c *Card) {
	c.Reset()
	c.mu.Lock()
	c.removed = false
	c.faulted = false
	c.mu.Unlock()
	r.mu.Lock()
	r.card = c
	r.notify(true)
	r.mu.Unlock()
}

// Remove takes the card out.
func (r *Reader) Remove() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.card == nil {
		return
	}
	r.card.Remove()
	r.card = nil
	r.notify(false)
}

// Present reports whether a card is in the slot.
func (r *Reader) Present() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.card != nil && !r.card.Removed()
}

// Card returns the card in the slot, or nil.
func (r *Reader) Card() *Card {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.card
}

// ATR returns the ATR of the card in the slot.
func (r *Reader) ATR() []byte {
	if c := r.Card(); c != nil {
		return c.ATR()
	}
	return nil
}

// Transmit sends one APDU to the card in the slot.
func (r *Reader) Transmit(apdu []byte) ([]byte, error) {
	r.mu.Lock()
	c, lat, pace := r.card, r.latency, r.pace
	r.mu.Unlock()
	if c == nil {
		return nil, ErrRemoved
	}
	out, err := c.Transmit(apdu)
	if pace != (Latency{}) {
		time.Sleep(pace.Cost(len(apdu), len(out)))
	}
	r.mu.Lock()
	r.Modelled += lat.Cost(len(apdu), len(out))
	if c.Removed() && r.card == c { // the card left mid-command (FaultPulled)
		r.card = nil
		r.notify(false)
	}
	r.mu.Unlock()
	return out, err
}

// notify tells subscribers of a change; called with r.mu held. A slow
// subscriber misses intermediate events but always sees the latest state.
func (r *Reader) notify(present bool) {
	for ch := range r.subs {
		select {
		case ch <- present:
		default:
			select { // replace the stale value with the current one
			case <-ch:
			default:
			}
			ch <- present
		}
	}
}

// Watch reports card presence: the current state at once, then every change,
// until ctx is done.
func (r *Reader) Watch(ctx context.Context) <-chan bool {
	ch := make(chan bool, 1)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	ch <- r.card != nil
	r.mu.Unlock()
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		delete(r.subs, ch)
		r.mu.Unlock()
	}()
	return ch
}

// Conn is a connection to the card in the simulated slot.
type Conn struct{ r *Reader }

// Connect opens the card in the slot.
func (r *Reader) Connect() (reader.Conn, error) {
	if !r.Present() {
		return nil, ErrRemoved
	}
	return &Conn{r: r}, nil
}

// Transmit sends one APDU.
func (c *Conn) Transmit(apdu []byte) ([]byte, error) { return c.r.Transmit(apdu) }

// ATR returns the card's ATR.
func (c *Conn) ATR() []byte { return c.r.ATR() }

// Close leaves the card in the slot.
func (c *Conn) Close() error { return nil }
