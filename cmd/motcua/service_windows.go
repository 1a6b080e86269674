//go:build windows

package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"

	"motcua/internal/config"
	"motcua/internal/logx"
)

// serviceName is the Windows service (and Event Log source) of the agent.
const serviceName = "motcua"

// exitUnhealthy is the service-specific exit code after the health checks
// failed for longer than the limit: the SCM counts it as a failure and its
// recovery actions (set by `motcua service install`) restart the agent.
const exitUnhealthy = 70

// runAsService runs `motcua serve` as the Windows service when the SCM
// started the process (svc.IsWindowsService); ok is false otherwise, and
// serve runs in the console as usual.
func runAsService(cfg *config.Config, source string) (code int, ok bool) {
	if !startedBySCM() {
		return 0, false
	}
	// A service has no console: stderr goes nowhere, so the JSON log goes
	// to a file unless the configuration names one: log\motcua.log beside
	// the configuration file (%ProgramData%\motcua as installed).
	if cfg.Log.Output == "" || cfg.Log.Output == "stderr" {
		base := filepath.Join(programData(), "motcua")
		if source != "" {
			base = filepath.Dir(source)
		}
		cfg.Log.Output = filepath.Join(base, "log", "motcua.log")
	}
	h := &scmHandler{cfg: cfg, source: source}
	if err := svc.Run(serviceName, h); err != nil {
		if el, e := eventlog.Open(serviceName); e == nil {
			el.Error(eventError, "motcua serve could not run as the Windows service: "+err.Error())
			el.Close()
		}
		return fail("service: %v", err), true
	}
	return h.code, true
}

// startedBySCM reports whether the SCM started this process. It is
// svc.IsWindowsService, which also wants the parent in session 0; Wine runs
// services.exe in another session, so a parent that is services.exe counts
// too (on Windows services.exe only ever runs in session 0).
func startedBySCM() bool {
	if is, err := svc.IsWindowsService(); err == nil && is {
		return true
	}
	return strings.EqualFold(parentImage(), "services.exe")
}

// parentImage is the executable name of the parent process ("" if unknown).
func parentImage() string {
	ppid := uint32(os.Getppid())
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if e.ProcessID == ppid {
			return windows.UTF16ToString(e.ExeFile[:])
		}
	}
	return ""
}

// programData is %ProgramData% (C:\ProgramData when unset).
func programData() string {
	if pd := os.Getenv("ProgramData"); pd != "" {
		return pd
	}
	return `C:\ProgramData`
}

// scmHandler is the svc.Handler running serve.
type scmHandler struct {
	cfg    *config.Config
	source string
	code   int
}

// Execute runs serve until the SCM stops the service or serve ends. It
// returns a service-specific error code when serve failed or stayed
// unhealthy, so the SCM's recovery actions restart the agent.
func (h *scmHandler) Execute(_ []string, req <-chan svc.ChangeRequest, st chan<- svc.Status) (bool, uint32) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sup := newSCMSupervisor(st, cancel, h.cfg.Service.HealthInterval.Duration)
	defer sup.close()
	sup.set(svc.Status{State: svc.StartPending, WaitHint: 60_000})
	done := make(chan int, 1)
	go func() { done <- serve(withSupervisor(ctx, sup), h.cfg, h.source) }()
	for {
		select {
		case code := <-done:
			if code == 0 && sup.gaveUp() {
				code = exitUnhealthy
			}
			h.code = code
			// svc.Run reports Stopped with these: a service-specific
			// error when serve failed or was stopped as unhealthy.
			return code != 0, uint32(code)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				sup.resend()
			case svc.Stop, svc.Shutdown:
				sup.Stopping()
				cancel()
			}
		}
	}
}

// Event Log event ids (one per level: the message carries the detail).
const (
	eventInfo  = 1
	eventWarn  = 2
	eventError = 3
)

// scmSupervisor reports serve's state to the SCM. The SCM has no watchdog:
// the status says Running only after serve is ready, is re-reported after
// every passing health check, and when the checks fail for longer than
// the limit (the systemd unit's WatchdogSec counterpart) the service stops
// with exitUnhealthy so the recovery actions restart it.
type scmSupervisor struct {
	mu       sync.Mutex
	st       chan<- svc.Status
	cur      svc.Status
	cancel   context.CancelFunc
	interval time.Duration
	limit    time.Duration
	healthy  time.Time // last passing check (or readiness)
	stopping bool
	giveUp   bool
	log      *slog.Logger
	el       *eventlog.Log
}

func newSCMSupervisor(st chan<- svc.Status, cancel context.CancelFunc, interval time.Duration) *scmSupervisor {
	interval, limit := healthTiming(interval)
	return &scmSupervisor{st: st, cancel: cancel, interval: interval, limit: limit, healthy: time.Now()}
}

// healthTiming is the check interval (service.health_interval, else 10s)
// and how long the checks may fail before the agent is restarted: 30s like
// the systemd unit's WatchdogSec, or two intervals when those are longer.
func healthTiming(configured time.Duration) (interval, limit time.Duration) {
	interval = configured
	if interval <= 0 {
		interval = 10 * time.Second
	}
	return interval, max(30*time.Second, 2*interval)
}

// set sends a status to the SCM and remembers it for Interrogate.
func (s *scmSupervisor) set(v svc.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = v
	s.st <- v
}

func (s *scmSupervisor) resend() { s.set(s.current()) }

func (s *scmSupervisor) current() svc.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *scmSupervisor) gaveUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.giveUp
}

// Logger tees serve's log to the Event Log (source "motcua", registered by
// `motcua service install`), through the same redaction as the JSON log.
func (s *scmSupervisor) Logger(log *slog.Logger, sc *logx.Scrubber) *slog.Logger {
	el, err := eventlog.Open(serviceName)
	if err != nil {
		log.Warn("Windows Event Log unavailable: logging to the JSON log only", "err", err)
		s.log = log
		return log
	}
	s.el = el
	s.log = slog.New(teeHandler{log.Handler(), logx.NewRedactor(newEventLogHandler(el, slog.LevelInfo), sc)})
	return s.log
}

func (s *scmSupervisor) HealthInterval() time.Duration { return s.interval }

// Ready: the SCM hears Running, accepting stop and shutdown.
func (s *scmSupervisor) Ready(string) {
	s.mu.Lock()
	s.healthy = time.Now()
	s.mu.Unlock()
	s.set(svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown})
}

// Health re-reports Running after a passing check; after failing checks
// for longer than the limit it stops serve, to be restarted.
func (s *scmSupervisor) Health(err error) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	now := time.Now()
	if err == nil {
		s.healthy = now
		s.mu.Unlock()
		s.resend()
		return
	}
	over := now.Sub(s.healthy) >= s.limit
	if over {
		s.giveUp, s.stopping = true, true
	}
	s.mu.Unlock()
	if over {
		if s.log != nil {
			s.log.Error("unhealthy for too long: stopping so that the service manager restarts the agent", "err", err, "limit", s.limit.String())
		}
		s.set(svc.Status{State: svc.StopPending, WaitHint: 20_000})
		s.cancel()
	}
}

// Stopping: the SCM hears StopPending.
func (s *scmSupervisor) Stopping() {
	s.mu.Lock()
	already := s.stopping && s.cur.State == svc.StopPending
	s.stopping = true
	s.mu.Unlock()
	if !already {
		s.set(svc.Status{State: svc.StopPending, WaitHint: 20_000})
	}
}

func (s *scmSupervisor) close() {
	if s.el != nil {
		s.el.Close()
	}
}

// withSupervisor hands s to the serve started with ctx.
func withSupervisor(ctx context.Context, s supervisor) context.Context {
	return context.WithValue(ctx, supervisorKey{}, s)
}
