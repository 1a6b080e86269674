package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// Child is a patient under 6 (Decree 188/2025 Điều 37): no photo on a chip
// and often no card at all, so they check in with the BHYT card code or the
// birth notice (giấy chứng sinh) number, their name and date of birth, and
// the accompanying adult's card.
type Child struct {
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"`       // YYYY-MM-DD
	IDNumber    string `json:"id_number,omitempty"` // the personal ID given at birth registration, if known
	CardCode    string `json:"card_code,omitempty"`
	BirthNotice string `json:"birth_notice,omitempty"`
}

// ErrNotUnderSix refuses the child flow for a child of 6 or older: they
// check in with their own card.
var ErrNotUnderSix = errors.New("the child is 6 or older: check in with the child's own card")

// Validate checks a child's details on the day of the visit.
func (c Child) Validate(today time.Time) error {
	if strings.TrimSpace(c.FullName) == "" {
		return errors.New("the child's full name is required")
	}
	dob, err := time.Parse("2006-01-02", c.DateOfBirth)
	if err != nil {
		return fmt.Errorf("the child's date of birth %q: expected YYYY-MM-DD", c.DateOfBirth)
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if dob.After(day) {
		return errors.New("the child's date of birth is in the future")
	}
	if !day.Before(dob.AddDate(6, 0, 0)) {
		return ErrNotUnderSix
	}
	if c.IDNumber != "" {
		if err := cccd.ValidateIDNumber(c.IDNumber); err != nil {
			return fmt.Errorf("the child's ID number: %w", err)
		}
	}
	if c.CardCode != "" {
		if err := ValidateCardCode(c.CardCode); err != nil {
			return err
		}
	}
	if c.CardCode == "" && c.IDNumber == "" && strings.TrimSpace(c.BirthNotice) == "" {
		return errors.New("a child under 6 needs the BHYT card code, the ID number or the birth notice number")
	}
	return nil
}

// CheckInChild checks a child under 6 in. The look-up uses the BHYT code
// (or the child's ID number); with only a birth notice there is nothing the
// gateway takes, and the record says so (not verified with BHXH). The adult
// read from the card is recorded as the accompanying person.
func (d *Desk) CheckInChild(ctx context.Context, c Child, adult prefill.Person) (*CheckIn, error) {
	now := d.now()
	if err := c.Validate(now.In(vnZone)); err != nil {
		return nil, err
	}
	a := adult.Identity
	if err := cccd.ValidateIDNumber(a.IDNumber); err != nil {
		return nil, fmt.Errorf("accompanying adult: %w", err)
	}
	child := c
	rec := &CheckIn{
		Schema: "motcua.checkin/v2", Facility: d.Facility, Device: d.Device, At: now.UTC(),
		Patient: Patient{IDNumber: c.IDNumber, FullName: c.FullName, DateOfBirth: c.DateOfBirth},
		Source:  "typed", Child: &child, Staff: d.Staff,
		Accompanying: &Companion{Patient: Patient{IDNumber: a.IDNumber, FullName: a.FullName, DateOfBirth: a.DateOfBirth, Sex: a.Sex, Residence: a.PlaceOfResidence},
			Source: string(adult.Provenance), Verification: adult.Verification},
	}
	if c.CardCode != "" || c.IDNumber != "" {
		req := LookupRequest{CardCode: c.CardCode, IDNumber: c.IDNumber, FullName: c.FullName, DateOfBirth: c.DateOfBirth, Staff: d.Staff}
		if err := d.lookup(ctx, rec, req); err != nil {
			return nil, err
		}
	} else {
		rec.BHXH, rec.BHXHError = BHXHNotVerified, "birth_notice_only"
	}
	if err := d.markRepeat(rec, rec.VisitKey(), now); err != nil {
		return nil, err
	}
	return rec, nil
}

// Companion is the adult who brings a child, as read from their card.
type Companion struct {
	Patient
	Source       string             `json:"source"`
	Verification *cccd.Verification `json:"verification,omitempty"`
}

// VisitKey is who a check-in is for, as the visit log keys it: the
// person's ID number; for a child under 6 their ID number, else their BHYT
// code, else their birth notice number.
func (rec *CheckIn) VisitKey() string {
	c := rec.Child
	if c == nil {
		return rec.Patient.IDNumber
	}
	switch {
	case c.IDNumber != "":
		return c.IDNumber
	case c.CardCode != "":
		return c.CardCode
	}
	return "gcs:" + strings.TrimSpace(c.BirthNotice)
}
