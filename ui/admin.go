package ui

import (
	"crypto/subtle"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"motcua/sync/outbox"
)

// askPIN guards the admin screen.
func (a *App) askPIN() {
	if a.cfg.AdminPIN == "" {
		dialog.ShowInformation(T(a.lang, "admin.title"), T(a.lang, "admin.nopin"), a.win)
		return
	}
	pin := newField(true)
	pin.Password = true
	pin.onFocus = a.kb.attach
	d := dialog.NewForm(T(a.lang, "admin.title"), T(a.lang, "admin.open"), T(a.lang, "cancel"),
		[]*widget.FormItem{widget.NewFormItem(T(a.lang, "admin.pin"), pin)}, func(ok bool) {
			a.kb.detach()
			if !ok {
				return
			}
			if !a.pinMatches(pin.Text) {
				dialog.ShowInformation(T(a.lang, "admin.title"), T(a.lang, "admin.wrongpin"), a.win)
				return
			}
			a.showAdmin()
		}, a.win)
	d.Show()
	a.win.Canvas().Focus(pin)
}

func (a *App) pinMatches(s string) bool {
	return subtle.ConstantTimeCompare([]byte(s), []byte(a.cfg.AdminPIN)) == 1
}

// showAdmin is for the operator: readers, trust store, outbox, where
// dossiers go, and the kiosk settings. The visit in progress is cancelled
// first: an operator screen must not show a citizen's data.
func (a *App) showAdmin() {
	if a.sess.Primary() != nil {
		a.sess.Cancel()
		a.lastRead = nil
	}
	rows := container.New(layout.NewFormLayout())
	add := func(k, v string) *widget.Label {
		rows.Add(widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
		return l
	}
	card := T(a.lang, "status.nocard")
	if a.present {
		card = T(a.lang, "status.card")
	}
	add("admin.readers", a.cfg.Terminal.Name()+" ("+card+")")
	trust := a.cfg.TrustInfo
	if trust == "" {
		trust = T(a.lang, "admin.notrust")
	}
	add("admin.trust", trust)
	provider := a.cfg.Provider
	if a.cfg.Worker == nil {
		provider = T(a.lang, "status.queueonly")
	}
	add("admin.provider", provider)
	outboxLabel := add("status.outbox", a.cfg.Outbox.Dir())
	a.goIO(func() { // counting reads the store: off the UI goroutine
		counts, err := a.cfg.Outbox.Counts()
		if err != nil {
			return
		}
		text := a.cfg.Outbox.Dir() + fmt.Sprintf("\npending %d · sending %d · accepted %d · rejected %d · needs attention %d",
			counts[outbox.Pending], counts[outbox.Sending], counts[outbox.Accepted], counts[outbox.Rejected], counts[outbox.NeedsAttention])
		a.do(func() { outboxLabel.SetText(text) })
	})

	idle := widget.NewSelect([]string{"1m0s", "1m30s", "2m0s", "5m0s"}, func(s string) {
		if d, err := time.ParseDuration(s); err == nil {
			a.sess.SetIdle(d)
		}
	})
	idle.PlaceHolder = a.sess.IdleTimeout().String()
	large := widget.NewCheck(T(a.lang, "large"), func(on bool) {
		a.cfg.LargeText = on
		a.look.scale = scaleFor(a.cfg.Mode == Kiosk, on)
		a.fa.Settings().SetTheme(a.look)
	})
	large.Checked = a.cfg.LargeText
	contrast := widget.NewCheck(T(a.lang, "contrast"), func(on bool) {
		a.look.contrast = on
		a.fa.Settings().SetTheme(a.look)
	})
	contrast.Checked = a.look.contrast
	settings := container.NewVBox(container.NewHBox(widget.NewLabel(T(a.lang, "admin.idle")), idle), large, contrast)

	buttons := container.NewHBox(action(T(a.lang, "desk.outbox"), false, a.showOutbox))
	if a.cfg.Worker != nil {
		buttons.Add(action(T(a.lang, "admin.syncnow"), false, func() { a.cfg.Worker.Notify(); a.bar.refresh() }))
	}
	buttons.Add(action(T(a.lang, "admin.close"), true, a.showAttract))
	a.show("admin", container.NewVScroll(container.NewVBox(big(T(a.lang, "admin.title")), rows,
		widget.NewCard(T(a.lang, "admin.settings"), "", settings), container.NewCenter(buttons))))
}
