// Package forward is the hub's forwarder: it delivers the dossiers the hub
// accepted to the provincial system through a connector (the iGate adapter),
// so provincial credentials live only at the hub and kiosks hold only their
// device identity. The provincial mã hồ sơ and status are stored on the
// dossier, where the kiosk reads them (GET /v1/dossiers/{key}:
// provincial_dossier_code, status).
//
// Any number of hub replicas may forward at once: each claims one dossier at
// a time under a lease (PostgreSQL FOR UPDATE SKIP LOCKED), and the iGate
// adapter looks the dossier up by its idempotency key (MaThamChieu) before
// creating it, so a replica killed mid-forward, or a lost answer, never
// makes a second provincial dossier.
package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

// Config configures a Forwarder. Store and Conn are required.
type Config struct {
	Store *intake.PGStore
	Conn  connector.Connector
	// Lease is how long a claimed dossier is reserved (default 2 min; it
	// must exceed the connector's worst-case Submit time).
	Lease time.Duration
	// BaseDelay and MaxDelay bound the retry backoff (default 5 s, 30 min),
	// doubled per attempt, jittered.
	BaseDelay, MaxDelay time.Duration
	// Idle is the pause when nothing is due (default 2 s).
	Idle time.Duration
	// PollInterval is how often a forwarded dossier's provincial status is
	// asked for until it is final (default 10 min).
	PollInterval time.Duration
	// Logger gets one line per outcome: key, codes; never payload or
	// remote text.
	Logger *slog.Logger
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Forwarder forwards dossiers.
type Forwarder struct {
	cfg Config
}

// New checks the configuration.
func New(cfg Config) (*Forwarder, error) {
	if cfg.Store == nil || cfg.Conn == nil {
		return nil, errors.New("forward: Store and Conn are required")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 5 * time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 30 * time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 2 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Forwarder{cfg: cfg}, nil
}

// Stats counts the outcomes of a pass.
type Stats struct{ Forwarded, Retried, Failed int }

// ErrUnauthorized stops a pass: the provincial system refused the hub's
// credentials; every dossier stays pending.
var ErrUnauthorized = errors.New("forward: provincial system refused the hub's credentials")

func (f *Forwarder) backoff(attempts int) time.Duration {
	d := f.cfg.BaseDelay
	for i := 1; i < attempts && d < f.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, f.cfg.MaxDelay)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Once forwards every dossier due now, one at a time.
func (f *Forwarder) Once(ctx context.Context) (Stats, error) {
	var st Stats
	for ctx.Err() == nil {
		d, ok, err := f.cfg.Store.ClaimForward(ctx, f.cfg.Now(), f.cfg.Lease)
		if err != nil {
			return st, fmt.Errorf("forward: claim: %w", err)
		}
		if !ok {
			return st, nil
		}
		if err := f.forward(ctx, d, &st); err != nil {
			return st, err
		}
	}
	return st, ctx.Err()
}

// CodeAttachmentsIncomplete: the dossier waits for listed attachments.
const CodeAttachmentsIncomplete = "attachments_incomplete"

func (f *Forwarder) forward(ctx context.Context, d intake.Dossier, st *Stats) error {
	lg := f.cfg.Logger.With("key", d.IdempotencyKey, "dossier_code", d.DossierCode)
	sub := connector.Submission{UUID: d.IdempotencyKey, Service: d.Service, Payload: d.Payload}
	full, err := f.cfg.Store.Lookup(ctx, d.IdempotencyKey)
	if err != nil {
		return err
	}
	if !full.Complete() {
		// A dossier goes to the province only with every listed attachment:
		// wait for the device's uploads (not a failure, not counted as one).
		st.Retried++
		n, _ := f.cfg.Store.ForwardAttempts(ctx, d.IdempotencyKey)
		lg.Info("forward waits for attachments", "code", CodeAttachmentsIncomplete)
		return f.cfg.Store.RetryForward(ctx, d.IdempotencyKey, f.cfg.Now().Add(f.backoff(n)), CodeAttachmentsIncomplete)
	}
	for _, a := range full.Attachments {
		sub.Attachments = append(sub.Attachments, connector.Attachment{Name: a.Name, Type: a.Type, Pages: a.Pages, Size: a.Size, SHA256: a.SHA256,
			Open: func() (io.ReadCloser, error) {
				rc, _, err := f.cfg.Store.OpenAttachment(ctx, d.IdempotencyKey, a.Name)
				return rc, err
			}})
	}
	rc, err := f.cfg.Conn.Submit(ctx, sub)
	var rej *connector.RejectedError
	var unexp *connector.UnexpectedError
	var hold *connector.HoldError
	switch {
	case err == nil:
		st.Forwarded++
		lg.Info("forwarded", "provincial_code", rc.DossierCode, "status", rc.Status)
		return f.cfg.Store.MarkForwarded(ctx, d.IdempotencyKey, rc.DossierCode, rc.Status, f.cfg.Now())
	case errors.As(err, &rej):
		st.Failed++
		code := fmt.Sprintf("rejected:%d", rej.HTTPStatus)
		lg.Warn("provincial system refused the dossier", "code", code)
		return f.cfg.Store.FailForward(ctx, d.IdempotencyKey, code)
	case errors.As(err, &hold):
		// Not sent: the dossier lacks a value the province requires (MaXa
		// of an unconfirmed commune); retrying cannot help.
		st.Failed++
		lg.Warn("not forwarded: the dossier lacks a value the provincial system requires", "code", hold.Code)
		return f.cfg.Store.FailForward(ctx, d.IdempotencyKey, "held:"+hold.Code)
	case errors.As(err, &unexp):
		st.Failed++
		lg.Warn("unexpected answer from the provincial system", "code", "unexpected")
		return f.cfg.Store.FailForward(ctx, d.IdempotencyKey, "unexpected")
	case errors.Is(err, connector.ErrUnauthorized):
		lg.Error("provincial system refused the hub's credentials")
		if rerr := f.cfg.Store.RetryForward(ctx, d.IdempotencyKey, f.cfg.Now().Add(f.cfg.MaxDelay/10), "unauthorized"); rerr != nil {
			return rerr
		}
		return ErrUnauthorized
	default: // temporary, in flight, unreachable: same key again later
		st.Retried++
		n, _ := f.cfg.Store.ForwardAttempts(ctx, d.IdempotencyKey)
		code := "temporary"
		if errors.Is(err, connector.ErrInFlight) {
			code = "in_flight"
		}
		lg.Info("forward retried", "code", code, "attempts", n)
		return f.cfg.Store.RetryForward(ctx, d.IdempotencyKey, f.cfg.Now().Add(f.backoff(n)), code)
	}
}

// finalStatuses are the national statuses after which nothing changes
// (the agent's rule, outbox.StatusFinal).
func finalStatuses() []int {
	var out []int
	for c := 1; c <= 10; c++ {
		if outbox.StatusFinal(c) {
			out = append(out, c)
		}
	}
	return out
}

// PollStatuses asks the provincial system for the status of every forwarded
// dossier due a check (not final, not checked within PollInterval) and
// records changes, so the kiosk sees them on its next status poll. It
// returns how many statuses changed.
func (f *Forwarder) PollStatuses(ctx context.Context) (int, error) {
	final := finalStatuses()
	changed := 0
	for ctx.Err() == nil {
		d, ok, err := f.cfg.Store.ClaimStatusPoll(ctx, f.cfg.Now(), f.cfg.PollInterval, final)
		if err != nil {
			return changed, fmt.Errorf("forward: status claim: %w", err)
		}
		if !ok {
			return changed, nil
		}
		code, err := f.cfg.Conn.Status(ctx, d.IdempotencyKey, d.ProvincialCode)
		if errors.Is(err, connector.ErrUnauthorized) {
			return changed, ErrUnauthorized
		}
		if err != nil || code < 1 || code > 10 {
			f.cfg.Logger.Warn("provincial status poll failed", "key", d.IdempotencyKey, "code", "status_poll")
			continue // checked-at is stamped: tried again after PollInterval
		}
		if code != d.Status {
			if _, err := f.cfg.Store.UpdateStatus(ctx, d.IdempotencyKey, code); err != nil {
				return changed, err
			}
			changed++
			f.cfg.Logger.Info("provincial status", "key", d.IdempotencyKey, "status", code)
		}
	}
	return changed, ctx.Err()
}

// Run forwards until ctx ends, pausing Idle when nothing is due (and after
// a credentials refusal, a tenth of MaxDelay).
func (f *Forwarder) Run(ctx context.Context) error {
	for {
		_, err := f.Once(ctx)
		if err == nil {
			_, err = f.PollStatuses(ctx)
		}
		wait := f.cfg.Idle
		if errors.Is(err, ErrUnauthorized) {
			wait = max(wait, f.cfg.MaxDelay/10)
		} else if err != nil && ctx.Err() == nil {
			f.cfg.Logger.Error("forward pass", "err", err)
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
