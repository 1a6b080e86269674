package engine

import (
	"image"
	"time"

	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/notary"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
)

// Step is what the visit is waiting for: the screen a front end shows.
type Step int

// Steps.
const (
	StepAttract    Step = iota // waiting for a card (or its QR)
	StepKey                    // a card is on the reader and needs its key
	StepReading                // the chip is being read
	StepProblem                // a read or a workflow failed (Notice, Detail)
	StepIdentity               // who the card says, the badge (kiosk, desk, clinic)
	StepServices               // choose a service (kiosk, desk)
	StepForm                   // what the card filled, locked; the rest asked
	StepReview                 // every value, the consent, submit
	StepReceipt                // the dossier is durable: the receipt
	StepCheckingIn             // clinic: the insurance look-up is under way
	StepCheckIn                // clinic: the look-up's answer
	StepNotary                 // notary: the party on the reader, the parties kept
	StepAdmin                  // the operator screen (the visit was wiped first)
	StepLookup                 // the dossier look-up: by card or receipt QR (View.Lookup)
	// Clinic self check-in and children under 6 (clinic_kiosk.go).
	StepDepartment // clinic kiosk: choose the department and the reason
	StepTicket     // clinic kiosk: the queue ticket
	StepChild      // clinic: a child under 6, brought by the adult whose card was read
)

var stepNames = [...]string{"attract", "key", "reading", "problem", "identity", "services", "form",
	"review", "receipt", "checking", "checkin", "notary", "admin", "lookup",
	"department", "ticket", "child"}

// String names the step (the ui names its screens the same).
func (s Step) String() string {
	if s >= 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "step?"
}

// Notice is a one-line message for the step on show, as a code the front
// end puts into words (Detail completes it).
type Notice string

// Notices.
const (
	NoticeNone       Notice = ""
	NoticeCancelled  Notice = "cancelled"    // the visit was cancelled and wiped
	NoticePulled     Notice = "pulled"       // the card left during the read
	NoticeWrongKey   Notice = "wrong_key"    // the key does not open this card
	NoticeKeyInvalid Notice = "key_invalid"  // typed digits were not 6 or 12
	NoticeQRFirst    Notice = "qr_first"     // a QR was scanned; the card should follow
	NoticeNotCardQR  Notice = "not_card_qr"  // Detail: what the code is instead
	NoticeBadQR      Notice = "bad_qr"       // a card-like QR that could not be used
	NoticeReadFailed Notice = "read_failed"  // Detail: the reason
	NoticeNextParty  Notice = "next_party"   // notary: place the next party's card
	NoticeActRef     Notice = "act_ref"      // notary: the act number is missing or odd
	NoticeSaved      Notice = "saved"        // notary: Detail is the record's file name
	NoticeSaveFailed Notice = "save_failed"  // Detail: why
	NoticeNeedAgree  Notice = "need_agree"   // submit without the consent ticked
	NoticeCheckIn    Notice = "checkin"      // clinic: the check-in failed (Detail)
	NoticeError      Notice = "error"        // Detail: an error in plain words
	NoticeNotForForm Notice = "not_for_form" // a card no party of the form takes
	// Clinic (clinic_kiosk.go).
	NoticeCheckedIn Notice = "checked_in" // the check-in was done; the visit ended and was wiped
	NoticeChild     Notice = "child"      // Detail: why the child's details were refused
	NoticeTicket    Notice = "ticket"     // Detail: why no ticket could be issued
	NoticePrint     Notice = "print"      // the ticket is on screen but could not be printed (Detail)
	NoticeSeeDesk   Notice = "see_desk"   // self check-in: a card that failed its checks goes to the reception desk
)

// Passports (issue 20): notices of the MRZ key.
const (
	NoticeMRZInvalid Notice = "mrz_invalid" // the MRZ or the passport data typed do not make a key
	NoticeMRZFirst   Notice = "mrz_first"   // a passport's MRZ was given; the passport should follow
	NoticeNeedsCard  Notice = "needs_card"  // the service takes a chip ID card, not the passport read
)

// PhotoState says what can be shown of the chip's face image.
type PhotoState int

// Photo states.
const (
	PhotoNone    PhotoState = iota // the card gave no photo (or a QR visit)
	PhotoShown                     // Photo holds the decoded image
	PhotoRefused                   // the photo was refused (over budget, undecodable, JPEG 2000)
)

// ReadDetails is what an officer or notary sees beyond the badge.
type ReadDetails struct {
	// Access is how the chip was opened: cccd.AccessPACE, AccessPACECAM
	// (the chip proved its key inside PACE) or AccessBAC.
	Access   string
	Groups   []string
	Warnings []string
}

// Party is a party of a notarial act already checked, as listed on screen.
type Party struct {
	Role, FullName string
	Verified       bool
	Summary        string
}

// SyncView is the machine's delivery status.
type SyncView struct {
	Worker  bool // a sync worker runs (false: queue only)
	Known   bool // a sync pass has reported
	Offline bool
	Last    time.Time // last successful pass
	Depth   int       // dossiers not yet delivered
}

// View is the engine's state as a front end renders it: a copy, safe to
// read on any goroutine while the engine moves on.
type View struct {
	Mode   Mode
	Demo   bool
	Step   Step
	Notice Notice
	Detail string

	Reader string // "" until a reader is attached
	// ReaderReady: the reader answered since it was attached or came back.
	ReaderReady bool
	CardPresent bool
	ReaderGone  bool
	// Card is the card on the reader, whatever the visit does with it.
	Card     CardSlot
	Progress Progress
	// QRWaiting: a card's QR was scanned and no card is on the reader yet;
	// QROnly: the visit may go on from the QR alone (desk, not kiosk).
	QRWaiting, QROnly bool

	Person     *prefill.Person // the visitor (nil while waiting)
	Photo      image.Image
	PhotoState PhotoState
	Details    *ReadDetails // nil for a QR visit

	Service    *catalog.Service
	Values     []prefill.Value   // the form's values (copies) in order
	Problems   []prefill.Problem // why the form cannot go to review yet
	WaitingFor string            // the card party whose card is still needed

	Receipt string // client reference of the submitted dossier
	// ReceiptAt and ReceiptFor: when and for which service (they stay
	// after the card left, with Receipt; the personal data does not).
	ReceiptAt  time.Time
	ReceiptFor *catalog.Service
	// CardLeft: the receipt stays until ReceiptEnds (or Done).
	CardLeft    bool
	ReceiptEnds time.Time
	Busy        bool // saving, looking up or writing: do not submit twice

	CheckIn    *clinic.CheckIn
	RecordFile string // the clinic or notary record written

	Parties []Party // notary: parties kept for the act

	StillThere bool
	Idle       time.Duration
	Sync       SyncView

	// Receipt and look-up (receipt.go, lookup.go). ReceiptDossier is the
	// receipt's outbox record as last read (the province's mã hồ sơ and
	// status once known; no personal data), nil until read. Lookup is the
	// look-up on StepLookup.
	ReceiptDossier *outbox.Record
	Lookup         *LookupView
	// Early identity (issue 21, early.go). Checking: the chip is still
	// being read and checked (EF.SOD, Chip and Passive Authentication)
	// while Early, the identity DG13 and DG1 gave, is on show, unverified
	// (Verification nil); Photo and PhotoState are its photo once DG2 came.
	// Nothing may go on from it: the verdict ends it.
	Checking bool
	Early    *prefill.Person
	// Desk capture and the notarial act's draft (capture.go, notary.go).
	Capture *CaptureView // nil: no attachment to capture on this step
	Notary  *NotaryView  // notary mode: act number, signing photos, e-document
	// Combined services, consent and failed saves (h1).
	// Bundle: on form and review of a combined (liên thông) service, the
	// dossier each agency receives and which values go into it.
	Bundle []BundlePart
	// Consents: on review, each person who must agree, and who has.
	Consents []Consenter
	// SaveFailure: why the last Submit could not store (NoticeSaveFailed);
	// SavedParts of the visit's dossiers are durable already.
	SaveFailure SaveFailure
	SavedParts  int
	// ReceiptBundle: on the receipt of a combined visit, every dossier
	// stored (Receipt is the first one's reference).
	ReceiptBundle []ReceiptPart
	// Clinic self check-in (clinic_kiosk.go): SelfService says the
	// patients use the machine themselves; Menu is what they choose from;
	// Ticket is the queue ticket on show (it stays after the card left).
	SelfService bool
	Menu        clinic.Menu
	Ticket      *TicketView
	// Child is a child's details as typed on StepChild (kept when refused).
	Child *clinic.Child
	// Help over the office link (issue 19, help.go). Help: this kiosk's
	// last call and what became of it (nil: none, or no office link).
	// HelpCalls: the office's kiosks calling for an officer, oldest first
	// (desk, clinic reception, notary and headless; never a public kiosk).
	Help      *HelpView
	HelpCalls []HelpNote
}

// AllAgree is the agreement of every person View.Consents lists (a
// front end whose one tick stands for the one person, and tests).
func (v View) AllAgree() []Agreement {
	out := make([]Agreement, 0, len(v.Consents))
	for _, c := range v.Consents {
		out = append(out, Agreement{Party: c.Party, Index: c.Index})
	}
	return out
}

// View is the engine's state now, copied for rendering.
func (e *Engine) View() View {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := View{Mode: e.cfg.Mode, Demo: e.cfg.Demo, Step: e.step, Notice: e.notice, Detail: e.detail,
		Reader: e.readerName(), ReaderReady: e.readyTerm, CardPresent: e.present, ReaderGone: e.readerGone,
		Card: e.slot.view(), Progress: e.progress,
		QRWaiting: e.qrOnly != nil, QROnly: e.qrOnly != nil && e.cfg.Mode != Kiosk,
		Photo: e.photo, PhotoState: e.photoState, Busy: e.busy, CheckIn: e.checkIn, RecordFile: e.recordFile,
		StillThere: e.stillThere, Idle: e.sess.IdleTimeout(), Sync: e.sync}
	if p := e.sess.Primary(); p != nil {
		cp := *p
		v.Person = &cp
	}
	if r := e.read; r != nil {
		access := r.Access
		if r.Access == cccd.AccessPACE && r.Verification != nil && r.Verification.ChipAuthMethod == cccd.ChipAuthCAM {
			access = cccd.AccessPACECAM // the chip proved itself inside PACE
		}
		v.Details = &ReadDetails{Access: access, Groups: append([]string(nil), r.DataGroups...),
			Warnings: append([]string(nil), r.Warnings...)}
	}
	if f := e.sess.Current(); f != nil {
		v.Service = f.Service
		v.Values = make([]prefill.Value, len(f.Values))
		for i, val := range f.Values {
			v.Values[i] = *val
		}
		v.WaitingFor = e.missingCardParty()
		if e.step == StepForm || e.step == StepReview {
			v.Bundle = e.bundleLocked(f)
		}
		if e.step == StepReview {
			v.Consents = e.consentersLocked(f)
		}
	}
	v.SaveFailure = e.saveFailure
	if e.pending != nil {
		v.SavedParts = e.pending.stored()
	}
	v.Problems = append(v.Problems, e.problems...)
	v.Capture, v.Notary = e.captureViewLocked(), e.notaryViewLocked()
	v.Receipt = e.sess.Receipt()
	e.receiptView(&v)
	e.lookupView(&v)
	e.earlyView(&v) // issue 21
	e.clinicView(&v)
	e.helpView(&v) // issue 19, office link
	for _, p := range e.parties {
		v.Parties = append(v.Parties, Party{Role: p.Role, FullName: p.FullName, Verified: p.Verified, Summary: notary.Summary(p)})
	}
	return v
}
