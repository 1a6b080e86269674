package engine

import (
	"errors"

	"motcua/kiosk/cardloop"
	"motcua/kiosk/session"
	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// onCard takes the card loop's events (on its goroutines) and moves the
// visit.
func (e *Engine) onCard(ce cardloop.Event) {
	if ce.Type == cardloop.Identified { // the identity ahead of its verdict (early.go)
		e.onIdentified(ce)
		return
	}
	e.mu.Lock()
	var evs []Event
	switch ce.Type {
	case cardloop.Inserted:
		e.present, e.readerGone = true, false
		e.slot = cardSlot{session: newCardSession()}
		e.slot.set(SlotWaitingKey)
		evs = append(evs, Event{Kind: CardInserted, NeedsKey: ce.NeedsKey, Step: e.step, Session: e.slot.session})
		if ce.NeedsKey && e.cardWanted() {
			e.before = e.restStep()
			evs = append(evs, e.setStep(StepKey, NoticeNone, ""))
		}
	case cardloop.Reading:
		e.reading = true
		e.progress = Progress{}
		e.slot.set(SlotReading)
		e.slot.reason, e.slot.errText = "", ""
		if e.cardWanted() {
			if e.step != StepKey && e.step != StepReading {
				e.before = e.restStep()
			}
			evs = append(evs, e.setStep(StepReading, NoticeNone, ""))
		}
		evs = append(evs, Event{Kind: CardReading, Step: e.step, QR: ce.QR, Session: e.slot.session})
	case cardloop.Progress:
		e.progress = Progress{File: ce.File, Bytes: ce.Bytes, Done: ce.Done, Total: ce.Total}
		evs = append(evs, Event{Kind: CardProgress, Progress: e.progress, Step: e.step})
	case cardloop.Read:
		e.reading = false
		e.slot.set(SlotRead)
		evs = append(evs, e.cardRead(ce.Result)...)
	case cardloop.Failed:
		e.reading = false
		e.dropEarlyLocked()
		e.slot.set(SlotFailed)
		e.slot.reason, e.slot.errText = ce.Reason, ce.Err.Error()
		evs = append(evs, Event{Kind: CardFailed, Reason: ce.Reason, Err: ce.Err, NeedsKey: ce.NeedsKey, Step: e.step, Session: e.slot.session})
		switch {
		case !e.cardWanted():
		case ce.NeedsKey:
			evs = append(evs, e.setStep(StepKey, NoticeWrongKey, ""))
		default:
			evs = append(evs, e.setStep(StepProblem, NoticeReadFailed, ce.Reason))
		}
	case cardloop.Removed:
		midRead := e.reading
		e.present, e.reading = false, false
		e.dropEarlyLocked()
		session := e.slot.session
		e.slot = cardSlot{}
		e.slot.set(SlotEmpty)
		evs = append(evs, Event{Kind: CardRemoved, MidRead: midRead, Step: e.step, Session: session})
		evs = append(evs, e.cardRemoved(midRead)...)
	case cardloop.ReaderGone:
		e.readerGone, e.readyTerm = true, false
		evs = append(evs, Event{Kind: ReaderGone, Step: e.step})
	}
	e.unlockEmit(evs...)
}

// cardWanted says whether a card read now belongs to the visit: a new
// visit, or the next party of a form being filled.
func (e *Engine) cardWanted() bool {
	switch e.sess.State() {
	case session.WaitingForCard:
		return e.step != StepAdmin
	case session.ServiceChosen, session.Filling:
		return true
	}
	return false
}

// restStep is where the visit goes back to when a card's read ends
// without a result (removed, given up): the form being filled, or the
// attract screen.
func (e *Engine) restStep() Step {
	switch e.step {
	case StepKey, StepReading, StepProblem:
		return e.before
	}
	return e.step
}

// cardRead files a chip read in the visit: the visitor's identity, or the
// next party of the form. Called with e.mu held.
func (e *Engine) cardRead(res *cccd.ReadResult) []Event {
	earlyPhoto := e.takeEarlyPhotoLocked(res.Photo) // the verdict replaces the early identity
	snap := *res
	read := Event{Kind: CardRead, Read: &snap, Session: e.slot.session}
	switch e.sess.State() {
	case session.WaitingForCard:
		if e.step == StepAdmin {
			res.Wipe()
			return []Event{e.slotNotFiled("the operator screen is open")}
		}
		if e.look != nil { // the dossier look-up: the card asks, it opens no visit
			return e.lookupCardLocked(res, read)
		}
		if err := e.sess.CardRead(res, ""); err != nil {
			res.Wipe()
			return []Event{e.slotNotFiled(err.Error()), e.setStep(StepProblem, NoticeError, err.Error())}
		}
		e.read, e.qrOnly, e.slot.read = res, nil, res
		e.photo, e.photoState = nil, PhotoNone
		if res.PhotoRefused != "" { // the reader refused it before any pixel
			e.photoState = PhotoRefused
		} else if earlyPhoto != nil {
			e.photo, e.photoState = earlyPhoto, PhotoShown // decoded when it arrived
		} else if len(res.Photo) > 0 {
			if img, err := lds.DecodePhoto(res.Photo); err == nil {
				e.photo, e.photoState = img, PhotoShown
			} else {
				e.photoState = PhotoRefused
				e.log.Warn("chip photo not shown", "err", err.Error())
			}
		}
		next := StepIdentity
		if e.cfg.Mode == Notary {
			next = StepNotary
		}
		read.Step = next
		return []Event{read, e.setStep(next, NoticeNone, "")}
	case session.Filling, session.ServiceChosen:
		role := e.cardRoleFor(res.Identity.Sex, res.Document)
		if role == "" { // no party of this form takes this card
			res.Wipe()
			return []Event{e.setStep(StepForm, NoticeNotForForm, "")}
		}
		if err := e.sess.CardRead(res, role); err != nil {
			res.Wipe()
			return []Event{e.slotNotFiled(err.Error()), e.setStep(StepForm, NoticeError, err.Error())}
		}
		e.slot.read = res
		read.Step = StepForm
		return []Event{read, {Kind: PartyAdded, Role: role, Step: StepForm}, e.setStep(StepForm, NoticeNone, "")}
	}
	res.Wipe() // a card read at review or receipt is not for this visit
	return []Event{e.slotNotFiled("the card was read at the end of a visit; finish it first"),
		e.setStep(e.restStep(), e.notice, e.detail)}
}

// cardRemoved ends what needs the card: a visit after its receipt, a
// check-in or a notary check; a form still being filled keeps its data
// (the next party's card comes next). Called with e.mu held.
func (e *Engine) cardRemoved(midRead bool) []Event {
	n := NoticeNone
	if midRead {
		n = NoticePulled
	}
	if e.cfg.Headless { // no screen: nothing of the visit outlives the card
		return e.wipeLocked(WipeRemoved, StepAttract, n)
	}
	st := e.sess.State()
	switch {
	case st == session.Submitted:
		return e.receiptCardLeftLocked(n)
	case e.cfg.Mode == Clinic && st != session.WaitingForCard:
		return e.clinicCardLeftLocked(n) // clinic_kiosk.go
	case e.cfg.Mode == Notary && st != session.WaitingForCard:
		return e.wipeKeepingParties(WipeRemoved, n)
	case st == session.WaitingForCard:
		if e.step == StepAdmin {
			return nil
		}
		if e.step == StepKey || e.step == StepReading || e.step == StepProblem {
			return []Event{e.setStep(e.lookupRest(), n, "")}
		}
		if e.step == StepLookup {
			return e.lookupCardLeftLocked()
		}
		if n != NoticeNone {
			return []Event{e.setStep(e.step, n, "")}
		}
	case st == session.Filling || st == session.ServiceChosen:
		return []Event{e.setStep(StepForm, n, "")}
	}
	return nil
}

// wipeKeepingParties ends the card's visit; the parties kept for a
// notarial act stay for the next card.
func (e *Engine) wipeKeepingParties(why WipeReason, n Notice) []Event {
	e.endVisitLocked()
	return []Event{{Kind: VisitWiped, Why: why, Step: StepAttract}, e.setStep(StepAttract, n, "")}
}

// missingCardParty is the card party of the chosen service that still has
// nobody, so the next card goes to the right person.
func (e *Engine) missingCardParty() string {
	f := e.sess.Current()
	if f == nil {
		return ""
	}
	for _, p := range f.Service.Parties {
		if p.FromCard && len(f.Persons[p.Role]) < max(p.Min, 1) {
			return p.Role
		}
	}
	return ""
}

// slotNotFiled records that the card's read was dropped, not filed in the
// visit (the read is wiped): the slot says why, and so does the CardFailed
// event it returns. Called with e.mu held.
func (e *Engine) slotNotFiled(why string) Event {
	err := errors.New("the read was not kept: " + why)
	e.slot.set(SlotFailed)
	e.slot.reason, e.slot.errText = cardloop.ReasonOther, err.Error()
	return Event{Kind: CardFailed, Reason: cardloop.ReasonOther, Err: err, Step: e.step, Session: e.slot.session}
}
