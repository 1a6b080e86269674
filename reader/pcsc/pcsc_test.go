package pcsc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"motcua/reader/iso7816"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{scard.ErrRemovedCard, iso7816.ErrCardRemoved},
		{scard.ErrNoSmartcard, iso7816.ErrCardRemoved},
		{scard.ErrResetCard, iso7816.ErrTransient},
		{scard.ErrCommError, iso7816.ErrTransient},
		{scard.ErrUnknownReader, ErrNoReader},
		{scard.ErrReaderUnavailable, ErrNoReader},
		{scard.ErrSharingViolation, ErrSharing},
		{scard.ErrNoService, ErrNoService},
	}
	for _, tt := range tests {
		if got := translate(tt.in); !errors.Is(got, tt.want) {
			t.Errorf("translate(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// With a PC/SC service present, the reader list and the hot-plug watcher
// agree; without one, Open fails with ErrNoService and the test skips.
func TestReadersAndWatch(t *testing.T) {
	c, err := Open()
	if err != nil {
		if errors.Is(err, ErrNoService) {
			t.Skip("no PC/SC service on this machine")
		}
		t.Fatal(err)
	}
	defer c.Close()
	names, err := c.Readers()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, ok := <-c.WatchReaders(ctx)
	if !ok {
		t.Fatal("reader watcher closed at once")
	}
	if len(first) != len(names) {
		t.Fatalf("watcher saw %v, list says %v", first, names)
	}
	if _, err := c.Terminal("no such reader").Connect(); !errors.Is(err, ErrNoReader) && !errors.Is(err, ErrNoCard) {
		t.Fatalf("connect to a missing reader: %v", err)
	}
}
