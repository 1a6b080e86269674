package metrics

import (
	"errors"
	"sync"
	"time"

	"motcua/kiosk/cardloop"
	"motcua/reader/cccd"
)

// OutboxSnapshot is what the outbox gauges show, computed at scrape time.
type OutboxSnapshot struct {
	// Depth counts records per state (pending, sending, accepted, ...).
	Depth map[string]int
	// OldestPending is when the oldest undelivered record was created
	// (zero when none waits).
	OldestPending time.Time
	// LastSync is the last time the provincial system answered (an
	// acceptance or a status check); zero when never.
	LastSync time.Time
	// Failing counts undelivered records whose last attempt failed.
	Failing int
}

// Agent is the agent's metric set.
type Agent struct {
	Registry *Registry

	reads        Counter
	readFailures Vec
	verdicts     Vec
	syncErrors   Vec
	lastSync     float64 // unix seconds, under mu
	apiRequests  Vec
	cardPresent  Gauge

	mu       sync.Mutex
	outbox   func() (OutboxSnapshot, error)
	snap     OutboxSnapshot
	snapErr  error
	snapAt   time.Time
	cacheFor time.Duration
	now      func() time.Time
}

// NewAgent registers the agent's metrics on a new registry.
func NewAgent() *Agent {
	r := NewRegistry()
	a := &Agent{Registry: r, cacheFor: 2 * time.Second, now: time.Now}
	a.reads = r.NewCounter("motcua_reads_total", "Chip reads that produced an identity.")
	a.readFailures = r.NewCounterVec("motcua_read_failures_total", "Chip reads that failed, by reason.", "reason")
	for _, reason := range []string{cardloop.ReasonWrongKey, cardloop.ReasonNoKey, cardloop.ReasonCardRemoved, cardloop.ReasonMalformed, cardloop.ReasonTimeout, cardloop.ReasonOther} {
		a.readFailures.Counter(reason) // exported at 0 so rates work from the start
	}
	a.verdicts = r.NewCounterVec("motcua_verification_total", "Verification verdicts of successful reads (Passive and Chip Authentication).", "passive", "chip_auth")
	a.syncErrors = r.NewCounterVec("motcua_sync_errors_total", "Failed deliveries or status checks against the provincial system, by kind.", "kind")
	r.NewGaugeFunc("motcua_last_sync_timestamp_seconds", "Unix time of the last answer from the provincial system (0: never).", func() float64 {
		a.snapshot() // the outbox knows of answers another process got
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.lastSync
	})
	a.apiRequests = r.NewCounterVec("motcua_api_requests_total", "Local API requests by route and status code.", "route", "code")
	a.cardPresent = r.NewGauge("motcua_card_present", "1 while a card is in the reader.")
	r.NewGaugeVecFunc("motcua_outbox_depth", "Outbox records by state.", "state", func() map[string]float64 {
		s, err := a.snapshot()
		if err != nil {
			return nil
		}
		m := map[string]float64{}
		for _, st := range []string{"pending", "sending", "accepted", "rejected", "needs_attention"} {
			m[st] = float64(s.Depth[st])
		}
		return m
	})
	r.NewGaugeFunc("motcua_outbox_oldest_pending_age_seconds", "Age of the oldest undelivered record (0: none).", func() float64 {
		s, err := a.snapshot()
		if err != nil || s.OldestPending.IsZero() {
			return 0
		}
		return max(a.now().Sub(s.OldestPending).Seconds(), 0)
	})
	r.NewGaugeFunc("motcua_outbox_failing", "Undelivered records whose last delivery attempt failed.", func() float64 {
		s, _ := a.snapshot()
		return float64(s.Failing)
	})
	r.NewGaugeFunc("motcua_outbox_up", "1 when the outbox could be read at the last scrape.", func() float64 {
		if _, err := a.snapshot(); err != nil || a.outbox == nil {
			return 0
		}
		return 1
	})
	return a
}

// SetOutbox sets the function the outbox gauges call (cached 2 s).
func (a *Agent) SetOutbox(fn func() (OutboxSnapshot, error)) {
	a.mu.Lock()
	a.outbox, a.snapAt = fn, time.Time{}
	a.mu.Unlock()
}

func (a *Agent) snapshot() (OutboxSnapshot, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.outbox == nil {
		return OutboxSnapshot{}, errors.New("no outbox")
	}
	if now := a.now(); a.snapAt.IsZero() || now.Sub(a.snapAt) > a.cacheFor {
		a.snap, a.snapErr = a.outbox()
		a.snapAt = now
		if a.snapErr == nil && !a.snap.LastSync.IsZero() {
			a.setLastSync(a.snap.LastSync)
		}
	}
	return a.snap, a.snapErr
}

// ObserveRead counts one read: a success with its verdicts, or a failure
// with its reason.
func (a *Agent) ObserveRead(res *cccd.ReadResult, err error) {
	if err != nil {
		a.readFailures.Counter(cardloop.Classify(err)).Inc() // the card loop's own reasons
		return
	}
	a.reads.Inc()
	passive, chip := cccd.PassiveNotChecked, cccd.ChipAuthNotChecked
	if res != nil && res.Verification != nil {
		passive, chip = res.Verification.Passive, res.Verification.ChipAuth
	}
	a.verdicts.Counter(passive, chip).Inc()
}

// SyncFailed counts one failed exchange with the provincial system.
func (a *Agent) SyncFailed(kind string) { a.syncErrors.Counter(kind).Inc() }

// Synced records an answer from the provincial system at t.
func (a *Agent) Synced(t time.Time) {
	a.mu.Lock()
	a.setLastSync(t)
	a.mu.Unlock()
}

func (a *Agent) setLastSync(t time.Time) {
	if v := float64(t.Unix()); v > a.lastSync {
		a.lastSync = v
	}
}

// CardPresent records the reader's presence state.
func (a *Agent) CardPresent(present bool) {
	if present {
		a.cardPresent.Set(1)
	} else {
		a.cardPresent.Set(0)
	}
}

// APIRequest counts one local API request.
func (a *Agent) APIRequest(route string, code int) {
	a.apiRequests.Counter(route, itoa(code)).Inc()
}

func itoa(n int) string { return formatFloat(float64(n)) }
