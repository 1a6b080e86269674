package ui

import (
	"fmt"

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
	var parts []fyne.CanvasObject
	if c := rec.Child; c != nil { // the patient is the child; the card is the adult's
		parts = append(parts, big(T(a.lang, "clinic.child")+": "+c.FullName+" · "+dmy(c.DateOfBirth)))
	}
	if rec.BHYT == nil {
		// No answer from the gateway: the check-in goes on, marked.
		warn := big(T(a.lang, "clinic.unverified"))
		warn.Importance = widget.WarningImportance
		why := T(a.lang, "clinic.unverified.why") + " (" + rec.BHXHError + ")"
		if rec.BHXHError == "birth_notice_only" { // nothing the gateway takes: not a failure
			why = T(a.lang, "clinic.unverified.gcs")
		}
		parts = append(parts, warn, para(why))
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
		parts = append(parts, result)
		if !v.SelfService { // what to do next is the receptionist's
			parts = append(parts, para(act))
		} else if !res.Valid {
			parts = append(parts, para(T(a.lang, "clinic.selfnote")))
		}
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
	// The answer first: it is what the receptionist, or the patient at a
	// kiosk, looks for; who the card says follows.
	parts = append(parts, a.identityCard(v))
	if rec.RepeatToday {
		rep := para(T(a.lang, "clinic.repeat"))
		rep.Importance = widget.WarningImportance
		parts = append(parts, rep)
	}
	buttons := a.checkInButtons(v) // clinic_kiosk.go
	if v.RecordFile != "" {
		parts = append(parts, para(T(a.lang, "clinic.saved")))
		buttons.Add(a.openButton(v.RecordFile))
	}
	a.show("checkin", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		touchVScroll(container.NewVBox(parts...))))
}
