package ui

import (
	"fmt"
	"path/filepath"

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
	if v.RecordFile != "" {
		parts = append(parts, para(filepath.Base(v.RecordFile)))
	}
	parts = append(parts, container.NewCenter(action(T(a.lang, "clinic.done"), true, a.eng.Done)))
	a.show("checkin", container.NewVScroll(container.NewVBox(parts...)))
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
	act.onFocus = a.kb.attach
	act.label = T(a.lang, "notary.act")
	act.SetPlaceHolder(T(a.lang, "notary.act"))
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
	parts = append(parts, container.NewCenter(container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), save), another, a.cancelButton())))
	a.show("notary", container.NewVScroll(container.NewVBox(parts...)))
}
