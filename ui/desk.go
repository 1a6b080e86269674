package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

// details is what an officer or notary needs beyond the badge: each
// verdict with its reason, the signer and trust anchor, how the chip was
// opened, and any QR-versus-chip warnings.
func (a *App) details(v engine.View) fyne.CanvasObject {
	rows := container.New(layout.NewFormLayout())
	add := func(k, val string) { addRow(rows, T(a.lang, k), val) }
	p := v.Person
	add("det.provenance", a.word(string(p.Provenance)))
	if ver := p.Verification; ver != nil {
		add("det.passive", a.word(ver.Passive))
		add("det.passive_why", a.passiveReason(ver))
		chip := ver.ChipAuth
		if chip == cccd.ChipAuthFailed || chip == cccd.ChipAuthNotChecked {
			chip = "chip_auth_" + chip
		}
		add("det.chip_auth", a.word(chip))
		add("det.chip_why", a.reason(ver.ChipAuthReason))
		add("det.signer", ver.Signer)
		add("det.csca", ver.CSCA)
	}
	if d := v.Details; d != nil {
		add("det.access", a.word(d.Access))
		add("det.groups", strings.Join(d.Groups, ", "))
		var warns []string
		for _, w := range d.Warnings {
			warns = append(warns, a.reason(w))
		}
		add("det.warnings", strings.Join(warns, "\n"))
	}
	return widget.NewCard(T(a.lang, "desk.details"), "", rows)
}

// drawBar shows the desk what the machine is doing: reader, card,
// network, outbox depth and last sync.
func (a *App) drawBar(v engine.View) {
	l := a.lang
	card := T(l, "status.nocard")
	if v.CardPresent {
		card = T(l, "status.card")
	}
	reader := v.Reader
	if v.ReaderGone {
		reader += " ✘"
	}
	network := T(l, "status.queueonly")
	if s := v.Sync; s.Worker {
		switch {
		case !s.Known:
			network = "…"
		case s.Offline:
			network = T(l, "status.offline")
		default:
			network = T(l, "status.online")
		}
	}
	last := T(l, "status.never")
	if !v.Sync.Last.IsZero() {
		last = v.Sync.Last.Format("15:04:05")
	}
	a.bar.SetText(fmt.Sprintf("%s: %s (%s)   ·   %s: %s   ·   %s: %d   ·   %s: %s",
		T(l, "status.reader"), reader, card, T(l, "status.network"), network,
		T(l, "status.outbox"), v.Sync.Depth, T(l, "status.lastsync"), last))
}

// showOutbox lists the newest submissions with their state: pending,
// sending, accepted with the provincial dossier code, rejected with the
// reason, needing attention with a retry button. It is a view over the
// store; the next engine step replaces it.
func (a *App) showOutbox() {
	back := action(T(a.lang, "back"), false, a.render)
	list := container.NewVBox(widget.NewLabel("…"))
	a.show("outbox", container.NewBorder(big(T(a.lang, "desk.outbox")), container.NewCenter(container.NewHBox(
		action(T(a.lang, "desk.refresh"), false, a.showOutbox), back)), nil, nil, touchVScroll(list)))
	a.goIO(func() {
		recs, err := a.eng.Outbox()
		a.do(func() {
			if a.Screen() != "outbox" {
				return
			}
			list.Objects = nil
			if err != nil {
				list.Add(widget.NewLabel(err.Error()))
			}
			if len(recs) == 0 && err == nil {
				list.Add(widget.NewLabel(T(a.lang, "desk.empty")))
			}
			if len(recs) > 200 {
				recs = recs[len(recs)-200:]
			}
			for i := len(recs) - 1; i >= 0; i-- {
				list.Add(a.outboxRow(recs[i]))
			}
			list.Refresh()
		})
	})
}

// outboxRow is one dossier of the outbox view: when, the receipt number,
// the service, the delivery state, the province's codes and the dossier's
// status in plain words; a retry button when it needs attention and the
// official QR once the province gave the mã hồ sơ.
func (a *App) outboxRow(r outbox.Record) fyne.CanvasObject {
	name := r.Service
	if svc, ok := a.eng.Catalog().Service(r.Service); ok {
		name = r.Service + " " + a.serviceName(svc)
	}
	state := a.word(string(r.State))
	if r.State == outbox.Accepted { // the province's status below says where it is
		state = T(a.lang, "desk.sent")
	}
	text := fmt.Sprintf("%s  %s  %s  —  %s", r.CreatedAt.Local().Format("02/01 15:04"), shortRef(r.UUID), name, state)
	switch r.State {
	case outbox.Accepted:
		if r.OfficialCode != "" {
			text += "\n" + T(a.lang, "receipt.official") + ": " + r.OfficialCode
		} else if r.DossierCode != "" {
			text += "\n" + T(a.lang, "desk.code.receiver") + ": " + r.DossierCode
		}
		text += "\n" + T(a.lang, "lookup.status") + ": " + a.statusWords(r)
	case outbox.Rejected, outbox.NeedsAttention:
		text += "  — " + a.reason(r.Reason)
	case outbox.Pending:
		if r.Attempts > 0 {
			text += fmt.Sprintf("  (%d×: %s)", r.Attempts, a.reason(r.LastError))
		}
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	buttons := container.NewHBox()
	if r.OfficialCode != "" {
		rec := r
		buttons.Add(widget.NewButton(T(a.lang, "desk.qr"), func() { a.showOfficialQR(rec) }))
	}
	if r.State == outbox.NeedsAttention {
		id := r.UUID
		buttons.Add(widget.NewButton(T(a.lang, "desk.retry"), func() {
			a.goIO(func() {
				a.eng.Requeue(id)
				a.do(a.showOutbox)
			})
		}))
	}
	if len(buttons.Objects) == 0 {
		return l
	}
	return container.NewBorder(nil, nil, nil, buttons, l)
}

// showOfficialQR shows a dossier's official QR (TT 01/2023/TT-VPCP Điều 26)
// for the citizen at the desk to scan or photograph.
func (a *App) showOfficialQR(r outbox.Record) {
	q, err := a.eng.ReceiptQR(r)
	if err != nil || !q.Official {
		return
	}
	img, _ := receiptQR(q.Content)
	if img == nil {
		return
	}
	body := container.NewVBox(container.NewCenter(img), para(r.OfficialCode), para(a.qrCaption(true)))
	dialog.ShowCustom(T(a.lang, "receipt.official")+" "+shortRef(r.UUID), T(a.lang, "admin.close"), body, a.win)
}
