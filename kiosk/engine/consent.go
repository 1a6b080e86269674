package engine

import (
	"strconv"
	"strings"
	"time"

	"motcua/kiosk/dossier"
	"motcua/kiosk/prefill"
)

// Agreement is one person's consent ticked on the review: the party
// (role) and which person of it (0 for the first).
type Agreement struct {
	Party string
	Index int
}

// Consenter is a person who must agree before the dossier goes: every
// person whose card (or card QR) data the dossier carries agrees for
// themselves (Luật Bảo vệ dữ liệu cá nhân: consent is each data
// subject's own); a single-person service has one.
type Consenter struct {
	Party string
	Index int
	// Name is the person's name as the card gives it (the review shows
	// whose tick is whose).
	Name   string
	Agreed bool
	// OnBehalfOf lists parties who cannot agree themselves and for whom
	// this person agrees (role#index: the deceased of a death
	// registration, for whom the relative who files consents, Nghị định
	// 13/2023/NĐ-CP Điều 17).
	OnBehalfOf []string
}

// consentByOthers are the roles whose people cannot agree themselves: the
// first consenter of the visit agrees for them.
var consentByOthers = map[string]bool{"deceased": true}

// consentersLocked lists who must agree on the form's review, in the
// service's party order. Called with e.mu held.
func (e *Engine) consentersLocked(f *prefill.Form) []Consenter {
	if f == nil {
		return nil
	}
	var out []Consenter
	var behalf []string
	for _, p := range f.Service.Parties {
		for i, person := range f.Persons[p.Role] {
			if consentByOthers[p.Role] {
				behalf = append(behalf, p.Role+"#"+strconv.Itoa(i))
				continue
			}
			out = append(out, Consenter{Party: p.Role, Index: i, Name: person.Identity.FullName,
				Agreed: e.agreed[Agreement{p.Role, i}]})
		}
	}
	if len(out) > 0 {
		out[0].OnBehalfOf = behalf
	}
	return out
}

// missingConsent names who has not agreed yet, with the party labels of
// the service ("Bên nữ, Bên nam"): a notice's detail in plain words.
func missingConsent(f *prefill.Form, cs []Consenter) (labels []string) {
	for _, c := range cs {
		if c.Agreed {
			continue
		}
		label := c.Party
		if p, ok := f.Service.Party(c.Party); ok && p.LabelVI != "" {
			label = p.LabelVI
		}
		if c.Name != "" {
			label += " (" + c.Name + ")"
		}
		labels = append(labels, label)
	}
	return labels
}

// consentOf is the dossier's consent record: the service's text, the time,
// and each person who agreed.
func consentOf(f *prefill.Form, cs []Consenter, now time.Time) dossier.Consent {
	c := dossier.Consent{Text: f.Service.ConsentVI, AcceptedAt: now}
	for _, p := range cs {
		c.Parties = append(c.Parties, dossier.PartyConsent{Role: p.Party, Index: p.Index, AcceptedAt: now,
			OnBehalfOf: append([]string(nil), p.OnBehalfOf...)})
	}
	return c
}

// Agree records one person's tick on the review (yes) or its removal.
// It holds until the visit leaves review.
func (e *Engine) Agree(party string, index int, yes bool) {
	e.mu.Lock()
	if e.step != StepReview {
		e.mu.Unlock()
		return
	}
	e.sess.StillHere() // a tick is the visitor's activity
	if e.agreed == nil {
		e.agreed = map[Agreement]bool{}
	}
	e.agreed[Agreement{party, index}] = yes
	// A tick changes only its own box: no event (a redraw would move the
	// review under the citizen's finger), unless the notice about missing
	// consent changes with it.
	if e.notice != NoticeNeedAgree {
		e.mu.Unlock()
		return
	}
	if missing := missingConsent(e.sess.Current(), e.consentersLocked(e.sess.Current())); len(missing) > 0 {
		e.detail = joinLabels(missing)
	} else {
		e.notice, e.detail = NoticeNone, ""
	}
	ev := e.changed()
	e.unlockEmit(ev)
}

// joinLabels is labels as one line.
func joinLabels(labels []string) string { return strings.Join(labels, ", ") }
