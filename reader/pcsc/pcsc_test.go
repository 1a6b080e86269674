package pcsc

import (
	"errors"
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
