package clinic

import (
	"errors"
	"fmt"
)

// Issue completes a self check-in: the patient's choice of department and
// reason, the day's next queue number of the department (durable before it
// is returned), and the visit noted in the visit log. A second check-in the
// same day stays flagged (RepeatToday) on the record and its ticket: the
// hospital sees it, nothing is silently duplicated.
func (d *Desk) Issue(rec *CheckIn, book *TicketBook, m Menu, department, reason string) error {
	if rec == nil {
		return errors.New("no check-in to issue a ticket for")
	}
	if rec.Ticket != nil {
		return fmt.Errorf("ticket %s was already issued for this check-in", rec.Ticket.Number)
	}
	dep, ok := m.Department(department)
	if !ok {
		return fmt.Errorf("unknown department %q", department)
	}
	why, ok := m.Reason(reason)
	if !ok {
		return fmt.Errorf("unknown reason %q", reason)
	}
	if book == nil {
		return fmt.Errorf("%w: no ticket file", ErrTicketBook)
	}
	now := d.now()
	t, err := book.Next(dep, now)
	if err != nil {
		return err
	}
	rec.Department, rec.Reason, rec.Ticket = &dep, &why, &t
	if d.Visits != nil {
		seen, err := d.Visits.Note(d.Facility, rec.VisitKey(), now)
		if err != nil {
			return err
		}
		rec.RepeatToday = rec.RepeatToday || seen
	}
	return nil
}
