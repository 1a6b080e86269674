package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/sync/outbox"
)

// lookupButton is the attract screen's small way into the dossier look-up
// (kiosk and desk).
func (a *App) lookupButton() fyne.CanvasObject {
	b := widget.NewButtonWithIcon(T(a.lang, "lookup.open"), theme.SearchIcon(), a.eng.Lookup)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(320, 56), b))
}

// showLookup is the dossier look-up: waiting for a card or a receipt QR,
// then the dossiers' states in plain words. It shows no personal data:
// receipt numbers, services, dates, states and official codes only.
func (a *App) showLookup(v engine.View) {
	l := v.Lookup
	if l == nil {
		a.showAttract(v)
		return
	}
	parts := []fyne.CanvasObject{big(T(a.lang, "lookup.title"))}
	// The answer leaves by itself: the countdown stays in view, on top.
	count := para("")
	counting := !l.Ends.IsZero() && l.Result != engine.LookupWaiting && l.Result != engine.LookupBusy
	if counting {
		count.Importance = widget.HighImportance
		parts = append(parts, count)
	}
	switch l.Result {
	case engine.LookupWaiting:
		parts = append(parts, para(T(a.lang, "lookup.ask")), para(T(a.lang, "lookup.private")), a.notice(v))
	case engine.LookupBusy:
		parts = append(parts, para(T(a.lang, "lookup.busy")), widget.NewProgressBarInfinite())
	case engine.LookupFound:
		parts = append(parts, para(fmt.Sprintf(T(a.lang, "lookup.found"), len(l.Items))))
		for _, it := range l.Items {
			parts = append(parts, a.lookupItem(it))
		}
	case engine.LookupNothing:
		parts = append(parts, para(T(a.lang, "lookup.nothing")))
	case engine.LookupNotHere:
		if l.Code != "" {
			parts = append(parts, para(fmt.Sprintf(T(a.lang, "lookup.nothere.code"), l.Code)))
		} else {
			parts = append(parts, para(T(a.lang, "lookup.nothere")))
		}
	case engine.LookupRefused:
		w := para(T(a.lang, "lookup.refused"))
		w.Importance = widget.DangerImportance
		parts = append(parts, w)
	case engine.LookupUnavailable:
		parts = append(parts, para(T(a.lang, "lookup.unavailable")))
		if a.mode != Kiosk && l.Detail != "" {
			parts = append(parts, para("("+l.Detail+")"))
		}
	}
	buttons := container.NewHBox(action(T(a.lang, "receipt.done"), true, a.eng.Done))
	content := container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		touchVScroll(container.NewVBox(parts...)))
	a.show("lookup", content)
	if counting {
		a.countdown(content, count, l.Ends, "lookup.closes")
	}
}

// lookupItem is one dossier of the look-up: the service, the receipt
// number and date, the state in plain words, the official code.
func (a *App) lookupItem(it engine.LookupItem) fyne.CanvasObject {
	name := it.Code
	if it.Service != nil {
		name = a.serviceName(it.Service)
	}
	rows := container.New(layout.NewFormLayout())
	add := func(k, val string) {
		rows.Add(widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(val)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
	}
	rec := outbox.Record{State: it.State, ProvincialStatus: it.Status}
	add("lookup.status", a.statusWords(rec))
	add("receipt.code", it.Number)
	add("receipt.date", it.Filed.Local().Format("02/01/2006 15:04"))
	if it.OfficialCode != "" {
		add("receipt.official", it.OfficialCode)
	}
	title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	title.SizeName = theme.SizeNameSubHeadingText
	return container.NewVBox(widget.NewSeparator(), title, rows)
}
