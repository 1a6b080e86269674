package ui

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
)

// showChecking is the clinic's look-up under way.
func (a *App) showChecking() {
	a.show("checking", container.NewVBox(big(T(a.lang, "clinic.checking")), widget.NewProgressBarInfinite()))
}

// showCheckIn shows the insurance look-up's answer in plain words.
func (a *App) showCheckIn(v engine.View) {
	rec := v.CheckIn
	if rec == nil || v.Person == nil {
		a.showAttract(v)
		return
	}
	parts := []fyne.CanvasObject{a.identityCard(v)}
	if rec.BHYT == nil {
		// No answer from the gateway: the check-in goes on, marked.
		warn := big(T(a.lang, "clinic.unverified"))
		warn.Importance = widget.WarningImportance
		parts = append(parts, warn, para(T(a.lang, "clinic.unverified.why")+" ("+rec.BHXHError+")"))
	} else {
		res := rec.BHYT
		msg, act := res.MessageVI, res.ActionVI
		if a.lang == English {
			msg, act = res.MessageEN, res.ActionEN
		}
		result := big(msg)
		result.Importance = widget.DangerImportance
		if res.Valid {
			result.Importance = widget.SuccessImportance
		}
		parts = append(parts, result, para(act))
		if res.CardCode != "" {
			parts = append(parts, para(fmt.Sprintf("BHYT %s · %s → %s · %s", res.CardCode, dmy(res.ValidFrom), dmy(res.ValidTo), res.RegisteredFacility)))
		}
		if nc := res.NewCard; nc != nil {
			parts = append(parts, para(fmt.Sprintf("%s: %s · %s → %s · %s", T(a.lang, "clinic.newcard"), nc.CardCode, dmy(nc.ValidFrom), dmy(nc.ValidTo), nc.RegisteredFacility)))
		}
		if res.GatewayNote != "" {
			parts = append(parts, para(res.GatewayNote))
		}
		for _, d := range rec.Discrepancies {
			gw := d.Gateway
			if gw == "" {
				gw = "?"
			}
			parts = append(parts, para(fmt.Sprintf("%s: %s %s · BHXH %s", T(a.lang, "clinic.field."+d.Field), T(a.lang, "clinic.chip"), d.Chip, gw)))
		}
	}
	if rec.RepeatToday {
		rep := para(T(a.lang, "clinic.repeat"))
		rep.Importance = widget.WarningImportance
		parts = append(parts, rep)
	}
	buttons := container.NewHBox(action(T(a.lang, "clinic.done"), true, a.eng.Done))
	if v.RecordFile != "" {
		parts = append(parts, para(T(a.lang, "clinic.saved")))
		buttons.Add(a.openButton(v.RecordFile))
	}
	a.show("checkin", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}

// showNotary is what a notary sees after a read: the chip photo large, the
// verdicts in full, the parties already checked for this act, and the act
// number to file the record under.
func (a *App) showNotary(v engine.View) {
	if v.Person == nil {
		a.showAttract(v)
		return
	}
	act := newField(false)
	act.onFocus = a.focus
	act.compose = a.composer()
	act.label = T(a.lang, "notary.act")
	act.SetPlaceHolder(T(a.lang, "notary.act"))
	// The act number is the act's, not the party's: typed once, it stays
	// for every party (it is no personal data).
	act.SetText(a.actRef)
	act.OnChanged = func(s string) { a.actRef = s }
	parts := []fyne.CanvasObject{big(T(a.lang, "notary.title"))}
	for i, q := range v.Parties {
		parts = append(parts, widget.NewLabel(fmt.Sprintf("%s %d: %s — %s", T(a.lang, "notary.party"), i+1, q.FullName, q.Summary)))
	}
	parts = append(parts, para(fmt.Sprintf("%s %d", T(a.lang, "notary.party"), len(v.Parties)+1)),
		a.identityCard(v), a.details(v), act, para(a.noticeText(v)))
	save := widget.NewButton(T(a.lang, "notary.save"), func() { a.eng.SaveNotary(act.Text) })
	save.Importance = widget.HighImportance
	if v.Busy {
		save.Disable()
	}
	another := action(T(a.lang, "notary.another"), false, func() { a.eng.AnotherParty() })
	buttons := container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), save), another, a.cancelButton())
	if v.RecordFile != "" { // saved: print or open the record; saving again does nothing
		save.Disable()
		png := strings.TrimSuffix(v.RecordFile, ".json") + ".png"
		buttons = container.NewHBox(a.openButton(png))
		if a.cfg.Print != nil {
			buttons.Add(action(T(a.lang, "notary.print"), false, func() {
				a.goIO(func() {
					b, err := os.ReadFile(png)
					if err == nil {
						err = a.cfg.Print(b)
					}
					a.do(func() {
						a.printMsg = T(a.lang, "receipt.printed")
						if err != nil {
							a.printMsg = T(a.lang, "print.failed")
						}
						a.render()
					})
				})
			}))
		}
		buttons.Add(action(T(a.lang, "notary.done"), true, a.eng.Done))
	}
	if a.printMsg != "" {
		parts = append(parts, para(a.printMsg))
		a.printMsg = ""
	}
	a.show("notary", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}

// openButton opens a record the engine wrote (the printable page) with
// the desktop's viewer, from which it can be printed.
func (a *App) openButton(path string) fyne.CanvasObject {
	return action(T(a.lang, "record.open"), false, func() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return
		}
		a.fa.OpenURL(&url.URL{Scheme: "file", Path: abs})
	})
}
