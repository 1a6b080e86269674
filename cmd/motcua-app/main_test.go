package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"

	"motcua/internal/config"
)

// TestStartAppDemo starts the app as `motcua` with no reader does: the demo
// deck, the embedded store under DATA/demo, and the loopback intake; then
// stops everything it started.
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
		if _, err := os.Stat(filepath.Join(data, "demo", "outbox")); err != nil {
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
