package heartbeat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"motcua/sync/heartbeat/wire"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"motcua/sync/connector"
	"motcua/sync/outbox"
)

// State is the agent's state at the time of a heartbeat, supplied by the
// agent through Config.State.
type State struct {
	// Reader is one of the Reader* states.
	Reader string
	// Outbox is the outbox depth (FromOutbox computes it).
	Outbox wire.Outbox
	// LastSyncAt is the last definite answer from the hub (nil: never).
	LastSyncAt *time.Time
}

// Config configures a Sender.
type Config struct {
	// Endpoint is the hub's base URL (the same as the intake connector's);
	// Token and TLS are the device's credentials on it (the same channel).
	Endpoint string
	Token    string
	TLS      connector.TLSConfig
	// Version is the agent's version string.
	Version string
	// Interval between heartbeats (default DefaultInterval, at least
	// MinInterval); the hub's 429 Retry-After stretches it.
	Interval time.Duration
	// State returns the current state (required).
	State func(ctx context.Context) (State, error)
	// Counter holds the counts since the last report (default: a new one,
	// reachable with Sender.Counter).
	Counter *Counter
	// Logger gets one line per failed report (default: discard).
	Logger *slog.Logger
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Interval bounds.
const (
	DefaultInterval = 5 * time.Minute
	MinInterval     = time.Minute
)

// ErrUnauthorized means the hub refused the device's credentials (revoked
// or wrong): the sender keeps trying at its interval, the agent should show
// it.
var ErrUnauthorized = errors.New("heartbeat: credentials refused by the hub")

// RetryAfterError is a 429 from the hub: the next report must wait.
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("heartbeat: hub asks to wait %v", e.Wait)
}

// Sender reports heartbeats to the hub.
type Sender struct {
	cfg     Config
	u       *url.URL
	hc      *http.Client
	counter *Counter
}

// New checks the configuration (the endpoint follows the connector's
// transport rule: https, or http to loopback only) and returns a Sender.
func New(cfg Config) (*Sender, error) {
	u, err := connector.CheckEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" && cfg.TLS.CertFile == "" {
		return nil, errors.New("heartbeat: a device token or client certificate is required")
	}
	if cfg.State == nil {
		return nil, errors.New("heartbeat: State is required")
	}
	if cfg.Version == "" {
		return nil, errors.New("heartbeat: Version is required")
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	cfg.Interval = max(cfg.Interval, MinInterval)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Counter == nil {
		cfg.Counter = NewCounter(cfg.Now())
	}
	hc, err := connector.NewHTTPClient(u, cfg.TLS, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg, u: u, hc: hc, counter: cfg.Counter}, nil
}

// Counter returns the counter the agent adds events to.
func (s *Sender) Counter() *Counter { return s.counter }

// SendOnce sends one heartbeat now. The counts it carries are dropped from
// the counter only when the hub accepted the report; otherwise they stay
// for the next one.
func (s *Sender) SendOnce(ctx context.Context) error {
	st, err := s.cfg.State(ctx)
	if err != nil {
		return fmt.Errorf("heartbeat: state: %w", err)
	}
	now := s.cfg.Now()
	counts, since := s.counter.take(now)
	rep := wire.Report{Version: s.cfg.Version, Reader: st.Reader, Outbox: st.Outbox, LastSyncAt: st.LastSyncAt, Since: since, Counts: counts}
	if err := s.post(ctx, &rep); err != nil {
		s.counter.giveBack(counts, since)
		return err
	}
	return nil
}

func (s *Sender) post(ctx context.Context, rep *wire.Report) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.u.String()+"/v1/heartbeat", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &RetryAfterError{Wait: time.Duration(max(secs, 1)) * time.Second}
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		return ErrUnauthorized
	}
	return fmt.Errorf("heartbeat: hub answered %d", resp.StatusCode)
}

// Run sends a heartbeat at once, then every Interval (longer when the hub
// asks), until ctx ends. Failures are logged and retried at the next tick;
// counts are never lost, only reported later.
func (s *Sender) Run(ctx context.Context) error {
	for {
		wait := s.cfg.Interval
		if err := s.SendOnce(ctx); err != nil {
			var ra *RetryAfterError
			if errors.As(err, &ra) && ra.Wait > wait {
				wait = ra.Wait
			}
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("heartbeat not accepted", "err", err)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// FromOutbox computes the outbox part of a heartbeat: the depth by state
// (O(1) counts) and the age of the oldest pending or sending record (the
// first in insertion order, so the scan stops at it).
func FromOutbox(s *outbox.Store, now time.Time) (wire.Outbox, error) {
	c, err := s.Counts()
	if err != nil {
		return wire.Outbox{}, err
	}
	o := wire.Outbox{Pending: c[outbox.Pending], Sending: c[outbox.Sending], NeedsAttention: c[outbox.NeedsAttention], Rejected: c[outbox.Rejected]}
	if o.Pending+o.Sending > 0 {
		recs, err := s.List(outbox.Filter{States: []outbox.State{outbox.Pending, outbox.Sending}, Limit: 1})
		if err != nil {
			return wire.Outbox{}, err
		}
		if len(recs) == 1 {
			o.OldestPendingSeconds = max(0, int64(now.Sub(recs[0].CreatedAt)/time.Second))
		}
	}
	return o, nil
}
