package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/clinic"
	"motcua/kiosk/notary"
)

// checkIn looks up the patient's health insurance off the UI goroutine and
// shows the result in plain words; the record goes to the clinic's folder.
func (a *App) checkIn() {
	p := a.sess.Primary()
	if p == nil || a.cfg.Clinic.Gateway == nil {
		a.showProblem(T(a.lang, "clinic.check"), "no gateway configured", "")
		return
	}
	person := *p
	a.show("checking", container.NewVBox(big(T(a.lang, "clinic.checking")), widget.NewProgressBarInfinite()))
	c := a.cfg.Clinic
	a.goIO(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rec, err := clinic.Check(ctx, c.Gateway, person, c.Staff, c.Facility, a.cfg.Device, a.cfg.Now())
		var saved string
		if err == nil && c.Dir != "" {
			saved, err = writeRecord(c.Dir, "checkin", rec)
		}
		a.do(func() { a.showCheckIn(rec, saved, err) })
	})
}

func (a *App) showCheckIn(rec *clinic.CheckIn, saved string, err error) {
	if err != nil {
		a.showProblem(T(a.lang, "clinic.check"), err.Error(), "")
		return
	}
	p := a.sess.Primary()
	if p == nil { // wiped meanwhile (card taken away)
		a.showAttract()
		return
	}
	msg := rec.BHYT.MessageVI
	if a.lang == English {
		msg = rec.BHYT.MessageEN
	}
	result := big(msg)
	if rec.BHYT.Valid {
		result.Importance = widget.SuccessImportance
	} else {
		result.Importance = widget.DangerImportance
	}
	parts := []fyne.CanvasObject{a.identityCard(p), result}
	if rec.BHYT.CardCode != "" {
		parts = append(parts, para(fmt.Sprintf("BHYT %s · %s → %s · %s", rec.BHYT.CardCode, dmy(rec.BHYT.ValidFrom), dmy(rec.BHYT.ValidTo), rec.BHYT.RegisteredFacility)))
	}
	if saved != "" {
		parts = append(parts, para(filepath.Base(saved)))
	}
	parts = append(parts, container.NewCenter(action(T(a.lang, "clinic.done"), true, a.cancelVisit)))
	a.show("checkin", container.NewVScroll(container.NewVBox(parts...)))
}

// showNotary is what a notary sees after a read: the chip photo large, the
// verdicts in full, the parties already checked for this act, and the act
// number to file the record under.
func (a *App) showNotary() {
	p := a.sess.Primary()
	if p == nil {
		a.showAttract()
		return
	}
	act := newField(false)
	act.onFocus = a.kb.attach
	act.label = T(a.lang, "notary.act")
	act.SetPlaceHolder(T(a.lang, "notary.act"))
	msg := para("")
	parts := []fyne.CanvasObject{big(T(a.lang, "notary.title"))}
	for i, q := range a.parties {
		parts = append(parts, widget.NewLabel(fmt.Sprintf("%s %d: %s — %s", T(a.lang, "notary.party"), i+1, q.FullName, notary.Summary(q))))
	}
	parts = append(parts, para(fmt.Sprintf("%s %d", T(a.lang, "notary.party"), len(a.parties)+1)),
		a.identityCard(p), a.details(p), act, msg)
	save := action(T(a.lang, "notary.save"), true, func() { a.saveNotary(act.Text, msg) })
	another := action(T(a.lang, "notary.another"), false, func() {
		if err := a.keepParty(); err != nil {
			msg.SetText(err.Error())
			return
		}
		a.message = T(a.lang, "notary.next")
		a.sess.Cancel() // this card's visit ends; its party stays for the act
		a.lastRead = nil
		a.showAttract()
	})
	parts = append(parts, container.NewCenter(container.NewHBox(save, another, a.cancelButton())))
	a.show("notary", container.NewVScroll(container.NewVBox(parts...)))
}

// keepParty records the card on the reader as the next party of the act.
func (a *App) keepParty() error {
	party, err := notary.PartyFromRead(fmt.Sprintf("%s %d", T(Vietnamese, "notary.party"), len(a.parties)+1), a.lastRead)
	if err != nil {
		return err
	}
	a.parties = append(a.parties, party)
	a.partiesAt = a.cfg.Now()
	return nil
}

// dropParties wipes the parties kept for an act (their photos included).
func (a *App) dropParties() {
	if len(a.parties) > 0 {
		(&notary.Record{Parties: a.parties}).Wipe()
	}
	a.parties = nil
}

var actRef = regexp.MustCompile(`^[\p{L}0-9/._-]{1,40}$`)

// saveNotary files the record of every party of the act (those kept and
// the card on the reader) off the UI goroutine.
func (a *App) saveNotary(ref string, msg *widget.Label) {
	if !actRef.MatchString(ref) {
		msg.SetText(T(a.lang, "notary.act") + "?")
		return
	}
	if err := a.keepParty(); err != nil {
		msg.SetText(err.Error())
		return
	}
	rec, err := notary.New(ref, a.cfg.Notary.NotaryID, a.cfg.Notary.Office, a.cfg.Device, a.cfg.Now(), a.parties...)
	if err != nil {
		a.parties = a.parties[:len(a.parties)-1] // the card on the reader is kept again on the next try
		msg.SetText(err.Error())
		return
	}
	a.parties = nil // the record owns them now and wipes them
	dir := a.cfg.Notary.Dir
	a.goIO(func() {
		path, err := writeRecord(dir, "notary", rec)
		if err == nil {
			var png []byte
			if png, err = rec.PNG(); err == nil {
				err = writeFileSync(path[:len(path)-len(".json")]+".png", png)
			}
		}
		rec.Wipe()
		a.do(func() {
			if err != nil {
				msg.SetText(err.Error())
				return
			}
			msg.SetText(fmt.Sprintf(T(a.lang, "notary.saved"), filepath.Base(path)))
		})
	})
}

// writeRecord writes v as JSON into dir under a time-stamped name, synced
// to disk before it reports success.
func writeRecord(dir, kind string, v any) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("no folder configured for %s records", kind)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("%s record: %w", kind, err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("%s record: %w", kind, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", kind, time.Now().UTC().Format("20060102T150405.000000000Z")))
	return path, writeFileSync(path, b)
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
