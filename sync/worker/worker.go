// Package worker delivers outbox submissions through a connector: in
// batches, oldest due first, with exponential backoff and jitter, the
// client UUID as idempotency key, and only a definite answer taken as
// final. It also polls the provincial status of accepted dossiers and
// purges payloads after retention. Log lines carry codes, never text from
// the receiver.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// Batch is how many records one claim commit takes (default
	// DefaultBatch); Concurrency bounds the deliveries in flight (default
	// DefaultConcurrency).
	Batch, Concurrency int
	// DemoSink marks the receiver as the in-process demo intake: only then
	// are records marked Demo sent. Anywhere else a demo record is never
	// sent; it goes to needs_attention with CodeDemoRecord.
	DemoSink bool
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
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
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

// Defaults for the batched drain.
const (
	// DefaultBatch is how many records one claim commit takes.
	DefaultBatch = 32
	// DefaultConcurrency bounds the deliveries in flight at once.
	DefaultConcurrency = 4
)

// CodeDemoRecord is the needs_attention code of a demo dossier that a
// worker not configured as a demo sink refused to send.
const CodeDemoRecord = "demo_not_for_provider"

// Drain delivers every record due now. It claims them in batches (one
// commit per batch), delivers each batch concurrently (at most Concurrency
// at once; the idempotency key makes that safe) and records the batch's
// outcomes in one commit. It stops early when the receiver is unreachable
// (Stats.Offline), when the credentials are refused (error wrapping
// connector.ErrUnauthorized), or when ctx ends; records of the batch not
// yet sent then go back to pending without counting an attempt.
//
// A crash between delivery and the outcome commit leaves records in
// sending; the next Open puts them back to pending and they are sent again
// with the same idempotency key, so the receiver still holds each once.
func (w *Worker) Drain(ctx context.Context) (Stats, error) {
	var st Stats
	taken := 0
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		n := w.cfg.Batch
		if w.cfg.PassLimit > 0 {
			if n = min(n, w.cfg.PassLimit-taken); n <= 0 {
				return st, nil
			}
		}
		cs, parked, err := w.cfg.Store.ClaimBatch(w.cfg.Now(), n)
		if err != nil {
			return st, fmt.Errorf("worker: claim: %w", err)
		}
		if parked > 0 {
			w.log.Error("payload cannot be decrypted; needs attention", "count", parked, "code", outbox.CodeUndecryptable)
			st.NeedsAttention += parked
		}
		if len(cs) == 0 && parked == 0 {
			w.setOffline(false)
			return st, nil
		}
		taken += len(cs) + parked
		stop, err := w.deliverBatch(ctx, cs, &st)
		if err != nil || stop {
			return st, err
		}
	}
}

// CodeAttachmentCorrupt parks a record whose sealed attachment failed its
// check before delivery.
const CodeAttachmentCorrupt = "attachment_corrupt"

// attachments checks every sealed attachment of c (decrypting it to the end
// against its recorded size and SHA-256) and returns them as streamed
// sources for the connector.
func (w *Worker) attachments(c *outbox.Claimed) ([]connector.Attachment, error) {
	if len(c.Attachments) == 0 {
		return nil, nil
	}
	if err := w.cfg.Store.VerifyAttachments(c.UUID); err != nil {
		return nil, err
	}
	out := make([]connector.Attachment, len(c.Attachments))
	for i, a := range c.Attachments {
		out[i] = connector.Attachment{Name: a.Name, Type: a.Type, Pages: a.Pages, Size: a.Size, SHA256: a.SHA256,
			Open: func() (io.ReadCloser, error) {
				rc, _, err := w.cfg.Store.OpenAttachment(c.UUID, i)
				return rc, err
			}}
	}
	return out, nil
}

// delivery is what became of one claimed record.
type delivery struct {
	c    *outbox.Claimed
	out  outbox.Outcome
	kind string // for Stats and the log line
	code string
	recv connector.Receipt
	http int
	wait time.Duration // until the next try, for the log line
}

// deliverBatch sends the claimed records and records their outcomes in one
// commit. stop is true when the pass should end (receiver unreachable).
func (w *Worker) deliverBatch(ctx context.Context, cs []*outbox.Claimed, st *Stats) (stop bool, err error) {
	ds := make([]delivery, len(cs))
	var (
		mu       sync.Mutex
		halt     bool
		authErr  error
		offDelay time.Duration = -1
	)
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, c := range cs {
		ds[i].c = c
		if c.Demo && !w.cfg.DemoSink {
			// Synthetic dossiers never leave for a real provider.
			clear(c.Payload)
			ds[i].out = outbox.Outcome{UUID: c.UUID, Kind: outbox.Park, Code: CodeDemoRecord,
				Detail: "a demo dossier is sent only to a worker configured as a demo sink"}
			ds[i].kind, ds[i].code = "demo", CodeDemoRecord
			continue
		}
		sem <- struct{}{}
		mu.Lock()
		stopped := halt
		mu.Unlock()
		if stopped || ctx.Err() != nil {
			<-sem
			clear(c.Payload)
			ds[i].out = outbox.Outcome{UUID: c.UUID, Kind: outbox.RetryLater, Next: w.cfg.Now(), NoCount: true,
				Code: "not_sent", Detail: "the pass stopped before this record was sent"}
			ds[i].kind = "not_sent"
			continue
		}
		wg.Add(1)
		go func(d *delivery) {
			defer wg.Done()
			defer func() { <-sem }()
			atts, verr := w.attachments(d.c)
			if verr != nil {
				// A sealed attachment that does not open or match its hash
				// is reported and the dossier is not sent at all: the
				// receiver never gets a half or forged file.
				clear(d.c.Payload)
				d.out = outbox.Outcome{UUID: d.c.UUID, Kind: outbox.Park, Code: CodeAttachmentCorrupt, Detail: verr.Error()}
				d.kind, d.code = "attachment_corrupt", CodeAttachmentCorrupt
				return
			}
			rc, err := w.cfg.Conn.Submit(ctx, connector.Submission{UUID: d.c.UUID, Service: d.c.Service, Payload: d.c.Payload, Attachments: atts})
			clear(d.c.Payload)
			w.classify(d, rc, err, func() time.Duration {
				// Unreachable: end the pass; one backoff step per pass.
				mu.Lock()
				defer mu.Unlock()
				halt = true
				if offDelay < 0 {
					offDelay = w.Backoff(w.setOffline(true))
				}
				return offDelay
			}, func(e error) {
				mu.Lock()
				halt = true
				authErr = e
				mu.Unlock()
			})
		}(&ds[i])
	}
	wg.Wait()

	outs := make([]outbox.Outcome, len(ds))
	for i := range ds {
		outs[i] = ds[i].out
	}
	res, err := w.cfg.Store.Settle(outs)
	if err != nil {
		return true, fmt.Errorf("worker: record %d outcomes: %w", len(outs), err)
	}
	for i, d := range ds {
		if res[i].Err != nil {
			return true, fmt.Errorf("worker: record the outcome of %s: %w", d.c.UUID, res[i].Err)
		}
		w.report(d, res[i].State, st)
	}
	if authErr != nil {
		w.log.Error("receiver refused the credentials; check the token", "code", "unauthorized")
		return true, fmt.Errorf("worker: %w", authErr)
	}
	return offDelay >= 0, nil
}

// classify turns a Submit answer into the record's outcome. offline is
// called for an unreachable receiver and returns the retry delay; unauth
// for refused credentials. The receiver's text goes only into the sealed
// detail; the code is built from the error's class and HTTP status.
func (w *Worker) classify(d *delivery, rc connector.Receipt, err error, offline func() time.Duration, unauth func(error)) {
	c := d.c
	code := connector.Code(err)
	d.code = code
	var (
		rej *connector.RejectedError
		tmp *connector.TemporaryError
		unx *connector.UnexpectedError
		hld *connector.HoldError
	)
	switch {
	case errors.As(err, &hld):
		// Not sent: a value the provider needs is not known for sure.
		// Retrying cannot help; a person settles it.
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.Park, Code: code, Detail: hld.Reason}
		d.kind = "held"
	case err == nil:
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.Accept, DossierCode: rc.DossierCode,
			OfficialCode: rc.OfficialCode, Status: rc.Status}
		d.kind, d.recv = "accepted", rc
	case errors.As(err, &rej):
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.Reject, Code: code, Detail: rej.Reason}
		d.kind, d.http = "rejected", rej.HTTPStatus
	case errors.Is(err, connector.ErrInFlight):
		d.wait = w.jitter(w.cfg.InFlightDelay)
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.RetryLater, Next: w.cfg.Now().Add(d.wait),
			NoCount: true, Code: code, Detail: "receiver still processing (409)"}
		d.kind = "in_flight"
	case errors.Is(err, connector.ErrUnauthorized):
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.RetryLater, Next: w.cfg.Now(), NoCount: true, Code: code,
			Detail: "credentials refused"}
		d.kind = "unauthorized"
		unauth(err)
	case errors.As(err, &tmp) && tmp.NotSent:
		d.wait = offline()
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.RetryLater, Next: w.cfg.Now().Add(d.wait), NoCount: true,
			Code: code, Detail: tmp.Error()}
		d.kind = "offline"
	case errors.As(err, &unx):
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.Park, Code: code, Detail: unx.Reason}
		d.kind = "unexpected"
	default:
		// No definite answer (or a connector error outside the contract).
		d.wait = w.Backoff(c.Attempts)
		d.out = outbox.Outcome{UUID: c.UUID, Kind: outbox.RetryLater, Next: w.cfg.Now().Add(d.wait),
			Code: code, Detail: err.Error()}
		d.kind = "retry"
	}
}

// report counts one settled delivery and logs it: codes, never text from
// the receiver.
func (w *Worker) report(d delivery, end outbox.State, st *Stats) {
	lg := w.log.With("uuid", d.c.UUID, "service", d.c.Service, "attempt", d.c.Attempts)
	switch d.kind {
	case "accepted":
		st.Accepted++
		lg.Info("accepted", "dossier_code", d.recv.DossierCode, "official_code", d.recv.OfficialCode, "status", d.recv.Status)
	case "rejected":
		st.Rejected++
		lg.Warn("rejected", "http_status", d.http, "code", d.code)
	case "demo":
		st.NeedsAttention++
		lg.Error("demo dossier not sent: this worker is not a demo sink; needs attention", "code", d.code)
	case "in_flight":
		st.InFlight++
		lg.Info("still in flight at receiver; retry later", "in", d.wait.Round(time.Millisecond), "code", d.code)
	case "attachment_corrupt":
		st.NeedsAttention++
		lg.Error("sealed attachment is corrupt; the dossier was not sent; needs attention", "code", d.code)
	case "unauthorized", "not_sent":
	case "offline":
		st.Offline = true
		lg.Warn("receiver unreachable; will retry", "in", d.wait.Round(time.Millisecond), "code", d.code)
	case "unexpected":
		st.NeedsAttention++
		lg.Error("unexpected answer; needs attention", "code", d.code)
	case "held":
		st.NeedsAttention++
		lg.Warn("not sent: the dossier lacks a value the provider requires; needs attention", "code", d.code)
	case "retry":
		if end == outbox.NeedsAttention {
			st.NeedsAttention++
			lg.Error("retries exhausted; needs attention", "code", d.code)
			return
		}
		st.Retried++
		lg.Warn("no definite answer; will retry", "in", d.wait.Round(time.Millisecond), "code", d.code)
	}
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
		p, err := w.progress(ctx, r)
		if errors.Is(err, connector.ErrUnauthorized) {
			return changed, fmt.Errorf("worker: status: %w", err)
		}
		if err != nil {
			// A code only: a refusal's body is the receiver's text.
			w.log.Warn("status poll failed", "uuid", r.UUID, "code", connector.Code(err))
			var tmp *connector.TemporaryError
			if errors.As(err, &tmp) && tmp.NotSent {
				return changed, nil // offline: try the rest next time
			}
			continue
		}
		if p.Status != 0 && outbox.StatusName(p.Status) == "" {
			w.log.Warn("receiver sent an unknown status code", "uuid", r.UUID, "status", p.Status)
			p.Status = 0 // keep the official code it may carry; the status is asked again next time
		}
		if p.OfficialCode != "" && !outbox.ValidOfficialCode(p.OfficialCode) {
			w.log.Warn("receiver sent an official dossier code that is not a code", "uuid", r.UUID)
			p.OfficialCode = ""
		}
		if err := w.cfg.Store.SetProgress(r.UUID, p.Status, p.OfficialCode); errors.Is(err, outbox.ErrConflictingCode) {
			// The record keeps the first code; an operator looks at it.
			w.log.Error("receiver reported another official dossier code; kept the first", "uuid", r.UUID,
				"official_code", r.OfficialCode, "code", "official_code_conflict")
			continue
		} else if err != nil {
			return changed, err
		}
		if (p.Status != 0 && p.Status != r.ProvincialStatus) || (p.OfficialCode != "" && r.OfficialCode == "") {
			changed++
			w.log.Info("dossier status", "uuid", r.UUID, "dossier_code", r.DossierCode, "official_code", p.OfficialCode,
				"status", p.Status, "status_name", outbox.StatusName(p.Status))
		}
	}
	return changed, nil
}

// progress asks the connector for a dossier's status and, when it can tell
// it (connector.Tracker), its official mã hồ sơ.
func (w *Worker) progress(ctx context.Context, r outbox.Record) (connector.Progress, error) {
	if t, ok := w.cfg.Conn.(connector.Tracker); ok {
		return t.Progress(ctx, r.UUID, r.DossierCode)
	}
	st, err := w.cfg.Conn.Status(ctx, r.UUID, r.DossierCode)
	return connector.Progress{Status: st}, err
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
