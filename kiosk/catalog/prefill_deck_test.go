package catalog_test

import (
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// TestEveryServicePrefillsFromTheDemoDeck fills every card party of every
// service with the demo deck's genuine cards and checks that each card
// field the card carries is filled and locked, and that every value of a
// combined visit lands in an agency dossier.
func TestEveryServicePrefillsFromTheDemoDeck(t *testing.T) {
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	deck := simcard.DemoDeck(nil)
	var people []cccd.Identity
	for i := 0; i < 2; i++ {
		dc, err := deck.Card(i)
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, dc.Profile.Identity)
	}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, s := range c.Services() {
		persons := map[string][]prefill.Person{}
		k := 0
		for _, p := range s.Parties {
			if !p.FromCard {
				continue
			}
			n := p.Min
			if n == 0 {
				n = 1
			}
			for i := 0; i < n; i++ {
				persons[p.Role] = append(persons[p.Role], prefill.FromQR(people[k%len(people)]))
				k++
			}
		}
		f, err := prefill.New(s, persons, (*address.Table)(nil), now)
		if err != nil {
			t.Fatalf("%s: %v", s.Code, err)
		}
		filled := 0
		values := map[string]string{}
		for _, v := range f.Values {
			if !strings.HasPrefix(v.Field.Source, "card:") || len(persons[v.Party]) <= v.Index {
				continue
			}
			src := v.Field.Source
			if src == "card:spouse_name" || src == "card:old_id_number" || src == "card:religion" {
				continue // not on every card
			}
			if v.Text == "" || !v.Locked {
				t.Errorf("%s %s/%s (%s) not filled from the card", s.Code, v.Party, v.Field.ID, src)
			}
			filled++
			values[catalog.ValueKey(v.Party, v.Field.ID, v.Index)] = v.Text
		}
		if filled == 0 {
			t.Errorf("%s: the card filled nothing", s.Code)
		}
		ds, err := c.Expand(s.Code, values)
		if err != nil {
			t.Fatalf("%s: %v", s.Code, err)
		}
		if want := max(1, len(s.Produces)); len(ds) != want {
			t.Errorf("%s: %d dossiers, want %d", s.Code, len(ds), want)
		}
	}
}
