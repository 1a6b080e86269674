package engine

import "motcua/kiosk/session"

// cardRole is the party a card read while filling a form is for: the
// role its holder's sex fills where the service says so (bride, groom),
// otherwise the first card party still missing. "" when the form wants no
// more cards. Called with e.mu held.
func (e *Engine) cardRole(sex string) string {
	f := e.sess.Current()
	if f == nil {
		return ""
	}
	return session.CardRole(f.Service, f.Persons, sex)
}
