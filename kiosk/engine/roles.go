package engine

import (
	"fmt"

	"motcua/kiosk/session"
)

// cardRoleFor is the party a card read while filling a form is for: the
// one the officer chose for the next card (ChooseCardRole), else the role
// its holder's sex fills where the service says so (bride, groom), else
// the first card party still missing; a passport fills only a party that
// takes one (a foreign spouse). "" when the form wants no more cards.
// Called with e.mu held.
func (e *Engine) cardRoleFor(sex, document string) string {
	f := e.sess.Current()
	if f == nil {
		return ""
	}
	if r := e.nextRole; r != "" {
		e.nextRole = ""
		if p, ok := f.Service.Party(r); ok && p.FromCard && p.Accepts(document) && (p.Max == 0 || len(f.Persons[r]) < p.Max) {
			return r
		}
	}
	return session.CardRoleFor(f.Service, f.Persons, sex, document)
}

// ChooseCardRole says whose card comes next (desk: the officer picks the
// role, e.g. the mother's card before the father's). It holds for one card.
func (e *Engine) ChooseCardRole(role string) error {
	e.mu.Lock()
	f := e.sess.Current()
	if f == nil || e.cfg.Mode != Desk {
		e.mu.Unlock()
		return session.ErrState
	}
	if p, ok := f.Service.Party(role); !ok || !p.FromCard {
		e.mu.Unlock()
		return fmt.Errorf("%w: %q is not a card party of %s", session.ErrState, role, f.Service.Code)
	}
	e.nextRole = role
	ev := e.changed()
	e.unlockEmit(ev)
	return nil
}

// NextRole is the role the officer chose for the next card ("" for none).
func (e *Engine) NextRole() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nextRole
}
