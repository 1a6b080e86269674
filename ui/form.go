package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// label picks the field label in the current language.
func (a *App) label(v *prefill.Value) string {
	l := v.Field.LabelVI
	if a.lang == English {
		l = v.Field.LabelEN
	}
	if v.Index > 0 {
		l = fmt.Sprintf("%s (%d)", l, v.Index+1)
	}
	return l
}

func (a *App) partyLabel(s *catalog.Service, role string) string {
	if p, ok := s.Party(role); ok {
		if a.lang == English {
			return p.LabelEN
		}
		return p.LabelVI
	}
	return role
}

// shown is a value as people read it (dates day first).
func shown(v *prefill.Value) string {
	if v.Field.Type == "date" {
		return dmy(v.Text)
	}
	return v.Text
}

// groups splits a form's values by party, in the service's party order
// (dossier-level values last), so each person's values sit under a
// heading of their own.
func groups(svc *catalog.Service, vals []prefill.Value) (roles []string, by map[string][]*prefill.Value) {
	by = map[string][]*prefill.Value{}
	for i := range vals {
		by[vals[i].Party] = append(by[vals[i].Party], &vals[i])
	}
	for _, p := range svc.Parties {
		if len(by[p.Role]) > 0 {
			roles = append(roles, p.Role)
		}
	}
	if len(by[""]) > 0 {
		roles = append(roles, "")
	}
	return roles, by
}

// heading is a party's heading ("Bên nữ", "Cha"); dossier-level values
// have the service's own heading.
func (a *App) heading(svc *catalog.Service, role string) fyne.CanvasObject {
	text := T(a.lang, "form.general")
	if role != "" {
		text = a.partyLabel(svc, role)
	}
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// serviceName is the chosen service in the current language.
func (a *App) serviceName(svc *catalog.Service) string {
	if a.lang == English && svc.NameEN != "" {
		return svc.NameEN
	}
	return svc.NameVI
}

// cardText is a card value as the screen shows it: dates day first, the
// ID number masked 3+3 on a kiosk (people in the queue can read it).
func (a *App) cardText(v *prefill.Value) string {
	if a.mode == Kiosk && (v.Field.Type == "id12" || v.Field.Source == "card:id_number") {
		return cccd.MaskID(v.Text)
	}
	return shown(v)
}

// showForm shows what the card filled (locked) and asks only the rest,
// each person's values under their own heading. A converted address is
// settled here in one tap: confirm it, or pick the new commune.
func (a *App) showForm(v engine.View) {
	if v.Service == nil {
		a.showAttract(v)
		return
	}
	ask := container.NewVBox()
	card := container.NewVBox()
	roles, by := groups(v.Service, v.Values)
	for _, role := range roles {
		rows := container.New(layout.NewFormLayout())
		var asks []fyne.CanvasObject
		for _, val := range by[role] {
			if val.Provenance == prefill.Derived {
				continue
			}
			if !val.Locked {
				asks = append(asks, a.askRow(val))
				continue
			}
			if val.NeedsConfirmation {
				asks = append(asks, a.confirmRow(val))
			}
			text := a.cardText(val)
			if val.Old != "" && val.Old != val.Text {
				text = T(a.lang, "form.new") + ": " + val.Text + "\n" + T(a.lang, "form.old") + ": " + val.Old
			}
			l := widget.NewLabel(text)
			l.Wrapping = fyne.TextWrapWord
			row := fyne.CanvasObject(l)
			if a.mode == Desk {
				row = container.NewBorder(nil, nil, nil, a.unlockButton(val), l)
			}
			rows.Add(widget.NewLabelWithStyle(a.label(val), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			rows.Add(row)
		}
		if len(asks) > 0 {
			ask.Add(a.heading(v.Service, role))
			for _, o := range asks {
				ask.Add(o)
			}
		}
		if len(rows.Objects) > 0 {
			card.Add(a.heading(v.Service, role))
			card.Add(rows)
		}
	}
	parts := []fyne.CanvasObject{para(a.serviceName(v.Service))}
	for _, p := range v.Problems {
		text := p.VI
		if a.lang == English {
			text = p.EN
		}
		if p.Party != "" && len(roles) > 1 {
			text = a.partyLabel(v.Service, p.Party) + " — " + text
		}
		l := widget.NewLabel(text)
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		parts = append(parts, l)
	}
	parts = append(parts, a.notice(v))
	if v.WaitingFor != "" {
		parts = append(parts, para(fmt.Sprintf(T(a.lang, "form.waitcard"), a.partyLabel(v.Service, v.WaitingFor))))
	}
	if a.mode == Desk {
		parts = append(parts, a.rolePicker(v))
	}
	// What the citizen must do comes first; what the card gave follows.
	if len(ask.Objects) > 0 {
		parts = append(parts, widget.NewCard(T(a.lang, "form.ask"), "", ask))
	} else {
		parts = append(parts, para(T(a.lang, "form.nothing")))
	}
	if len(card.Objects) > 0 {
		parts = append(parts, widget.NewCard(T(a.lang, "form.fromcard"), "", card))
	}
	next := action(T(a.lang, "form.next"), true, a.eng.Review)
	// The title and the next action stay in view; the values scroll.
	a.show("form", container.NewBorder(big(T(a.lang, "form.title")), container.NewCenter(container.NewHBox(next, a.cancelButton())), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}

// confirmRow settles a converted card address in one tap: "this is my
// address today", or, when the old commune was split, one button per new
// commune. The value stays the card's; no unlock is needed.
func (a *App) confirmRow(v *prefill.Value) fyne.CanvasObject {
	party, id, idx := v.Party, v.Field.ID, v.Index
	row := container.NewVBox(widget.NewLabelWithStyle(a.label(v), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	old := widget.NewLabel(T(a.lang, "form.old") + ": " + v.Old)
	old.Wrapping = fyne.TextWrapWord
	row.Add(old)
	if len(v.Choices) > 0 {
		row.Add(para(T(a.lang, "form.pick")))
		for i, c := range v.Choices {
			i := i
			b := widget.NewButton(c, func() { a.eng.ChooseAddress(party, id, idx, i) })
			b.Importance = widget.HighImportance
			row.Add(b)
		}
		return row
	}
	now := widget.NewLabel(T(a.lang, "form.new") + ": " + v.Text)
	now.Wrapping = fyne.TextWrapWord
	row.Add(now)
	b := widget.NewButton(T(a.lang, "form.confirm"), func() { a.eng.ConfirmField(party, id, idx) })
	b.Importance = widget.HighImportance
	row.Add(container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 64), b)))
	return row
}

// askRow is one question: a text field with the keyboard, a pick list, or
// an address to confirm. Each change goes to the engine.
func (a *App) askRow(v *prefill.Value) fyne.CanvasObject {
	label := widget.NewLabelWithStyle(a.label(v), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	party, id, idx := v.Party, v.Field.ID, v.Index
	set := func(s string) { a.eng.SetField(party, id, idx, s) }
	var input fyne.CanvasObject
	switch {
	case len(v.Field.Options) > 0:
		sel := widget.NewSelect(v.Field.Options, set)
		sel.PlaceHolder = T(a.lang, "form.selectone") // Fyne's own is English
		sel.Selected = v.Text
		input = sel
	default:
		digits := v.Field.Type == "phone" || v.Field.Type == "number" || v.Field.Type == "id12" || v.Field.Type == "cmnd"
		e := newField(digits)
		e.label = a.label(v)
		e.spec = v.Field
		e.SetText(v.Text)
		e.OnChanged = set
		e.onFocus = a.focus
		e.compose = a.composer()
		if v.Field.Type == "textarea" || v.Field.Type == "address" {
			e.MultiLine = true
			e.Wrapping = fyne.TextWrapWord
		}
		input = e
	}
	row := container.NewVBox(label, input)
	if v.Field.Type == "address" && len(v.Field.Options) == 0 { // pick the commune from the list (commune.go)
		row.Add(a.communeButton(v))
	}
	hint := v.Field.HintVI
	if a.lang == English {
		hint = v.Field.HintEN
	}
	if hint != "" {
		h := widget.NewLabel(hint)
		h.Importance = widget.LowImportance
		h.Wrapping = fyne.TextWrapWord
		row.Add(h)
	}
	if v.NeedsConfirmation {
		old := widget.NewLabel(T(a.lang, "form.old") + ": " + v.Old)
		old.Wrapping = fyne.TextWrapWord
		row.Add(old)
		row.Add(container.NewHBox(widget.NewButton(T(a.lang, "form.confirm"), func() { a.eng.ConfirmField(party, id, idx) })))
	}
	return row
}

// unlockButton lets an officer edit a card value, with a reason.
func (a *App) unlockButton(v *prefill.Value) fyne.CanvasObject {
	party, id, idx := v.Party, v.Field.ID, v.Index
	return widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() {
		why := newField(false)
		why.onFocus = a.focus
		why.compose = a.composer()
		why.SetPlaceHolder(T(a.lang, "form.unlockwhy"))
		d := dialog.NewForm(T(a.lang, "form.unlock"), T(a.lang, "form.unlock"), T(a.lang, "cancel"),
			[]*widget.FormItem{widget.NewFormItem("", why)}, func(ok bool) {
				if ok && strings.TrimSpace(why.Text) != "" {
					a.eng.UnlockField(party, id, idx, why.Text)
				}
			}, a.win)
		d.Show()
	})
}

// showReview lists every value under its party's heading, the service's
// name, the consent text and the submit button.
func (a *App) showReview(v engine.View) {
	if v.Service == nil {
		a.showAttract(v)
		return
	}
	list := container.NewVBox(para(a.serviceName(v.Service)))
	roles, by := groups(v.Service, v.Values)
	for _, role := range roles {
		rows := container.New(layout.NewFormLayout())
		for _, val := range by[role] {
			if val.Text == "" {
				continue
			}
			rows.Add(widget.NewLabelWithStyle(a.label(val), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			l := widget.NewLabel(a.cardText(val))
			l.Wrapping = fyne.TextWrapWord
			rows.Add(l)
		}
		if len(rows.Objects) > 0 {
			list.Add(a.heading(v.Service, role))
			list.Add(rows)
		}
	}
	consentText := v.Service.ConsentVI
	if a.lang == English && v.Service.ConsentEN != "" {
		consentText = v.Service.ConsentEN
	}
	consent := widget.NewLabel(consentText)
	consent.Wrapping = fyne.TextWrapWord
	agree := widget.NewCheck(T(a.lang, "review.consent"), nil)
	msg := para(a.noticeText(v))
	msg.Importance = widget.DangerImportance
	submit := widget.NewButton(T(a.lang, "review.submit"), func() { a.eng.Submit(agree.Checked) })
	submit.Importance = widget.HighImportance
	if v.Busy {
		submit.Disable()
	}
	back := action(T(a.lang, "review.back"), false, a.eng.Back)
	buttons := container.NewCenter(container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), submit), back, a.cancelButton()))
	// The consent and its tick box stay in view under the values, next to
	// the button they unlock.
	a.show("review", container.NewBorder(big(T(a.lang, "review.title")),
		container.NewVBox(widget.NewSeparator(), consent, agree, msg, buttons), nil, nil, container.NewVScroll(list)))
}

// wrapWords breaks text into lines of at most n characters at spaces.
func wrapWords(text string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// rolePicker lets the officer say whose card comes next, when the service
// has several card parties (the mother's card before the father's, a
// household member): one tap per card, none needed when the default fits.
func (a *App) rolePicker(v engine.View) fyne.CanvasObject {
	next := a.eng.NextRole()
	row := container.NewHBox(widget.NewLabel(T(a.lang, "form.nextcard")))
	n := 0
	for _, p := range v.Service.Parties {
		if !p.FromCard {
			continue
		}
		n++
		role := p.Role
		b := widget.NewButton(a.partyLabel(v.Service, role), func() { a.eng.ChooseCardRole(role) })
		if role == next {
			b.Importance = widget.HighImportance
		}
		row.Add(b)
	}
	if n < 2 {
		return layout.NewSpacer()
	}
	return row
}
