package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// demoPanel puts synthetic cards on the simulated reader and "scans" their
// QR codes, so the whole flow can be shown without hardware. It is framed
// apart from the citizen's screen and says what it is.
func (a *App) demoPanel() fyne.CanvasObject {
	d := a.cfg.Demo
	cards := d.Cards()
	pick := widget.NewSelect(cards, nil)
	if len(cards) > 0 {
		pick.SetSelectedIndex(0)
	}
	insert := widget.NewButton(T(a.lang, "demo.insert"), func() {
		if i := pick.SelectedIndex(); i >= 0 {
			if err := d.Insert(i); err != nil {
				dialog.ShowError(err, a.win)
			}
		}
	})
	scan := widget.NewButton(T(a.lang, "demo.scan"), func() {
		if i := pick.SelectedIndex(); i >= 0 {
			a.eng.Scanned(d.QR(i))
		}
	})
	remove := widget.NewButton(T(a.lang, "demo.remove"), d.Remove)
	// One row, framed apart; the banner above every screen already says
	// this is a demonstration.
	pick.PlaceHolder = T(a.lang, "demo.title")
	return widget.NewCard("", "", container.NewBorder(nil, nil, nil, container.NewHBox(scan, insert, remove), pick))
}
