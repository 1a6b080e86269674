package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// CheckFunc reports a component's health: nil when healthy.
type CheckFunc func(ctx context.Context) error

// Health is the set of registered health checks; the /healthz endpoint and
// the systemd watchdog both consult it.
type Health struct {
	mu      sync.Mutex
	checks  map[string]CheckFunc
	timeout time.Duration
}

// NewHealth returns an empty set; each check gets timeout (default 2 s).
func NewHealth(timeout time.Duration) *Health {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return &Health{checks: map[string]CheckFunc{}, timeout: timeout}
}

// Register adds (or replaces) a named check.
func (h *Health) Register(name string, fn CheckFunc) {
	h.mu.Lock()
	h.checks[name] = fn
	h.mu.Unlock()
}

// Report is the outcome of running every check.
type Report struct {
	OK     bool              `json:"ok"`
	Checks map[string]string `json:"checks"` // name -> "ok" or the error
}

// Check runs every check (concurrently, each bounded by the timeout).
// With no checks registered the report is not OK: nothing proves health.
func (h *Health) Check(ctx context.Context) Report {
	h.mu.Lock()
	names := make([]string, 0, len(h.checks))
	for n := range h.checks {
		names = append(names, n)
	}
	fns := make([]CheckFunc, len(names))
	sort.Strings(names)
	for i, n := range names {
		fns[i] = h.checks[n]
	}
	h.mu.Unlock()

	rep := Report{OK: len(names) > 0, Checks: map[string]string{}}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, h.timeout)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				defer func() {
					if p := recover(); p != nil {
						done <- fmt.Errorf("check panicked: %v", p)
					}
				}()
				done <- fn(cctx)
			}()
			select {
			case errs[i] = <-done:
			case <-cctx.Done():
				errs[i] = fmt.Errorf("check timed out after %s", h.timeout)
			}
		}()
	}
	wg.Wait()
	for i, n := range names {
		if errs[i] != nil {
			rep.OK = false
			rep.Checks[n] = errs[i].Error()
		} else {
			rep.Checks[n] = "ok"
		}
	}
	return rep
}

// Handler serves the report as JSON: 200 when healthy, 503 otherwise.
func (h *Health) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := h.Check(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !rep.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(rep)
	})
}

// Heartbeat is a liveness check for a loop: the loop calls Beat each time
// round, and Check fails when the last beat is older than MaxAge.
type Heartbeat struct {
	mu     sync.Mutex
	last   time.Time
	maxAge time.Duration
	what   string
	now    func() time.Time
}

// NewHeartbeat returns a heartbeat for the loop named what.
func NewHeartbeat(what string, maxAge time.Duration) *Heartbeat {
	return &Heartbeat{what: what, maxAge: maxAge, now: time.Now}
}

// Beat records that the loop is alive.
func (b *Heartbeat) Beat() {
	b.mu.Lock()
	b.last = b.now()
	b.mu.Unlock()
}

// Check is a CheckFunc: an error when the loop has not beaten in time.
func (b *Heartbeat) Check(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		return fmt.Errorf("%s has not started", b.what)
	}
	if age := b.now().Sub(b.last); age > b.maxAge {
		return fmt.Errorf("%s stalled: last alive %s ago", b.what, age.Round(time.Millisecond))
	}
	return nil
}
