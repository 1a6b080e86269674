// Package session is the state machine of one citizen's visit: waiting for
// a card, identified, service chosen, filling, reviewing, submitted. Cards
// can be read several times in one visit (both spouses, each parent). All
// card data is wiped when the card leaves after submission, on cancel and
// when the kiosk goes idle. The UI and the local API drive it; it does no
// I/O itself except handing the finished dossier to a Submitter.
package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// State is where the visit is.
type State int

// States.
const (
	WaitingForCard State = iota
	Identified
	ServiceChosen
	Filling
	Reviewing
	Submitted
)

var stateNames = [...]string{"waiting_for_card", "identified", "service_chosen", "filling", "reviewing", "submitted"}

func (s State) String() string { return stateNames[s] }

// Submitter stores a finished dossier durably and returns its client
// reference (the outbox's UUID). It must not return before the data is safe.
type Submitter interface {
	Add(ctx context.Context, service string, payload []byte) (uuid string, err error)
}

// ErrState reports an event that does not fit the current state.
var ErrState = errors.New("not possible at this step")

// ErrNeedsIDCard: a passport was read for a service, or a party of it,
// that takes only a chip ID card (issue 20).
var ErrNeedsIDCard = errors.New("this service takes a chip ID card, not a passport, for this person")

// Config shapes a session.
type Config struct {
	Catalog *catalog.Catalog
	Table   *address.Table // may be nil
	Device  string
	// Idle is how long without activity before "Still there?"; Grace is
	// how long that question stays before the session is wiped.
	Idle, Grace time.Duration
	Now         func() time.Time
}

// Session is one visit. Its methods are safe for concurrent use (card
// events arrive on another goroutine than the UI's).
type Session struct {
	mu       sync.Mutex
	cfg      Config
	state    State
	persons  map[string][]prefill.Person
	reads    []*cccd.ReadResult
	primary  *prefill.Person // the first card read: who the visit is for
	service  *catalog.Service
	form     *prefill.Form
	last     time.Time
	asking   bool // "still there?" is on screen
	receipt  string
	onChange func(State)
}

// New starts a session waiting for a card.
func New(cfg Config) *Session {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Idle == 0 {
		cfg.Idle = 90 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 30 * time.Second
	}
	return &Session{cfg: cfg, persons: map[string][]prefill.Person{}, last: cfg.Now()}
}

// OnChange registers a function called (with the lock released) after
// every state change, wipes included.
func (s *Session) OnChange(f func(State)) {
	s.mu.Lock()
	s.onChange = f
	s.mu.Unlock()
}

func (s *Session) set(st State) func() {
	s.state = st
	f := s.onChange
	return func() {
		if f != nil {
			f(st)
		}
	}
}

// State returns the current state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Session) touch() { s.last, s.asking = s.cfg.Now(), false }

// CardRead records a chip read. The first identifies the visitor; later
// ones (while filling a multi-party service) add a party to role.
func (s *Session) CardRead(r *cccd.ReadResult, role string) error {
	return s.addPerson(prefill.FromRead(r), r, role)
}

// QRScanned records an identity from a card's QR code.
func (s *Session) QRScanned(id cccd.Identity, role string) error {
	return s.addPerson(prefill.FromQR(id), nil, role)
}

func (s *Session) addPerson(p prefill.Person, r *cccd.ReadResult, role string) error {
	s.mu.Lock()
	s.touch()
	var notify func()
	switch s.state {
	case WaitingForCard:
		s.primary = &p
		if r != nil {
			s.reads = append(s.reads, r)
		}
		notify = s.set(Identified)
	case Filling, ServiceChosen:
		if role == "" {
			s.mu.Unlock()
			return fmt.Errorf("%w: say which person this card is for", ErrState)
		}
		party, ok := s.service.Party(role)
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("%w: the service has no role %q", ErrState, role)
		}
		if !party.Accepts(p.Document) {
			s.mu.Unlock()
			return fmt.Errorf("%w: %s of %s", ErrNeedsIDCard, role, s.service.Code)
		}
		s.persons[role] = append(s.persons[role], p)
		if r != nil {
			s.reads = append(s.reads, r)
		}
		if err := s.rebuild(); err != nil {
			s.persons[role] = s.persons[role][:len(s.persons[role])-1]
			s.mu.Unlock()
			return err
		}
		notify = s.set(Filling)
	default:
		s.mu.Unlock()
		return fmt.Errorf("%w: a card was read while %s", ErrState, s.state)
	}
	s.mu.Unlock()
	notify()
	return nil
}

// rebuild prefills the form again with every person, keeping typed values.
func (s *Session) rebuild() error {
	f, err := prefill.New(s.service, s.persons, s.cfg.Table, s.cfg.Now())
	if err != nil {
		return err
	}
	if s.form != nil {
		for _, old := range s.form.Values {
			switch {
			case old.Provenance == prefill.Typed && old.Text != "":
				f.Set(old.Party, old.Field.ID, old.Index, old.Text)
			case old.Locked && old.Old != "" && !old.NeedsConfirmation:
				// An address already confirmed (or its new commune picked)
				// stays settled when the next party's card arrives.
				if nv, err := f.Find(old.Party, old.Field.ID, old.Index); err == nil && nv.Old == old.Old && nv.NeedsConfirmation {
					nv.Text, nv.NeedsConfirmation, nv.Choices = old.Text, false, nil
				}
			}
		}
		s.form.Wipe()
	}
	s.form = f
	return nil
}

// ChooseService picks the service by code; the visitor becomes its first
// card party (the applicant, or the first spouse), and the form is prefilled.
func (s *Session) ChooseService(code string, role string) error {
	s.mu.Lock()
	s.touch()
	if s.state != Identified && s.state != ServiceChosen {
		s.mu.Unlock()
		return fmt.Errorf("%w: choose a service after the card is read", ErrState)
	}
	svc, ok := s.cfg.Catalog.Service(code)
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("no service %s in the catalogue", code)
	}
	doc := s.primary.Document
	if role == "" {
		role = CardRoleFor(svc, nil, s.primary.Identity.Sex, doc)
	}
	if role == "" {
		for _, p := range svc.Parties {
			if p.FromCard && p.Accepts(doc) {
				role = p.Role
				break
			}
		}
	}
	if p, ok := svc.Party(role); role == "" || (ok && !p.Accepts(doc)) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNeedsIDCard, svc.Code)
	}
	s.service = svc
	s.persons = map[string][]prefill.Person{role: {*s.primary}}
	s.form = nil
	if err := s.rebuild(); err != nil {
		s.mu.Unlock()
		return err
	}
	notify := s.set(Filling)
	s.mu.Unlock()
	notify()
	return nil
}

// Form returns the form being filled (nil before a service is chosen).
// Use it from one goroutine (the UI's) between events.
func (s *Session) Form() *prefill.Form {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch()
	return s.form
}

// Current returns the form being filled like Form, without counting as
// the visitor's activity (for rendering and bookkeeping, so a screen that
// redraws does not hold off the idle timer).
func (s *Session) Current() *prefill.Form {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.form
}

// Review moves to the review step when the form is valid.
func (s *Session) Review() ([]prefill.Problem, error) {
	s.mu.Lock()
	s.touch()
	if s.state != Filling {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: nothing to review", ErrState)
	}
	if probs := s.form.Validate(); len(probs) > 0 {
		s.mu.Unlock()
		return probs, nil
	}
	notify := s.set(Reviewing)
	s.mu.Unlock()
	notify()
	return nil, nil
}

// Back returns from review to filling.
func (s *Session) Back() error {
	s.mu.Lock()
	s.touch()
	if s.state != Reviewing {
		s.mu.Unlock()
		return ErrState
	}
	notify := s.set(Filling)
	s.mu.Unlock()
	notify()
	return nil
}

// Submit turns the reviewed form into a dossier, with the consent given
// now, and hands it to sub. It returns the client reference only after sub
// has stored it durably: the receipt may be shown then.
func (s *Session) Submit(ctx context.Context, sub Submitter, consentAccepted bool) (string, error) {
	s.mu.Lock()
	s.touch()
	if s.state != Reviewing {
		s.mu.Unlock()
		return "", fmt.Errorf("%w: review the form first", ErrState)
	}
	if !consentAccepted {
		s.mu.Unlock()
		return "", errors.New("the citizen has not agreed to the consent text")
	}
	d, err := dossier.FromForm(s.form, dossier.Consent{Text: s.service.ConsentVI, AcceptedAt: s.cfg.Now()}, s.cfg.Device, s.cfg.Now())
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	b, err := d.JSON()
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	code := s.service.Code
	s.mu.Unlock()
	uuid, err := sub.Add(ctx, code, b) // outside the lock: it fsyncs
	clear(b)
	if err != nil {
		return "", fmt.Errorf("the dossier could not be saved: %w", err)
	}
	s.mu.Lock()
	s.receipt = uuid
	notify := s.set(Submitted)
	s.mu.Unlock()
	notify()
	return uuid, nil
}

// Stored ends a reviewed visit whose dossiers the caller built from the
// form and stored durably itself (a combined visit files one dossier per
// agency): the visit becomes Submitted with receipt as its reference.
func (s *Session) Stored(receipt string) error {
	s.mu.Lock()
	s.touch()
	if s.state != Reviewing {
		s.mu.Unlock()
		return fmt.Errorf("%w: nothing reviewed to store", ErrState)
	}
	s.receipt = receipt
	notify := s.set(Submitted)
	s.mu.Unlock()
	notify()
	return nil
}

// Receipt is the client reference of the submitted dossier.
func (s *Session) Receipt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receipt
}

// CardRemoved handles the card leaving the reader: after submission the
// visit is over and wiped; before, the data stays for the form.
func (s *Session) CardRemoved() {
	s.mu.Lock()
	if s.state != Submitted {
		s.mu.Unlock()
		return
	}
	notify := s.wipe()
	s.mu.Unlock()
	notify()
}

// Cancel wipes the visit at any step.
func (s *Session) Cancel() {
	s.mu.Lock()
	notify := s.wipe()
	s.mu.Unlock()
	notify()
}

// Idle says what the idle timer wants the UI to do.
type Idle int

// Idle outcomes.
const (
	Active     Idle = iota
	StillThere      // show "Still there?"
	WipedIdle       // the session was wiped
)

// Tick is called periodically (once a second is plenty).
func (s *Session) Tick() Idle {
	s.mu.Lock()
	if s.state == WaitingForCard {
		s.mu.Unlock()
		return Active
	}
	quiet := s.cfg.Now().Sub(s.last)
	switch {
	case quiet >= s.cfg.Idle+s.cfg.Grace:
		notify := s.wipe()
		s.mu.Unlock()
		notify()
		return WipedIdle
	case quiet >= s.cfg.Idle:
		s.asking = true
		s.mu.Unlock()
		return StillThere
	}
	s.mu.Unlock()
	return Active
}

// StillHere answers "Still there?": the timer starts again.
func (s *Session) StillHere() {
	s.mu.Lock()
	s.touch()
	s.mu.Unlock()
}

// wipe drops every identity, photo and value; called with the lock held.
func (s *Session) wipe() func() {
	for _, r := range s.reads {
		r.Wipe()
	}
	if s.form != nil {
		s.form.Wipe()
	}
	if s.primary != nil {
		s.primary.Identity.Wipe()
	}
	for _, ps := range s.persons {
		for i := range ps {
			ps[i].Identity.Wipe()
		}
	}
	s.reads, s.form, s.primary, s.service = nil, nil, nil, nil
	s.persons = map[string][]prefill.Person{}
	s.receipt, s.asking = "", false
	s.last = s.cfg.Now()
	return s.set(WaitingForCard)
}

// SetIdle changes how long a quiet visit waits before "Still there?"
// (an operator setting; the grace period stays).
func (s *Session) SetIdle(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.cfg.Idle = d
	}
}

// IdleTimeout is the current idle timeout.
func (s *Session) IdleTimeout() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Idle
}

// Primary returns the visitor's identity (nil while waiting for a card).
func (s *Session) Primary() *prefill.Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary
}
