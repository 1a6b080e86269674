// Package clinic checks a patient in with the chip ID card instead of the
// health-insurance (BHYT) card (Công văn 931/BYT-BH): the card (chip or QR)
// gives the 12-digit ID, name and date of birth; the facility's account on
// the social-insurance gateway looks up the BHYT card's validity
// (gateway.go, per the contract public hospital integrations call); the
// result code becomes a plain message and an action for the receptionist;
// a check-in record goes to the clinic's system. Children under 6 check in
// with their BHYT code or birth notice, the parent's card read as the
// accompanying adult (child.go). A second check-in of the same person at the
// same facility on the same day is flagged (visits.go); look-up statistics
// hold no personal data (stats.go).
package clinic

import (
	"context"
	"errors"
	"time"

	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// Staff is the facility's employee doing the look-up (the gateway requires
// the name and ID number).
type Staff struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// LookupRequest asks for a patient's BHYT card.
type LookupRequest struct {
	CardCode    string // BHYT card code, when the patient has it; else the ID number is used
	IDNumber    string // 12 digits
	FullName    string
	DateOfBirth string // YYYY-MM-DD, or YYYY for a year-only birth (sent as dd/MM/yyyy or yyyy)
	Staff       Staff
}

// NewCard is a renewed card the gateway reports next to the one looked up.
type NewCard struct {
	CardCode               string `json:"card_code"`
	ValidFrom              string `json:"valid_from,omitempty"` // YYYY-MM-DD
	ValidTo                string `json:"valid_to,omitempty"`
	RegisteredFacility     string `json:"registered_facility,omitempty"`
	RegisteredFacilityName string `json:"registered_facility_name,omitempty"`
}

// LookupResult is the gateway's answer, with dates as YYYY-MM-DD.
type LookupResult struct {
	Code      string `json:"code"`
	Valid     bool   `json:"valid"`
	MessageVI string `json:"message_vi"`
	MessageEN string `json:"message_en"`
	// ActionVI/EN say what the receptionist does next.
	ActionVI string `json:"action_vi"`
	ActionEN string `json:"action_en"`
	// GatewayNote is the gateway's own note (ghiChu), shown as sent.
	GatewayNote           string   `json:"gateway_note,omitempty"`
	CardCode              string   `json:"card_code,omitempty"`
	ValidFrom             string   `json:"valid_from,omitempty"`
	ValidTo               string   `json:"valid_to,omitempty"`
	RegisteredFacility    string   `json:"registered_facility,omitempty"`
	FiveYearsFrom         string   `json:"five_years_from,omitempty"` // ngayDu5Nam
	SocialInsuranceNumber string   `json:"social_insurance_number,omitempty"`
	NewCard               *NewCard `json:"new_card"`
	// GatewayName and GatewayDateOfBirth are the record's values when the
	// gateway returns them: shown next to the chip's on a mismatch.
	GatewayName        string `json:"gateway_name,omitempty"`
	GatewayDateOfBirth string `json:"gateway_date_of_birth,omitempty"`
}

// Gateway looks up BHYT validity. Providers differ; every one sits behind this.
type Gateway interface {
	Lookup(ctx context.Context, r LookupRequest) (*LookupResult, error)
}

// Discrepancy is a field where the gateway's record and the chip differ: a
// data discrepancy the receptionist can report.
type Discrepancy struct {
	Field   string `json:"field"` // "full_name" or "date_of_birth"
	Chip    string `json:"chip"`
	Gateway string `json:"gateway,omitempty"` // empty when the gateway did not say
}

// BHXH verification states of a check-in.
const (
	BHXHVerified    = "verified"     // the gateway answered (whatever the code)
	BHXHNotVerified = "not_verified" // no answer: the check-in continues, marked
)

// CheckIn is the record handed to the clinic's system.
type CheckIn struct {
	Schema       string             `json:"schema"`
	Facility     string             `json:"facility"`
	Device       string             `json:"device"`
	At           time.Time          `json:"at"`
	Patient      Patient            `json:"patient"`
	Source       string             `json:"source"` // provenance of the identity: chip_verified, chip_unverified, qr, typed
	Verification *cccd.Verification `json:"verification,omitempty"`
	// BHXH is BHXHVerified when the gateway answered, else BHXHNotVerified
	// with BHXHError saying why (a code, no personal data).
	BHXH          string        `json:"bhxh"`
	BHXHError     string        `json:"bhxh_error,omitempty"`
	BHYT          *LookupResult `json:"bhyt"`
	Discrepancies []Discrepancy `json:"discrepancies,omitempty"`
	// RepeatToday flags a second check-in of the same person at the same
	// facility on the same day.
	RepeatToday bool `json:"repeat_today,omitempty"`
	// Child is set for a patient under 6 (Patient holds the child's name
	// and date of birth), with the adult who brings them in Accompanying.
	Child        *Child     `json:"child,omitempty"`
	Accompanying *Companion `json:"accompanying,omitempty"`
	Staff        Staff      `json:"staff"`
	// Department, Reason and Ticket are a self check-in's choice and its
	// queue ticket (kiosk.go); nil at a receptionist's desk.
	Department *Department `json:"department,omitempty"`
	Reason     *Reason     `json:"reason,omitempty"`
	Ticket     *Ticket     `json:"ticket,omitempty"`
}

// Patient is the part of the identity a check-in needs (no ethnicity,
// religion or photo).
type Patient struct {
	IDNumber    string `json:"id_number"`
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"`
	Sex         string `json:"sex"`
	Residence   string `json:"place_of_residence"`
}

// Desk is a facility's check-in point: its gateway account, staff member,
// and the optional repeat-visit log and statistics.
type Desk struct {
	Gateway  Gateway
	Staff    Staff
	Facility string
	Device   string
	Visits   *VisitLog        // nil: repeat visits are not flagged
	Stats    *Stats           // nil: no statistics
	Now      func() time.Time // nil: time.Now
	// NoteAtIssue: a look-up only asks whether the person was seen today
	// (RepeatToday) and the visit is noted when its ticket is issued
	// (Issue), so a patient who walks away from a self check-in kiosk
	// before taking a ticket is not flagged when they come back.
	NoteAtIssue bool
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// CheckIn runs a check-in for a person read from a card: the BHYT look-up
// and the record. A gateway that cannot be reached or refuses the account
// does not stop the check-in: the record is marked not verified with BHXH.
// Errors are for input the look-up cannot take.
func (d *Desk) CheckIn(ctx context.Context, p prefill.Person) (*CheckIn, error) {
	id := p.Identity
	if err := cccd.ValidateIDNumber(id.IDNumber); err != nil {
		return nil, err
	}
	now := d.now()
	rec := &CheckIn{
		Schema: "motcua.checkin/v2", Facility: d.Facility, Device: d.Device, At: now.UTC(),
		Patient: Patient{IDNumber: id.IDNumber, FullName: id.FullName, DateOfBirth: id.DateOfBirth, Sex: id.Sex, Residence: id.PlaceOfResidence},
		Source:  string(p.Provenance), Verification: p.Verification, Staff: d.Staff,
	}
	err := d.lookup(ctx, rec, LookupRequest{IDNumber: id.IDNumber, FullName: id.FullName, DateOfBirth: id.DateOfBirth, Staff: d.Staff})
	if err != nil {
		return nil, err
	}
	if err := d.markRepeat(rec, rec.VisitKey(), now); err != nil {
		return nil, err
	}
	return rec, nil
}

// lookup asks the gateway and fills the record's BHXH part.
func (d *Desk) lookup(ctx context.Context, rec *CheckIn, req LookupRequest) error {
	if d.Gateway == nil {
		rec.BHXH, rec.BHXHError = BHXHNotVerified, "no_gateway"
		return nil
	}
	res, err := d.Gateway.Lookup(ctx, req)
	switch {
	case err == nil:
		rec.BHXH, rec.BHYT = BHXHVerified, res
		rec.Discrepancies = discrepancies(res, req)
		d.Stats.Record(rec.At, res.Code, res.Valid)
	case errors.Is(err, ErrGateway):
		rec.BHXH, rec.BHXHError = BHXHNotVerified, failureCode(err)
		d.Stats.Record(rec.At, rec.BHXHError, false)
	default:
		return err
	}
	return nil
}

// failureCode names a gateway failure without personal data.
func failureCode(err error) string {
	switch {
	case errors.Is(err, ErrLoginRefused):
		return "login_refused"
	case errors.Is(err, ErrTokenRefused):
		return "token_refused"
	case errors.Is(err, ErrBadAnswer):
		return "bad_answer"
	}
	return "unreachable"
}

// discrepancies lists what the gateway says differs from the chip.
func discrepancies(res *LookupResult, req LookupRequest) []Discrepancy {
	switch res.Code {
	case "060", "061":
		return []Discrepancy{{Field: "full_name", Chip: req.FullName, Gateway: res.GatewayName}}
	case "070":
		return []Discrepancy{{Field: "date_of_birth", Chip: req.DateOfBirth, Gateway: res.GatewayDateOfBirth}}
	}
	return nil
}

// markRepeat flags and notes the visit in the visit log.
func (d *Desk) markRepeat(rec *CheckIn, key string, now time.Time) error {
	if d.Visits == nil {
		return nil
	}
	note := d.Visits.Note
	if d.NoteAtIssue {
		note = d.Visits.Seen
	}
	seen, err := note(d.Facility, key, now)
	if err != nil {
		return err
	}
	rec.RepeatToday = seen
	return nil
}

// Check runs a check-in with no repeat-visit log or statistics.
func Check(ctx context.Context, g Gateway, p prefill.Person, staff Staff, facility, device string, now time.Time) (*CheckIn, error) {
	d := &Desk{Gateway: g, Staff: staff, Facility: facility, Device: device, Now: func() time.Time { return now }}
	return d.CheckIn(ctx, p)
}
