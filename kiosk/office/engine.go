package office

import (
	"context"
	"errors"

	"motcua/kiosk/engine"
)

// The link between the office link and an engine: the engine's calls and
// answers go out as messages, and the messages that come in are handed to
// the engine (kiosk/engine/helplink.go keeps the state and publishes it).

// ForEngine is the link as the engine's Config.Help.
func (l *Link) ForEngine() engine.HelpLink { return engineLink{l} }

// AttachEngine hands the messages the link accepts to e.
func (l *Link) AttachEngine(e *engine.Engine) { l.Attach(engineReceiver{e}) }

type engineLink struct{ l *Link }

// SendHelp sends the kiosk's call, signed with this machine's name and
// office; it returns how many desks took it.
func (b engineLink) SendHelp(ctx context.Context, n engine.HelpNote) (int, error) {
	d, err := b.l.SendHelp(ctx, Help{V: 1, ID: n.ID, From: b.l.cfg.Name, Office: b.l.cfg.Office, Step: n.Step,
		VisitStep: n.Visit, VisitSteps: engine.VisitSteps, At: n.At})
	return d.Taken, deliveryErr(d, err)
}

// SendAnswer sends "coming" from this desk to every peer.
func (b engineLink) SendAnswer(ctx context.Context, n engine.HelpNote) (int, error) {
	d, err := b.l.SendAnswer(ctx, Answer{V: 1, ID: n.ID, From: b.l.cfg.Name, Answer: AnswerComing, At: n.At})
	return d.Taken, deliveryErr(d, err)
}

// deliveryErr is why no peer took a message (nil when one did).
func deliveryErr(d Delivery, err error) error {
	if err != nil || d.Taken > 0 {
		return err
	}
	if len(d.Failed) == 0 {
		return errors.New("office link: no peers configured")
	}
	return errors.Join(d.Failed...)
}

type engineReceiver struct{ e *engine.Engine }

func (r engineReceiver) ReceiveHelp(h Help) {
	r.e.HelpReceived(engine.HelpNote{ID: h.ID, Kiosk: h.From, Office: h.Office, Step: h.Step, Visit: h.VisitStep, At: h.At})
}

func (r engineReceiver) ReceiveAnswer(a Answer) {
	r.e.HelpAnswered(engine.HelpNote{ID: a.ID, Desk: a.From, At: a.At})
}
