package engine

import (
	"context"
	"errors"
	"time"

	"motcua/kiosk/clinic"
)

// CheckIn looks up the visitor's health insurance (clinic mode) off the
// caller's goroutine and writes the check-in record for the clinic's
// system; the answer becomes the check-in step.
func (e *Engine) CheckIn() {
	e.mu.Lock()
	p := e.sess.Primary()
	if e.cfg.Mode != Clinic || e.step != StepIdentity || p == nil || e.busy {
		e.mu.Unlock()
		return
	}
	c := e.cfg.Clinic
	if c.Gateway == nil {
		ev := e.setStep(StepProblem, NoticeCheckIn, "no gateway configured")
		e.mu.Unlock()
		e.emit(ev)
		return
	}
	person := *p
	gen := e.gen
	e.busy = true
	ev := e.setStep(StepCheckingIn, NoticeNone, "")
	e.mu.Unlock()
	e.emit(ev)
	e.goIO(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		rec, err := clinic.Check(ctx, c.Gateway, person, c.Staff, c.Facility, e.cfg.Device, e.cfg.Now())
		var saved string
		if err == nil && c.Dir != "" {
			saved, err = writeRecord(c.Dir, "checkin", rec, e.cfg.Now())
		}
		e.mu.Lock()
		if gen != e.gen { // the card left meanwhile: the visit is gone
			e.mu.Unlock()
			return
		}
		e.busy = false
		var evs []Event
		if err != nil {
			if errors.Is(err, clinic.ErrGateway) {
				e.log.Warn("insurance look-up failed", "err", maskErr(err))
			}
			evs = []Event{{Kind: CheckInFailed, Err: err, Step: StepProblem}, e.setStep(StepProblem, NoticeCheckIn, err.Error())}
		} else {
			e.checkIn, e.recordFile = rec, saved
			evs = []Event{{Kind: CheckedIn, File: saved, Step: StepCheckIn}, e.setStep(StepCheckIn, NoticeNone, "")}
		}
		e.mu.Unlock()
		e.emit(evs...)
	})
}
