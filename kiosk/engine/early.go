package engine

import (
	"bytes"
	"errors"
	"image"

	"motcua/kiosk/cardloop"
	"motcua/kiosk/prefill"
	"motcua/kiosk/session"
	"motcua/reader/lds"
)

// ErrChecking refuses an intent while an early identity waits for its
// verdict.
var ErrChecking = errors.New("the card is still being checked")

// earlyRead is the identity on show while the chip's checks run: DG13 and
// DG1 have been read, EF.SOD, DG14, Chip Authentication and Passive
// Authentication have not finished. It belongs to the card on the reader
// and to that read only: the verdict replaces it, a failure or the card's
// leaving wipes it. Nothing may go on from it (checkingLocked).
type earlyRead struct {
	person     prefill.Person // unverified: Verification nil, Provenance chip_unverified
	photo      image.Image
	photoState PhotoState
	photoSrc   []byte // the bytes photo was decoded from (reused at the verdict)
}

// onIdentified shows the identity a read reported early (and its photo
// when it came), for the first card of a visit only: a later party's card
// joins the form at its verdict, as before. The photo is decoded before
// the lock is taken, and only once: the verdict reuses it.
func (e *Engine) onIdentified(ce cardloop.Event) {
	early := ce.Early
	if early == nil {
		return
	}
	defer early.Wipe()
	var img image.Image
	state := PhotoNone
	var src []byte
	switch {
	case early.PhotoRefused != "":
		state = PhotoRefused
	case len(early.Photo) > 0:
		if m, err := lds.DecodePhoto(early.Photo); err == nil {
			img, state, src = m, PhotoShown, bytes.Clone(early.Photo)
		} else {
			state = PhotoRefused // the verdict logs why
		}
	}
	e.mu.Lock()
	if !e.reading || e.step != StepReading || e.sess.State() != session.WaitingForCard || !e.cardWanted() {
		e.mu.Unlock()
		return
	}
	e.dropEarlyLocked()
	e.early = &earlyRead{photo: img, photoState: state, photoSrc: src,
		person: prefill.Person{Identity: early.Identity, Provenance: prefill.ChipUnverified}}
	e.unlockEmit(Event{Kind: CardIdentified, Step: e.step, Session: e.slot.session})
}

// checkingLocked says an early identity is on show and its verdict has
// not come: Continue, Submit and every other way on are refused. Called
// with e.mu held.
func (e *Engine) checkingLocked() bool { return e.early != nil }

// dropEarlyLocked wipes the early identity (the verdict came, the read
// failed, the card left, the visit was wiped). Called with e.mu held.
func (e *Engine) dropEarlyLocked() {
	if e.early == nil {
		return
	}
	e.early.person.Identity.Wipe()
	clear(e.early.photoSrc)
	e.early = nil
}

// takeEarlyPhotoLocked ends the early identity at the verdict and returns
// its decoded photo when it is the photo of res (so it is not decoded
// twice). Called with e.mu held.
func (e *Engine) takeEarlyPhotoLocked(photo []byte) image.Image {
	var img image.Image
	if ea := e.early; ea != nil && ea.photo != nil && len(photo) > 0 && bytes.Equal(ea.photoSrc, photo) {
		img = ea.photo
	}
	e.dropEarlyLocked()
	return img
}

// earlyView puts the early identity into v while the read runs.
func (e *Engine) earlyView(v *View) {
	ea := e.early
	if ea == nil || e.step != StepReading {
		return
	}
	p := ea.person
	v.Checking, v.Early = true, &p
	v.Photo, v.PhotoState = ea.photo, ea.photoState
}
