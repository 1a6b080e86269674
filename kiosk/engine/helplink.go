package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// Help over the office link (issue 19): a kiosk's call reaches the desks
// of the same office directly on the LAN (kiosk/office), and a desk's
// "Tôi đến ngay" comes back to the kiosk as "Cán bộ đang đến". The engine
// keeps the state and publishes it; the link carries it; the front ends
// show it. Nothing of the person travels: machines, a step, a call id.

// HelpLink carries help calls and answers to the office's other machines
// (kiosk/office implements it). Each returns how many machines took the
// message.
type HelpLink interface {
	SendHelp(ctx context.Context, call HelpNote) (desks int, err error)
	SendAnswer(ctx context.Context, answer HelpNote) (machines int, err error)
}

// HelpNote is a call for an officer as it travels and is shown: which
// kiosk, which office, which step; who answered. No personal data.
type HelpNote struct {
	ID     string // the call's random id
	Kiosk  string // the calling machine's name
	Office string // the office's name ("" unknown)
	Step   string // the screen the person is on (Step.String())
	Visit  int    // the visit step 1..VisitSteps (0: not a visit step)
	Desk   string // the desk that answered ("" none yet)
	Desks  int    // how many desks the call reached (HelpOutcome)
	Remote bool   // the call came from another machine
	At     time.Time
	// Received is when this machine got the call (a desk's list expires
	// by it, on this machine's clock).
	Received time.Time
}

// HelpState is what became of this kiosk's call.
type HelpState int

// Help states.
const (
	HelpSending   HelpState = iota + 1 // on its way to the desks
	HelpSent                           // Desks desks got it
	HelpUnreached                      // no desk could be reached: go to the counter
	HelpComing                         // Desk answered: an officer is coming
)

// HelpView is this kiosk's last call for an officer.
type HelpView struct {
	State HelpState
	ID    string
	Desks int    // HelpSent: how many desks got the call
	Desk  string // HelpComing: who is coming
	At    time.Time
}

// Bounds of help over the office link.
const (
	// HelpSendTimeout bounds a call's or an answer's delivery to all
	// desks (each peer is also bounded by the link's own timeout).
	HelpSendTimeout = 5 * time.Second
	// HelpKeep is how long a call stays on a desk's list unanswered, and
	// how long a kiosk shows what became of its call.
	HelpKeep = 10 * time.Minute
	// MaxHelpCalls bounds a desk's list (the oldest goes first).
	MaxHelpCalls = 20
)

// Errors of AnswerHelp.
var (
	ErrNoHelpLink = errors.New("no office link is configured ([office])")
	ErrNoSuchCall = errors.New("no such call for help (answered or expired)")
)

func newCallID() string {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand does not fail on supported systems
	return hex.EncodeToString(b[:])
}

// sendHelp delivers the kiosk's call and publishes HelpOutcome.
func (e *Engine) sendHelp(ctx context.Context, link HelpLink, note HelpNote) {
	ctx, cancel := context.WithTimeout(ctx, HelpSendTimeout)
	n, err := link.SendHelp(ctx, note)
	cancel()
	if err != nil || n == 0 {
		e.log.Warn("help call reached no desk", "call", note.ID, "err", err)
		n = 0
	} else {
		e.log.Info("help call delivered", "call", note.ID, "desks", n)
	}
	e.mu.Lock()
	if e.help == nil || e.help.ID != note.ID || e.help.State != HelpSending {
		e.mu.Unlock() // wiped, called again, or already answered
		return
	}
	e.help.Desks, e.help.State = n, HelpSent
	if n == 0 {
		e.help.State = HelpUnreached
	}
	out := note
	out.Desks = n
	e.unlockEmit(Event{Kind: HelpOutcome, Step: e.step, N: n, Help: &out})
}

// public says the screen faces the public: another kiosk's call is not
// shown there. Headless (motcua serve under desk software) has no screen
// of its own: the calls go to the local API.
func (e *Engine) public() bool {
	return !e.cfg.Headless && (e.cfg.Mode == Kiosk || e.cfg.Clinic.SelfService)
}

// HelpReceived takes another machine's call for an officer (the office
// link calls it): a desk lists it (HelpReceived) until answered, answered
// elsewhere or HelpKeep old. A public kiosk ignores it and returns false.
func (e *Engine) HelpReceived(n HelpNote) bool {
	if e.public() {
		e.log.Info("help call from another kiosk ignored: this screen faces the public", "call", n.ID, "from", n.Kiosk)
		return false
	}
	e.mu.Lock()
	for _, c := range e.calls {
		if c.ID == n.ID {
			e.mu.Unlock()
			return true // the same call again: already on show
		}
	}
	n.Remote, n.Received, n.Desk, n.Desks = true, e.cfg.Now(), "", 0
	e.calls = append(e.calls, n)
	if len(e.calls) > MaxHelpCalls {
		e.calls = append([]HelpNote(nil), e.calls[len(e.calls)-MaxHelpCalls:]...)
	}
	cp := n
	e.unlockEmit(Event{Kind: HelpReceived, Step: e.step, Help: &cp})
	return true
}

// HelpAnswered takes a desk's answer (the office link calls it): at the
// kiosk that called, its call becomes "an officer is coming"
// (HelpAnswered); at a desk, the call leaves the list (HelpCleared).
func (e *Engine) HelpAnswered(n HelpNote) {
	e.mu.Lock()
	var evs []Event
	if e.help != nil && e.help.ID == n.ID {
		e.help.State, e.help.Desk = HelpComing, n.Desk
		note := HelpNote{ID: n.ID, Kiosk: e.cfg.Device, Desk: n.Desk, At: n.At}
		evs = append(evs, Event{Kind: HelpAnswered, Step: e.step, Help: &note})
		e.log.Info("help call answered", "call", n.ID, "desk", n.Desk)
	}
	if c, ok := e.dropCallLocked(n.ID); ok {
		c.Desk = n.Desk
		evs = append(evs, Event{Kind: HelpCleared, Step: e.step, Help: &c})
	}
	e.unlockEmit(evs...)
}

// AnswerHelp is the desk's "Tôi đến ngay": the call leaves the list
// (HelpCleared, Desk: this machine) and the answer goes to the office's
// machines, off the lock and bounded by HelpSendTimeout.
func (e *Engine) AnswerHelp(id string) error {
	link := e.cfg.Help
	if link == nil {
		return ErrNoHelpLink
	}
	e.mu.Lock()
	c, ok := e.dropCallLocked(id)
	if !ok {
		e.mu.Unlock()
		return ErrNoSuchCall
	}
	c.Desk = e.cfg.Device
	answer := HelpNote{ID: id, Desk: e.cfg.Device, At: e.cfg.Now()}
	e.unlockEmit(Event{Kind: HelpCleared, Step: e.step, Help: &c})
	e.goIO(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, HelpSendTimeout)
		defer cancel()
		n, err := link.SendAnswer(ctx, answer)
		if err != nil || n == 0 {
			e.log.Warn("help answer reached no machine", "call", id, "err", err)
			return
		}
		e.log.Info("help answer sent", "call", id, "machines", n)
	})
	return nil
}

// dropCallLocked takes call id off the desk's list.
func (e *Engine) dropCallLocked(id string) (HelpNote, bool) {
	for i, c := range e.calls {
		if c.ID == id {
			e.calls = append(e.calls[:i:i], e.calls[i+1:]...)
			return c, true
		}
	}
	return HelpNote{}, false
}

// helpExpiredLocked drops calls HelpKeep old, and this kiosk's call
// state after as long.
func (e *Engine) helpExpiredLocked(now time.Time) []Event {
	var evs []Event
	kept := e.calls[:0]
	for _, c := range e.calls {
		if now.Sub(c.Received) >= HelpKeep {
			cp := c
			evs = append(evs, Event{Kind: HelpCleared, Step: e.step, Help: &cp})
			e.log.Info("help call expired unanswered", "call", c.ID, "from", c.Kiosk)
			continue
		}
		kept = append(kept, c)
	}
	e.calls = kept
	if e.help != nil && now.Sub(e.help.At) >= HelpKeep {
		e.help = nil
		evs = append(evs, e.changed())
	}
	return evs
}

// helpView copies the help state into v.
func (e *Engine) helpView(v *View) {
	if e.help != nil {
		h := *e.help
		v.Help = &h
	}
	v.HelpCalls = append([]HelpNote(nil), e.calls...)
}
