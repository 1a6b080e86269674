package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"motcua/hwtest/simcard"
	"motcua/internal/config"
	"motcua/reader/pa"
	"motcua/sync/outbox"
)

// Options say how a binary starts the agent.
type Options struct {
	// Role names the binary and its role for the agent lock and messages,
	// e.g. "motcua serve", "motcua-app", "motcua sync".
	Role string
	// Config is the loaded configuration; ConfigFile the file it came from
	// ("" when there was none: the built-in defaults).
	Config     *config.Config
	ConfigFile string
	// Demo is an explicit --demo. DemoWithoutConfig makes the absence of a
	// configuration file a demo too (the app: the README's first command).
	Demo              bool
	DemoWithoutConfig bool
	// SkipTrust leaves the trust store unloaded (a role that reads no card:
	// motcua sync).
	SkipTrust bool
	// Log receives start-up reports.
	Log *slog.Logger
}

// Agent is a started agent: one per data directory, holding its lock.
type Agent struct {
	Config *config.Config
	Log    *slog.Logger
	// Demo: synthetic cards, the test CSCA, DATA/demo, and no delivery to
	// the configured provider. Only ever by explicit choice.
	Demo bool
	// DataDir is the data directory in use (DATA/demo in the demo).
	DataDir string
	// Trust is the CSCA trust store (nil: none, verdicts are chain_unknown);
	// TrustInfo describes it for status screens.
	Trust     *pa.TrustStore
	TrustInfo string
	// Migration is what the outbox migration did at start.
	Migration Migration

	lock *Lock
}

// WantsDemo reports whether the agent runs the demo: only when asked
// (--demo), or, for the app, when there is no configuration file at all.
// A configuration with no reader attached is not a demo: it waits.
func WantsDemo(explicit, withoutConfig bool, configFile string) bool {
	return explicit || (withoutConfig && configFile == "")
}

// Start is the one start-up of the agent's binaries: the data directory,
// the agent lock (a second agent on the same directory is refused with a
// *RunningError), the outbox in its one path (an older layout migrated),
// and the trust store.
func Start(o Options) (*Agent, error) {
	if o.Config == nil {
		return nil, errors.New("agent: no configuration")
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Agent{Config: o.Config, Log: log, Demo: WantsDemo(o.Demo, o.DemoWithoutConfig, o.ConfigFile)}
	dir, err := DataDir(o.Config)
	if err != nil {
		return nil, err
	}
	if a.Demo {
		dir = filepath.Join(dir, "demo") // demo dossiers never mix with real ones
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("demo data directory: %w", err)
		}
	}
	a.DataDir = dir
	if a.lock, err = AcquireLock(dir, o.Role); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			a.lock.Release()
		}
	}()
	if a.Migration, err = MigrateOutbox(dir, a.OutboxOptions(), log); err != nil {
		return nil, err
	}
	switch {
	case o.SkipTrust:
	case a.Demo:
		if a.Trust, err = simcard.DefaultTrust(); err != nil {
			return nil, err
		}
		a.TrustInfo = "DEMO: the test CSCA of the synthetic cards"
		log.Warn("DEMO: synthetic cards, the test CSCA, dossiers kept apart", "data_dir", dir)
	default:
		if a.Trust = LoadTrust(o.Config.Trust.CSCADir, log); a.Trust != nil {
			a.TrustInfo = fmt.Sprintf("%s (%d CSCA)", o.Config.Trust.CSCADir, len(a.Trust.CSCAs))
		}
	}
	ok = true
	return a, nil
}

// OutboxDir is the directory of the agent's outbox.
func (a *Agent) OutboxDir() string { return OutboxDir(a.DataDir) }

// PurgeSlack is how long past its retention an accepted payload may stay
// so that the agent's purges, tried on every sync pass, come in batches
// (outbox.Options.PurgeSlack: each purge that removes something rewrites
// every live record).
const PurgeSlack = time.Hour

// OutboxOptions are the outbox options from the configuration.
func (a *Agent) OutboxOptions() outbox.Options {
	return outbox.Options{Device: a.Config.Device(), Retention: a.Config.Retention.AcceptedPayload.Duration,
		PurgeSlack:  PurgeSlack,
		MaxAttempts: a.Config.Retention.MaxAttempts, Logger: a.Log}
}

// OpenOutbox opens the agent's outbox and reports a recovered (corrupt) file.
func (a *Agent) OpenOutbox() (*outbox.Store, error) {
	s, err := outbox.Open(a.OutboxDir(), a.OutboxOptions())
	if err != nil {
		return nil, err
	}
	if r := s.Recovered(); r != nil {
		a.Log.Error("the outbox file was corrupt and has been moved aside; a fresh outbox was created", "moved_to", r.MovedTo, "reason", r.Reason)
	}
	return s, nil
}

// Close releases the agent lock.
func (a *Agent) Close() { a.lock.Release() }
