package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"motcua/kiosk/session"
	"motcua/reader"
)

// A passport has no QR code and no CAN a citizen knows: its chip opens
// with the machine-readable zone (PACE with the MRZ, or BAC). This file
// turns what the desk has into that key: the two TD3 lines typed or sent
// by a keyboard-wedge MRZ reader (one burst of 88 characters and Enter, or
// one line per Enter), or the document number, date of birth and date of
// expiry typed from the data page.

// ErrTypedMRZ reports MRZ data that cannot open a passport: check digits
// that do not hold, a date that is not a date, a number of the wrong form.
var ErrTypedMRZ = errors.New("give the passport's MRZ (its two lines), or its number, date of birth and date of expiry")

// KeyFromMRZText turns a whole MRZ (TD3 of a passport, TD2, or TD1 of an
// ID card), as typed or scanned, into the chip key. Every check digit
// must hold: a misread MRZ never reaches the chip.
func KeyFromMRZText(s string) (reader.Key, error) {
	k, err := reader.KeyFromMRZ(strings.ToUpper(strings.Join(strings.Fields(s), "")))
	if err != nil {
		return reader.Key{}, fmt.Errorf("%w: %v", ErrTypedMRZ, err)
	}
	return k, nil
}

// KeyFromPassport makes the chip key from a passport's data page: the
// document number and the dates of birth and expiry, written as people
// write dates (dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy, ddmmyyyy or
// yyyy-mm-dd). Six-digit dates are refused: ddmmyy and the MRZ's yymmdd
// cannot be told apart.
func KeyFromPassport(number, birth, expiry string) (reader.Key, error) {
	number = strings.ToUpper(strings.Join(strings.Fields(number), ""))
	if number == "" || !mrzChars(number) {
		return reader.Key{}, fmt.Errorf("%w: the passport number has letters and digits only", ErrTypedMRZ)
	}
	dob, err := passportDate(birth)
	if err != nil {
		return reader.Key{}, fmt.Errorf("%w: date of birth: %v", ErrTypedMRZ, err)
	}
	exp, err := passportDate(expiry)
	if err != nil {
		return reader.Key{}, fmt.Errorf("%w: date of expiry: %v", ErrTypedMRZ, err)
	}
	if !exp.After(dob) {
		return reader.Key{}, fmt.Errorf("%w: the date of expiry is before the date of birth", ErrTypedMRZ)
	}
	k := &reader.MRZKey{DocumentNumber: number, DateOfBirth: dob.Format("060102"), DateOfExpiry: exp.Format("060102")}
	if _, err := k.Info(); err != nil {
		return reader.Key{}, fmt.Errorf("%w: %v", ErrTypedMRZ, err)
	}
	return reader.Key{MRZ: k}, nil
}

// passportDate reads a date with a four-digit year.
func passportDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02/01/2006", "2/1/2006", "02.01.2006", "02-01-2006", "02012006", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date as dd/mm/yyyy", s)
}

// LooksLikeMRZ reports whether text is (part of) a machine-readable zone
// rather than a QR payload or digits: MRZ characters only, with the '<'
// fillers every MRZ line has, at least one line long.
func LooksLikeMRZ(text string) bool {
	s := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	return len(s) >= 30 && strings.Contains(s, "<") && mrzChars(s)
}

func mrzChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '<') {
			return false
		}
	}
	return true
}

// mrzLines gathers an MRZ that arrives a line at a time (a reader that
// ends each line with Enter, or a person pressing Enter after each line).
// A line waits at most mrzLineWait for the next.
type mrzLines struct {
	lines []string
	at    time.Time
}

const mrzLineWait = 10 * time.Second

// add takes one scanned or typed chunk and returns the whole MRZ once the
// chunks so far make one ("" while lines are still expected).
func (m *mrzLines) add(chunk string, now time.Time) (whole string, err error) {
	chunk = strings.ToUpper(strings.Join(strings.Fields(chunk), ""))
	if len(m.lines) > 0 && now.Sub(m.at) > mrzLineWait {
		m.lines = nil
	}
	m.lines = append(m.lines, chunk)
	m.at = now
	joined := strings.Join(m.lines, "")
	n := len(joined)
	switch {
	case n == 88 || n == 72 || n == 90:
		m.lines = nil
		return joined, nil
	case len(m.lines) < 3 && (n == 44 || n == 36 || n == 30 || n == 60):
		return "", nil // one line of a TD3, TD2 or TD1 (or two of a TD1): more to come
	}
	m.lines = nil
	return "", fmt.Errorf("%w: an MRZ of %d characters (a passport's has two lines of 44)", ErrTypedMRZ, n)
}

// waiting reports whether a line waits for the next one at now.
func (m *mrzLines) waiting(now time.Time) bool {
	return len(m.lines) > 0 && now.Sub(m.at) <= mrzLineWait
}

// isMRZ says whether text goes to TypedMRZ: an MRZ, or the next line of
// one (a passport's second line may have no filler at all).
func (e *Engine) isMRZ(text string) bool {
	if LooksLikeMRZ(text) {
		return true
	}
	s := strings.ToUpper(strings.Join(strings.Fields(text), ""))
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mrz.waiting(e.cfg.Now()) && len(s) >= 30 && mrzChars(s)
}

// reset forgets any line waiting for the next.
func (m *mrzLines) reset() { m.lines = nil }

// TypedMRZ takes a passport's MRZ typed or sent by a keyboard-wedge MRZ
// reader: both lines at once, or one line at a time (the key waits for
// the rest). A whole MRZ whose check digits hold becomes the key for the
// passport on the reader, or the next one; anything else is refused
// (KeyRefused, NoticeMRZInvalid).
func (e *Engine) TypedMRZ(text string) error {
	e.mu.Lock()
	whole, err := e.mrz.add(text, e.cfg.Now())
	e.mu.Unlock()
	if err != nil {
		return e.refuseMRZ(err)
	}
	if whole == "" {
		return nil // a line of it: the next line follows
	}
	k, err := KeyFromMRZText(whole)
	if err != nil {
		return e.refuseMRZ(err)
	}
	e.acceptMRZ(k)
	return nil
}

// TypedPassport takes a passport's number, date of birth and date of
// expiry typed from its data page (dates as dd/mm/yyyy).
func (e *Engine) TypedPassport(number, birth, expiry string) error {
	k, err := KeyFromPassport(number, birth, expiry)
	if err != nil {
		return e.refuseMRZ(err)
	}
	e.acceptMRZ(k)
	return nil
}

func (e *Engine) refuseMRZ(err error) error {
	e.mu.Lock()
	e.notice, e.detail = NoticeMRZInvalid, ""
	ev := Event{Kind: KeyRefused, Err: err, Step: e.step}
	e.unlockEmit(ev)
	e.log.Info("MRZ refused", "err", maskErr(err))
	return err
}

// acceptMRZ puts the passport's key in the key box; with no card on the
// reader yet, the attract screen asks for the passport.
func (e *Engine) acceptMRZ(k reader.Key) {
	e.keys.Put([]reader.Key{k}, nil)
	e.mu.Lock()
	evs := []Event{{Kind: MRZAccepted, Step: e.step}}
	if !e.present && e.sess.State() == session.WaitingForCard && e.step != StepAdmin {
		evs = append(evs, e.setStep(StepAttract, NoticeMRZFirst, ""))
	}
	e.unlockEmit(evs...)
	e.log.Info("MRZ key given", "key", k.String())
}
