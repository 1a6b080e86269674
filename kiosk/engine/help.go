package engine

import (
	"context"
	"time"
)

// Help and the step bar (issue 19): a person who is stuck at a kiosk taps
// "Gọi cán bộ hỗ trợ"; the engine raises HelpCalled with where they are,
// and whoever follows the engine (the local API's event socket, the desk
// app of the office) shows it. The call names the machine and the step,
// never the person: an officer walks over and sees the rest on screen.

// VisitSteps is how many steps the kiosk's step bar counts.
const VisitSteps = 5

// VisitStep is s's place on the step bar ("Bước n/5"): 1 place the card
// (its key and the read included), 2 this is you, 3 choose a service,
// 4 the form and its review, 5 the receipt; 0 for screens that are not
// a step of a citizen's visit (admin, the clinic's and notary's steps).
func (s Step) VisitStep() int {
	switch s {
	case StepAttract, StepKey, StepReading, StepProblem:
		return 1
	case StepIdentity:
		return 2
	case StepServices:
		return 3
	case StepForm, StepReview:
		return 4
	case StepReceipt:
		return 5
	}
	return 0
}

// HelpCall is one call for an officer, as the engine announced it.
type HelpCall struct {
	ID     string    // the call's random id (the answer names it)
	Device string    // the machine's name (engine Config.Device)
	Step   Step      // the screen the person is on
	Visit  int       // Step.VisitStep()
	At     time.Time // when (the engine's clock)
}

// CallHelp asks for an officer: it publishes HelpCalled (Step, N: the
// visit step, Until: the time, Help: the call) and counts as activity, so
// the visit is not wiped for idleness while the person waits. With an
// office link (Config.Help) the call also goes to the office's desks, off
// the engine's lock and bounded by HelpSendTimeout: HelpOutcome then says
// how many desks got it, and HelpAnswered which desk is coming. It
// returns what was announced.
func (e *Engine) CallHelp() HelpCall {
	e.sess.StillHere()
	e.mu.Lock()
	call := HelpCall{ID: newCallID(), Device: e.cfg.Device, Step: e.step, Visit: e.step.VisitStep(), At: e.cfg.Now()}
	note := HelpNote{ID: call.ID, Kiosk: call.Device, Step: call.Step.String(), Visit: call.Visit, At: call.At}
	evs := []Event{{Kind: HelpCalled, Step: call.Step, N: call.Visit, Until: call.At, Help: &note}}
	if e.stillThere { // the "still there?" prompt is answered too
		e.stillThere = false
		evs = append(evs, e.changed())
	}
	link := e.cfg.Help
	if link != nil {
		e.help = &HelpView{State: HelpSending, ID: call.ID, At: call.At}
	}
	e.log.Info("help called", "device", call.Device, "step", call.Step.String(), "call", call.ID)
	e.unlockEmit(evs...)
	if link != nil {
		e.goIO(func(ctx context.Context) { e.sendHelp(ctx, link, note) })
	}
	return call
}
