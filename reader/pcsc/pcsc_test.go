package pcsc

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ebfe/scard"

	"motcua/reader/iso7816"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		in   error
		want []error
		not  []error
	}{
		{scard.ErrRemovedCard, []error{iso7816.ErrCardRemoved, ErrCardRemoved}, []error{ErrNoCard, iso7816.ErrTransient}},
		{scard.ErrNoSmartcard, []error{ErrNoCard, iso7816.ErrCardRemoved}, nil},
		{scard.ErrUnresponsiveCard, []error{ErrNoCard}, nil},
		{scard.ErrResetCard, []error{ErrCardReset, iso7816.ErrTransient}, []error{iso7816.ErrCardRemoved}},
		{scard.ErrCommError, []error{iso7816.ErrTransient}, []error{ErrCardReset}},
		{scard.ErrUnknownReader, []error{ErrNoReader}, []error{ErrReaderUnavailable}},
		{scard.ErrNoReadersAvailable, []error{ErrNoReader}, nil},
		{scard.ErrReaderUnavailable, []error{ErrReaderUnavailable, ErrNoReader}, nil},
		{scard.ErrSharingViolation, []error{ErrSharing}, []error{ErrNoCard}},
		{scard.ErrNoService, []error{ErrNoService}, nil},
		{scard.ErrServiceStopped, []error{ErrNoService}, nil},
		{scard.ErrInvalidHandle, []error{scard.ErrInvalidHandle}, []error{ErrNoService, ErrNoReader, ErrNoCard}},
	}
	for _, tt := range tests {
		got := translate(tt.in)
		for _, w := range tt.want {
			if !errors.Is(got, w) {
				t.Errorf("translate(%v) = %v, want it to match %v", tt.in, got, w)
			}
		}
		for _, n := range tt.not {
			if errors.Is(got, n) {
				t.Errorf("translate(%v) = %v, must not match %v", tt.in, got, n)
			}
		}
	}
	plain := errors.New("not a PC/SC error")
	if translate(plain) != plain {
		t.Error("a foreign error was rewritten")
	}
}

// st builds an event state word: flags plus the event counter.
func st(flags scard.StateFlag, counter uint16) scard.StateFlag {
	return flags | scard.StateFlag(uint32(counter)<<16)
}

func TestCardTracker(t *testing.T) {
	type step struct {
		ev                scard.StateFlag
		removed, inserted bool
	}
	pres, empty := scard.StatePresent|scard.StateChanged, scard.StateEmpty|scard.StateChanged
	tests := []struct {
		name  string
		steps []step
	}{
		{"starts empty", []step{{st(empty, 0), false, false}}},
		{"starts with a card", []step{{st(pres, 3), false, true}}},
		{"insert then remove", []step{
			{st(empty, 4), false, false},
			{st(pres, 5), false, true},
			{st(pres|scard.StateInuse|scard.StateExclusive, 5), false, false}, // someone connected
			{st(empty, 6), true, false},
		}},
		{"swap between two looks", []step{
			{st(pres, 1), false, true},
			{st(pres, 3), true, true},
		}},
		{"counter wraps", []step{
			{st(pres, 0xFFFF), false, true},
			{st(pres, 0x0001), true, true},
		}},
		{"one event, same presence: not a swap", []step{
			{st(pres, 7), false, true},
			{st(pres, 8), false, false},
		}},
		{"removed and back out between looks", []step{
			{st(empty, 2), false, false},
			{st(empty, 4), false, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr cardTracker
			for i, s := range tt.steps {
				r, in := tr.step(s.ev)
				if r != s.removed || in != s.inserted {
					t.Fatalf("step %d (%08X): removed=%v inserted=%v, want %v %v", i, uint32(s.ev), r, in, s.removed, s.inserted)
				}
			}
		})
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{
		ReaderAdded: "reader added", ReaderRemoved: "reader removed",
		CardInserted: "card inserted", CardRemoved: "card removed", 0: "EventKind(0)",
	} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", int(k), k.String(), want)
		}
	}
}

// The reader-set bookkeeping behind Watch: hot-plug diffs, a card pulled
// out with its reader, and states that keep what PC/SC last said.
func TestWatcherSync(t *testing.T) {
	ch := make(chan Event, 16)
	w := &watcher{ctx: context.Background(), out: ch, readers: map[string]*cardTracker{}}
	got := func() []string {
		var s []string
		for len(ch) > 0 {
			e := <-ch
			s = append(s, e.Kind.String()+" "+e.Reader)
		}
		return s
	}
	check := func(want ...string) {
		t.Helper()
		if g := got(); !slices.Equal(g, want) {
			t.Fatalf("events %q, want %q", g, want)
		}
	}
	w.sync([]string{"A", "B"})
	check("reader added A", "reader added B")
	states := w.states(nil)
	if pnpSupported && (len(states) != 3 || states[0].Reader != pnpNotification) {
		t.Fatalf("states %v", states)
	}
	for i := range states {
		states[i].CurrentState = scard.StateFlag(0x10000*(i+1)) | scard.StateEmpty
	}
	w.card("B", w.readers["B"], st(scard.StatePresent|scard.StateChanged, 1), []byte{0x3B, 0x00})
	check("card inserted B")

	w.sync([]string{"B", "C"}) // A unplugged, C plugged in
	check("reader removed A", "reader added C")
	states = w.states(states)
	want := map[string]scard.StateFlag{}
	if pnpSupported {
		want[pnpNotification] = 0x10000 | scard.StateEmpty
	}
	want["B"] = scard.StateFlag(0x10000*(len(want)+2)) | scard.StateEmpty
	want["C"] = scard.StateUnaware
	if len(states) != len(want) {
		t.Fatalf("states %v", states)
	}
	for _, s := range states {
		if s.CurrentState != want[s.Reader] {
			t.Errorf("%s: state %X, want %X", s.Reader, uint32(s.CurrentState), uint32(want[s.Reader]))
		}
	}

	w.sync(nil) // the service stopped: B goes with its card
	check("card removed B", "reader removed B", "reader removed C")

	// A done context stops the reporting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w = &watcher{ctx: ctx, out: make(chan Event), readers: map[string]*cardTracker{}}
	if w.sync([]string{"A"}) {
		t.Fatal("sync reported into a cancelled watcher")
	}
}
