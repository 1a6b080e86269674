package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
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

// noticeText puts the engine's notice into words.
func (a *App) noticeText(v engine.View) string {
	switch v.Notice {
	case engine.NoticeNone:
		return ""
	case engine.NoticeCancelled:
		return T(a.lang, "cancel.done")
	case engine.NoticePulled:
		return T(a.lang, "read.pulled")
	case engine.NoticeWrongKey:
		if a.passport.on {
			return T(a.lang, "key.wrong.passport")
		}
		return T(a.lang, "key.wrong")
	case engine.NoticeMRZInvalid:
		return T(a.lang, "key.mrzinvalid")
	case engine.NoticeMRZFirst:
		return T(a.lang, "key.mrzfirst")
	case engine.NoticeNeedsCard:
		return T(a.lang, "notice.needscard")
	case engine.NoticeKeyInvalid:
		return T(a.lang, "key.invalid")
	case engine.NoticeQRFirst:
		return T(a.lang, "key.qrfirst")
	case engine.NoticeNotCardQR:
		return fmt.Sprintf(T(a.lang, "qr.notcard"), v.Detail)
	case engine.NoticeBadQR:
		return T(a.lang, "qr.bad")
	case engine.NoticeNextParty:
		return T(a.lang, "notary.next")
	case engine.NoticeActRef:
		return T(a.lang, "notary.act") + "?"
	case engine.NoticeSaved:
		return T(a.lang, "notary.saved")
	case engine.NoticeSaveFailed:
		return T(a.lang, "save.failed") + " (" + v.Detail + ")"
	case engine.NoticeNeedAgree:
		return T(a.lang, "review.needagree")
	case engine.NoticeReadFailed:
		return T(a.lang, "read.failed")
	case engine.NoticeNotForForm:
		return T(a.lang, "notice.notforform")
	case engine.NoticeCheckIn:
		return T(a.lang, "clinic.check")
	}
	if s, ok := a.clinicNotice(v); ok {
		return s
	}
	return v.Detail
}

// notice is the engine's notice as a warning line (or a spacer).
func (a *App) notice(v engine.View) fyne.CanvasObject {
	text := a.noticeText(v)
	if text == "" {
		return layout.NewSpacer()
	}
	l := para(text)
	l.Importance = widget.WarningImportance
	return l
}

func (a *App) cancelButton() fyne.CanvasObject {
	return action(T(a.lang, "cancel"), false, a.eng.Cancel)
}

// showAttract is the resting screen: what to do, in two sentences, and
// a moving picture of where the card goes and where its QR is (cardart.go).
func (a *App) showAttract(v engine.View) {
	a.passport = passportKey{on: v.Notice == engine.NoticeMRZFirst} // the next key step asks for an ID card again
	pic, anim := a.cardPicture()
	parts := []fyne.CanvasObject{
		layout.NewSpacer(),
		big(T(a.lang, "attract.title")),
		big(T(a.lang, "attract.card")),
		pic,
		para(T(a.lang, "attract.qr")),
		para(T(a.lang, "attract.note")),
		a.notice(v),
	}
	// The actions stay in view under the picture, whatever the text size.
	var actions []fyne.CanvasObject
	if v.QROnly {
		actions = append(actions, container.NewCenter(action(T(a.lang, "key.qronly"), false, a.eng.ContinueQROnly)))
	}
	if v.QRWaiting || len(v.Parties) > 0 {
		actions = append(actions, container.NewCenter(a.cancelButton()))
	}
	if (a.mode == Kiosk || a.mode == Desk) && !v.QRWaiting { // the dossier look-up (lookup.go)
		actions = append(actions, a.lookupButton())
	}
	parts = append(parts, layout.NewSpacer())
	a.show("attract", container.NewBorder(nil, container.NewVBox(actions...), nil, nil,
		touchVScroll(container.NewVBox(parts...))))
	a.anim = anim // show stops it when another screen comes
	anim.Start()
}

// showKey asks for what opens the chip: a QR scan or the CAN of an ID
// card, or a passport's MRZ data ("Hộ chiếu": the MRZ from a reader, or
// the number and dates of the data page).
func (a *App) showKey(v engine.View) {
	kinds := container.NewHBox(
		a.keyKind(T(a.lang, "key.kind.card"), !a.passport.on, false),
		a.keyKind(T(a.lang, "key.kind.passport"), a.passport.on, true))
	if a.passport.on {
		a.showPassportKey(v, kinds)
		return
	}
	entry := newField(true)
	entry.label = T(a.lang, "key.placeholder")
	entry.SetPlaceHolder(T(a.lang, "key.placeholder"))
	entry.onFocus = a.focus
	errLabel := para(a.noticeText(v))
	errLabel.Importance = widget.DangerImportance
	submit := func() {
		text := entry.Text
		entry.SetText("")
		a.eng.TypedKey(text) // a refusal comes back as a notice
	}
	entry.OnSubmitted = func(string) { submit() }
	// The choice of document comes first: the on-screen keyboard, up at
	// once on a kiosk, covers the lower half of a small screen.
	box := container.NewVBox(
		container.NewCenter(kinds),
		big(T(a.lang, "key.title")),
		para(T(a.lang, "key.ask")),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 64), entry)),
		errLabel,
		container.NewCenter(container.NewHBox(action(T(a.lang, "key.read"), true, submit), a.cancelButton())),
	)
	a.show("key", box)
	a.win.Canvas().Focus(entry)
}

// keyKind is one of the two kinds of document on the key step; the one
// chosen is highlighted.
func (a *App) keyKind(text string, chosen, passport bool) fyne.CanvasObject {
	b := widget.NewButton(text, func() {
		a.passport.on = passport
		a.render()
	})
	if chosen {
		b.Importance = widget.HighImportance
	}
	return container.NewGridWrap(fyne.NewSize(240, 56), b)
}

// passportKey is the key step's passport mode and the data typed so far:
// a refusal draws the screen again with what was typed, to correct one
// field instead of typing all three again. The attract screen forgets it.
type passportKey struct {
	on                    bool
	number, birth, expiry string
}

// showPassportKey asks for a passport's MRZ: scanned by an MRZ reader
// (it types both lines into the focused field) or typed, or the number,
// date of birth and date of expiry of the data page.
func (a *App) showPassportKey(v engine.View, kinds fyne.CanvasObject) {
	number, birth, expiry := newField(false), newField(true), newField(true)
	number.plain = true
	number.SetText(a.passport.number)
	birth.SetText(a.passport.birth)
	expiry.SetText(a.passport.expiry)
	rows := container.New(layout.NewFormLayout())
	for _, f := range []struct {
		f           *field
		label, hint string
	}{
		{number, "key.passport.number", "key.passport.number.hint"},
		{birth, "key.passport.dob", "key.passport.date.hint"},
		{expiry, "key.passport.expiry", "key.passport.date.hint"},
	} {
		f.f.label = T(a.lang, f.label)
		f.f.SetPlaceHolder(T(a.lang, f.hint))
		f.f.onFocus = a.focus
		rows.Add(widget.NewLabelWithStyle(T(a.lang, f.label), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		rows.Add(container.NewGridWrap(fyne.NewSize(420, 64), f.f)) // as the ID card's key field: large text fits
	}
	errLabel := para(a.noticeText(v))
	errLabel.Importance = widget.DangerImportance
	submit := func() {
		// An MRZ reader types both lines into whichever field has focus.
		for _, f := range []*field{number, birth, expiry} {
			if mrzLike(f.Text) {
				text := f.Text
				f.SetText("")
				a.eng.TypedMRZ(text)
				return
			}
		}
		a.passport.number, a.passport.birth, a.passport.expiry = number.Text, birth.Text, expiry.Text
		a.eng.TypedPassport(number.Text, birth.Text, expiry.Text) // a refusal comes back as a notice
	}
	next := func(to *field) func(string) {
		return func(string) {
			if mrzLike(number.Text) || to == nil {
				submit()
				return
			}
			a.win.Canvas().Focus(to)
		}
	}
	number.OnSubmitted, birth.OnSubmitted, expiry.OnSubmitted = next(birth), next(expiry), next(nil)
	box := container.NewVBox(
		container.NewCenter(kinds),
		big(T(a.lang, "key.passport.title")),
		para(T(a.lang, "key.passport.ask")),
		container.NewCenter(rows),
		errLabel,
		container.NewCenter(container.NewHBox(action(T(a.lang, "key.passport.read"), true, submit), a.cancelButton())),
	)
	a.show("key", box)
	a.win.Canvas().Focus(number)
}

// mrzLike tells an MRZ (or one of its lines) from a passport number or a
// date: MRZ fillers, or longer than any passport number.
func mrzLike(s string) bool {
	return engine.LooksLikeMRZ(s) || len(strings.TrimSpace(s)) >= 30
}

// showReading shows the read under way: a bar that moves per file and a
// spinner that never stops, so the screen never looks frozen.
func (a *App) showReading(v engine.View) {
	if v.Checking && v.Early != nil { // the identity arrived ahead of its verdict
		a.showIdentity(v)
		return
	}
	bar := widget.NewProgressBar()
	steps := para(T(a.lang, "reading.identity") + " …")
	if p := v.Progress; p.Total > 0 {
		bar.SetValue(float64(p.Done) / float64(p.Total))
		steps.SetText(a.stepText(p))
	}
	spin := widget.NewProgressBarInfinite()
	a.show("reading", container.NewVBox(layout.NewSpacer(),
		big(T(a.lang, "reading.title")), para(T(a.lang, "reading.hold")),
		bar, spin, steps, layout.NewSpacer()))
	a.progress, a.steps = bar, steps
}

// stepText is the line under the progress bar after a file arrived.
func (a *App) stepText(p engine.Progress) string {
	return fmt.Sprintf("%s — %d/%d", a.stepName(p.File), p.Done, p.Total)
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

// showProblem explains a failure and what to do.
func (a *App) showProblem(v engine.View) {
	title, reason, todo := a.noticeText(v), v.Detail, ""
	switch v.Notice {
	case engine.NoticeReadFailed:
		todo = T(a.lang, "read.again")
	case engine.NoticeError:
		reason = ""
	}
	parts := []fyne.CanvasObject{layout.NewSpacer(), big(title)}
	if reason != "" && !a.public() {
		parts = append(parts, para("("+reason+")"))
	}
	if todo != "" {
		parts = append(parts, para(todo))
	}
	parts = append(parts, container.NewCenter(a.cancelButton()), layout.NewSpacer())
	a.show("problem", container.NewVBox(parts...))
}

// refused reports a card whose checks failed (altered data, cloned chip):
// the red badge.
func refused(p *prefill.Person) bool {
	v := p.Verification
	return v != nil && (v.ChipAuth == cccd.ChipAuthFailed || v.Passive == cccd.PassiveFailed)
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
		case v.Verified() && p.Passport():
			text, colour = T(a.lang, "badge.verified.passport"), okColour
		case v.Verified():
			text, colour = T(a.lang, "badge.verified"), okColour
		case noIssuerCSCA(v): // intact, only the issuer's certificate is missing: say which
			text, colour = T(a.lang, "badge.nocsca"), warnColour
		case v.Passive == cccd.PassiveChainUnknown:
			text, colour = T(a.lang, "badge.chain"), warnColour
		}
	}
	return onColour(colour, text)
}

// onColour is white text wrapped on a coloured band (badges, the demo
// banner): it wraps instead of widening the window. The white comes from
// the app theme's colourOnBand, not from a theme override: Fyne loads
// every font afresh for each override (its font cache is keyed by the
// override's scope), which cost several MiB of heap and a font parse per
// badge drawn.
func onColour(colour color.Color, text string) fyne.CanvasObject {
	bg := canvas.NewRectangle(colour)
	bg.CornerRadius = 8
	label := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: fyne.TextAlignCenter, ColorName: colourOnBand, SizeName: theme.SizeNameSubHeadingText,
		TextStyle: fyne.TextStyle{Bold: true}}})
	label.Wrapping = fyne.TextWrapWord
	return container.NewStack(bg, label)
}

// photo is the chip's face image as the engine decoded it, or a plain
// note: none on the card, or one that could not be shown.
func (a *App) photo(v engine.View) fyne.CanvasObject {
	size := fyne.NewSize(180, 240)
	switch v.PhotoState {
	case engine.PhotoShown:
		c := canvas.NewImageFromImage(v.Photo)
		c.FillMode = canvas.ImageFillContain
		c.SetMinSize(size)
		return c
	case engine.PhotoRefused:
		l := widget.NewLabel(T(a.lang, "id.photorefused"))
		l.Wrapping = fyne.TextWrapWord
		l.Alignment = fyne.TextAlignCenter
		return container.NewGridWrap(size, container.NewCenter(l))
	}
	return container.NewGridWrap(size, container.NewCenter(widget.NewLabel(T(a.lang, "id.nophoto"))))
}

// identityCard is the summary of who was read: photo, badge, main fields.
func (a *App) identityCard(v engine.View) fyne.CanvasObject {
	p := v.Person
	id := &p.Identity
	rows := container.New(layout.NewFormLayout())
	add := func(k, val string) {
		if val == "" {
			return
		}
		key := widget.NewLabelWithStyle(T(a.lang, k), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		l := widget.NewLabel(val)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(key)
		rows.Add(l)
	}
	add("id.name", id.FullName)
	number := id.IDNumber
	if a.public() { // people in the queue can read a kiosk's screen
		number = cccd.MaskID(number)
	}
	add("id.number", number)
	if p.Passport() { // issue 20: a passport's number and its holder's nationality
		add("id.passport", p.DocumentNumber)
		add("id.nationality", prefill.NationalityName(id.Nationality))
	}
	add("id.dob", dmy(id.DateOfBirth))
	add("id.sex", id.Sex)
	add("id.residence", id.PlaceOfResidence)
	add("id.expiry", dmy(id.DateOfExpiry))
	badge := a.badge(p)
	if v.Checking {
		badge = a.checkingBadge()
	}
	return container.NewBorder(badge, nil, a.photo(v), nil, rows)
}

// dmy shows a date the Vietnamese way (dd/MM/yyyy), whichever of the
// usual layouts it came in; anything else is shown as it is.
func dmy(s string) string {
	for _, layout := range []string{"2006-01-02", "20060102", "02/01/2006", "2006/01/02", time.RFC3339} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.Format("02/01/2006")
		}
	}
	return s
}

// showIdentity is the step after a read: who the card says, how sure we
// are, and the mode's next step.
func (a *App) showIdentity(v engine.View) {
	if v.Checking && v.Early != nil {
		a.showIdentityChecking(v)
		return
	}
	if v.Person == nil {
		a.showAttract(v)
		return
	}
	next := action(T(a.lang, "id.continue"), true, a.eng.Continue)
	buttons := container.NewHBox(next, a.cancelButton())
	if a.mode == Clinic {
		next = action(T(a.lang, "clinic.check"), true, a.eng.CheckIn)
		buttons = container.NewHBox(next, action(T(a.lang, "clinic.child"), false, a.eng.StartChild), a.cancelButton())
	}
	parts := []fyne.CanvasObject{big(T(a.lang, "id.title")), a.identityCard(v), a.notice(v)}
	if refused(v.Person) {
		switch {
		case a.public():
			// A citizen cannot go on with a card that failed its checks:
			// plain words and the one thing to do.
			parts = append(parts, para(T(a.lang, "badge.seeofficer")))
			buttons = container.NewHBox(action(T(a.lang, "id.seeofficer"), true, a.eng.Cancel))
		default: // the officer decides; going on is no longer the main action
			goOn := action(T(a.lang, "id.continue"), false, a.eng.Continue)
			if a.mode == Clinic { // the receptionist's way on is the look-up
				goOn = action(T(a.lang, "clinic.check"), false, a.eng.CheckIn)
			}
			buttons = container.NewHBox(goOn, a.cancelButton())
		}
	}
	if !a.public() {
		parts = append(parts, a.details(v))
	}
	// The next action stays in view below the scrolling details.
	a.show("identity", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		touchVScroll(container.NewVBox(parts...))))
}

// Issue 21: the identity ahead of its verdict.

// checkingBadge is the badge of an identity whose checks are still
// running: neutral, never green, never a verdict.
func (a *App) checkingBadge() fyne.CanvasObject {
	return onColour(neutralColour, T(a.lang, "badge.checking"))
}

// showIdentityChecking shows the identity as soon as the chip gave it,
// while EF.SOD, Chip and Passive Authentication still run: the details
// with the "checking" badge, the photo when it came, the read's progress,
// and Cancel only. Nothing here goes on: the verdict brings the identity
// screen with its buttons (the engine refuses Continue and Submit until
// then as well).
func (a *App) showIdentityChecking(v engine.View) {
	ev := v
	ev.Person = v.Early
	bar := widget.NewProgressBar()
	steps := para(T(a.lang, "reading.proof") + " …")
	if p := v.Progress; p.Total > 0 {
		bar.SetValue(float64(p.Done) / float64(p.Total))
		steps.SetText(a.stepText(p))
	}
	parts := []fyne.CanvasObject{big(T(a.lang, "id.title")), a.identityCard(ev),
		para(T(a.lang, "id.checking")), bar, widget.NewProgressBarInfinite(), steps}
	a.show("identity-checking", container.NewBorder(nil, container.NewCenter(a.cancelButton()), nil, nil,
		touchVScroll(container.NewVBox(parts...))))
	a.progress, a.steps = bar, steps
}
