package ui

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/kiosk/engine"
	"motcua/sync/outbox"
)

// sampleFor is a valid answer to a typed form field, as a citizen would
// type it (the form's own validation then judges it): dates day first, as
// eight digits on a kiosk's digits pad, d/m/yyyy on a desk keyboard.
func sampleFor(f *catalog.Field, mode Mode) string {
	byPattern := map[string]string{
		`^[0-9]{10}$`: "0912345678", `^[1-9]$`: "2", `^[1-9][0-9]?$`: "12", `^[0-9]{12}$`: "001093047064",
		`^([1-9]|1[0-9]|2[0-4])$`: "3", `^([0-9]{9}|[0-9]{12})$`: "123456789", `^[0-9]{3}$`: "123", `^[0-9]+$`: "42",
	}
	if s, ok := byPattern[f.Pattern]; ok {
		return s
	}
	if f.Pattern != "" {
		return "" // a new pattern: the test fails on it and says which
	}
	date := "02112026"
	if mode == Desk {
		date = "2/11/2026"
	}
	s := map[string]string{"date": date, "sex": "Nữ", "id12": "001093047064", "phone": "0912345678",
		"email": "cong.dan@example.vn", "number": "2", "cmnd": "123456789"}[f.Type]
	if s == "" {
		s = "Số 5 ngõ Hòa Bình"
	}
	if f.MaxLen > 0 && utf8.RuneCountInString(s) > f.MaxLen {
		s = string([]rune(s)[:f.MaxLen])
	}
	return s
}

// sampleTable is the commune table of kiosk/address's tests: the demo
// deck's reference citizen lives in Vĩnh Tuy (Hai Bà Trưng), a ward split
// in 2025 between Vĩnh Tuy and Vĩnh Hưng, so the citizen must pick.
func sampleTable(t testing.TB) *address.Table {
	t.Helper()
	dir := filepath.Join("..", "kiosk", "address", "testdata")
	tab, err := address.LoadTables(filepath.Join(dir, "units-sample.csv"), filepath.Join(dir, "old-to-new-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// visit is what a submission took: the pointer actions (taps, picks,
// typed fields) from the card's tap to the receipt, and the time.
type visit struct {
	actions int
	took    time.Duration
}

// secondRole is the card party the second demo card (a woman) fills:
// the one the form waits for, or at a desk an optional card party still
// empty (the mother of a combined birth registration), so every
// multi-party service is filed with two people at the desk.
func (r *rig) secondRole(svc *catalog.Service) string {
	v := r.app.eng.View()
	if v.WaitingFor != "" {
		if p, _ := svc.Party(v.WaitingFor); p.Min > 0 {
			return v.WaitingFor
		}
	}
	if r.app.mode != Desk {
		return ""
	}
	filled := map[string]bool{}
	for _, val := range v.Values {
		if val.Field.Source == "card:id_number" && val.Text != "" {
			filled[val.Party] = true
		}
	}
	// The second demo card is a woman's: a role that says so first, then
	// the mother (the catalogue gives parents no sex), then any other.
	best, rank := "", 0
	for _, p := range svc.Parties {
		if !p.FromCard || filled[p.Role] || p.Sex == "M" {
			continue
		}
		r := 1
		switch {
		case p.Sex == "F":
			r = 3
		case p.Role == "mother":
			r = 2
		case p.Role == "father":
			r = 0
		}
		if best == "" || r > rank {
			best, rank = p.Role, r
		}
	}
	return best
}

// consentChecks are the review's consent boxes (not the desk's top-bar
// switch for the on-screen keyboard).
func (r *rig) consentChecks() []*widget.Check {
	var out []*widget.Check
	r.ui(func() {
		for _, o := range r.objects() {
			if c, ok := o.(*widget.Check); ok && c.Visible() && c.Text != w("kb.ondesk") {
				out = append(out, c)
			}
		}
	})
	return out
}

// buttons counts the visible, enabled buttons whose text starts with label.
func (r *rig) buttons(label string) int {
	n := 0
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && b.Visible() && !b.Disabled() && strings.HasPrefix(strings.ReplaceAll(b.Text, "\n", " "), label) {
				n++
			}
		}
	})
	return n
}

// tapExact taps the visible button whose text is label.
func (r *rig) tapExact(label string) {
	r.t.Helper()
	var found *widget.Button
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && b.Visible() && !b.Disabled() && b.Text == label {
				found = b
			}
		}
	})
	if found == nil {
		r.t.Fatalf("no button %q on %q: %v", label, r.app.Screen(), r.texts())
	}
	r.ui(func() { test.Tap(found) })
}

// submitService drives one service from the card on the reader to the
// receipt through the screens: continue, the tile (turning pages at a
// kiosk), the second card where the service needs one (at a desk, for
// every service with a second card party), every settled address in one
// tap, every required question typed, review (which names the service
// and, for a combined service, each agency), one consent tick per person,
// submit. It fails the test with what the screen shows when a step is
// impossible.
func (r *rig) submitService(svc *catalog.Service) visit {
	r.t.Helper()
	start := time.Now()
	n := r.reviewService(svc)
	tap := func(label string) { r.t.Helper(); r.tap(label); n++ }
	// One tick per person whose data goes (the deceased's relative agrees
	// for them), each ticked by its own tap.
	v := r.app.eng.View()
	people := 0
	for _, val := range v.Values {
		if val.Field.Source == "card:id_number" && val.Text != "" && val.Party != "deceased" {
			people++
		}
	}
	checks := r.consentChecks()
	if len(checks) != people || len(v.Consents) != people {
		r.t.Fatalf("%s: %d consent boxes, %d consenters for %d people: %v", svc.Code, len(checks), len(v.Consents), people, r.texts())
	}
	for _, c := range checks {
		r.ui(func() { test.Tap(c) })
		n++
	}
	tap(w("review.submit"))
	r.wait("receipt")
	return visit{actions: n, took: time.Since(start)}
}

// reviewService drives one service from the card on the reader to its
// review (see submitService) and returns the pointer actions it took.
func (r *rig) reviewService(svc *catalog.Service) int {
	r.t.Helper()
	n := 0
	tap := func(label string) { r.t.Helper(); r.tap(label); n++ }
	r.readCard(cardGenuine)
	tap(w("id.continue"))
	r.wait("services")
	for !r.sees(svc.NameVI) && r.canTap(w("services.more")) {
		tap(w("services.more"))
	}
	tap(svc.NameVI)
	if r.app.mode == Kiosk { // the tile opens the detail first
		r.wait("services.detail")
		tap(w("detail.choose"))
	}
	r.wait("form")
	if role := r.secondRole(svc); role != "" {
		if r.app.eng.View().WaitingFor != role {
			p, _ := svc.Party(role)
			r.tapExact(p.LabelVI) // the officer says whose card comes next
			n++
			r.waitFor(func() bool { return r.app.eng.NextRole() == role })
		}
		r.deck.Remove()
		r.insert(cardSecond)
		r.wait("key")
		r.app.Scanned(r.deck.QR(cardSecond))
		filled := func() bool {
			if r.app.Screen() != "form" {
				return false
			}
			for _, val := range r.app.eng.View().Values {
				if val.Party == role && val.Field.Source == "card:id_number" && val.Text != "" {
					return true
				}
			}
			return false
		}
		r.waitFor(filled)
		if !filled() {
			got := r.app.eng.View()
			r.t.Fatalf("%s: the second card did not fill %s: %s %v", svc.Code, role, got.Notice, r.texts())
		}
	}
	// Addresses converted to today's units: one tap each, each on the
	// form as redrawn after the last (as a person sees it).
	for i := 0; i < 8; i++ {
		v := r.app.eng.View()
		label := ""
		for _, val := range v.Values {
			if val.Locked && val.NeedsConfirmation {
				label = w("form.confirm")
				if len(val.Choices) > 0 {
					label = val.Choices[0]
				}
				break
			}
		}
		if label == "" {
			break
		}
		before := r.buttons(label)
		tap(label)
		r.waitFor(func() bool { return r.buttons(label) < before })
	}
	// Every required question, typed into its field or picked.
	for _, f := range r.fields() {
		if f.spec != nil && f.spec.Required && f.Text == "" {
			s := sampleFor(f.spec, r.app.mode)
			if s == "" {
				r.t.Fatalf("%s: no sample for %s pattern %q", svc.Code, f.spec.ID, f.spec.Pattern)
			}
			r.ui(func() { f.SetText(s) })
			n++
		}
	}
	r.ui(func() {
		for _, o := range r.objects() {
			if s, ok := o.(*widget.Select); ok && s.Selected == "" && len(s.Options) > 0 {
				s.SetSelected(s.Options[0])
				n += 2 // open the list, pick
			}
		}
	})
	tap(w("form.next"))
	r.waitFor(func() bool { return r.app.Screen() == "review" || len(r.app.eng.View().Problems) > 0 })
	if r.app.Screen() != "review" {
		r.t.Fatalf("%s: review refused: %v", svc.Code, r.texts())
	}
	if !r.sees(svc.NameVI) {
		r.t.Errorf("%s: review does not name the service", svc.Code)
	}
	if len(svc.Produces) > 0 {
		if !r.sees(w("review.bundle")) {
			r.t.Errorf("%s: review does not say a dossier goes to each agency", svc.Code)
		}
		for _, c := range svc.Produces {
			if !r.sees(c.NameVI) {
				r.t.Errorf("%s: review does not name %s (%s)", svc.Code, c.Code, c.NameVI)
			}
		}
	}
	return n
}

// waitFor polls cond (bounded: 10 s).
func (r *rig) waitFor(cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !cond() {
		time.Sleep(2 * time.Millisecond)
	}
}

// TestEveryServiceEveryMode submits every service of the catalogue at a
// kiosk and at a desk (with the second card for every multi-party
// service), through the screens, with the demo deck and the sample
// commune table, and checks the outbox: one dossier per service, one per
// agency for a combined service (one bundle, one receipt listing them),
// each person's consent recorded, typed dates stored as yyyy-mm-dd.
func TestEveryServiceEveryMode(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 25 services × 2 modes")
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Errors) > 0 {
		t.Fatalf("catalogue files skipped: %v", cat.Errors)
	}
	tab := sampleTable(t)
	ran := map[Mode]int{}
	for _, mode := range []Mode{Kiosk, Desk} {
		for _, svc := range cat.Services() {
			t.Run(fmt.Sprintf("%s/%s", mode, svc.Code), func(t *testing.T) {
				r := newRig(t, mode, func(c *engine.Config) { c.Table = tab })
				v := r.submitService(svc)
				recs, err := r.box.List(outbox.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				want := []string{svc.Code}
				if len(svc.Produces) > 0 {
					want = nil
					for _, c := range svc.Produces {
						want = append(want, c.Code)
					}
				}
				if len(recs) != len(want) {
					t.Fatalf("outbox holds %d records, want %d (%v)", len(recs), len(want), want)
				}
				bundles := map[string]bool{}
				for i, rec := range recs {
					if rec.Service != want[i] && rec.Service != svc.SubmitCode() {
						t.Fatalf("record %d stored as %s, want %s", i, rec.Service, want[i])
					}
					b, err := r.box.Payload(rec.UUID)
					if err != nil {
						t.Fatal(err)
					}
					d, err := dossier.Parse(b)
					if err != nil {
						t.Fatal(err)
					}
					if len(d.Consent.Parties) == 0 {
						t.Errorf("%s: no one's consent recorded", rec.Service)
					}
					if d.Bundle != nil {
						bundles[d.Bundle.ID] = true
					}
					for _, f := range svc.Fields {
						if f.Type == "date" && f.Source == "" && f.Required && !strings.Contains(string(b), `"2026-11-02"`) {
							t.Errorf("%s: the typed date %s is not stored as 2026-11-02", rec.Service, f.ID)
						}
					}
				}
				if len(svc.Produces) > 0 && len(bundles) != 1 {
					t.Fatalf("a combined visit filed under %d bundle IDs", len(bundles))
				}
				if !r.sees(svc.NameVI) {
					t.Errorf("the receipt does not name the service: %v", r.texts())
				}
				if len(svc.Produces) > 0 {
					for _, rec := range recs {
						if !r.sees(shortRef(rec.UUID)) {
							t.Errorf("the receipt does not list %s (%s): %v", rec.Service, shortRef(rec.UUID), r.texts())
						}
					}
				}
				ran[mode]++
				t.Logf("%d pointer actions, %v", v.actions, v.took.Round(time.Millisecond))
			})
		}
	}
	// Every service in both modes (unless -run picked some subtests).
	if n := len(cat.Services()); !strings.Contains(flag.Lookup("test.run").Value.String(), "/") && (ran[Kiosk] != n || ran[Desk] != n) {
		t.Fatalf("submitted %d services at the kiosk and %d at the desk, of %d", ran[Kiosk], ran[Desk], n)
	}
}

// TestMarriageRolesFromSex: whichever card comes first, the woman's is
// filed as the bride and the man's as the groom, and the form and review
// have a heading per party.
func TestMarriageRolesFromSex(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine) // a man
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Đăng ký kết hôn")
	r.wait("form")
	v := r.app.eng.View()
	if v.WaitingFor != "spouse_1" {
		t.Fatalf("after the man's card the form waits for %q, want the bride (spouse_1)", v.WaitingFor)
	}
	for _, val := range v.Values {
		if val.Field.Source == "card:full_name" && val.Text != "" && val.Party != "spouse_2" {
			t.Fatalf("the man's name filed under %s", val.Party)
		}
	}
	r.see("Bên nam")
	r.see("Đặt thẻ của Bên nữ")
	// A second man's card is refused for the bride, in words.
	r.deck.Remove()
	r.insert(cardGenuine)
	r.wait("key")
	r.app.Scanned(r.deck.QR(cardGenuine))
	r.see(w("notice.notforform")[:20])
	r.deck.Remove()
	r.insert(cardSecond)
	r.wait("key")
	r.app.Scanned(r.deck.QR(cardSecond))
	r.waitFor(func() bool { return r.app.eng.View().WaitingFor == "" })
	r.see("Bên nữ")
	if strings.Contains(strings.Join(r.texts(), "|"), "Đặt thẻ của") {
		t.Fatalf("still asks for a card: %v", r.texts())
	}
}

// TestSplitCommunePicked: the reference citizen's ward was split; the
// form offers both new wards and one tap settles the address, still
// locked as the card's.
func TestSplitCommunePicked(t *testing.T) {
	r := newRig(t, Kiosk, func(c *engine.Config) { c.Table = sampleTable(t) })
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	for !r.sees("Đăng ký thường trú") && r.canTap(w("services.more")) {
		r.tap(w("services.more"))
	}
	r.choose("Đăng ký thường trú")
	r.wait("form")
	r.see(w("form.pick"))
	r.tap("Kim Ngưu, Phường Vĩnh Hưng")
	r.waitFor(func() bool { return !r.sees(w("form.pick")) })
	for _, val := range r.app.eng.View().Values {
		if val.Field.Source == "card:residence_today" && val.Party == "applicant" {
			if val.NeedsConfirmation || !val.Locked || !strings.Contains(val.Text, "Vĩnh Hưng") {
				t.Fatalf("after the pick: %+v", val)
			}
		}
	}
}

func mustService(t testing.TB, code string) *catalog.Service {
	t.Helper()
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cat.Service(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	return s
}

// canTap reports whether an enabled button starting with label is on screen.
func (r *rig) canTap(label string) bool {
	ok := false
	r.ui(func() {
		for _, o := range r.objects() {
			if b, is := o.(*widget.Button); is && b.Visible() && !b.Disabled() && strings.HasPrefix(strings.ReplaceAll(b.Text, "\n", " "), label) {
				ok = true
			}
		}
	})
	return ok
}
