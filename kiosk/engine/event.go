package engine

import (
	"fmt"
	"time"

	"motcua/kiosk/clinic"

	"motcua/reader/cccd"
	"motcua/reader/lds"
	"motcua/reader/qr"
)

// Kind says what an Event reports.
type Kind int

// Event kinds: the card's life, the visit's steps, the workflows' outcomes.
const (
	// CardInserted: a card arrived (NeedsKey: no key waits for it).
	CardInserted Kind = iota
	// CardReading: keys are at hand and the chip read has begun.
	CardReading
	// CardProgress: one file of the chip arrived (Progress).
	CardProgress
	// CardRead: the chip was read and filed in the visit (Read is a
	// shallow snapshot; the visit owns and wipes the original).
	CardRead
	// CardFailed: the read failed (Reason, Err; NeedsKey: the same card
	// waits for another key).
	CardFailed
	// CardRemoved: the card left (MidRead: during a read, which was dropped).
	CardRemoved
	// ReaderGone: the reader disappeared; the engine watches for it again.
	ReaderGone
	// QRAccepted: a card's QR gave keys (QR); they wait for the card.
	QRAccepted
	// QRRefused: a scan was not a card's QR, or unusable (Err).
	QRRefused
	// KeyRefused: typed digits were neither a CAN nor an ID (Err).
	KeyRefused
	// StepChanged: the visit moved to Step.
	StepChanged
	// PartyAdded: another person's card joined the form (Role).
	PartyAdded
	// StillThere: the visit has been quiet for the idle time; it is wiped
	// after the grace period unless someone answers (StillHere).
	StillThere
	// VisitWiped: every identity, photo and value of the visit was erased (Why).
	VisitWiped
	// Submitted: the dossier is durable in the outbox (UUID, Service); the
	// sync worker has been told.
	Submitted
	// SubmitFailed: the dossier could not be stored (Err); the visit stays
	// on review.
	SubmitFailed
	// CheckedIn: the clinic check-in completed (File: the record, if
	// written; Reason: the gateway's result code, or why BHXH could not
	// verify, e.g. "unreachable").
	CheckedIn
	// CheckInFailed: the look-up or the record failed (Err).
	CheckInFailed
	// NotaryPartyKept: the card's party was kept for the act (N parties so far).
	NotaryPartyKept
	// NotarySaved: the act's record was written (File, N parties).
	NotarySaved
	// NotaryFailed: the record could not be made or written (Err).
	NotaryFailed
	// SyncChanged: the outbox depth or the last sync pass changed.
	SyncChanged
	// AdminRefused: a wrong PIN, or attempts locked until Until (Err).
	AdminRefused
	// Changed: something else the view shows changed (a notice, a problem list).
	Changed
	// ReaderReady: the reader answered (first presence report after it
	// was attached or came back).
	ReaderReady

	// Issue 21 (early.go):

	// CardIdentified: during the read, the identity (and later its photo)
	// arrived ahead of the verdict; View.Checking and View.Early show it,
	// unverified. No personal data rides on the event.
	CardIdentified

	// MRZAccepted (passports): a passport's MRZ gave its chip key; it
	// waits for the passport.
	MRZAccepted

	// TicketIssued: a clinic self check-in took its queue ticket (File:
	// the check-in record; CheckIn: the record; Reason: the BHYT result code
	// or why BHXH could not verify).
	TicketIssued

	// Help (issue 19): HelpCalled: the person at the kiosk asked for an
	// officer (Step: where they are; N: the visit step 1..5, 0 outside a
	// visit). It carries no personal data.
	HelpCalled
	// Over the office link (help.go), each with Help: HelpOutcome: the
	// kiosk's call reached Help.Desks desks (0: none reachable);
	// HelpAnswered: a desk (Help.Desk) is coming to this kiosk;
	// HelpReceived: a desk got another machine's call (on show);
	// HelpCleared: a call left a desk's list (answered: Help.Desk set,
	// here or at another desk; or expired).
	HelpOutcome
	HelpAnswered
	HelpReceived
	HelpCleared
)

var kindNames = [...]string{"card_inserted", "card_reading", "card_progress", "card_read", "card_failed",
	"card_removed", "reader_gone", "qr_accepted", "qr_refused", "key_refused", "step_changed", "party_added",
	"still_there", "visit_wiped", "submitted", "submit_failed", "checked_in", "checkin_failed",
	"notary_party_kept", "notary_saved", "notary_failed", "sync_changed", "admin_refused", "changed", "reader_ready",
	"card_identified", // issue 21
	"mrz_accepted",
	"ticket_issued",
	"help_called",
	"help_outcome", "help_answered", "help_received", "help_cleared"}

// String names the kind (for logs and the local API's event types).
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// WipeReason says why a visit was wiped.
type WipeReason string

// Why visits end.
const (
	WipeCancelled WipeReason = "cancelled" // the person (or officer) cancelled
	WipeIdle      WipeReason = "idle"      // nobody answered "still there?"
	WipeRemoved   WipeReason = "removed"   // the card left after the visit's end (receipt, check-in, notary check)
	WipeDone      WipeReason = "done"      // the visit was finished ("Done" on the receipt)
	WipeAdmin     WipeReason = "admin"     // the operator screen opened
	WipeStopped   WipeReason = "stopped"   // the engine stopped
)

// Progress is how far a chip read is.
type Progress struct {
	File        lds.FileID
	Bytes       int
	Done, Total int
}

// Event is one thing that happened, in the order it happened. Events carry
// no personal data except CardRead's snapshot, QRAccepted's payload and
// the check-in record of CheckedIn and TicketIssued
// (subscribers that log must mask; see cccd.MaskID).
type Event struct {
	Kind     Kind
	Step     Step // the step after the event
	NeedsKey bool
	MidRead  bool
	Progress Progress
	Reason   string // cardloop.Reason* for CardFailed; the BHYT result code for CheckedIn
	Err      error
	QR       *qr.Payload
	Read     *cccd.ReadResult
	Role     string
	UUID     string
	Service  string
	File     string
	N        int
	Why      WipeReason
	Until    time.Time
	// Session is the card session (CardSlot.Session) of a card event:
	// CardInserted, CardReading, CardRead, CardFailed, CardRemoved.
	Session string
	// CheckIn is the check-in record handed to the hospital's system
	// (CheckedIn at a receptionist's desk, TicketIssued at a self check-in
	// kiosk), a copy; Session then names the card it was made from.
	CheckIn *clinic.CheckIn
	// Help is a call for an officer and what became of it (HelpCalled and
	// the office link's kinds, help.go): machines and a step, no person.
	Help *HelpNote
}
