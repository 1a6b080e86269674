package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"

	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/sync/outbox"
)

// TestStartAppDemo starts the app as `motcua` with no configuration file
// does: the demo deck, the embedded store under DATA/demo, and the loopback
// intake; then stops everything it started.
func TestStartAppDemo(t *testing.T) {
	for _, queueOnly := range []bool{false, true} {
		data := t.TempDir()
		cfg := config.Defaults()
		cfg.Agent.DataDir = data
		cfg.Kiosk.Mode = "desk"
		a, cleanup, err := startApp(context.Background(), test.NewTempApp(t), &cfg,
			appChoice{Demo: true, QueueOnly: queueOnly, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Screen(); got != "attract" {
			t.Errorf("first screen %q", got)
		}
		cleanup()
		if _, err := os.Stat(filepath.Join(data, "demo", outbox.DBFile)); err != nil {
			t.Errorf("demo outbox not under DATA/demo: %v", err)
		}
		_, err = os.Stat(filepath.Join(data, "demo", "intake"))
		if queueOnly != os.IsNotExist(err) {
			t.Errorf("queue-only %v: intake data dir err %v", queueOnly, err)
		}
	}
}

func TestStartAppRejectsUnknownMode(t *testing.T) {
	cfg := config.Defaults()
	cfg.Agent.DataDir = t.TempDir()
	cfg.Kiosk.Mode = "arcade"
	if _, _, err := startApp(context.Background(), test.NewTempApp(t), &cfg, appChoice{Demo: true, Log: slog.New(slog.DiscardHandler)}); err == nil {
		t.Fatal("an unknown mode started")
	}
}

// A configured app never falls into the demo: with no reader attached it
// says "no reader" and waits; it has no default admin PIN; and it refuses
// to start beside another agent on its data directory.
func TestConfiguredAppWithNoReaderIsNotTheDemo(t *testing.T) {
	data := t.TempDir()
	cfg := config.Defaults()
	cfg.Agent.DataDir = data
	cfg.Kiosk.Mode = "desk"
	cfg.Reader.Name = "Reader that is not attached 00"
	cfg.Provider = config.Provider{Kind: "intake", Endpoint: "https://province.example.vn/intake", Token: "t", Timeout: cfg.Provider.Timeout}
	a, cleanup, err := startApp(context.Background(), test.NewTempApp(t), &cfg,
		appChoice{ConfigFile: "/etc/motcua/motcua.toml", Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if _, err := os.Stat(filepath.Join(data, "demo")); !os.IsNotExist(err) {
		t.Errorf("a configured app made a demo directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, outbox.DBFile)); err != nil {
		t.Errorf("outbox not in the one path DATA/outbox.db: %v", err)
	}
	_, _, err = startApp(context.Background(), test.NewTempApp(t), &cfg,
		appChoice{ConfigFile: "/etc/motcua/motcua.toml", Log: slog.New(slog.DiscardHandler)})
	var re *agent.RunningError
	if !errors.As(err, &re) || re.Binary != "motcua-app" {
		t.Fatalf("second app on the same data directory: %v", err)
	}
	if got := a.Screen(); got != "attract" {
		t.Errorf("first screen %q", got)
	}
}
