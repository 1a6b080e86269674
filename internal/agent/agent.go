// Package agent is the wiring the agent's binaries share: where the data
// lives, the trust store, the read options from the configuration, and
// which PC/SC reader to use. The CLI and service (cmd/motcua) and the app
// (cmd/motcua-app) start from the same configuration the same way.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"motcua/internal/config"
	"motcua/reader"
	"motcua/reader/pa"
	"motcua/reader/pcsc"
	"motcua/sync/outbox"
)

// DataDir is the configured data directory, created (0700) if needed.
func DataDir(cfg *config.Config) (string, error) {
	dir, err := cfg.DataDir(outbox.DefaultDataDir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	return dir, nil
}

// LoadTrust loads the CSCA trust store; without one, verdicts are
// chain_unknown (said once, loudly). It never fails: no trust store is a
// normal state.
func LoadTrust(dir string, log *slog.Logger) *pa.TrustStore {
	if dir == "" {
		log.Warn("no trust store configured (trust.csca_dir): Passive Authentication verdicts will be chain_unknown")
		return nil
	}
	if _, err := os.Stat(dir); err != nil {
		log.Warn("trust store directory missing: Passive Authentication verdicts will be chain_unknown", "dir", dir)
		return nil
	}
	ts, err := pa.LoadDir(dir)
	if err != nil {
		log.Error("trust store not loaded", "dir", dir, "err", err)
		return nil
	}
	log.Info("trust store loaded", "dir", dir, "cscas", len(ts.CSCAs))
	return ts
}

// ReadOptions are the chip read options the configuration asks for.
func ReadOptions(cfg *config.Config, trust *pa.TrustStore) reader.Options {
	return reader.Options{Trust: trust, SkipPhoto: !cfg.Reader.ReadPhoto, Extended: ExtendedMode(cfg.Reader.Extended)}
}

// ExtendedMode maps reader.extended ("on", "off", "auto").
func ExtendedMode(s string) reader.ExtendedMode {
	switch s {
	case "on":
		return reader.ExtendedOn
	case "off":
		return reader.ExtendedOff
	}
	return reader.ExtendedAuto
}

// PCSCReader is a PC/SC reader slot and the PC/SC context it holds.
type PCSCReader struct {
	*pcsc.Terminal
	ctx *pcsc.Context
}

// Close releases the PC/SC context.
func (r *PCSCReader) Close() { r.ctx.Close() }

// OpenPCSC returns the PC/SC reader to use, or nil when there is none to
// use and the simulated reader should stand in: no PC/SC service, no reader,
// or only vpcd's virtual readers with no card in them. A named reader that
// does not exist is an error.
func OpenPCSC(ctx context.Context, name string) (*PCSCReader, error) {
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
	wrap := func(n string) *PCSCReader {
		return &PCSCReader{Terminal: pc.Terminal(n), ctx: pc}
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
