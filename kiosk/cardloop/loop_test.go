package cardloop

import (
	"context"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/lds"
)

// run starts a loop on a simulated reader and returns its events.
func run(t *testing.T, r *simcard.Reader, keys *KeyBox, opts reader.Options) <-chan Event {
	t.Helper()
	events := make(chan Event, 64)
	l := &Loop{Terminal: r, Keys: keys, Options: opts, OnEvent: func(e Event) { events <- e }, RetryPause: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return events
}

// next waits (bounded) for the next event that is neither progress nor an
// early identity, collecting the progress events on the way.
func next(t *testing.T, ch <-chan Event, progress *[]Event) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Type == Identified {
				e.Early.Wipe()
				continue
			}
			if e.Type == Progress {
				if progress != nil {
					*progress = append(*progress, e)
				}
				continue
			}
			return e
		case <-timeout:
			t.Fatal("no card loop event within 10s")
		}
	}
}

func card(t *testing.T, fault simcard.Fault) *simcard.Card {
	c, err := simcard.ReferenceProfile().Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadWithProgress(t *testing.T) {
	r := simcard.NewReader("sim")
	keys := NewKeyBox()
	ev := run(t, r, keys, reader.Options{})
	r.Insert(card(t, ""))
	if e := next(t, ev, nil); e.Type != Inserted || !e.NeedsKey {
		t.Fatalf("first event %v (needs key %v)", e.Type, e.NeedsKey)
	}
	k, _ := reader.KeyFromID(simcard.ReferenceProfile().Identity.IDNumber)
	keys.Put([]reader.Key{k}, nil)
	if e := next(t, ev, nil); e.Type != Reading {
		t.Fatalf("want reading, got %v", e.Type)
	}
	var prog []Event
	e := next(t, ev, &prog)
	if e.Type != Read || e.Result == nil || e.Result.IDNumber != simcard.ReferenceProfile().Identity.IDNumber {
		t.Fatalf("want a read, got %v %v", e.Type, e.Err)
	}
	if len(prog) != 6 || prog[0].File != lds.DG13 || prog[5].File != lds.DG2 || prog[5].Done != prog[5].Total {
		t.Fatalf("progress: %+v", prog)
	}
	if keys.Waiting() {
		t.Fatal("keys stayed after the read")
	}
	r.Remove()
	if e := next(t, ev, nil); e.Type != Removed {
		t.Fatalf("want removed, got %v", e.Type)
	}
}

func TestWrongKeyAsksAgain(t *testing.T) {
	r := simcard.NewReader("sim")
	keys := NewKeyBox()
	ev := run(t, r, keys, reader.Options{SkipPhoto: true})
	r.Insert(card(t, ""))
	next(t, ev, nil) // inserted
	keys.Put([]reader.Key{{CAN: "000000"}}, nil)
	next(t, ev, nil) // reading
	e := next(t, ev, nil)
	if e.Type != Failed || !e.NeedsKey {
		t.Fatalf("wrong key: %v needs key %v (%v)", e.Type, e.NeedsKey, e.Err)
	}
	k, _ := reader.KeyFromCAN(simcard.ReferenceProfile().CAN())
	keys.Put([]reader.Key{k}, nil)
	next(t, ev, nil) // reading
	if e := next(t, ev, nil); e.Type != Read {
		t.Fatalf("right key after a wrong one: %v %v", e.Type, e.Err)
	}
}

func TestRemovedMidReadStopsTheRead(t *testing.T) {
	r := simcard.NewReader("sim")
	keys := NewKeyBox()
	ev := run(t, r, keys, reader.Options{})
	k, _ := reader.KeyFromCAN(simcard.ReferenceProfile().CAN())
	keys.Put([]reader.Key{k}, nil)       // a QR scanned before the card came
	r.Insert(card(t, simcard.FaultSlow)) // 20 ms per APDU: removal lands mid-read
	if e := next(t, ev, nil); e.Type != Inserted || e.NeedsKey {
		t.Fatalf("inserted with keys waiting: %v needs key %v", e.Type, e.NeedsKey)
	}
	next(t, ev, nil) // reading
	r.Remove()
	var prog []Event
	e := next(t, ev, &prog)
	if e.Type != Removed {
		t.Fatalf("want removed (and no read), got %v", e.Type)
	}
	select {
	case e := <-ev:
		t.Fatalf("event after removal: %v", e.Type)
	case <-time.After(50 * time.Millisecond):
	}
}

// The identity comes as soon as DG13 and DG1 are in, before the proof
// files, then again with the photo; the verified read follows.
func TestIdentifiedBeforeTheProof(t *testing.T) {
	r := simcard.NewReader("sim")
	keys := NewKeyBox()
	ev := run(t, r, keys, reader.Options{})
	k, _ := reader.KeyFromID(simcard.ReferenceProfile().Identity.IDNumber)
	keys.Put([]reader.Key{k}, nil)
	r.Insert(card(t, ""))
	var seq []string
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case e := <-ev:
			switch e.Type {
			case Progress:
				seq = append(seq, lds.FileOf(e.File).Name)
			case Identified:
				if e.Early.Identity.IDNumber != simcard.ReferenceProfile().Identity.IDNumber {
					t.Fatal("early identity is not the card's")
				}
				if len(e.Early.Photo) > 0 {
					seq = append(seq, "identified+photo")
				} else {
					seq = append(seq, "identified")
				}
				e.Early.Wipe()
			case Read:
				seq = append(seq, "read")
				e.Result.Wipe()
				done = true
			case Failed:
				t.Fatalf("read failed: %v", e.Err)
			}
		case <-timeout:
			t.Fatalf("no read; so far %v", seq)
		}
	}
	want := "DG13 DG1 identified EF.SOD DG14 DG15 DG2 identified+photo read"
	if got := strings.Join(seq, " "); got != want {
		t.Fatalf("order:\n got %s\nwant %s", got, want)
	}
}
