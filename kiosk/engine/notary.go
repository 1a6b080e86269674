package engine

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"

	"motcua/kiosk/notary"
	"motcua/kiosk/session"
)

// actRef is what a notarial act number may look like (letters, digits and
// the separators offices use).
var actRef = regexp.MustCompile(`^[\p{L}0-9/._-]{1,40}$`)

// ErrNoChipRead is returned when a notary action needs a chip read and the
// visit has none (a QR visit, or the card has gone).
var ErrNoChipRead = errors.New("a notarial party needs a chip read with its verification")

// keepPartyLocked records the card on the reader as the next party of the act.
func (e *Engine) keepPartyLocked() error {
	if e.read == nil {
		return ErrNoChipRead
	}
	party, err := notary.PartyFromRead(notary.PartyRole(len(e.parties)+1), e.read)
	if err != nil {
		return err
	}
	e.parties = append(e.parties, party)
	e.partiesAt = e.cfg.Now()
	return nil
}

// AnotherParty keeps the party on the reader for the act and waits for the
// next party's card (notary mode). The card's own visit ends.
func (e *Engine) AnotherParty() error {
	e.mu.Lock()
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy {
		e.mu.Unlock()
		return session.ErrState
	}
	if err := e.keepPartyLocked(); err != nil {
		e.notice, e.detail = NoticeError, err.Error()
		ev := e.changed()
		e.unlockEmit(ev)
		return err
	}
	n := len(e.parties)
	e.endVisitLocked()
	e.keys.Clear()
	evs := []Event{{Kind: NotaryPartyKept, N: n, Step: StepAttract}, e.setStep(StepAttract, NoticeNextParty, "")}
	e.unlockEmit(evs...)
	return nil
}

// SaveNotary files the record of every party of the act (those kept and
// the card on the reader) under the act number: JSON and a printable PNG,
// written off the caller's goroutine and synced before NotarySaved.
func (e *Engine) SaveNotary(ref string) {
	e.mu.Lock()
	// Saved already (recordFile set): a second tap writes nothing new.
	if e.cfg.Mode != Notary || e.step != StepNotary || e.busy || e.recordFile != "" {
		e.mu.Unlock()
		return
	}
	fail := func(n Notice, detail string) {
		e.notice, e.detail = n, detail
		ev := e.changed()
		e.unlockEmit(ev)
	}
	if !actRef.MatchString(ref) {
		fail(NoticeActRef, "")
		return
	}
	if err := e.keepPartyLocked(); err != nil {
		fail(NoticeError, err.Error())
		return
	}
	c := e.cfg.Notary
	rec, err := notary.New(ref, c.NotaryID, c.Office, e.cfg.Device, e.cfg.Now(), e.parties...)
	if err != nil {
		e.parties = e.parties[:len(e.parties)-1] // the card on the reader is kept again on the next try
		fail(NoticeError, err.Error())
		return
	}
	e.parties = nil // the record owns them now and wipes them
	e.busy = true
	gen := e.gen
	now := e.cfg.Now()
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(context.Context) {
		path, err := writeRecord(c.Dir, "notary", rec, now)
		if err == nil {
			var png []byte
			if png, err = rec.PNG(); err == nil {
				err = writeFileSync(path[:len(path)-len(".json")]+".png", png)
			}
		}
		n := len(rec.Parties)
		rec.Wipe()
		e.mu.Lock()
		var evs []Event
		if err != nil {
			evs = []Event{{Kind: NotaryFailed, Err: err, Step: e.step}}
		} else {
			evs = []Event{{Kind: NotarySaved, File: path, N: n, Step: e.step}}
		}
		if gen == e.gen {
			e.busy = false
			if err != nil {
				e.notice, e.detail = NoticeSaveFailed, err.Error()
			} else {
				e.notice, e.detail, e.recordFile = NoticeSaved, filepath.Base(path), path
			}
			evs = append(evs, e.changed())
		}
		e.unlockEmit(evs...)
	})
}
