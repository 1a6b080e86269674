package main

import (
	"context"

	"motcua/internal/agent"
)

// openPCSC returns the PC/SC reader to use, or nil when the simulated
// reader should stand in (see agent.OpenPCSC).
func openPCSC(ctx context.Context, name string) (*terminal, error) {
	r, err := agent.OpenPCSC(ctx, name)
	if err != nil || r == nil {
		return nil, err
	}
	return &terminal{Terminal: r, close: r.Close}, nil
}
