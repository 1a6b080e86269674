package engine

import (
	"context"
	"errors"
	"time"

	"motcua/kiosk/clinic"
	"motcua/kiosk/prefill"
	"motcua/kiosk/printer"
)

// TicketPrinter prints a queue ticket (*printer.Printer).
type TicketPrinter interface {
	Print(ctx context.Context, s printer.Slip) error
}

// TicketView is the queue ticket on show: no personal data, so it stays on
// screen after the card left, until Done or ReceiptLinger.
type TicketView struct {
	Number         string
	DepartmentName string
	ReasonName     string
	Issued         time.Time
	// Printed: the printer took the ticket; PrintError says why not
	// (the number stays on screen either way).
	Printed    bool
	PrintError string
	// RepeatToday: the person already checked in here today.
	RepeatToday bool
	CardLeft    bool
	Ends        time.Time // with CardLeft: when the screen goes back to the start
}

// keptTicket is the ticket on screen.
type keptTicket struct {
	view TicketView
	left time.Time
}

// SelfService says the patients check themselves in (a clinic kiosk).
func (e *Engine) SelfService() bool { return e.cfg.Mode == Clinic && e.cfg.Clinic.SelfService }

// ChooseDepartment goes from the insurance answer to the choice of the
// department and the reason (clinic self check-in).
func (e *Engine) ChooseDepartment() {
	e.mu.Lock()
	if !e.SelfService() || e.step != StepCheckIn || e.checkIn == nil || e.busy {
		e.mu.Unlock()
		return
	}
	e.sess.StillHere()
	ev := e.setStep(StepDepartment, NoticeNone, "")
	e.unlockEmit(ev)
}

// TakeTicket completes a self check-in: the department and the reason
// (codes of the configured menu), the day's next queue number of the
// department, the check-in record written for the hospital's system, and
// the ticket printed. The ticket step comes once the number and the record
// are durable; a printer that fails leaves the number on screen, said so.
func (e *Engine) TakeTicket(department, reason string) error {
	e.mu.Lock()
	if !e.SelfService() || e.step != StepDepartment || e.checkIn == nil || e.busy {
		e.mu.Unlock()
		return errors.New("no check-in waiting for a ticket")
	}
	c := e.cfg.Clinic
	rec := *e.checkIn
	gen := e.gen
	session := e.slot.session
	e.busy = true
	ev := e.changed()
	e.unlockEmit(ev)
	e.goIO(func(ctx context.Context) {
		err := e.desk().Issue(&rec, c.Tickets, c.Menu, department, reason)
		var saved string
		if err == nil && c.Dir != "" {
			saved, err = writeRecord(c.Dir, "checkin", &rec, e.cfg.Now())
		}
		tv := TicketView{}
		if err == nil {
			tv = TicketView{Number: rec.Ticket.Number, DepartmentName: rec.Department.Name, ReasonName: rec.Reason.Name,
				Issued: rec.Ticket.Issued, RepeatToday: rec.RepeatToday}
			tv.Printed, tv.PrintError = e.printTicket(ctx, rec)
		}
		e.mu.Lock()
		e.busy = false
		if gen != e.gen { // wiped meanwhile: the number and the record stand, the screen moved on
			e.mu.Unlock()
			return
		}
		var evs []Event
		if err != nil {
			e.log.Warn("ticket not issued", "err", maskErr(err))
			e.notice, e.detail = NoticeTicket, err.Error()
			evs = []Event{e.changed()}
		} else {
			e.checkIn, e.recordFile = &rec, saved
			e.ticket = &keptTicket{view: tv}
			cp := rec
			n := NoticeNone
			if tv.PrintError != "" {
				n = NoticePrint
			}
			evs = []Event{{Kind: TicketIssued, File: saved, Reason: outcome(&rec), CheckIn: &cp, Session: session, Step: StepTicket},
				e.setStep(StepTicket, n, tv.PrintError)}
		}
		e.unlockEmit(evs...)
	})
	return nil
}

// printTicket prints the ticket when a printer is configured, bounded in
// time; the error is said in plain Vietnamese for the screen.
func (e *Engine) printTicket(ctx context.Context, rec clinic.CheckIn) (bool, string) {
	p := e.cfg.Clinic.Printer
	if p == nil {
		return false, ""
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := p.Print(ctx, printer.Ticket{Office: e.cfg.Clinic.FacilityName, Number: rec.Ticket.Number,
		Desk: rec.Department.Name, Issued: rec.Ticket.Issued.In(vnTime), Ahead: -1})
	if err == nil {
		return true, ""
	}
	e.log.Warn("ticket not printed", "err", err.Error())
	var pe *printer.Error
	if errors.As(err, &pe) {
		return false, pe.MessageVI()
	}
	return false, err.Error()
}

// vnTime is the clinic's wall clock for the printed ticket.
var vnTime = time.FixedZone("ICT", 7*3600)

// StartChild goes from the identity of the adult just read to the form of
// the child under 6 they bring (clinic mode).
func (e *Engine) StartChild() {
	e.mu.Lock()
	if e.cfg.Mode != Clinic || e.step != StepIdentity || e.sess.Primary() == nil || e.busy {
		e.mu.Unlock()
		return
	}
	e.sess.StillHere()
	ev := e.setStep(StepChild, NoticeNone, "")
	e.unlockEmit(ev)
}

// LeaveChild goes back from the child's form to the adult's identity.
func (e *Engine) LeaveChild() {
	e.mu.Lock()
	if e.step != StepChild || e.busy {
		e.mu.Unlock()
		return
	}
	ev := e.setStep(StepIdentity, NoticeNone, "")
	e.unlockEmit(ev)
}

// CheckInChild checks in a child under 6 (clinic.Child: name, date of
// birth, the BHYT code or the birth notice number), the adult whose card
// was read recorded as the accompanying person. Details the child flow
// cannot take are refused at once (NoticeChild) and the form stays.
func (e *Engine) CheckInChild(c clinic.Child) error {
	e.mu.Lock()
	if e.cfg.Mode != Clinic || e.step != StepChild || e.sess.Primary() == nil || e.busy {
		e.mu.Unlock()
		return errors.New("no adult's card read for a child's check-in")
	}
	kept := c
	e.child = &kept
	if err := c.Validate(e.cfg.Now().In(vnTime)); err != nil {
		e.notice, e.detail = NoticeChild, err.Error()
		ev := e.changed()
		e.unlockEmit(ev)
		return err
	}
	e.startCheckIn(func(ctx context.Context, d *clinic.Desk, adult prefill.Person) (*clinic.CheckIn, error) {
		return d.CheckInChild(ctx, c, adult)
	})
	return nil
}

// clinicCardLeftLocked ends a clinic visit when the card leaves: a ticket
// stays on screen (no card data) for ReceiptLinger; a check-in done says
// so. Called with e.mu held.
func (e *Engine) clinicCardLeftLocked(n Notice) []Event {
	if e.ticket != nil && e.step == StepTicket {
		k := e.ticket
		e.endVisitLocked()
		k.left = e.cfg.Now()
		e.ticket = k
		return []Event{{Kind: VisitWiped, Why: WipeRemoved, Step: StepTicket}, e.setStep(StepTicket, n, "")}
	}
	if n == NoticeNone && e.checkIn != nil && !e.SelfService() {
		n = NoticeCheckedIn
	}
	return e.wipeKeepingParties(WipeRemoved, n)
}

// ticketExpiredLocked ends a ticket left on screen once ReceiptLinger
// passed after the card left. Called with e.mu held.
func (e *Engine) ticketExpiredLocked(now time.Time) []Event {
	if e.ticket == nil || e.ticket.left.IsZero() || now.Sub(e.ticket.left) < ReceiptLinger || e.step != StepTicket {
		return nil
	}
	return e.wipeLocked(WipeDone, StepAttract, NoticeCheckedIn)
}

// doneNotice is the notice after Done: a check-in that was made says so
// (never "cancelled"). Called with e.mu held.
func (e *Engine) doneNotice() Notice {
	if e.ticket != nil || (e.checkIn != nil && (e.step == StepCheckIn && !e.SelfService())) {
		return NoticeCheckedIn
	}
	return NoticeNone
}

// clinicView fills the clinic self check-in's part of a view. Called with
// e.mu held.
func (e *Engine) clinicView(v *View) {
	v.SelfService = e.SelfService()
	if v.SelfService {
		v.Menu = e.cfg.Clinic.Menu
	}
	if e.child != nil && e.step == StepChild {
		c := *e.child
		v.Child = &c
	}
	if e.ticket != nil && e.step == StepTicket {
		tv := e.ticket.view
		if !e.ticket.left.IsZero() {
			tv.CardLeft, tv.Ends = true, e.ticket.left.Add(ReceiptLinger)
		}
		v.Ticket = &tv
	}
}
