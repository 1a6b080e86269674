package agent

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"motcua/kiosk/engine"
	"motcua/sync/connector"
	"motcua/sync/heartbeat"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// Version is the agent's version as heartbeats report it (set by the build
// with -ldflags "-X motcua/internal/agent.Version=...").
var Version = "dev"

// Heartbeat reports this device's health and what it did (counts, no
// personal data) to the hub, over the intake provider's channel and
// credentials. It counts from the engine's events and reads the outbox
// depth when it reports.
type Heartbeat struct {
	sender   *heartbeat.Sender
	mu       sync.Mutex
	lastSync *time.Time
	unsub    func()
	stop     func()
}

// StartHeartbeat starts reporting when the provider is the intake hub
// (provider.kind "intake", not the demo's loopback intake); otherwise it
// returns nil, nil: the iGate provider has no heartbeat endpoint. withOutbox
// gives the outbox for one reading (the app keeps it open, serve opens it
// per use).
func (a *Agent) StartHeartbeat(ctx context.Context, eng *engine.Engine, withOutbox func(func(*outbox.Store) error) error) (*Heartbeat, error) {
	p := a.Config.Provider
	if a.Demo || p.Kind != "intake" || p.Endpoint == "" {
		return nil, nil
	}
	h := &Heartbeat{}
	token := p.Token
	if t := os.Getenv("MOTCUA_SYNC_TOKEN"); t != "" {
		token = t
	}
	s, err := heartbeat.New(heartbeat.Config{
		Endpoint: p.Endpoint, Token: token, TLS: connector.TLSConfig{CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile}, Version: Version, Logger: a.Log,
		State: func(ctx context.Context) (heartbeat.State, error) {
			st := heartbeat.State{Reader: readerState(eng.View())}
			err := withOutbox(func(s *outbox.Store) error {
				o, err := heartbeat.FromOutbox(s, time.Now())
				st.Outbox = o
				return err
			})
			h.mu.Lock()
			st.LastSyncAt = h.lastSync
			h.mu.Unlock()
			return st, err
		},
	})
	if err != nil {
		return nil, err
	}
	h.sender = s
	// Counting happens inside the engine's event delivery: only event
	// fields are read (no View, which would wait for the engine's lock).
	h.unsub = eng.Subscribe(func(ev engine.Event) { count(s.Counter(), ev) })
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(hctx); err != nil && !errors.Is(err, context.Canceled) {
			a.Log.Warn("heartbeat stopped", "err", err)
		}
	}()
	h.stop = func() { cancel(); <-done }
	return h, nil
}

// count turns one engine event into the heartbeat's counts: codes only.
func count(c *heartbeat.Counter, ev engine.Event) {
	switch ev.Kind {
	case engine.Submitted:
		c.Add(heartbeat.Procedures, ev.Service)
	case engine.CardRead:
		c.Add(heartbeat.Channels, "chip")
		verdict := "chip_unverified"
		if ev.Read != nil && ev.Read.Verification.Verified() {
			verdict = "chip_verified"
		}
		c.Add(heartbeat.Verdicts, verdict)
	case engine.QRAccepted:
		c.Add(heartbeat.Channels, "qr")
	case engine.CheckedIn:
		c.Add(heartbeat.BHYT, ev.Reason)
	}
}

// readerState maps the engine's view of the reader onto the heartbeat's.
func readerState(v engine.View) string {
	switch {
	case v.Reader == "" || v.ReaderGone:
		return heartbeat.ReaderAbsent
	case v.ReaderReady:
		return heartbeat.ReaderOK
	}
	return heartbeat.ReaderUnknown
}

// Synced notes a pass that reached the hub (worker.Config.OnDrain).
func (h *Heartbeat) Synced(st worker.Stats, err error) {
	if h == nil || err != nil || st.Offline {
		return
	}
	now := time.Now()
	h.mu.Lock()
	h.lastSync = &now
	h.mu.Unlock()
}

// Stop stops reporting (the counts not yet sent are dropped with it).
func (h *Heartbeat) Stop() {
	if h == nil {
		return
	}
	h.unsub()
	h.stop()
}
