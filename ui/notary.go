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
