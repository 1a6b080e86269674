package localapi

import (
	"time"

	"motcua/internal/config"
	"motcua/kiosk/clinic"
	"motcua/kiosk/engine"
)

// CheckInEvent is a clinic check-in as the hospital's system gets it
// (event clinic.checkin, applications granted "health" only): what it needs
// to register the visit and nothing more. The adult's name, address and
// the rest of the card are in the card.read event of the same card_session
// (under that event's own grants); here the patient is named by the ID
// number only. A child under 6 is the patient and is on no card, so the
// child's details come here.
type CheckInEvent struct {
	// Record is the check-in record written for the hospital's system
	// (motcua.checkin/v2 JSON), when one was written.
	Record   string    `json:"record,omitempty"`
	Facility string    `json:"facility"`
	At       time.Time `json:"at"`
	// PatientID is the patient's 12-digit ID number ("" for a child known
	// only by BHYT code or birth notice).
	PatientID string `json:"patient_id,omitempty"`
	// Source is where the identity came from: chip_verified,
	// chip_unverified, qr or typed (a child's details).
	Source string `json:"source"`
	// BHXH is "verified" when the gateway answered, else "not_verified"
	// with BHXHError saying why (unreachable, login_refused, ...).
	BHXH      string `json:"bhxh"`
	BHXHError string `json:"bhxh_error,omitempty"`
	BHYT      *BHYT  `json:"bhyt,omitempty"`
	// Discrepancies names the fields the gateway's record and the chip
	// disagree on (full_name, date_of_birth); the values are in the record.
	Discrepancies []string `json:"discrepancies,omitempty"`
	// RepeatToday: the same person already checked in here today.
	RepeatToday bool `json:"repeat_today"`
	// Child and AccompanyingID: a child under 6 and the ID number of the
	// adult who brings them (their card is the card_session's).
	Child          *clinic.Child `json:"child,omitempty"`
	AccompanyingID string        `json:"accompanying_id,omitempty"`
	// Department, Reason and Ticket: a self check-in's choice and queue ticket.
	Department *clinic.Department `json:"department,omitempty"`
	Reason     *clinic.Reason     `json:"reason,omitempty"`
	Ticket     *clinic.Ticket     `json:"ticket,omitempty"`
}

// BHYT is the look-up's answer the hospital bills against.
type BHYT struct {
	Code               string          `json:"code"`
	Valid              bool            `json:"valid"`
	MessageVI          string          `json:"message_vi"`
	CardCode           string          `json:"card_code,omitempty"`
	ValidFrom          string          `json:"valid_from,omitempty"`
	ValidTo            string          `json:"valid_to,omitempty"`
	RegisteredFacility string          `json:"registered_facility,omitempty"`
	NewCard            *clinic.NewCard `json:"new_card,omitempty"`
}

// checkInEvent renders the engine's check-in record for the API.
func checkInEvent(ev engine.Event) Event {
	rec := ev.CheckIn
	c := &CheckInEvent{Record: ev.File, Facility: rec.Facility, At: rec.At, PatientID: rec.Patient.IDNumber, Source: rec.Source,
		BHXH: rec.BHXH, BHXHError: rec.BHXHError, RepeatToday: rec.RepeatToday, Child: rec.Child,
		Department: rec.Department, Reason: rec.Reason, Ticket: rec.Ticket}
	if b := rec.BHYT; b != nil {
		c.BHYT = &BHYT{Code: b.Code, Valid: b.Valid, MessageVI: b.MessageVI, CardCode: b.CardCode, ValidFrom: b.ValidFrom,
			ValidTo: b.ValidTo, RegisteredFacility: b.RegisteredFacility, NewCard: b.NewCard}
	}
	for _, d := range rec.Discrepancies {
		c.Discrepancies = append(c.Discrepancies, d.Field)
	}
	if a := rec.Accompanying; a != nil {
		c.AccompanyingID = a.IDNumber
	}
	return Event{Type: "clinic.checkin", CheckIn: c, CardSession: ev.Session, grant: config.GrantHealth}
}
