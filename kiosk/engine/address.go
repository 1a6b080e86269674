package engine

import "motcua/kiosk/session"

// ChooseAddress settles a card address whose old commune was split: the
// visitor picks choice i of the value's Choices in one tap (the value
// stays the card's, locked; no officer unlock is involved).
func (e *Engine) ChooseAddress(party, field string, index, i int) error {
	e.mu.Lock()
	f := e.sess.Form()
	if f == nil {
		e.mu.Unlock()
		return session.ErrState
	}
	err := f.Choose(party, field, index, i)
	e.problems = nil
	ev := e.changed()
	e.unlockEmit(ev)
	return err
}
