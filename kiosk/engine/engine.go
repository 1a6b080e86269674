// Package engine is the one conductor of a reader slot and a visit: it
// runs the card loop and the key box, turns QR codes and typed digits into
// chip keys, keeps the visit (kiosk/session), runs the clinic and notary
// workflows, writes their records, submits dossiers into the outbox, tells
// the sync worker, and reports all of it as one ordered stream of typed
// events. Front ends are adapters: they render View and send intents (the
// exported methods); they never decide what comes next.
//
// Card data lives in the visit and is wiped with it: on cancel, on idle,
// when the card leaves after the visit's end, when the operator screen
// opens, and on Stop.
package engine

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"motcua/kiosk/address"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/notary"
	"motcua/kiosk/prefill"
	"motcua/kiosk/session"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/reader/qr/scanner"
	"motcua/sync/outbox"
	"motcua/sync/receipt"
)

// Outbox is where dossiers are stored durably; *outbox.Store satisfies
// it (a host that shares the store with another process may open it per
// operation instead).
type Outbox interface {
	Add(ctx context.Context, service string, payload []byte) (string, error)
	Counts() (map[outbox.State]int, error)
	List(f outbox.Filter) ([]outbox.Record, error)
	Requeue(uuid string) error
	Dir() string
}

// Notifier is told when a dossier is waiting (the sync worker).
type Notifier interface{ Notify() }

// ClinicConfig is what clinic mode needs for health-insurance check-in.
type ClinicConfig struct {
	Gateway  clinic.Gateway
	Staff    clinic.Staff
	Facility string
	// Dir is where check-in records are written for the clinic's system
	// ("" keeps them on screen only).
	Dir string
	// Visits flags a second check-in the same day (nil: not flagged);
	// Stats counts look-ups without personal data (nil: not counted).
	Visits *clinic.VisitLog
	Stats  *clinic.Stats

	// Self check-in (clinic_kiosk.go): patients check themselves in at a
	// kiosk, choose the department and the reason from Menu, and take a
	// queue ticket numbered by Tickets, printed on Printer (nil: on screen
	// only). FacilityName heads the ticket.
	SelfService  bool
	FacilityName string
	Menu         clinic.Menu
	Tickets      *clinic.TicketBook
	Printer      TicketPrinter
}

// NotaryConfig is what notary mode needs for verification records.
type NotaryConfig struct {
	NotaryID, Office string
	// Dir is where records are saved (JSON and a printable PNG).
	Dir string
}

// Config is what the engine runs on.
type Config struct {
	Mode Mode
	// Terminal is the card reader; nil starts the engine without one
	// (View says so) until Attach gives it the reader.
	Terminal    reader.Terminal
	ReadOptions reader.Options
	// Keys is the key box of the slot (nil: a new one).
	Keys    *cardloop.KeyBox
	Catalog *catalog.Catalog
	Table   *address.Table // may be nil
	Outbox  Outbox
	// Worker is notified after each submit; nil means queue only.
	Worker Notifier
	Device string
	// Idle and Grace: "still there?" after Idle, wipe Grace later.
	Idle, Grace time.Duration
	Clinic      ClinicConfig
	Notary      NotaryConfig
	// Capture digitises attachments at the desk (capture.go).
	Capture CaptureConfig
	// AdminPIN opens the operator screen; "" keeps it shut.
	AdminPIN string
	// PIN is the back-off after wrong PINs (zero: DefaultPINPolicy).
	PIN PINPolicy
	// Headless says no screen follows the visit (motcua serve, the local
	// API on its own): the card's leaving ends the visit and wipes it at
	// once, and there is no "still there?" (nobody could answer it).
	Headless bool
	// Demo says the engine runs the simulated reader's demo (a banner on
	// every screen).
	Demo bool
	// TrustInfo and Provider describe the trust store and where dossiers
	// go, for the operator screen.
	TrustInfo, Provider string
	// Beat, when set, is called at least once a second while the card
	// loop lives (a watchdog).
	Beat func()
	Log  *slog.Logger
	Now  func() time.Time

	// Receipt and look-up (receipt.go, lookup.go): where the official
	// dossier QR links to, and so which scanned receipts are read back.
	Receipt receipt.Config

	// Help is the office link (issue 19, help.go; kiosk/office): a kiosk's
	// calls for an officer go to the desks of the office through it, and
	// a desk's answers come back. nil: the call reaches the local API only.
	Help HelpLink
}

// Engine conducts one reader slot and its visits. Its methods are safe for
// concurrent use.
type Engine struct {
	cfg  Config
	sess *session.Session
	keys *cardloop.KeyBox
	hub  hub
	log  *slog.Logger

	mu         sync.Mutex
	step       Step
	before     Step // the step a read interrupted
	notice     Notice
	detail     string
	present    bool
	reading    bool
	readerGone bool
	progress   Progress
	qrOnly     *qr.Payload
	read       *cccd.ReadResult // the visitor's chip read (the session owns and wipes it)
	photo      image.Image
	photoState PhotoState
	problems   []prefill.Problem
	gen        uint64 // visit generation: work finished after a wipe is dropped
	busy       bool
	stillThere bool
	checkIn    *clinic.CheckIn
	recordFile string
	parties    []notary.Party // notary: parties kept for the act
	partiesAt  time.Time
	kept       *keptReceipt // the receipt on screen (no card data)
	look       *lookupState // the dossier look-up while open (no card data)
	nextRole   string       // desk: the officer's choice of role for the next card
	wedge      scanner.Wedge
	pin        pinGuard
	sync       SyncView
	slot       cardSlot
	term       reader.Terminal // nil until attached
	readyTerm  bool            // the reader answered since it was (re)watched
	attached   chan struct{}   // closed when term is set
	lastBeat   atomic.Int64    // unix nanoseconds of the card loop's last beat
	early      *earlyRead      // issue 21: the identity shown while the chip's checks run (early.go)
	// Attachments captured at the desk, and the notarial act's draft
	// (act number, signing photos, electronic document): capture.go, notary.go.
	capt  captureState
	draft notaryDraft
	// mrz holds an MRZ line typed or scanned until its next line (passports).
	mrz mrzLines
	// Review and submit (h1): each person's tick, the dossiers being stored.
	agreed      map[Agreement]bool
	pending     *pendingSubmit
	saveFailure SaveFailure

	// Clinic (clinic_kiosk.go): the queue ticket on screen (no card data)
	// and a child's details as typed (kept across a refusal).
	ticket *keptTicket
	child  *clinic.Child

	// Help over the office link (issue 19, help.go): this kiosk's call in
	// flight, and the calls of the office's kiosks on show at a desk.
	help  *HelpView
	calls []HelpNote

	runMu  sync.Mutex
	cancel context.CancelFunc
	ctx    context.Context
	wg     sync.WaitGroup
	kick   chan struct{}
}

// New makes an engine waiting for a card. Start runs it.
func New(cfg Config) (*Engine, error) {
	if cfg.Catalog == nil || cfg.Outbox == nil {
		return nil, errors.New("engine: a catalogue and an outbox are required")
	}
	if err := cfg.Receipt.Check(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Device == "" {
		cfg.Device = "motcua"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PIN == (PINPolicy{}) {
		cfg.PIN = DefaultPINPolicy
	}
	e := &Engine{cfg: cfg, keys: cfg.Keys, log: cfg.Log, kick: make(chan struct{}, 1), ctx: context.Background(),
		attached: make(chan struct{})}
	e.slot.state = SlotEmpty
	if cfg.Terminal != nil {
		e.term = cfg.Terminal
		close(e.attached)
	}
	if e.keys == nil {
		e.keys = cardloop.NewKeyBox()
	}
	e.sess = session.New(session.Config{Catalog: cfg.Catalog, Table: cfg.Table, Device: cfg.Device,
		Idle: cfg.Idle, Grace: cfg.Grace, Now: cfg.Now})
	e.sync.Worker = cfg.Worker != nil
	return e, nil
}

// Keys is the slot's key box (a host may share it with other key sources).
func (e *Engine) Keys() *cardloop.KeyBox { return e.keys }

// Mode is the engine's mode.
func (e *Engine) Mode() Mode { return e.cfg.Mode }

// Subscribe calls f with every event from now on, in order, on a goroutine
// of its own (f may block; events queue). Call the returned function to
// stop; not from inside f.
func (e *Engine) Subscribe(f func(Event)) (unsubscribe func()) { return e.hub.subscribe(f) }

// Start runs the card loop, the idle timer and the outbox count until ctx
// ends or Stop.
func (e *Engine) Start(ctx context.Context) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.cancel != nil {
		return
	}
	ctx, e.cancel = context.WithCancel(ctx)
	e.mu.Lock()
	e.ctx = ctx
	e.mu.Unlock()
	e.wg.Add(3)
	go func() { defer e.wg.Done(); e.runLoop(ctx) }()
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				e.Tick()
			}
		}
	}()
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			e.countOutbox()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-e.kick:
			}
		}
	}()
}

// Stop ends the card loop and timers, waits for saving and writing to
// finish, and wipes the visit.
func (e *Engine) Stop() {
	e.runMu.Lock()
	if e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
	e.runMu.Unlock()
	e.wg.Wait()
	e.mu.Lock()
	ev := e.wipeLocked(WipeStopped, StepAttract, NoticeNone)
	e.unlockEmit(ev...)
}

// goIO runs work off the caller's goroutine; Stop waits for it.
func (e *Engine) goIO(f func(ctx context.Context)) {
	e.wg.Add(1)
	ctx := e.ctx
	go func() {
		defer e.wg.Done()
		f(context.WithoutCancel(ctx))
	}()
}

// unlockEmit publishes events and then releases e.mu (which the caller
// holds). Publishing only queues, so it is cheap; doing it under the lock
// makes the stream's order the order of the state changes: an intent's
// event (a QR accepted) always precedes what it set off on the card loop
// (the read it started), and View never runs ahead of the events.
func (e *Engine) unlockEmit(evs ...Event) {
	for _, ev := range evs {
		e.hub.publish(ev)
	}
	e.mu.Unlock()
}

// setStep moves to step with a notice; called with e.mu held. It returns
// the event to emit.
func (e *Engine) setStep(step Step, n Notice, detail string) Event {
	e.step, e.notice, e.detail = step, n, detail
	e.problems = nil
	return Event{Kind: StepChanged, Step: step}
}

// changed is the event for a change that keeps the step.
func (e *Engine) changed() Event { return Event{Kind: Changed, Step: e.step} }

// wipeLocked erases the visit: the session (reads, form, identities),
// waiting keys, a QR waiting alone, the parties kept for an act, the
// photo. Called with e.mu held.
func (e *Engine) wipeLocked(why WipeReason, step Step, n Notice) []Event {
	e.sess.Cancel()
	e.keys.Clear()
	e.dropPartiesLocked()
	e.dropEarlyLocked()
	e.qrOnly, e.read, e.photo, e.photoState = nil, nil, nil, PhotoNone
	e.checkIn, e.recordFile, e.busy, e.stillThere = nil, "", false, false
	e.slot.read = nil // the session wiped it
	e.kept, e.nextRole = nil, ""
	e.look = nil
	e.dropCaptureLocked()
	e.dropDraftLocked()
	e.mrz.reset()
	e.dropPendingLocked()
	e.ticket, e.child = nil, nil // clinic: the ticket on screen, the child's details typed
	e.help = nil                 // the next person does not see "an officer is coming" (help.go)
	e.gen++
	return []Event{{Kind: VisitWiped, Why: why, Step: step}, e.setStep(step, n, "")}
}

// endVisitLocked ends the card's visit but keeps the act's parties (the
// next party's card comes next) and the keys box as it is.
func (e *Engine) endVisitLocked() {
	e.sess.Cancel()
	e.read, e.photo, e.photoState = nil, nil, PhotoNone
	e.checkIn, e.recordFile, e.stillThere = nil, "", false
	e.child = nil     // clinic: a child's details typed
	e.slot.read = nil // the session wiped it
	e.dropCaptureLocked()
	e.dropPendingLocked()
	e.gen++
}

func (e *Engine) dropPartiesLocked() {
	if len(e.parties) > 0 {
		(&notary.Record{Parties: e.parties}).Wipe()
	}
	e.parties = nil
}
