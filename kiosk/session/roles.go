package session

import (
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// CardRole is the card party of svc that a card of the given sex fills
// next: the first card party still short of people whose Sex is the
// card's (bride, groom) or unset. "" when no party wants this card (both
// spouses filed, or a second card of the same sex for a role that says
// which sex it takes).
func CardRole(svc *catalog.Service, persons map[string][]prefill.Person, sex string) string {
	return CardRoleFor(svc, persons, sex, "")
}

// CardRoleFor is CardRole for a document of the kind given (a passport
// fills only a party that takes one; "" is an ID card).
func CardRoleFor(svc *catalog.Service, persons map[string][]prefill.Person, sex, document string) string {
	code := cccd.SexCode(sex)
	for _, p := range svc.Parties {
		if !p.FromCard || len(persons[p.Role]) >= max(p.Min, 1) || !p.Accepts(document) {
			continue
		}
		if p.Sex == "" || p.Sex == code {
			return p.Role
		}
	}
	return ""
}
