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

// keptScroll is where the form or review was scrolled to: a redraw (an
// address confirmed, a card added, a failed save) keeps the citizen's
// place instead of jumping back to the top.
type keptScroll struct {
	screen, service, notice string
	problems                int
	scroll                  *container.Scroll
	restore                 fyne.Position // where to put it back once laid out
}

// scrollFor is a new vertical scroll for screen, scrolled to where the
// last one of the same screen and service was, unless what the form says
// at its top changed (new problems, a new notice): then the top.
func (a *App) scrollFor(screen string, v engine.View, content fyne.CanvasObject) *container.Scroll {
	s := touchVScroll(content)
	k := a.kept
	same := k.scroll != nil && k.screen == screen && k.service == v.Service.Code && a.Screen() == screen
	// The form lists problems and notices at its top; the review's
	// message sits by its buttons, always in view.
	news := screen == "form" && ((len(v.Problems) > 0 && len(v.Problems) != k.problems) || (v.Notice != "" && string(v.Notice) != k.notice))
	var back fyne.Position
	if same && !news {
		s.Offset = k.scroll.Offset
		back = s.Offset
	}
	a.kept = keptScroll{screen: screen, service: v.Service.Code, notice: string(v.Notice), problems: len(v.Problems), scroll: s, restore: back}
	return s
}

// keepPlace puts the scroll back where it was once the screen is laid
// out (the first layout of a new scroll may clamp its offset short).
func (a *App) keepPlace() {
	if k := &a.kept; k.restore.Y > 0 && k.scroll != nil {
		k.scroll.ScrollToOffset(k.restore)
		k.restore = fyne.Position{}
	}
}

// showForm shows what the card filled (locked) and asks only the rest,
// each person's values under their own heading. A converted address is
// settled here in one tap: confirm it, or pick the new commune.
func (a *App) showForm(v engine.View) {
	if v.Service == nil {
		a.showAttract(v)
		return
	}
	if a.showCapture(v) { // desk: an attachment is being scanned (capture.go)
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
	parts = append(parts, a.captureSection(v)) // desk: the attachments to scan (capture.go)
	next := action(T(a.lang, "form.next"), true, a.eng.Review)
	// The title and the next action stay in view; the values scroll.
	a.show("form", container.NewBorder(big(T(a.lang, "form.title")), container.NewCenter(container.NewHBox(next, a.cancelButton())), nil, nil,
		a.scrollFor("form", v, container.NewVBox(parts...))))
	a.keepPlace()
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
		// Dates are typed on the digits pad as ddmmyyyy (or dd/mm/yyyy on
		// a desk keyboard) and shown day first; the engine stores them in
		// the catalogue's format.
		digits := v.Field.Type == "phone" || v.Field.Type == "number" || v.Field.Type == "id12" || v.Field.Type == "cmnd" || v.Field.Type == "date"
		e := newField(digits)
		e.label = a.label(v)
		e.spec = v.Field
		e.SetText(v.Text)
		if v.Field.Type == "date" {
			e.SetText(prefill.ShowDate(v.Text)) // a date still being typed stays as typed
			e.SetPlaceHolder(T(a.lang, "form.datehint"))
		}
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
// name, for a combined service which agency receives what, the consent
// text with one tick per person whose data goes, and the submit button.
// A failed save stays here in plain words with the dossier kept, and the
// button becomes "Gửi lại".
func (a *App) showReview(v engine.View) {
	if v.Service == nil {
		a.showAttract(v)
		return
	}
	list := container.NewVBox(para(a.serviceName(v.Service)))
	if b := a.bundleList(v); b != nil {
		list.Add(b)
	}
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
	list.Add(a.captureSummary(v)) // desk: the attachments going with the dossier (capture.go)
	consentText := v.Service.ConsentVI
	if a.lang == English && v.Service.ConsentEN != "" {
		consentText = v.Service.ConsentEN
	}
	consent := widget.NewLabel(consentText)
	consent.Wrapping = fyne.TextWrapWord
	// The consent and the tick boxes follow the values (with large text
	// a fixed block this tall would leave the values no room); the
	// message and the buttons stay in view.
	list.Add(widget.NewSeparator())
	list.Add(consent)
	if len(v.Consents) > 1 {
		each := widget.NewLabel(T(a.lang, "review.eachagrees"))
		each.Wrapping = fyne.TextWrapWord
		list.Add(each)
	}
	bottom := container.NewVBox(widget.NewSeparator())
	for _, c := range v.Consents {
		party, idx := c.Party, c.Index
		agree := widget.NewCheck(a.agreeLabel(v, c), func(on bool) { a.eng.Agree(party, idx, on) })
		agree.Checked = c.Agreed
		if len(v.Consents) == 1 {
			// One tick: it stays in view next to the button it unlocks, so
			// nobody has to find it by scrolling.
			bottom.Add(container.NewCenter(agree))
			continue
		}
		list.Add(agree)
	}
	if n := a.behalfNote(v); n != nil {
		list.Add(n)
	}
	msg := para(a.reviewNotice(v))
	msg.Importance = widget.DangerImportance
	if msg.Text != "" {
		bottom.Add(msg)
	}
	label := T(a.lang, "review.submit")
	if v.Notice == engine.NoticeSaveFailed {
		label = T(a.lang, "review.retry")
	}
	submit := widget.NewButton(label, func() { a.eng.Submit() })
	submit.Importance = widget.HighImportance
	if v.Busy {
		submit.Disable()
	}
	buttons := container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), submit))
	if v.SavedParts == 0 { // part of a combined visit saved: only the rest can follow
		buttons.Add(action(T(a.lang, "review.back"), false, a.eng.Back))
	}
	buttons.Add(a.cancelButton())
	bottom.Add(container.NewCenter(buttons))
	a.show("review", container.NewBorder(big(T(a.lang, "review.title")), bottom, nil, nil, a.scrollFor("review", v, list)))
	a.keepPlace()
}

// agreeLabel is one person's tick: "Tôi đồng ý" when one person agrees,
// else the party and the name ("Bên nữ (Trần Thị Thử) đồng ý"); whoever
// agrees for a party who cannot (the deceased) says so.
func (a *App) agreeLabel(v engine.View, c engine.Consenter) string {
	text := T(a.lang, "review.consent")
	if len(v.Consents) > 1 {
		who := a.partyLabel(v.Service, c.Party)
		if c.Name != "" {
			who += " (" + c.Name + ")"
		}
		text = fmt.Sprintf(T(a.lang, "review.agreeas"), who)
	}
	return text
}

// behalfNote says who agrees for a party who cannot (the deceased), as a
// line of its own under the boxes (a tick box's label does not wrap).
func (a *App) behalfNote(v engine.View) fyne.CanvasObject {
	for _, c := range v.Consents {
		if len(c.OnBehalfOf) == 0 {
			continue
		}
		var for_ []string
		for _, k := range c.OnBehalfOf {
			role, _, _ := strings.Cut(k, "#")
			for_ = append(for_, a.partyLabel(v.Service, role))
		}
		return para(fmt.Sprintf(T(a.lang, "review.behalf"), a.partyLabel(v.Service, c.Party), strings.Join(for_, ", ")))
	}
	return nil
}

// reviewNotice is the review's message: who has not agreed yet, why the
// save failed (in plain words, with the dossier kept), or the engine's
// other notices.
func (a *App) reviewNotice(v engine.View) string {
	switch v.Notice {
	case engine.NoticeNeedAgree:
		if len(v.Consents) < 2 {
			return T(a.lang, "review.needagree")
		}
		var who []string
		for _, c := range v.Consents {
			if !c.Agreed {
				l := a.partyLabel(v.Service, c.Party)
				if c.Name != "" {
					l += " (" + c.Name + ")"
				}
				who = append(who, l)
			}
		}
		return fmt.Sprintf(T(a.lang, "review.needagreeof"), strings.Join(who, ", "))
	case engine.NoticeSaveFailed:
		return a.saveFailedText(v)
	}
	if v.Busy {
		return T(a.lang, "review.saving")
	}
	return a.noticeText(v)
}

// saveFailedText says in plain words why the dossier is not saved yet,
// that it is not lost, and what to do (wait, or see an officer).
func (a *App) saveFailedText(v engine.View) string {
	why := string(v.SaveFailure)
	if why == "" {
		why = string(engine.SaveOther)
	}
	lines := []string{T(a.lang, "save."+why), T(a.lang, "save.kept")}
	if n := len(v.Bundle); v.SavedParts > 0 && n > 0 {
		lines = append(lines, fmt.Sprintf(T(a.lang, "save.partial"), v.SavedParts, n))
	}
	switch v.SaveFailure {
	case engine.SaveClosed, engine.SaveLocked:
		lines = append(lines, T(a.lang, "save.wait"))
	default:
		lines = append(lines, T(a.lang, "save.officer"))
	}
	return strings.Join(lines, " ")
}

// bundleList says, for a combined (liên thông) service, which agency
// receives a dossier and what goes into it: the people by their party
// heading, the other values by their label. nil for other services.
func (a *App) bundleList(v engine.View) fyne.CanvasObject {
	if len(v.Bundle) == 0 {
		return nil
	}
	labels := map[string]string{}
	for i := range v.Values {
		val := &v.Values[i]
		key := catalog.ValueKey(val.Party, val.Field.ID, val.Index)
		if val.Party != "" {
			labels[key] = a.partyLabel(v.Service, val.Party)
		} else {
			labels[key] = a.label(val)
		}
	}
	intro := widget.NewLabelWithStyle(T(a.lang, "review.bundle"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(intro)
	for i, p := range v.Bundle {
		name := p.NameVI
		if a.lang == English && p.NameEN != "" {
			name = p.NameEN
		}
		title := fmt.Sprintf("%d. %s", i+1, name)
		if p.AgencyVI != "" {
			title += " — " + p.AgencyVI
		}
		head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Wrapping = fyne.TextWrapWord
		box.Add(head)
		var what []string
		seen := map[string]bool{}
		for _, k := range p.Sources {
			if l := labels[k]; l != "" && !seen[l] {
				seen[l] = true
				what = append(what, l)
			}
		}
		l := widget.NewLabel(fmt.Sprintf(T(a.lang, "review.bundlegets"), strings.Join(what, ", ")))
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return widget.NewCard("", "", box)
}

// receiptBundle lists, on the receipt of a combined visit, each agency's
// dossier with its receipt number; nil for one dossier.
func (a *App) receiptBundle(v engine.View) fyne.CanvasObject {
	if len(v.ReceiptBundle) == 0 {
		return nil
	}
	box := container.NewVBox(widget.NewLabelWithStyle(T(a.lang, "receipt.bundle"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, p := range v.ReceiptBundle {
		name := p.NameVI
		if a.lang == English && p.NameEN != "" {
			name = p.NameEN
		}
		line := fmt.Sprintf("%d. %s", i+1, name)
		if p.AgencyVI != "" {
			line += " — " + p.AgencyVI
		}
		l := widget.NewLabel(line + ": " + shortRef(p.UUID))
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return box
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
