package engine

import (
	"context"
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
		e.unlockEmit(ev)
		return
	}
	person := *p
	gen := e.gen
	e.busy = true
	ev := e.setStep(StepCheckingIn, NoticeNone, "")
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		desk := &clinic.Desk{Gateway: c.Gateway, Staff: c.Staff, Facility: c.Facility, Device: e.cfg.Device,
			Visits: c.Visits, Stats: c.Stats, Now: e.cfg.Now}
		// A gateway that cannot be reached does not stop the check-in: the
		// record comes back marked not verified with BHXH.
		rec, err := desk.CheckIn(ctx, person)
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
			e.log.Warn("check-in failed", "err", maskErr(err))
			evs = []Event{{Kind: CheckInFailed, Err: err, Step: StepProblem}, e.setStep(StepProblem, NoticeCheckIn, err.Error())}
		} else {
			if rec.BHXH != clinic.BHXHVerified {
				e.log.Warn("insurance look-up failed; check-in marked not verified with BHXH", "code", rec.BHXHError)
			}
			e.checkIn, e.recordFile = rec, saved
			code := rec.BHXHError // the look-up's outcome as a code (no personal data)
			if rec.BHYT != nil {
				code = rec.BHYT.Code
			}
			evs = []Event{{Kind: CheckedIn, File: saved, Reason: code, Step: StepCheckIn}, e.setStep(StepCheckIn, NoticeNone, "")}
		}
		e.unlockEmit(evs...)
	})
}
