package ui

import (
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
	"motcua/kiosk/engine"
	"motcua/sync/outbox"
)

// sampleFor is a valid answer to a typed form field, as a citizen would
// type it (the form's own validation then judges it).
func sampleFor(f *catalog.Field) string {
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
	s := map[string]string{"date": "2026-11-02", "sex": "Nữ", "id12": "001093047064", "phone": "0912345678",
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

// submitService drives one service from the card on the reader to the
// receipt through the screens: continue, the tile (turning pages at a
// kiosk), the second card where the service needs one, every settled
// address in one tap, every required question typed, review, consent,
// submit. It fails the test with what the screen shows when a step is
// impossible.
func (r *rig) submitService(svc *catalog.Service) visit {
	r.t.Helper()
	start := time.Now()
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
	if v := r.app.eng.View(); v.WaitingFor != "" {
		if p, _ := svc.Party(v.WaitingFor); p.Min > 0 {
			r.deck.Remove()
			r.insert(cardSecond)
			r.wait("key")
			r.app.Scanned(r.deck.QR(cardSecond))
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) && (r.app.Screen() != "form" || r.app.eng.View().WaitingFor == v.WaitingFor) {
				time.Sleep(2 * time.Millisecond)
			}
			if got := r.app.eng.View(); got.WaitingFor == v.WaitingFor {
				r.t.Fatalf("%s: the second card did not fill %s: %s %v", svc.Code, v.WaitingFor, got.Notice, r.texts())
			}
		}
	}
	// Addresses converted to today's units: one tap each.
	for i := 0; i < 8; i++ {
		v := r.app.eng.View()
		var pending bool
		for _, val := range v.Values {
			if val.Locked && val.NeedsConfirmation {
				pending = true
				if len(val.Choices) > 0 {
					tap(val.Choices[0])
				} else {
					tap(w("form.confirm"))
				}
				break
			}
		}
		if !pending {
			break
		}
		r.waitFor(func() bool { return r.app.Screen() == "form" })
	}
	// Every required question, typed into its field or picked.
	for _, f := range r.fields() {
		if f.spec != nil && f.spec.Required && f.Text == "" {
			s := sampleFor(f.spec)
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
	r.ui(func() {
		for _, o := range r.objects() {
			if c, ok := o.(*widget.Check); ok {
				test.Tap(c)
			}
		}
	})
	n++
	tap(w("review.submit"))
	r.wait("receipt")
	return visit{actions: n, took: time.Since(start)}
}

// waitFor polls cond (bounded: 10 s).
func (r *rig) waitFor(cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !cond() {
		time.Sleep(2 * time.Millisecond)
	}
}

// TestEveryServiceEveryMode submits every service of the catalogue at a
// kiosk and at a desk, through the screens, with the demo deck and the
// sample commune table, and checks the outbox holds its dossier.
func TestEveryServiceEveryMode(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 25 services × 2 modes")
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	tab := sampleTable(t)
	for _, mode := range []Mode{Kiosk, Desk} {
		for _, svc := range cat.Services() {
			t.Run(fmt.Sprintf("%s/%s", mode, svc.Code), func(t *testing.T) {
				r := newRig(t, mode, func(c *engine.Config) { c.Table = tab })
				v := r.submitService(svc)
				recs, err := r.box.List(outbox.Filter{})
				if err != nil || len(recs) != 1 {
					t.Fatalf("outbox: %+v %v", recs, err)
				}
				if recs[0].Service != svc.Code && recs[0].Service != svc.SubmitCode() {
					t.Fatalf("stored as %s", recs[0].Service)
				}
				if !r.sees(svc.NameVI) {
					t.Errorf("the receipt does not name the service: %v", r.texts())
				}
				t.Logf("%d pointer actions, %v", v.actions, v.took.Round(time.Millisecond))
			})
		}
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
