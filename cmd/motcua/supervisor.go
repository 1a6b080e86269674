package main

import (
	"context"
	"log/slog"
	"time"

	"motcua/internal/logx"
)

// supervisor is the service manager that `motcua serve` reports to besides
// systemd (which it reaches through internal/sdnotify): the Windows Service
// Control Manager when the SCM started it (service_windows.go). Both hear the
// same health signal: the card loop and the outbox checks of serve.
type supervisor interface {
	// Logger returns the logger serve uses: log itself, or log plus a copy
	// to the Windows Event Log (redacted with sc like the JSON log).
	Logger(log *slog.Logger, sc *logx.Scrubber) *slog.Logger
	// HealthInterval is how often the supervisor needs a health verdict
	// when systemd asks for none (0: no checks for it).
	HealthInterval() time.Duration
	// Ready: the agent serves (status says where and with which reader).
	Ready(status string)
	// Health is each health check's verdict: nil when healthy.
	Health(err error)
	// Stopping: serve is shutting down.
	Stopping()
}

// noSupervisor is serve under systemd or in a terminal: nothing to tell.
type noSupervisor struct{}

func (noSupervisor) Logger(log *slog.Logger, _ *logx.Scrubber) *slog.Logger { return log }
func (noSupervisor) HealthInterval() time.Duration                          { return 0 }
func (noSupervisor) Ready(string)                                           {}
func (noSupervisor) Health(error)                                           {}
func (noSupervisor) Stopping()                                              {}

type supervisorKey struct{}

// supervisorFrom is the supervisor of ctx (noSupervisor when none).
func supervisorFrom(ctx context.Context) supervisor {
	if s, ok := ctx.Value(supervisorKey{}).(supervisor); ok {
		return s
	}
	return noSupervisor{}
}
