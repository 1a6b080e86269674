package engine

import (
	"context"
	"time"

	"motcua/kiosk/clinic"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// CheckIn looks up the visitor's health insurance (clinic mode) off the
// caller's goroutine and, at a receptionist's desk, writes the check-in
// record for the clinic's system; the answer becomes the check-in step.
// At a self check-in kiosk the record is written with the queue ticket
// (TakeTicket).
func (e *Engine) CheckIn() {
	e.mu.Lock()
	if e.step != StepIdentity {
		e.mu.Unlock()
		return
	}
	e.startCheckIn(func(ctx context.Context, d *clinic.Desk, p prefill.Person) (*clinic.CheckIn, error) {
		return d.CheckIn(ctx, p)
	})
}

// startCheckIn runs a look-up for the visit's person (the patient, or the
// adult bringing a child) with run. Called with e.mu held; it releases it.
func (e *Engine) startCheckIn(run func(context.Context, *clinic.Desk, prefill.Person) (*clinic.CheckIn, error)) {
	p := e.sess.Primary()
	if e.cfg.Mode != Clinic || p == nil || e.busy {
		e.mu.Unlock()
		return
	}
	c := e.cfg.Clinic
	if c.Gateway == nil {
		ev := e.setStep(StepProblem, NoticeCheckIn, "no gateway configured")
		e.unlockEmit(ev)
		return
	}
	if c.SelfService && failedChecks(p) {
		// Nobody is there to judge an altered or cloned card: the patient
		// goes to the reception desk; nothing is looked up or issued.
		ev := e.setStep(StepProblem, NoticeSeeDesk, "")
		e.unlockEmit(ev)
		return
	}
	person := *p
	gen := e.gen
	session := e.slot.session
	e.busy = true
	ev := e.setStep(StepCheckingIn, NoticeNone, "")
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		// A gateway that cannot be reached does not stop the check-in: the
		// record comes back marked not verified with BHXH.
		rec, err := run(ctx, e.desk(), person)
		var saved string
		if err == nil && c.Dir != "" && !c.SelfService {
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
			ev := Event{Kind: CheckedIn, File: saved, Reason: outcome(rec), Step: StepCheckIn, Session: session}
			if !c.SelfService { // the record is final: the hospital's system gets it
				cp := *rec
				ev.CheckIn = &cp
			}
			evs = []Event{ev, e.setStep(StepCheckIn, NoticeNone, "")}
		}
		e.unlockEmit(evs...)
	})
}

// failedChecks reports a card whose chip checks failed (altered data, a
// cloned chip).
func failedChecks(p *prefill.Person) bool {
	v := p.Verification
	return v != nil && (v.ChipAuth == cccd.ChipAuthFailed || v.Passive == cccd.PassiveFailed)
}

// desk is the clinic's check-in point for one look-up.
func (e *Engine) desk() *clinic.Desk {
	c := e.cfg.Clinic
	return &clinic.Desk{Gateway: c.Gateway, Staff: c.Staff, Facility: c.Facility, Device: e.cfg.Device,
		Visits: c.Visits, Stats: c.Stats, Now: e.cfg.Now, NoteAtIssue: c.SelfService}
}

// outcome is a check-in's look-up outcome as a code (no personal data):
// the gateway's result code, or why BHXH could not verify.
func outcome(rec *clinic.CheckIn) string {
	if rec.BHYT != nil {
		return rec.BHYT.Code
	}
	return rec.BHXHError
}
