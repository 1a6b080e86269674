package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"motcua/reader/pcsc"
)

// openPCSC returns the PC/SC reader to use, or nil when there is none to
// use and the simulated reader should stand in: no PC/SC service, no reader,
// or only vpcd's virtual readers with no card in them. A named reader that
// does not exist is an error.
func openPCSC(ctx context.Context, name string) (*terminal, error) {
	pc, err := pcsc.Open()
	if err != nil {
		if name == "" && errors.Is(err, pcsc.ErrNoService) {
			return nil, nil
		}
		return nil, err
	}
	names, err := pc.Readers()
	if err != nil {
		pc.Close()
		return nil, err
	}
	wrap := func(n string) *terminal {
		return &terminal{Terminal: pc.Terminal(n), close: func() { pc.Close() }}
	}
	if name != "" {
		if !slices.Contains(names, name) {
			pc.Close()
			return nil, fmt.Errorf("%w: %q (attached: %s)", pcsc.ErrNoReader, name, strings.Join(names, ", "))
		}
		return wrap(name), nil
	}
	// A reader that already holds a card wins.
	for _, n := range names {
		if present(ctx, pc.Terminal(n)) {
			return wrap(n), nil
		}
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "Virtual PCD") {
			return wrap(n), nil
		}
	}
	pc.Close()
	return nil, nil
}

// present reports whether a card is in the reader right now.
func present(ctx context.Context, t *pcsc.Terminal) bool {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p, ok := <-t.Watch(wctx)
	return ok && p
}
