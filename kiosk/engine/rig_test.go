package engine

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/reader"
	"motcua/sync/outbox"
)

// Demo deck indexes (simcard.DemoDeck).
const (
	cardGenuine = 0
	cardSecond  = 1
	cardAltered = 2
	cardClone   = 3
)

// clock is a settable time for idle and back-off tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// notifier counts the engine's wake-ups of the sync worker.
type notifier struct{ n atomic.Int32 }

func (n *notifier) Notify() { n.n.Add(1) }

// rig is an engine on the simulated reader with a real outbox, recording
// every event it emits.
type rig struct {
	t      testing.TB
	e      *Engine
	deck   *simcard.Deck
	reader *simcard.Reader
	box    *outbox.Store
	clock  *clock
	worker *notifier

	mu     sync.Mutex
	events []Event
}

func newRig(t testing.TB, mode Mode, tweak func(*Config)) *rig {
	t.Helper()
	r := simcard.NewReader("Simulated reader (engine test)")
	deck := simcard.DemoDeck(r)
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"), outbox.Options{Device: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	trust, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	w := &notifier{}
	cfg := Config{Mode: mode, Terminal: r, Catalog: cat, Outbox: box, Worker: w, Device: "test-kiosk",
		AdminPIN: "246813", Idle: 90 * time.Second, Grace: 30 * time.Second, Now: clk.Now,
		ReadOptions: reader.Options{Trust: trust}}
	if tweak != nil {
		tweak(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rg := &rig{t: t, e: e, deck: deck, reader: r, box: box, clock: clk, worker: w}
	unsub := e.Subscribe(func(ev Event) {
		rg.mu.Lock()
		rg.events = append(rg.events, ev)
		rg.mu.Unlock()
	})
	e.Start(context.Background())
	t.Cleanup(func() {
		e.Stop()
		unsub()
		box.Close()
	})
	return rg
}

// until polls the view until ok (bounded: 10 s).
func (r *rig) until(what string, ok func(View) bool) View {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := r.e.View()
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s did not happen; view: step %s notice %q %q; events: %s", what, v.Step, v.Notice, v.Detail, r.kinds())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// step waits for the visit to be at s.
func (r *rig) step(s Step) View {
	r.t.Helper()
	return r.until("step "+s.String(), func(v View) bool { return v.Step == s })
}

// event waits for an event of kind k and returns the first one.
func (r *rig) event(k Kind) Event {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, ev := range r.events {
			if ev.Kind == k {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("no %s event; events: %s", k, r.kinds())
	return Event{}
}

// count is how many events of kind k were emitted so far.
func (r *rig) count(k Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func (r *rig) kinds() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, ev := range r.events {
		if ev.Kind != CardProgress && ev.Kind != SyncChanged && ev.Kind != ReaderReady {
			s = append(s, ev.Kind.String()+"→"+ev.Step.String())
		}
	}
	return strings.Join(s, " ")
}

func (r *rig) insert(i int) {
	r.t.Helper()
	if err := r.deck.Insert(i); err != nil {
		r.t.Fatal(err)
	}
}

// readCard puts card i down, scans its QR when asked and waits for step.
func (r *rig) readCard(i int, step Step) View {
	r.t.Helper()
	r.insert(i)
	r.step(StepKey)
	r.e.Scanned(r.deck.QR(i))
	return r.step(step)
}
