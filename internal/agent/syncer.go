package agent

import (
	"context"
	"sync"
	"time"

	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// PassLimit caps one pass, so the outbox's file lock is free between passes
// for `motcua outbox` commands run beside the agent.
const PassLimit = 50

// Syncer delivers the outbox in passes: the store is opened for a pass
// only, then closed, so other processes (`motcua outbox list`, `outbox
// add`) get it between passes. It is the sync of `motcua serve` and of
// `motcua sync --watch`.
type Syncer struct {
	// Open opens the outbox for one pass.
	Open func() (*outbox.Store, error)
	// Worker configures delivery (Store is set per pass).
	Worker worker.Config
	// Interval is the longest pause between passes.
	Interval time.Duration
	// OnPass, when set, is told each pass's outcome.
	OnPass func(worker.Stats, error)

	once sync.Once
	wake chan struct{}
}

// Notify starts a pass soon (a dossier was just added).
func (s *Syncer) Notify() {
	select {
	case s.wakeCh() <- struct{}{}:
	default:
	}
}

func (s *Syncer) wakeCh() chan struct{} {
	s.once.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// Pass delivers what is due (at most one pass), polls statuses when the
// receiver was reachable, and says when the next record is due.
func (s *Syncer) Pass(ctx context.Context) (st worker.Stats, next time.Time, due bool, err error) {
	store, err := s.Open()
	if err != nil {
		return st, next, false, err
	}
	defer store.Close()
	wcfg := s.Worker
	wcfg.Store, wcfg.PassLimit = store, PassLimit
	w, err := worker.New(wcfg)
	if err != nil {
		return st, next, false, err
	}
	st, err = w.Drain(ctx)
	if err == nil && !st.Offline {
		_, err = w.PollStatuses(ctx)
	}
	if err == nil {
		_, err = store.Purge()
	}
	if err != nil {
		return st, next, false, err
	}
	next, due, err = store.NextDue()
	return st, next, due, err
}

// Run makes passes until ctx ends. Between passes it sleeps until the next
// record is due, Notify, or Interval, and backs off while the receiver is
// unreachable. A failed pass ends Run with its error.
func (s *Syncer) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	base, maxDelay := s.Worker.BaseDelay, s.Worker.MaxDelay
	if base <= 0 {
		base = 2 * time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 15 * time.Minute
	}
	wake := s.wakeCh()
	streak := 0
	for {
		st, next, due, err := s.Pass(ctx)
		if s.OnPass != nil {
			s.OnPass(st, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		full := st.Accepted+st.Rejected+st.Retried+st.InFlight+st.NeedsAttention >= PassLimit
		if st.Offline {
			streak++
		} else {
			streak = 0
		}
		sleep := interval
		if due {
			sleep = min(sleep, max(time.Until(next), 0))
		}
		if full {
			sleep = 0 // more is due: give other processes the lock, then go on
		}
		if streak > 0 {
			sleep = max(sleep, min(base<<min(streak, 20), maxDelay))
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}
