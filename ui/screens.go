package ui

import (
	"context"
	"fmt"
	_ "image/jpeg" // chip photos
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/cardloop"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/reader/lds"
)

// big is a heading sized for reading from a step away.
func big(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

func para(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignCenter, fyne.TextStyle{})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// action is a large button: touch targets for fingers, not mouse pointers.
func action(text string, primary bool, tapped func()) fyne.CanvasObject {
	b := widget.NewButton(text, tapped)
	if primary {
		b.Importance = widget.HighImportance
	}
	return container.NewGridWrap(fyne.NewSize(320, 72), b)
}

// takeMessage returns and clears the pending notice.
func (a *App) takeMessage() fyne.CanvasObject {
	if a.message == "" {
		return layout.NewSpacer()
	}
	l := para(a.message)
	l.Importance = widget.WarningImportance
	a.message = ""
	return l
}

func (a *App) cancelButton() fyne.CanvasObject {
	return action(T(a.lang, "cancel"), false, a.cancelVisit)
}

// showAttract is the resting screen: what to do, in two sentences.
func (a *App) showAttract() {
	a.progress, a.steps = nil, nil
	icon := widget.NewIcon(theme.AccountIcon())
	iconBox := container.NewGridWrap(fyne.NewSize(160, 160), icon)
	parts := []fyne.CanvasObject{
		layout.NewSpacer(),
		big(T(a.lang, "attract.title")),
		container.NewCenter(iconBox),
		big(T(a.lang, "attract.card")),
		para(T(a.lang, "attract.qr")),
		para(T(a.lang, "attract.note")),
		a.takeMessage(),
	}
	if a.qrOnly != nil && a.cfg.Mode != Kiosk {
		parts = append(parts, container.NewCenter(action(T(a.lang, "key.qronly"), false, a.continueQROnly)))
	}
	if a.qrOnly != nil {
		parts = append(parts, container.NewCenter(a.cancelButton()))
	}
	parts = append(parts, layout.NewSpacer())
	a.show("attract", container.NewVBox(parts...))
}

// continueQROnly starts a visit from the QR alone (desk officers, when a
// chip cannot be read); every value is marked as from the QR.
func (a *App) continueQROnly() {
	p := a.qrOnly
	a.qrOnly = nil
	if p == nil {
		return
	}
	if err := a.sess.QRScanned(p.Identity(), ""); err != nil {
		a.showProblem(err.Error(), "", "")
		return
	}
	a.showIdentity()
}

// showKey asks for what opens the chip: a QR scan or the CAN.
func (a *App) showKey(problem string) {
	entry := newField(true)
	entry.label = T(a.lang, "key.placeholder")
	entry.SetPlaceHolder(T(a.lang, "key.placeholder"))
	entry.onFocus = a.kb.attach
	errLabel := para(problem)
	errLabel.Importance = widget.DangerImportance
	submit := func() {
		text := strings.TrimSpace(entry.Text)
		if strings.Contains(text, "|") { // a wedge scanner typed into the field
			a.Scanned(text)
			return
		}
		keys, ok := typedKeyFor(text)
		if !ok {
			errLabel.SetText(T(a.lang, "key.invalid"))
			return
		}
		entry.SetText("")
		a.keys.Put(keys, nil)
	}
	entry.OnSubmitted = func(string) { submit() }
	box := container.NewVBox(
		big(T(a.lang, "key.title")),
		para(T(a.lang, "key.ask")),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 64), entry)),
		errLabel,
		container.NewCenter(container.NewHBox(action(T(a.lang, "key.read"), true, submit), a.cancelButton())),
	)
	a.show("key", box)
	a.win.Canvas().Focus(entry)
}

// showReading shows the read under way: a bar that moves per file and a
// spinner that never stops, so the screen never looks frozen.
func (a *App) showReading() {
	a.progress = widget.NewProgressBar()
	a.steps = para(T(a.lang, "reading.identity") + " …")
	spin := widget.NewProgressBarInfinite()
	a.show("reading", container.NewVBox(layout.NewSpacer(),
		big(T(a.lang, "reading.title")), para(T(a.lang, "reading.hold")),
		a.progress, spin, a.steps, layout.NewSpacer()))
}

// stepText is the line under the progress bar after a file arrived.
func (a *App) stepText(e cardloop.Event) string {
	return fmt.Sprintf("%s — %d/%d", a.stepName(e.File), e.Done, e.Total)
}

// showProblem explains a failure and what to do.
func (a *App) showProblem(title, reason, todo string) {
	parts := []fyne.CanvasObject{layout.NewSpacer(), big(title)}
	if reason != "" && a.cfg.Mode != Kiosk {
		parts = append(parts, para("("+reason+")"))
	}
	if todo != "" {
		parts = append(parts, para(todo))
	}
	parts = append(parts, container.NewCenter(a.cancelButton()), layout.NewSpacer())
	a.show("problem", container.NewVBox(parts...))
}

// badge is the honest verification badge: only a verified chip is green.
func (a *App) badge(p *prefill.Person) fyne.CanvasObject {
	text, colour := T(a.lang, "badge.unchecked"), neutralColour
	if p.Verification == nil {
		text = T(a.lang, "badge.qr")
	} else {
		v := p.Verification
		switch {
		case v.ChipAuth == cccd.ChipAuthFailed:
			text, colour = T(a.lang, "badge.clone"), badColour
		case v.Passive == cccd.PassiveFailed:
			text, colour = T(a.lang, "badge.failed"), badColour
		case v.Verified():
			text, colour = T(a.lang, "badge.verified"), okColour
		case v.Passive == cccd.PassiveChainUnknown:
			text, colour = T(a.lang, "badge.chain"), warnColour
		}
	}
	bg := canvas.NewRectangle(colour)
	bg.CornerRadius = 8
	label := canvas.NewText(text, whiteText)
	label.TextStyle.Bold = true
	label.TextSize = theme.TextSize() * a.look.scale * 1.1
	label.Alignment = fyne.TextAlignCenter
	return container.NewStack(bg, container.NewPadded(label))
}

// photo is the chip's face image, or a plain note when there is none (or
// it is JPEG 2000, which the toolkit cannot draw).
func (a *App) photo(p *prefill.Person) fyne.CanvasObject {
	size := fyne.NewSize(180, 240)
	if r := a.lastRead; r != nil && r.IDNumber == p.Identity.IDNumber && len(r.Photo) > 0 {
		if img, err := lds.DecodePhoto(r.Photo); err == nil {
			c := canvas.NewImageFromImage(img)
			c.FillMode = canvas.ImageFillContain
			c.SetMinSize(size)
			return c
		}
	}
	return container.NewGridWrap(size, container.NewCenter(widget.NewLabel(T(a.lang, "id.nophoto"))))
}

// identityCard is the summary of who was read: photo, badge, main fields.
func (a *App) identityCard(p *prefill.Person) fyne.CanvasObject {
	id := &p.Identity
	rows := container.New(layout.NewFormLayout())
	add := func(k, v string) {
		if v == "" {
			return
		}
		key := widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		val := widget.NewLabel(v)
		val.Wrapping = fyne.TextWrapWord
		rows.Add(key)
		rows.Add(val)
	}
	add("id.name", id.FullName)
	add("id.number", id.IDNumber)
	add("id.dob", dmy(id.DateOfBirth))
	add("id.sex", id.Sex)
	add("id.residence", id.PlaceOfResidence)
	add("id.expiry", dmy(id.DateOfExpiry))
	return container.NewBorder(a.badge(p), nil, a.photo(p), nil, rows)
}

// dmy shows an ISO date the Vietnamese way.
func dmy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
}

// showIdentity is the step after a read: who the card says, how sure we
// are, and (by mode) what comes next.
func (a *App) showIdentity() {
	p := a.sess.Primary()
	if p == nil {
		a.showAttract()
		return
	}
	var next fyne.CanvasObject
	switch a.cfg.Mode {
	case Clinic:
		next = action(T(a.lang, "clinic.check"), true, a.checkIn)
	case Notary:
		a.showNotary()
		return
	default:
		next = action(T(a.lang, "id.continue"), true, a.showServices)
	}
	parts := []fyne.CanvasObject{big(T(a.lang, "id.title")), a.identityCard(p), a.takeMessage()}
	if a.cfg.Mode != Kiosk {
		parts = append(parts, a.details(p))
	}
	parts = append(parts, container.NewCenter(container.NewHBox(next, a.cancelButton())))
	a.show("identity", container.NewVScroll(container.NewVBox(parts...)))
}

// showServices shows large tiles, a few per page.
func (a *App) showServices() { a.showServicePage(0) }

func (a *App) showServicePage(page int) {
	services := a.cfg.Catalog.Services()
	per := 4
	if a.cfg.Mode != Kiosk {
		per = len(services)
	}
	from := min(page*per, len(services))
	to := min(from+per, len(services))
	tiles := container.NewGridWithColumns(2)
	if a.cfg.Mode == Kiosk { // four large tiles filling the screen
		tiles = container.NewGridWithRows(2)
	}
	for _, s := range services[from:to] {
		name, sub := s.NameVI, s.NameEN
		if a.lang == English {
			name, sub = s.NameEN, s.NameVI
		}
		code := s.Code
		b := widget.NewButton(name+"\n"+sub, func() { a.chooseService(code) })
		b.Alignment = widget.ButtonAlignCenter
		if a.cfg.Mode == Kiosk {
			tiles.Add(b)
		} else {
			tiles.Add(container.NewGridWrap(fyne.NewSize(520, 110), b))
		}
	}
	nav := container.NewHBox()
	if page > 0 {
		nav.Add(action(T(a.lang, "services.prev"), false, func() { a.showServicePage(page - 1) }))
	}
	if to < len(services) {
		nav.Add(action(T(a.lang, "services.more"), false, func() { a.showServicePage(page + 1) }))
	}
	nav.Add(a.cancelButton())
	a.show("services", container.NewBorder(container.NewVBox(big(T(a.lang, "services.title")), a.takeMessage()),
		container.NewCenter(nav), nil, nil, container.NewVScroll(tiles)))
}

func (a *App) chooseService(code string) {
	if err := a.sess.ChooseService(code, ""); err != nil {
		a.message = err.Error()
		a.showServices()
		return
	}
	a.showForm(nil)
}

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

func (a *App) partyLabel(f *prefill.Form, role string) string {
	if p, ok := f.Service.Party(role); ok {
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

// showForm shows what the card filled (locked) and asks only the rest.
func (a *App) showForm(problems []string) {
	f := a.sess.Form()
	if f == nil {
		a.showAttract()
		return
	}
	card := container.New(layout.NewFormLayout())
	ask := container.NewVBox()
	for _, v := range f.Values {
		if v.Provenance == prefill.Derived {
			continue
		}
		if v.Locked {
			text := shown(v)
			if v.Old != "" && v.Old != v.Text {
				text = T(a.lang, "form.new") + ": " + v.Text + "\n" + T(a.lang, "form.old") + ": " + v.Old
			}
			val := widget.NewLabel(text)
			val.Wrapping = fyne.TextWrapWord
			row := fyne.CanvasObject(val)
			if a.cfg.Mode == Desk {
				row = container.NewBorder(nil, nil, nil, a.unlockButton(f, v), val)
			}
			card.Add(widget.NewLabelWithStyle(a.label(v), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			card.Add(row)
			continue
		}
		ask.Add(a.askRow(f, v))
	}
	parts := []fyne.CanvasObject{big(T(a.lang, "form.title"))}
	for _, p := range problems {
		l := widget.NewLabel(p)
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		parts = append(parts, l)
	}
	parts = append(parts, a.takeMessage())
	if role := a.missingCardParty(); role != "" {
		parts = append(parts, para(fmt.Sprintf(T(a.lang, "form.waitcard"), a.partyLabel(f, role))))
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
	next := action(T(a.lang, "form.next"), true, a.review)
	a.show("form", container.NewBorder(nil, container.NewCenter(container.NewHBox(next, a.cancelButton())), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}

// askRow is one question: a text field with the keyboard, a pick list, or
// an address to confirm.
func (a *App) askRow(f *prefill.Form, v *prefill.Value) fyne.CanvasObject {
	label := widget.NewLabelWithStyle(a.label(v), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	party, id, idx := v.Party, v.Field.ID, v.Index
	var input fyne.CanvasObject
	switch {
	case len(v.Field.Options) > 0:
		sel := widget.NewSelect(v.Field.Options, func(s string) { f.Set(party, id, idx, s) })
		sel.Selected = v.Text
		input = sel
	default:
		digits := v.Field.Type == "phone" || v.Field.Type == "number" || v.Field.Type == "id12" || v.Field.Type == "cmnd"
		e := newField(digits)
		e.label = a.label(v)
		e.SetText(v.Text)
		e.OnChanged = func(s string) { f.Set(party, id, idx, s) }
		e.onFocus = a.kb.attach
		if v.Field.Type == "textarea" || v.Field.Type == "address" {
			e.MultiLine = true
			e.Wrapping = fyne.TextWrapWord
		}
		input = e
	}
	row := container.NewVBox(label, input)
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
		row.Add(container.NewHBox(widget.NewButton(T(a.lang, "form.confirm"), func() {
			f.Confirm(party, id, idx)
			a.showForm(nil)
		})))
	}
	return row
}

// unlockButton lets an officer edit a card value, with a reason.
func (a *App) unlockButton(f *prefill.Form, v *prefill.Value) fyne.CanvasObject {
	party, id, idx := v.Party, v.Field.ID, v.Index
	return widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() {
		why := newField(false)
		why.onFocus = a.kb.attach
		why.SetPlaceHolder(T(a.lang, "form.unlockwhy"))
		d := dialog.NewForm(T(a.lang, "form.unlock"), T(a.lang, "form.unlock"), T(a.lang, "cancel"),
			[]*widget.FormItem{widget.NewFormItem("", why)}, func(ok bool) {
				if !ok || strings.TrimSpace(why.Text) == "" {
					return
				}
				if err := f.UnlockField(party, id, idx, a.cfg.Device, why.Text, a.cfg.Now()); err != nil {
					a.message = err.Error()
				}
				a.showForm(nil)
			}, a.win)
		d.Show()
	})
}

// review validates; problems go back to the form in plain words.
func (a *App) review() {
	probs, err := a.sess.Review()
	if err != nil {
		a.showForm([]string{err.Error()})
		return
	}
	if len(probs) > 0 {
		var msgs []string
		for _, p := range probs {
			if a.lang == English {
				msgs = append(msgs, p.EN)
			} else {
				msgs = append(msgs, p.VI)
			}
		}
		a.showForm(msgs)
		return
	}
	a.showReview("")
}

// showReview lists every value, the consent text and the submit button.
func (a *App) showReview(problem string) {
	f := a.sess.Form()
	if f == nil {
		a.showAttract()
		return
	}
	rows := container.New(layout.NewFormLayout())
	for _, v := range f.Values {
		if v.Text == "" {
			continue
		}
		rows.Add(widget.NewLabelWithStyle(a.label(v), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		val := widget.NewLabel(shown(v))
		val.Wrapping = fyne.TextWrapWord
		rows.Add(val)
	}
	consentText := f.Service.ConsentVI
	if a.lang == English && f.Service.ConsentEN != "" {
		consentText = f.Service.ConsentEN
	}
	consent := widget.NewLabel(consentText)
	consent.Wrapping = fyne.TextWrapWord
	agree := widget.NewCheck(T(a.lang, "review.consent"), nil)
	msg := para(problem)
	msg.Importance = widget.DangerImportance
	var submit *widget.Button
	submit = widget.NewButton(T(a.lang, "review.submit"), func() {
		if !agree.Checked {
			msg.SetText(T(a.lang, "review.needagree"))
			return
		}
		submit.Disable()
		a.submit()
	})
	submit.Importance = widget.HighImportance
	back := action(T(a.lang, "review.back"), false, func() {
		if err := a.sess.Back(); err == nil {
			a.showForm(nil)
		}
	})
	buttons := container.NewCenter(container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), submit), back, a.cancelButton()))
	// The consent and its tick box stay in view under the values, next to
	// the button they unlock.
	a.show("review", container.NewBorder(big(T(a.lang, "review.title")),
		container.NewVBox(widget.NewSeparator(), consent, agree, msg, buttons), nil, nil, container.NewVScroll(rows)))
}

// submit saves the dossier off the UI goroutine; the receipt appears only
// once the outbox says it is durable.
func (a *App) submit() {
	sub := a.cfg.Outbox
	a.goIO(func() {
		uuid, err := a.sess.Submit(context.Background(), sub, true)
		a.do(func() {
			if err != nil {
				a.showReview(T(a.lang, "save.failed") + " (" + err.Error() + ")")
				return
			}
			if a.cfg.Worker != nil {
				a.cfg.Worker.Notify()
			}
			a.bar.refresh()
			a.showReceipt(uuid)
		})
	})
}

// stepName says which part of the card a file is, in plain words.
func (a *App) stepName(f lds.FileID) string {
	switch f {
	case lds.DG13, lds.DG1:
		return T(a.lang, "reading.identity")
	case lds.DG2:
		return T(a.lang, "reading.photo")
	}
	return T(a.lang, "reading.proof")
}

// showReceipt is the end of a visit: the receipt number and a QR code to
// follow the dossier, then "take your card".
func (a *App) showReceipt(uuid string) {
	if uuid == "" {
		a.showAttract()
		return
	}
	payload := receiptPayload(uuid, a.serviceCode(), a.cfg.Device)
	img, png := receiptQR(payload)
	code := widget.NewLabelWithStyle(shortRef(uuid), fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
	code.SizeName = theme.SizeNameHeadingText
	parts := []fyne.CanvasObject{big(T(a.lang, "receipt.title")), para(T(a.lang, "receipt.takecard")),
		para(T(a.lang, "receipt.code")), code}
	if img != nil {
		parts = append(parts, container.NewCenter(img), para(T(a.lang, "receipt.scan")))
	}
	if a.cfg.Worker == nil || a.bar.isOffline() {
		parts = append(parts, para(T(a.lang, "receipt.offline")))
	}
	buttons := container.NewHBox(action(T(a.lang, "receipt.done"), true, func() {
		a.sess.Cancel() // the visit is over even if the card stays
		a.lastRead = nil
		a.showAttract()
	}))
	if a.cfg.Print != nil && png != nil {
		buttons.Add(action(T(a.lang, "receipt.print"), false, func() {
			a.goIO(func() {
				err := a.cfg.Print(png)
				a.do(func() {
					if err != nil {
						a.message = err.Error()
					} else {
						a.message = T(a.lang, "receipt.printed")
					}
					a.showReceipt(uuid)
				})
			})
		}))
	}
	parts = append(parts, a.takeMessage())
	a.show("receipt", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		container.NewVScroll(container.NewVBox(parts...))))
}

func (a *App) serviceCode() string {
	if f := a.sess.Form(); f != nil {
		return f.Service.Code
	}
	return ""
}
