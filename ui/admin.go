package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/sync/outbox"
)

// askPIN guards the operator screen; the engine checks the PIN and backs
// off after wrong ones.
func (a *App) askPIN() {
	if !a.eng.Info().AdminPIN {
		dialog.ShowInformation(T(a.lang, "admin.title"), T(a.lang, "admin.nopin"), a.win)
		return
	}
	pin := newField(true)
	pin.Password = true
	pin.onFocus = a.focus
	d := dialog.NewForm(T(a.lang, "admin.title"), T(a.lang, "admin.open"), T(a.lang, "cancel"),
		[]*widget.FormItem{widget.NewFormItem(T(a.lang, "admin.pin"), pin)}, func(ok bool) {
			a.kb.detach()
			if !ok {
				return
			}
			if err := a.eng.OpenAdmin(pin.Text); err != nil {
				dialog.ShowInformation(T(a.lang, "admin.title"), a.pinRefusal(err), a.win)
			}
		}, a.win)
	d.Show()
	a.win.Canvas().Focus(pin)
}

// pinRefusal says why the PIN was refused.
func (a *App) pinRefusal(err error) string {
	var locked *engine.PINLockedError
	switch {
	case errors.As(err, &locked):
		return fmt.Sprintf(T(a.lang, "admin.locked"), locked.Until.Format("15:04:05"))
	case errors.Is(err, engine.ErrNoPIN):
		return T(a.lang, "admin.nopin")
	}
	return T(a.lang, "admin.wrongpin")
}

// showAdmin is for the operator: readers, trust store, outbox, where
// dossiers go, and the kiosk settings (the engine wiped the visit first).
func (a *App) showAdmin(v engine.View) {
	info := a.eng.Info()
	rows := container.New(layout.NewFormLayout())
	add := func(k, val string) *widget.Label {
		rows.Add(widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(val)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
		return l
	}
	card := T(a.lang, "status.nocard")
	if v.CardPresent {
		card = T(a.lang, "status.card")
	}
	add("admin.readers", info.Reader+" ("+card+")")
	add("admin.trust", a.trustSummary(info))
	provider := info.Provider
	if !info.Worker {
		provider = T(a.lang, "status.queueonly")
	}
	add("admin.provider", provider)
	outboxLabel := add("status.outbox", info.OutboxDir)
	a.goIO(func() { // counting reads the store: off the UI goroutine
		counts, err := a.eng.OutboxCounts()
		if err != nil {
			return
		}
		var parts []string
		for _, st := range []outbox.State{outbox.Pending, outbox.Sending, outbox.Accepted, outbox.Rejected, outbox.NeedsAttention} {
			parts = append(parts, fmt.Sprintf("%s %d", a.word(string(st)), counts[st]))
		}
		text := info.OutboxDir + "\n" + strings.Join(parts, " · ")
		a.do(func() { outboxLabel.SetText(text) })
	})

	idleChoices := map[string]time.Duration{"60 s": time.Minute, "90 s": 90 * time.Second, "120 s": 2 * time.Minute, "300 s": 5 * time.Minute}
	idle := widget.NewSelect([]string{"60 s", "90 s", "120 s", "300 s"}, func(s string) {
		if d, ok := idleChoices[s]; ok {
			a.eng.SetIdle(d)
		}
	})
	idle.PlaceHolder = fmt.Sprintf("%d s", int(v.Idle.Seconds()))
	large := widget.NewCheck(T(a.lang, "large"), a.setLarge)
	large.Checked = a.cfg.LargeText
	contrast := widget.NewCheck(T(a.lang, "contrast"), a.setContrast)
	contrast.Checked = a.look.contrast
	settings := container.NewVBox(container.NewHBox(widget.NewLabel(T(a.lang, "admin.idle")), idle), large, contrast)
	if vs := a.voiceSettings(); vs != nil { // voice on/off and volume (issue 19)
		settings.Add(vs)
	}

	buttons := container.NewHBox(action(T(a.lang, "desk.outbox"), false, a.showOutbox))
	if info.Worker {
		buttons.Add(action(T(a.lang, "admin.syncnow"), false, a.eng.SyncNow))
	}
	buttons.Add(action(T(a.lang, "admin.close"), true, a.eng.CloseAdmin))
	// The frame scrolls the screen: a scroll of its own here would be
	// squeezed to a strip of the window.
	a.show("admin", container.NewVBox(big(T(a.lang, "admin.title")), rows,
		widget.NewCard(T(a.lang, "admin.trust"), "", a.trustList(info)),
		widget.NewCard(T(a.lang, "admin.settings"), "", settings), container.NewCenter(buttons)))
}
