package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/clinic"
	"motcua/kiosk/engine"
)

// public says the people served use the screen themselves (a public
// kiosk, a clinic's self check-in): IDs masked, no officer's details, the
// on-screen keyboard, kiosk-sized type.
func (a *App) public() bool { return a.mode == Kiosk || a.eng.SelfService() }

// renderClinic draws the clinic's own steps; false for any other step.
func (a *App) renderClinic(v engine.View) bool {
	switch v.Step {
	case engine.StepDepartment:
		a.showDepartments(v)
	case engine.StepTicket:
		a.showTicket(v)
	case engine.StepChild:
		a.showChild(v)
	default:
		return false
	}
	return true
}

// clinicNotice puts the clinic's notices into words.
func (a *App) clinicNotice(v engine.View) (string, bool) {
	switch v.Notice {
	case engine.NoticeCheckedIn:
		return T(a.lang, "clinic.checkedin"), true
	case engine.NoticeChild:
		return T(a.lang, "child.refused") + " (" + a.childReason(v.Detail) + ")", true
	case engine.NoticeTicket:
		return T(a.lang, "ticket.failed"), true
	case engine.NoticeSeeDesk:
		return T(a.lang, "clinic.seedesk"), true
	case engine.NoticePrint:
		return T(a.lang, "ticket.notprinted") + " (" + v.Detail + ")", true
	}
	return "", false
}

// childReason says in the screen's language why the child's details were
// refused (the engine's reasons are English, for logs and officers).
func (a *App) childReason(detail string) string {
	switch {
	case strings.Contains(detail, "6 or older"):
		return T(a.lang, "child.over6")
	case strings.Contains(detail, "full name"):
		return T(a.lang, "child.needname")
	case strings.Contains(detail, "date of birth"):
		return T(a.lang, "child.needdob")
	case strings.Contains(detail, "needs the BHYT"):
		return T(a.lang, "child.needcode")
	case strings.Contains(detail, "card code"), strings.Contains(detail, "ID number"):
		return T(a.lang, "child.badcode")
	}
	return detail
}

// checkInButtons are the actions under a check-in's answer: a
// receptionist ends it; a patient at a kiosk goes on to the department.
func (a *App) checkInButtons(v engine.View) *fyne.Container {
	if v.SelfService {
		return container.NewHBox(action(T(a.lang, "ticket.choose"), true, a.eng.ChooseDepartment), a.cancelButton())
	}
	return container.NewHBox(action(T(a.lang, "clinic.done"), true, a.eng.Done))
}

// departmentName and reasonName pick the screen's language when the
// hospital gave an English name.
func (a *App) departmentName(d clinic.Department) string {
	if a.lang == English && d.NameEN != "" {
		return d.NameEN
	}
	return d.Name
}

func (a *App) reasonName(r clinic.Reason) string {
	if a.lang == English && r.NameEN != "" {
		return r.NameEN
	}
	return r.Name
}

// showDepartments lets the patient pick the reason, then tap the
// department: the tap takes the ticket.
func (a *App) showDepartments(v engine.View) {
	reasons := v.Menu.Reasons
	names := make([]string, len(reasons))
	for i, r := range reasons {
		names[i] = a.reasonName(r)
	}
	chosen := ""
	if len(reasons) > 0 {
		chosen = reasons[0].Code
	}
	// A drop-down holds any number of reasons on one line, whatever the
	// text size; the first (the commonest) is chosen already.
	pick := widget.NewSelect(names, func(s string) {
		for _, r := range reasons {
			if a.reasonName(r) == s {
				chosen = r.Code
			}
		}
	})
	if len(names) > 0 {
		pick.SetSelectedIndex(0)
	}
	tiles := container.NewGridWithColumns(2)
	width := 28
	if a.cfg.LargeText {
		width = 20
	}
	for _, d := range v.Menu.Departments {
		code := d.Code
		b := widget.NewButton(wrapWords(a.departmentName(d), width), func() { a.eng.TakeTicket(code, chosen) })
		b.Importance = widget.HighImportance
		if v.Busy {
			b.Disable()
		}
		tiles.Add(container.NewGridWrap(fyne.NewSize(300, 96), b))
	}
	reasonLabel := widget.NewLabelWithStyle(T(a.lang, "ticket.reason"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	top := container.NewVBox(big(T(a.lang, "ticket.department")),
		container.NewCenter(container.NewHBox(reasonLabel, pick)), a.notice(v))
	if v.CheckIn != nil && v.CheckIn.RepeatToday {
		rep := para(T(a.lang, "ticket.repeat"))
		rep.Importance = widget.WarningImportance
		top.Add(rep)
	}
	// The tiles scroll between the question and "Hủy", which stay in view
	// whatever the number of departments and the text size.
	a.show("department", container.NewBorder(top, container.NewCenter(a.cancelButton()), nil, nil,
		touchVScroll(container.NewCenter(tiles))))
}

// showTicket is the queue ticket: the number large, where to wait, and
// whether the paper came out. It stays after the card left (no card data).
func (a *App) showTicket(v engine.View) {
	t := v.Ticket
	if t == nil {
		a.showAttract(v)
		return
	}
	// The number is what the patient watches for on the queue display:
	// the largest thing on the screen.
	number := canvas.NewText(t.Number, theme.Color(theme.ColorNameForeground))
	number.Alignment = fyne.TextAlignCenter
	number.TextStyle = fyne.TextStyle{Bold: true}
	number.TextSize = a.look.Size(theme.SizeNameText) * 4
	parts := []fyne.CanvasObject{big(T(a.lang, "ticket.title") + " — " + t.DepartmentName), number,
		para(t.ReasonName + " · " + t.Issued.In(vnClock).Format("15:04 02/01/2006"))}
	switch {
	case t.Printed:
		parts = append(parts, para(T(a.lang, "ticket.printed")))
	case t.PrintError != "":
		warn := para(T(a.lang, "ticket.notprinted") + " (" + t.PrintError + ")")
		warn.Importance = widget.WarningImportance
		parts = append(parts, warn)
	default:
		parts = append(parts, para(T(a.lang, "ticket.remember")))
	}
	if t.RepeatToday {
		rep := para(T(a.lang, "ticket.repeat"))
		rep.Importance = widget.WarningImportance
		parts = append(parts, rep)
	}
	if t.CardLeft {
		parts = append(parts, para(T(a.lang, "ticket.closes")))
	} else {
		parts = append(parts, para(T(a.lang, "ticket.takecard")))
	}
	a.show("ticket", container.NewBorder(nil, container.NewCenter(action(T(a.lang, "ticket.done"), true, a.eng.Done)), nil, nil,
		touchVScroll(container.NewVBox(parts...))))
}

// vnClock is the clinic's wall clock for the time on the ticket.
var vnClock = time.FixedZone("ICT", 7*3600)

// showChild asks for a child under 6 brought by the adult whose card was
// read: the child's name and date of birth, and the BHYT code or the birth
// notice number.
func (a *App) showChild(v engine.View) {
	mk := func(label string, digits bool) *field {
		f := newField(digits)
		f.label = label
		f.SetPlaceHolder(label)
		f.onFocus = a.focus
		return f
	}
	name := mk(T(a.lang, "child.name"), false)
	dob := mk(T(a.lang, "child.dob"), true)
	code := mk(T(a.lang, "child.card"), false)
	notice := mk(T(a.lang, "child.notice"), false)
	if c := v.Child; c != nil { // refused: what was typed stays
		name.SetText(c.FullName)
		dob.SetText(dmy(c.DateOfBirth))
		code.SetText(c.CardCode)
		notice.SetText(c.BirthNotice)
	}
	form := container.New(layout.NewFormLayout())
	for _, f := range []*field{name, dob, code, notice} {
		form.Add(widget.NewLabelWithStyle(f.label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(f)
	}
	submit := func() {
		a.eng.CheckInChild(clinic.Child{FullName: strings.TrimSpace(name.Text), DateOfBirth: isoDay(dob.Text),
			CardCode: strings.ToUpper(strings.TrimSpace(code.Text)), BirthNotice: strings.TrimSpace(notice.Text)})
	}
	adult := ""
	if v.Person != nil {
		adult = fmt.Sprintf(T(a.lang, "child.adult"), v.Person.Identity.FullName)
	}
	// Everything but the actions scrolls: large text on a small screen
	// keeps the fields reachable and the actions in view.
	// A refusal comes first: the screen is drawn again from the top.
	body := container.NewVBox(big(T(a.lang, "child.title")), a.notice(v), para(adult), para(T(a.lang, "child.ask")), form)
	buttons := container.NewHBox(action(T(a.lang, "clinic.check"), true, submit), action(T(a.lang, "child.back"), false, a.eng.LeaveChild))
	a.show("child", container.NewBorder(nil, container.NewCenter(buttons), nil, nil, touchVScroll(body)))
}

// isoDay reads a date typed the Vietnamese way (dd/mm/yyyy, or 8 digits
// ddmmyyyy from the digits pad) as YYYY-MM-DD; anything else is passed on
// for the engine to refuse with its reason.
func isoDay(s string) string {
	s = strings.TrimSpace(s)
	for _, l := range []string{"02/01/2006", "2/1/2006", "02012006", "02-01-2006", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return s
}
