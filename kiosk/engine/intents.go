package engine

import (
	"context"
	"errors"
	"motcua/sync/outbox"
	"strings"
	"time"

	"motcua/kiosk/session"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/reader/qr/scanner"
)

// Scanned takes a code from any QR scanner: a card's QR gives the keys to
// its chip (they wait for the card); anything else is explained.
func (e *Engine) Scanned(text string) { e.ScanQR(text) }

// ScanQR is Scanned for a caller that answers someone (the local API):
// it returns the card's QR payload, or why the code gives no keys.
func (e *Engine) ScanQR(text string) (*qr.Payload, error) {
	p, keys, err := KeysFromQR(text)
	e.mu.Lock()
	var evs []Event
	if err != nil {
		var nc *qr.NotCardError
		if errors.As(err, &nc) {
			e.notice, e.detail = NoticeNotCardQR, nc.Kind.Describe()
		} else {
			e.notice, e.detail = NoticeBadQR, ""
		}
		evs = append(evs, Event{Kind: QRRefused, Err: err, Step: e.step})
		e.unlockEmit(evs...)
		e.log.Info("QR refused", "err", maskErr(err))
		return nil, err
	}
	e.keys.Put(keys, p)
	evs = append(evs, Event{Kind: QRAccepted, QR: p, Step: e.step})
	if !e.present && e.sess.State() == session.WaitingForCard && e.step != StepAdmin {
		e.qrOnly = p
		evs = append(evs, e.setStep(StepAttract, NoticeQRFirst, ""))
	}
	e.unlockEmit(evs...)
	e.log.Info("QR scanned", "id", cccd.MaskID(p.IDNumber), "unreliable", p.Unreliable)
	return p, nil
}

// TypedKey takes what was typed on the key step: 6 digits (the CAN) or 12
// (the ID number); a scanner typing into the field gives a whole QR.
func (e *Engine) TypedKey(text string) error {
	text = strings.TrimSpace(text)
	if strings.Contains(text, "|") {
		e.Scanned(text)
		return nil
	}
	return e.TypedDigits(text)
}

// TypedDigits takes a CAN (6 digits) or an ID number (12) for the card on
// the reader, or the next one; anything else is refused (KeyRefused).
func (e *Engine) TypedDigits(text string) error {
	k, err := KeyFromDigits(text)
	if err != nil {
		e.mu.Lock()
		e.notice, e.detail = NoticeKeyInvalid, ""
		ev := Event{Kind: KeyRefused, Err: err, Step: e.step}
		e.unlockEmit(ev)
		return err
	}
	e.keys.Put([]reader.Key{k}, nil)
	return nil
}

// WedgeKey takes one key press when no field has focus: a keyboard-wedge
// scanner "types" a QR code in a fast burst ending with Enter.
func (e *Engine) WedgeKey(k scanner.Key) {
	e.mu.Lock()
	runs := e.wedge.Feed(k)
	e.mu.Unlock()
	e.wedgeRuns(runs)
}

func (e *Engine) wedgeRuns(runs []scanner.Run) {
	for _, r := range runs {
		if r.Origin == scanner.Scanned {
			e.Scanned(r.Text)
		}
	}
}

// ContinueQROnly starts a visit from a QR scanned with no card (desk
// officers, when a chip cannot be read); every value is marked as from the
// QR, never verified.
func (e *Engine) ContinueQROnly() {
	e.mu.Lock()
	p := e.qrOnly
	e.qrOnly = nil
	if p == nil || e.cfg.Mode == Kiosk {
		e.mu.Unlock()
		return
	}
	e.keys.Clear()
	var ev Event
	if err := e.sess.QRScanned(p.Identity(), ""); err != nil {
		ev = e.setStep(StepProblem, NoticeError, err.Error())
	} else {
		e.read, e.photo, e.photoState = nil, nil, PhotoNone
		next := StepIdentity
		if e.cfg.Mode == Notary {
			next = StepNotary
		}
		ev = e.setStep(next, NoticeNone, "")
	}
	e.unlockEmit(ev)
}

// Continue goes from the identity to the service tiles (kiosk, desk).
func (e *Engine) Continue() {
	e.mu.Lock()
	if e.step != StepIdentity || e.sess.Primary() == nil || e.cfg.Mode == Clinic || e.cfg.Mode == Notary {
		e.mu.Unlock()
		return
	}
	e.sess.StillHere()
	ev := e.setStep(StepServices, NoticeNone, "")
	e.unlockEmit(ev)
}

// ChooseService picks the service by its code (mã TTHC) and prefills its form.
func (e *Engine) ChooseService(code string) error {
	e.mu.Lock()
	var ev Event
	err := e.sess.ChooseService(code, "")
	if err != nil {
		ev = e.setStep(StepServices, NoticeError, err.Error())
	} else {
		ev = e.setStep(StepForm, NoticeNone, "")
	}
	e.unlockEmit(ev)
	return err
}

// SetField sets a value the visitor typed or picked.
func (e *Engine) SetField(party, field string, index int, text string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.sess.Form()
	if f == nil {
		return session.ErrState
	}
	return f.Set(party, field, index, text)
}

// ConfirmField confirms a card value that needs it (an address converted
// to today's provinces).
func (e *Engine) ConfirmField(party, field string, index int) error {
	e.mu.Lock()
	f := e.sess.Form()
	if f == nil {
		e.mu.Unlock()
		return session.ErrState
	}
	err := f.Confirm(party, field, index)
	ev := e.changed()
	e.unlockEmit(ev)
	return err
}

// UnlockField lets an officer edit a card value, with a reason (desk only;
// the unlock is recorded in the dossier).
func (e *Engine) UnlockField(party, field string, index int, reason string) error {
	e.mu.Lock()
	f := e.sess.Form()
	if f == nil || e.cfg.Mode != Desk {
		e.mu.Unlock()
		return session.ErrState
	}
	err := f.UnlockField(party, field, index, e.cfg.Device, reason, e.cfg.Now())
	if err != nil {
		e.notice, e.detail = NoticeError, err.Error()
	}
	ev := e.changed()
	e.unlockEmit(ev)
	return err
}

// Review moves to review when the form is complete; otherwise the
// problems stay on the form.
func (e *Engine) Review() {
	e.mu.Lock()
	var ev Event
	probs, err := e.sess.Review()
	switch {
	case err != nil:
		ev = e.setStep(StepForm, NoticeError, err.Error())
	case len(probs) > 0:
		ev = e.setStep(StepForm, NoticeNone, "")
		e.problems = probs
	default:
		ev = e.setStep(StepReview, NoticeNone, "")
	}
	e.unlockEmit(ev)
}

// Back returns from review to the form.
func (e *Engine) Back() {
	e.mu.Lock()
	if e.sess.Back() != nil {
		e.mu.Unlock()
		return
	}
	ev := e.setStep(StepForm, NoticeNone, "")
	e.unlockEmit(ev)
}

// Submit stores the reviewed dossier, with the consent given now, in the
// outbox (off the caller's goroutine) and tells the sync worker. The
// receipt step comes only once the outbox says the dossier is durable.
func (e *Engine) Submit(consent bool) {
	e.mu.Lock()
	if e.step != StepReview || e.busy {
		e.mu.Unlock()
		return
	}
	if !consent {
		e.notice, e.detail = NoticeNeedAgree, ""
		ev := e.changed()
		e.unlockEmit(ev)
		return
	}
	e.busy = true
	gen := e.gen
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		if e.cfg.Demo {
			// A demo dossier is marked in the outbox: the worker never
			// sends it to a real provider.
			ctx = outbox.WithDemo(ctx)
		}
		uuid, err := e.sess.Submit(ctx, e.cfg.Outbox, true)
		e.mu.Lock()
		if gen != e.gen { // wiped meanwhile (idle, cancel): the dossier, if saved, is in the outbox
			e.mu.Unlock()
			return
		}
		e.busy = false
		var evs []Event
		if err != nil {
			e.notice, e.detail = NoticeSaveFailed, err.Error()
			evs = []Event{{Kind: SubmitFailed, Err: err, Step: e.step}}
		} else {
			if e.cfg.Worker != nil {
				e.cfg.Worker.Notify()
			}
			e.keepReceiptLocked(uuid)
			code := ""
			if f := e.sess.Current(); f != nil {
				code = f.Service.Code
			}
			evs = []Event{{Kind: Submitted, UUID: uuid, Service: code, Step: StepReceipt}, e.setStep(StepReceipt, NoticeNone, "")}
		}
		e.unlockEmit(evs...)
		if err != nil {
			e.log.Error("dossier not saved", "err", err.Error())
		}
		e.refreshSync()
	})
}

// Done ends the visit after its receipt or check-in, even if the card stays.
func (e *Engine) Done() {
	e.mu.Lock()
	evs := e.wipeLocked(WipeDone, StepAttract, e.doneNotice())
	e.unlockEmit(evs...)
}

// Cancel wipes everything of the visit and starts again.
func (e *Engine) Cancel() {
	e.mu.Lock()
	evs := e.wipeLocked(WipeCancelled, StepAttract, NoticeCancelled)
	e.unlockEmit(evs...)
}

// StillHere answers "still there?": the idle timer starts again.
func (e *Engine) StillHere() {
	e.sess.StillHere()
	e.mu.Lock()
	e.stillThere = false
	ev := e.changed()
	e.unlockEmit(ev)
}

// SetIdle changes the idle time (an operator setting).
func (e *Engine) SetIdle(d time.Duration) { e.sess.SetIdle(d) }

// Tick drives the idle timer, the keyboard-wedge scanner's end of burst,
// and the wait for a notarial act's next party. Start calls it once a
// second; tests call it with a moved clock.
func (e *Engine) Tick() {
	now := e.cfg.Now()
	e.mu.Lock()
	runs := e.wedge.Flush(time.Now()) // the wedge times key presses by the wall clock
	var evs []Event
	// Parties kept for a notarial act wait for the next card only so long.
	if len(e.parties) > 0 && e.sess.State() == session.WaitingForCard &&
		now.Sub(e.partiesAt) > 2*e.sess.IdleTimeout() {
		evs = append(evs, e.wipeLocked(WipeIdle, StepAttract, NoticeNone)...)
	}
	evs = append(evs, e.receiptExpiredLocked(now)...)
	evs = append(evs, e.ticketExpiredLocked(now)...)
	if e.busy || e.cfg.Headless { // a save or look-up under way is activity; headless, nobody could answer "still there?"
		e.sess.StillHere()
	}
	switch e.sess.Tick() {
	case session.StillThere:
		if !e.stillThere {
			e.stillThere = true
			evs = append(evs, Event{Kind: StillThere, Step: e.step})
		}
	case session.WipedIdle:
		evs = append(evs, e.wipeLocked(WipeIdle, StepAttract, NoticeNone)...)
	}
	e.unlockEmit(evs...)
	e.wedgeRuns(runs)
}

// maskErr is an error's text with long digit runs masked, for logs.
func maskErr(err error) string {
	s := []rune(err.Error())
	run := 0
	for i, r := range s {
		if r >= '0' && r <= '9' {
			run++
			if run > 3 {
				s[i] = '•'
			}
		} else {
			run = 0
		}
	}
	return string(s)
}
