package engine

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"
)

// PINPolicy is the back-off after wrong admin PINs: after Free failures in
// a row, attempts are refused for First, doubling with each further
// failure, up to Max. A right PIN resets the count.
type PINPolicy struct {
	Free       int
	First, Max time.Duration
}

// DefaultPINPolicy: three tries, then 30 s, 1 min, 2 min … up to 15 min.
var DefaultPINPolicy = PINPolicy{Free: 3, First: 30 * time.Second, Max: 15 * time.Minute}

// ErrNoPIN: no admin PIN is configured; the operator screen stays shut.
var ErrNoPIN = errors.New("no admin PIN is configured")

// ErrWrongPIN: the PIN does not match.
var ErrWrongPIN = errors.New("wrong PIN")

// PINLockedError says attempts are refused until Until (even the right PIN).
type PINLockedError struct{ Until time.Time }

func (e *PINLockedError) Error() string {
	return fmt.Sprintf("too many wrong PINs: try again after %s", e.Until.Format("15:04:05"))
}

// pinGuard counts failures (guarded by the engine's lock).
type pinGuard struct {
	failures int
	until    time.Time
}

// check applies the policy to one attempt at now.
func (g *pinGuard) check(pol PINPolicy, want, got string, now time.Time) error {
	if want == "" {
		return ErrNoPIN
	}
	if now.Before(g.until) {
		return &PINLockedError{Until: g.until}
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		g.failures, g.until = 0, time.Time{}
		return nil
	}
	g.failures++
	if over := g.failures - pol.Free; over >= 0 {
		wait := pol.First
		for i := 0; i < over && wait < pol.Max; i++ {
			wait *= 2
		}
		g.until = now.Add(min(wait, pol.Max))
		return &PINLockedError{Until: g.until}
	}
	return ErrWrongPIN
}

// OpenAdmin opens the operator screen with the admin PIN. The visit in
// progress is wiped first: an operator screen must not show a citizen's
// data. Wrong PINs back off (PINPolicy).
func (e *Engine) OpenAdmin(pin string) error {
	e.mu.Lock()
	err := e.pin.check(e.cfg.PIN, e.cfg.AdminPIN, pin, e.cfg.Now())
	if err != nil {
		ev := Event{Kind: AdminRefused, Err: err, Step: e.step}
		var le *PINLockedError
		if errors.As(err, &le) {
			ev.Until = le.Until
		}
		e.unlockEmit(ev)
		e.log.Warn("admin PIN refused", "err", err.Error())
		return err
	}
	evs := e.wipeLocked(WipeAdmin, StepAdmin, NoticeNone)
	e.unlockEmit(evs...)
	return nil
}

// CloseAdmin leaves the operator screen for the attract screen.
func (e *Engine) CloseAdmin() {
	e.mu.Lock()
	if e.step != StepAdmin {
		e.mu.Unlock()
		return
	}
	// A card left on the reader is read again only once it is put back.
	ev := e.setStep(StepAttract, NoticeNone, "")
	e.unlockEmit(ev)
}
