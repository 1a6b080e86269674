package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"motcua/sync/outbox"

	"motcua/kiosk/session"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/reader/qr/scanner"
)

// Scanned takes a code from any QR scanner: a card's QR gives the keys to
// its chip (they wait for the card); a passport's MRZ from a keyboard-wedge
// MRZ reader gives its key (TypedMRZ); a receipt's QR opens the dossier
// look-up; anything else is explained.
func (e *Engine) Scanned(text string) {
	if e.isMRZ(text) {
		e.TypedMRZ(text)
		return
	}
	if e.lookupScanned(text) { // a receipt's QR: the dossier look-up
		return
	}
	e.ScanQR(text)
}

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
		evs = append(evs, e.setStep(e.lookupRest(), NoticeQRFirst, "")) // the look-up waits for the card too
	}
	e.unlockEmit(evs...)
	e.log.Info("QR scanned", "id", cccd.MaskID(p.IDNumber), "unreliable", p.Unreliable)
	return p, nil
}

// TypedKey takes what was typed on the key step: 6 digits (the CAN) or 12
// (the ID number); a scanner typing into the field gives a whole QR, an
// MRZ reader a passport's MRZ (TypedMRZ).
func (e *Engine) TypedKey(text string) error {
	text = strings.TrimSpace(text)
	if strings.Contains(text, "|") {
		e.Scanned(text)
		return nil
	}
	if e.isMRZ(text) {
		return e.TypedMRZ(text)
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
	if e.step != StepIdentity || e.sess.Primary() == nil || e.cfg.Mode == Clinic || e.cfg.Mode == Notary || e.checkingLocked() {
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
	if e.checkingLocked() {
		e.mu.Unlock()
		return ErrChecking
	}
	var ev Event
	err := e.sess.ChooseService(code, "")
	switch {
	case errors.Is(err, session.ErrNeedsIDCard):
		ev = e.setStep(StepServices, NoticeNeedsCard, "")
	case err != nil:
		ev = e.setStep(StepServices, NoticeError, err.Error())
	default:
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
	if e.checkingLocked() {
		e.mu.Unlock()
		return
	}
	var ev Event
	probs, err := e.sess.Review()
	switch {
	case err != nil:
		ev = e.setStep(StepForm, NoticeError, err.Error())
	case len(probs) > 0:
		ev = e.setStep(StepForm, NoticeNone, "")
		e.problems = probs
	default:
		e.dropPendingLocked() // fresh ticks for what is reviewed now
		ev = e.setStep(StepReview, NoticeNone, "")
	}
	e.unlockEmit(ev)
}

// Back returns from review to the form, unless part of a combined
// visit's dossiers is stored already (then only Submit, which stores the
// rest as reviewed, or Cancel is possible).
func (e *Engine) Back() {
	e.mu.Lock()
	if e.busy || (e.pending != nil && e.pending.stored() > 0) {
		e.mu.Unlock()
		return
	}
	if e.sess.Back() != nil {
		e.mu.Unlock()
		return
	}
	e.dropPendingLocked()
	ev := e.setStep(StepForm, NoticeNone, "")
	e.unlockEmit(ev)
}

// Submit stores the reviewed visit's dossiers in the outbox (off the
// caller's goroutine) and tells the sync worker. agreed are the consents
// given now, one per person (Agree may have ticked them already): every
// person whose card data the dossier carries must have agreed (View.Consents),
// or nothing is stored and the notice names who has not. A combined
// (liên thông) service stores one dossier per agency, tied by one bundle
// ID, under one receipt. The receipt step comes only once every dossier
// is durable; a failure keeps them all on review (View.SaveFailure) and
// Submit again stores only those still missing.
func (e *Engine) Submit(agreed ...Agreement) {
	e.mu.Lock()
	if e.step != StepReview || e.busy || e.checkingLocked() {
		e.mu.Unlock()
		return
	}
	f := e.sess.Current()
	if f == nil {
		e.mu.Unlock()
		return
	}
	e.sess.StillHere() // pressing submit is the visitor's activity
	if e.agreed == nil {
		e.agreed = map[Agreement]bool{}
	}
	for _, a := range agreed {
		e.agreed[a] = true
	}
	cs := e.consentersLocked(f)
	if missing := missingConsent(f, cs); len(missing) > 0 {
		e.notice, e.detail = NoticeNeedAgree, joinLabels(missing)
		ev := e.changed()
		e.unlockEmit(ev)
		return
	}
	if e.pending == nil || e.pending.stored() == 0 {
		// Built now, at consent; kept once part of it is stored, so a
		// retry files exactly what the first attempt began.
		if e.pending != nil {
			e.pending.wipe()
		}
		p, err := buildSubmit(e.cfg.Catalog, f, consentOf(f, cs, e.cfg.Now()), e.cfg.Device, e.cfg.Now())
		if err != nil {
			e.notice, e.detail = NoticeError, err.Error()
			ev := e.changed()
			e.unlockEmit(ev)
			return
		}
		e.pending = p
	}
	p := e.pending
	e.busy = true
	e.notice, e.detail, e.saveFailure = NoticeNone, "", SaveOK
	gen := e.gen
	owners := e.ownersLocked()
	sub := e.submitterLocked() // the outbox, with the attachments captured at the desk
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		// Each person can find the dossier later by card (keyed tags, no number stored).
		ctx = outbox.WithOwners(ctx, owners...)
		if e.cfg.Demo {
			// A demo dossier is marked in the outbox: the worker never
			// sends it to a real provider.
			ctx = outbox.WithDemo(ctx)
		}
		var err error
		var evs []Event
		for _, part := range p.parts {
			if part.UUID != "" {
				continue
			}
			var uuid string
			// Each agency's dossier carries the papers captured at the desk.
			uuid, err = sub.Add(ctx, part.Code, part.payload)
			if err != nil {
				err = fmt.Errorf("the dossier for %s could not be saved: %w", part.Code, err)
				break
			}
			e.mu.Lock()
			part.UUID = uuid
			e.mu.Unlock()
			evs = append(evs, Event{Kind: Submitted, UUID: uuid, Service: part.Code, Step: StepReview})
		}
		e.mu.Lock()
		if len(evs) > 0 && e.cfg.Worker != nil {
			e.cfg.Worker.Notify()
		}
		if gen != e.gen { // wiped meanwhile (idle, cancel): what was saved is in the outbox
			e.mu.Unlock()
			return
		}
		e.busy = false
		if err == nil {
			err = e.sess.Stored(p.parts[0].UUID)
		}
		if err != nil {
			e.notice, e.detail, e.saveFailure = NoticeSaveFailed, err.Error(), saveFailure(err)
			evs = append(evs, Event{Kind: SubmitFailed, Err: err, Step: e.step})
		} else {
			e.keepReceiptLocked(p)
			e.dropPendingLocked()
			evs = append(evs, e.setStep(StepReceipt, NoticeNone, ""))
			for i := range evs[:len(evs)-1] {
				evs[i].Step = StepReceipt
			}
		}
		e.unlockEmit(evs...)
		if err != nil {
			e.log.Error("dossier not saved", "err", maskErr(err), "stored", p.stored(), "of", len(p.parts))
		}
		e.refreshSync()
	})
}

// dropPendingLocked forgets the dossiers built for a submit (their
// payloads wiped) and the ticks. Called with e.mu held.
func (e *Engine) dropPendingLocked() {
	if e.pending != nil {
		e.pending.wipe()
	}
	e.pending, e.agreed, e.saveFailure = nil, nil, SaveOK
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
	evs = append(evs, e.lookupExpiredLocked(now)...)
	evs = append(evs, e.ticketExpiredLocked(now)...)
	// Issue 19, office link: calls unanswered for too long (helplink.go).
	evs = append(evs, e.helpExpiredLocked(now)...)
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
