// Package worker delivers outbox submissions through a connector: one at a
// time, oldest due first, with exponential backoff and jitter, the client
// UUID as idempotency key, and only a definite answer taken as final. It
// also polls the provincial status of accepted dossiers and purges payloads
// after retention.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"motcua/sync/connector"
	"motcua/sync/outbox"
)

// Config configures a Worker. Store and Conn are required.
type Config struct {
	Store *outbox.Store
	Conn  connector.Connector
	// BaseDelay is the first retry delay (default 2s); it doubles per
	// counted attempt up to MaxDelay (default 15m). Each delay is drawn
	// uniformly from [d/2, d] (jitter).
	BaseDelay, MaxDelay time.Duration
	// InFlightDelay is the wait after a 409 (default 15s, jittered).
	InFlightDelay time.Duration
	// PollInterval is how often an accepted dossier's status is polled
	// until it reaches a final status (default 10m).
	PollInterval time.Duration
	// Idle bounds how long Run sleeps with nothing due (default 1m).
	Idle time.Duration
	// Logger gets one line per delivery outcome; never payload data.
	Logger *slog.Logger
	// PassLimit caps the records one Drain delivers (0: no cap), so a
	// caller that reopens the store per pass holds its lock briefly.
	PassLimit int
	// Seed seeds the jitter (0: random).
	Seed uint64
	// Now overrides the clock (tests).
	Now func() time.Time
	// OnDrain, when set, is told the outcome of each pass Run makes (a
	// status bar shows the network state and the last sync from it).
	OnDrain func(Stats, error)
}

// Stats counts the outcomes of a Drain.
type Stats struct {
	Accepted, Rejected, Retried, NeedsAttention, InFlight int
	// Offline is true when the receiver could not be reached; the pass
	// stopped and the record was put back without counting the attempt.
	Offline bool
}

// Worker delivers outbox records. Drain and PollStatuses may be called
// directly (sync --once) or driven by Run (sync --watch).
type Worker struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	rnd     *rand.Rand
	offline int // consecutive passes that found the receiver unreachable
}

// New returns a worker.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil || cfg.Conn == nil {
		return nil, errors.New("worker: Store and Conn are required")
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 2 * time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 15 * time.Minute
	}
	if cfg.MaxDelay < cfg.BaseDelay {
		cfg.MaxDelay = cfg.BaseDelay
	}
	if cfg.InFlightDelay <= 0 {
		cfg.InFlightDelay = 15 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{cfg: cfg, log: log, wake: make(chan struct{}, 1),
		rnd: rand.New(rand.NewPCG(seed, seed+1))}, nil
}

// Backoff returns the delay before the next try after the given number of
// counted attempts: BaseDelay·2^(attempts-1), capped at MaxDelay, drawn
// uniformly from [d/2, d].
func (w *Worker) Backoff(attempts int) time.Duration {
	d := w.cfg.BaseDelay
	for i := 1; i < attempts && d < w.cfg.MaxDelay; i++ {
		d *= 2
	}
	return w.jitter(min(d, w.cfg.MaxDelay))
}

func (w *Worker) jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return d/2 + time.Duration(w.rnd.Int64N(int64(d/2)+1))
}

// Notify wakes Run early, e.g. right after a new submission was added.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Drain delivers every record due now, one at a time. It stops early when
// the receiver is unreachable (Stats.Offline), when the credentials are
// refused (error wrapping connector.ErrUnauthorized), or when ctx ends.
func (w *Worker) Drain(ctx context.Context) (Stats, error) {
	var st Stats
	for n := 0; w.cfg.PassLimit <= 0 || n < w.cfg.PassLimit; n++ {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		c, err := w.cfg.Store.Claim(w.cfg.Now())
		if errors.Is(err, outbox.ErrNoneDue) {
			w.setOffline(false)
			return st, nil
		}
		if err != nil {
			if errors.Is(err, outbox.ErrUndecryptable) {
				w.log.Error("payload cannot be decrypted; needs attention", "err", err)
				st.NeedsAttention++
				continue // the record was parked; go on with the others
			}
			return st, fmt.Errorf("worker: claim: %w", err)
		}
		stop, err := w.deliver(ctx, c, &st)
		if err != nil || stop {
			return st, err
		}
	}
	return st, nil
}

// deliver sends one claimed record and records the outcome. stop is true
// when the pass should end (receiver unreachable).
func (w *Worker) deliver(ctx context.Context, c *outbox.Claimed, st *Stats) (stop bool, err error) {
	s := w.cfg.Store
	lg := w.log.With("uuid", c.UUID, "service", c.Service, "attempt", c.Attempts)
	rc, err := w.cfg.Conn.Submit(ctx, connector.Submission{UUID: c.UUID, Service: c.Service, Payload: c.Payload})
	clear(c.Payload)
	var (
		rej *connector.RejectedError
		tmp *connector.TemporaryError
		unx *connector.UnexpectedError
	)
	switch {
	case err == nil:
		if err := s.MarkAccepted(c.UUID, rc.DossierCode, rc.Status); err != nil {
			return true, fmt.Errorf("worker: record acceptance of %s: %w", c.UUID, err)
		}
		st.Accepted++
		lg.Info("accepted", "dossier_code", rc.DossierCode, "status", rc.Status)
		return false, nil
	case errors.As(err, &rej):
		if err := s.MarkRejected(c.UUID, rej.Reason); err != nil {
			return true, fmt.Errorf("worker: record rejection of %s: %w", c.UUID, err)
		}
		st.Rejected++
		lg.Warn("rejected", "http_status", rej.HTTPStatus, "reason", outbox.Redact(rej.Reason))
		return false, nil
	case errors.Is(err, connector.ErrInFlight):
		next := w.cfg.Now().Add(w.jitter(w.cfg.InFlightDelay))
		if _, err := s.MarkRetry(c.UUID, outbox.Retry{Next: next, Err: "receiver still processing (409)", NoCount: true}); err != nil {
			return true, fmt.Errorf("worker: reschedule %s: %w", c.UUID, err)
		}
		st.InFlight++
		lg.Info("still in flight at receiver; retry later", "next", next)
		return false, nil
	case errors.Is(err, connector.ErrUnauthorized):
		if _, merr := s.MarkRetry(c.UUID, outbox.Retry{Next: w.cfg.Now(), Err: "credentials refused", NoCount: true}); merr != nil {
			return true, errors.Join(err, merr)
		}
		lg.Error("receiver refused the credentials; check the token")
		return true, fmt.Errorf("worker: %w", err)
	case errors.As(err, &tmp):
		if tmp.NotSent {
			delay := w.Backoff(w.setOffline(true))
			if _, err := s.MarkRetry(c.UUID, outbox.Retry{Next: w.cfg.Now().Add(delay), Err: outbox.Redact(tmp.Error()), NoCount: true}); err != nil {
				return true, fmt.Errorf("worker: reschedule %s: %w", c.UUID, err)
			}
			st.Offline = true
			lg.Warn("receiver unreachable; will retry", "in", delay.Round(time.Millisecond), "err", outbox.Redact(tmp.Error()))
			return true, nil
		}
		return false, w.retry(c, outbox.Redact(tmp.Error()), st, lg)
	case errors.As(err, &unx):
		if err := s.MarkNeedsAttention(c.UUID, unx.Reason); err != nil {
			return true, fmt.Errorf("worker: park %s: %w", c.UUID, err)
		}
		st.NeedsAttention++
		lg.Error("unexpected answer; needs attention", "reason", outbox.Redact(unx.Reason))
		return false, nil
	default:
		// A connector error outside the contract: no definite answer.
		return false, w.retry(c, outbox.Redact(err.Error()), st, lg)
	}
}

func (w *Worker) retry(c *outbox.Claimed, msg string, st *Stats, lg *slog.Logger) error {
	delay := w.Backoff(c.Attempts)
	end, err := w.cfg.Store.MarkRetry(c.UUID, outbox.Retry{Next: w.cfg.Now().Add(delay), Err: msg})
	if err != nil {
		return fmt.Errorf("worker: reschedule %s: %w", c.UUID, err)
	}
	if end == outbox.NeedsAttention {
		st.NeedsAttention++
		lg.Error("retries exhausted; needs attention", "err", msg)
		return nil
	}
	st.Retried++
	lg.Warn("no definite answer; will retry", "in", delay.Round(time.Millisecond), "err", msg)
	return nil
}

// setOffline records whether the receiver was unreachable and returns the
// length of the current unreachable streak.
func (w *Worker) setOffline(off bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if off {
		w.offline++
	} else {
		w.offline = 0
	}
	return w.offline
}

// PollStatuses asks the receiver for the status of accepted dossiers whose
// status is not final and was last checked at least PollInterval ago, and
// records changes. It returns how many statuses changed.
func (w *Worker) PollStatuses(ctx context.Context) (int, error) {
	recs, err := w.cfg.Store.List(outbox.Filter{States: []outbox.State{outbox.Accepted}})
	if err != nil {
		return 0, err
	}
	now := w.cfg.Now()
	changed := 0
	for _, r := range recs {
		if outbox.StatusFinal(r.ProvincialStatus) || now.Sub(r.StatusCheckedAt) < w.cfg.PollInterval {
			continue
		}
		if err := ctx.Err(); err != nil {
			return changed, err
		}
		code, err := w.cfg.Conn.Status(ctx, r.UUID, r.DossierCode)
		if errors.Is(err, connector.ErrUnauthorized) {
			return changed, fmt.Errorf("worker: status: %w", err)
		}
		if err != nil {
			w.log.Warn("status poll failed", "uuid", r.UUID, "err", outbox.Redact(err.Error()))
			var tmp *connector.TemporaryError
			if errors.As(err, &tmp) && tmp.NotSent {
				return changed, nil // offline: try the rest next time
			}
			continue
		}
		if outbox.StatusName(code) == "" {
			w.log.Warn("receiver sent an unknown status code", "uuid", r.UUID, "status", code)
			continue
		}
		if err := w.cfg.Store.SetProvincialStatus(r.UUID, code); err != nil {
			return changed, err
		}
		if code != r.ProvincialStatus {
			changed++
			w.log.Info("dossier status", "uuid", r.UUID, "dossier_code", r.DossierCode,
				"status", code, "status_name", outbox.StatusName(code))
		}
	}
	return changed, nil
}

// Run drains, polls and purges until ctx ends, sleeping until the next
// record is due (or Notify, or Idle). It returns ctx's error, or an error
// wrapping connector.ErrUnauthorized when the credentials are refused.
func (w *Worker) Run(ctx context.Context) error {
	var lastPoll time.Time
	for {
		st, err := w.Drain(ctx)
		if w.cfg.OnDrain != nil {
			w.cfg.OnDrain(st, err)
		}
		if err != nil {
			return err
		}
		if w.cfg.Now().Sub(lastPoll) >= w.cfg.PollInterval/4 {
			if _, err := w.PollStatuses(ctx); err != nil {
				return err
			}
			if _, err := w.cfg.Store.Purge(); err != nil {
				w.log.Error("purge failed", "err", err)
			}
			lastPoll = w.cfg.Now()
		}
		sleep := w.cfg.Idle
		if next, ok, err := w.cfg.Store.NextDue(); err != nil {
			return err
		} else if ok {
			sleep = min(sleep, max(next.Sub(w.cfg.Now()), 0))
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}
