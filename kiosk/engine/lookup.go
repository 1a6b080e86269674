package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"motcua/kiosk/catalog"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// The dossier look-up ("Tra cứu hồ sơ"): a citizen taps their card, or
// scans their receipt's QR, and sees their dossiers' state in plain words.
//
// By card, the outbox is asked for the records tagged with the card's ID
// number (outbox.WithOwners at submit, outbox.Store.Owned): keyed tags
// under an owner key, so no ID number is stored and no payload is
// decrypted to answer. Only a chip whose checks passed (a green badge)
// may list dossiers: an altered, cloned or unknown-signer card could
// claim anybody's number. The card's data is wiped as soon as its number
// has been turned into the query; the screen keeps only what the
// look-up found (receipt numbers, services, dates, states, official
// codes), no personal data, and only until Done, LookupLinger after the
// card left, or LookupIdle.

// LookupLinger is how long the look-up's answer stays after the card left.
const LookupLinger = ReceiptLinger

// LookupIdle is how long the look-up screen stays without a card or an answer.
const LookupIdle = 2 * time.Minute

// LookupResult says what a look-up found.
type LookupResult string

// Look-up results.
const (
	LookupWaiting     LookupResult = ""            // waiting for a card or a receipt QR
	LookupBusy        LookupResult = "busy"        // the outbox is being asked
	LookupFound       LookupResult = "found"       // Items holds the dossiers
	LookupNothing     LookupResult = "nothing"     // this card has no dossier filed at this machine
	LookupNotHere     LookupResult = "not_here"    // the receipt is of a dossier this machine does not hold (Code: its official code, if any)
	LookupRefused     LookupResult = "refused"     // the card's checks failed: no look-up by it
	LookupUnavailable LookupResult = "unavailable" // the outbox cannot answer (Detail)
)

// LookupItem is one dossier as the look-up shows it: no personal data.
type LookupItem struct {
	UUID    string
	Number  string           // the receipt number (receipt.Number)
	Code    string           // the procedure code (mã TTHC)
	Service *catalog.Service // nil when the catalogue no longer has it
	Filed   time.Time
	State   outbox.State
	// OfficialCode and Status: the province's mã hồ sơ and national
	// status code (1..10) once known.
	OfficialCode string
	Status       int
	Demo         bool
}

// LookupView is the look-up's part of a View.
type LookupView struct {
	Result LookupResult
	// ByCard: the answer came from a card (it goes LookupLinger after the
	// card left); else from a scanned receipt.
	ByCard bool
	Items  []LookupItem
	Code   string // LookupNotHere: the official code read from the receipt
	Detail string // LookupUnavailable: why
	// Ends is when the answer leaves the screen (zero: not counting down).
	Ends time.Time
}

type lookupState struct {
	LookupView
	at   time.Time // last activity
	left time.Time // when the card left after an answer by card
}

// ownedLister, recordGetter and officialFinder are what the look-up needs
// of the outbox beyond engine.Outbox (*outbox.Store has all three).
type ownedLister interface {
	Owned(idNumber string) ([]outbox.Record, error)
}
type recordGetter interface {
	Get(uuid string) (outbox.Record, error)
}
type officialFinder interface {
	FindOfficial(code string) (outbox.Record, error)
}

// Lookup opens the dossier look-up from the attract screen (kiosk, desk):
// the next card (or a receipt QR) is looked up instead of starting a visit.
func (e *Engine) Lookup() {
	e.mu.Lock()
	if e.step != StepAttract || !e.lookupAllowed() || len(e.parties) > 0 {
		e.mu.Unlock()
		return
	}
	e.look = &lookupState{at: e.cfg.Now()}
	ev := e.setStep(StepLookup, NoticeNone, "")
	e.unlockEmit(ev)
}

func (e *Engine) lookupAllowed() bool {
	return (e.cfg.Mode == Kiosk || e.cfg.Mode == Desk) && !e.cfg.Headless
}

// lookupRest is where an unfinished read goes back to: the look-up while
// it is open, else the attract screen. Called with e.mu held.
func (e *Engine) lookupRest() Step {
	if e.look != nil {
		return StepLookup
	}
	return StepAttract
}

// lookupCardLocked answers a look-up with the card just read: its checks
// first, then its number turned into the query; the read is wiped at
// once. Called with e.mu held.
func (e *Engine) lookupCardLocked(res *cccd.ReadResult, read Event) []Event {
	id := res.IDNumber
	ok := res.Verification.Verified() && res.Document != cccd.DocumentPassport && id != ""
	res.Wipe()
	e.slot.read = nil
	e.look.at, e.look.left = e.cfg.Now(), time.Time{}
	e.look.ByCard, e.look.Items, e.look.Code, e.look.Detail, e.look.Ends = true, nil, "", "", time.Time{}
	read.Step = StepLookup
	if !ok {
		e.look.Result = LookupRefused
		return []Event{read, e.setStep(StepLookup, NoticeNone, "")}
	}
	lister, has := e.cfg.Outbox.(ownedLister)
	if !has {
		e.look.Result, e.look.Detail = LookupUnavailable, "this outbox cannot look dossiers up by card"
		return []Event{read, e.setStep(StepLookup, NoticeNone, "")}
	}
	e.look.Result = LookupBusy
	gen := e.gen
	e.goIO(func(context.Context) {
		recs, err := lister.Owned(id)
		e.lookupAnswer(gen, recs, err, "")
	})
	return []Event{read, e.setStep(StepLookup, NoticeNone, "")}
}

// lookupAnswer files what the outbox said. notHere is the official code of
// a scanned receipt this machine does not hold.
func (e *Engine) lookupAnswer(gen uint64, recs []outbox.Record, err error, notHere string) {
	e.mu.Lock()
	if gen != e.gen || e.look == nil { // wiped meanwhile
		e.mu.Unlock()
		return
	}
	l := e.look
	l.at = e.cfg.Now()
	l.Items = nil
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		l.Result, l.Code = LookupNotHere, notHere
	case err != nil:
		l.Result, l.Detail = LookupUnavailable, err.Error()
	case len(recs) == 0:
		l.Result = LookupNothing
	default:
		l.Result = LookupFound
		for i := len(recs) - 1; i >= 0; i-- { // newest first
			l.Items = append(l.Items, e.lookupItem(recs[i]))
		}
	}
	ev := e.changed()
	e.unlockEmit(ev)
	if err != nil && !errors.Is(err, outbox.ErrNotFound) {
		e.log.Warn("dossier look-up failed", "err", err.Error())
	}
}

func (e *Engine) lookupItem(r outbox.Record) LookupItem {
	it := LookupItem{UUID: r.UUID, Number: receipt.Number(r.UUID), Code: r.Service, Filed: r.CreatedAt,
		State: r.State, OfficialCode: r.OfficialCode, Status: r.ProvincialStatus, Demo: r.Demo}
	if s, ok := e.cfg.Catalog.Service(r.Service); ok {
		it.Service = s
	}
	return it
}

// lookupScanned takes a scanned code that may be a receipt's QR: on the
// look-up screen or the attract screen it answers with that dossier. It
// reports whether the code was a receipt (anything else goes on as a
// card's QR).
func (e *Engine) lookupScanned(text string) bool {
	sc, err := receipt.Parse(strings.TrimSpace(text), e.cfg.Receipt)
	if err != nil {
		return false
	}
	e.mu.Lock()
	if !e.lookupAllowed() || (e.step != StepAttract && e.step != StepLookup) || len(e.parties) > 0 || e.sess.Primary() != nil {
		e.mu.Unlock()
		return false
	}
	if e.look == nil {
		e.look = &lookupState{}
	}
	l := e.look
	l.at, l.left = e.cfg.Now(), time.Time{}
	l.ByCard, l.Items, l.Code, l.Detail, l.Ends, l.Result = false, nil, "", "", time.Time{}, LookupBusy
	gen := e.gen
	evs := []Event{e.setStep(StepLookup, NoticeNone, "")}
	e.unlockEmit(evs...)
	e.goIO(func(context.Context) {
		var rec outbox.Record
		err := errors.New("this outbox cannot look dossiers up")
		if sc.OfficialCode != "" {
			if f, ok := e.cfg.Outbox.(officialFinder); ok {
				rec, err = f.FindOfficial(sc.OfficialCode)
			}
		} else {
			rec, err = e.getRecord(sc.UUID)
		}
		var recs []outbox.Record
		if err == nil {
			recs = []outbox.Record{rec}
		}
		e.lookupAnswer(gen, recs, err, sc.OfficialCode)
	})
	return true
}

// getRecord reads one record by UUID (store I/O: never under e.mu).
func (e *Engine) getRecord(uuid string) (outbox.Record, error) {
	if g, ok := e.cfg.Outbox.(recordGetter); ok {
		return g.Get(uuid)
	}
	recs, err := e.cfg.Outbox.List(outbox.Filter{})
	if err != nil {
		return outbox.Record{}, err
	}
	for _, r := range recs {
		if r.UUID == uuid {
			return r, nil
		}
	}
	return outbox.Record{}, outbox.ErrNotFound
}

// lookupCardLeftLocked starts the answer's countdown when the card that
// asked leaves. Called with e.mu held.
func (e *Engine) lookupCardLeftLocked() []Event {
	if e.look == nil || e.step != StepLookup || !e.look.ByCard || e.look.Result == LookupWaiting {
		return nil
	}
	e.look.left = e.cfg.Now()
	return []Event{e.changed()}
}

// lookupExpiredLocked ends the look-up when its time is up. Called with
// e.mu held.
func (e *Engine) lookupExpiredLocked(now time.Time) []Event {
	l := e.look
	if l == nil || e.step != StepLookup || l.Result == LookupBusy {
		return nil
	}
	if (!l.left.IsZero() && now.Sub(l.left) >= LookupLinger) || now.Sub(l.at) >= LookupIdle {
		return e.wipeLocked(WipeDone, StepAttract, NoticeNone)
	}
	return nil
}

// lookupView fills the look-up's part of a view. Called with e.mu held.
func (e *Engine) lookupView(v *View) {
	if e.look == nil || e.step != StepLookup {
		return
	}
	lv := e.look.LookupView
	lv.Items = append([]LookupItem(nil), lv.Items...)
	switch {
	case !e.look.left.IsZero():
		lv.Ends = e.look.left.Add(LookupLinger)
	case lv.Result != LookupBusy:
		lv.Ends = e.look.at.Add(LookupIdle)
	}
	v.Lookup = &lv
}

// ownersLocked are the ID numbers of the people of the form being
// submitted, for the outbox's owner tags (never stored as such). Called
// with e.mu held.
func (e *Engine) ownersLocked() []string {
	f := e.sess.Current()
	if f == nil {
		return nil
	}
	var ids []string
	for _, ps := range f.Persons {
		for _, p := range ps {
			if p.Identity.IDNumber != "" {
				ids = append(ids, p.Identity.IDNumber)
			}
		}
	}
	return ids
}
