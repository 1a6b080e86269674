package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
)

// TestKioskRedBadgeSeeOfficer: at a kiosk a card that failed its checks
// reads plain words, "Xin mời gặp cán bộ" is the one action (no way to go
// on), and it ends the visit.
func TestKioskRedBadgeSeeOfficer(t *testing.T) {
	for _, card := range []int{cardAltered, cardClone} {
		r := newRig(t, Kiosk, nil)
		r.readCard(card)
		r.see(w("badge.seeofficer"))
		if r.canTap(w("id.continue")) {
			t.Fatalf("card %d: a forged card can go on at a kiosk: %v", card, r.texts())
		}
		r.tapFirst(w("id.seeofficer"))
		r.wait("attract")
		if r.app.eng.View().Person != nil {
			t.Fatal("the visit was not wiped")
		}
	}
}

// TestKioskMasksID: the kiosk's identity screen shows the ID as 3+3.
func TestKioskMasksID(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	id := simcard.ReferenceProfile().Identity.IDNumber
	if r.sees(id) || !r.sees(cccd.MaskID(id)) {
		t.Fatalf("ID not masked 3+3: %v", r.texts())
	}
}

// TestIdleCountdownShown: "still there?" shows the seconds left.
func TestIdleCountdownShown(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.clock.Add(91 * time.Second)
	r.app.eng.Tick()
	r.see(strings.Split(w("idle.closes"), "%d")[0])
	r.see("30")
}

// TestDatesDayFirst: dates read dd/MM/yyyy whatever layout they came in
// (the clinic's BHYT dates printed "26//2/30/0" before).
func TestDatesDayFirst(t *testing.T) {
	for in, want := range map[string]string{"2026-02-03": "03/02/2026", "20300226": "26/02/2030", "26/02/2030": "26/02/2030", "": "", "không rõ": "không rõ"} {
		if got := dmy(in); got != want {
			t.Errorf("dmy(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeskPhysicalTelex: at a desk the PC's keyboard composes Telex in
// the app's own fields, Backspace takes back a tone, and focusing a field
// brings no on-screen keyboard unless asked.
func TestDeskPhysicalTelex(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Cấp Phiếu lý lịch tư pháp")
	r.wait("form")
	var f *field
	for _, x := range r.fields() {
		if x.spec != nil && !x.digits && x.spec.Type != "date" && x.spec.Type != "email" {
			f = x
			break
		}
	}
	if f == nil {
		t.Fatal("no text field")
	}
	r.ui(func() { r.app.win.Canvas().Focus(f) })
	if r.app.kb.box.Visible() {
		t.Fatal("the on-screen keyboard came up on a desk")
	}
	r.ui(func() { test.Type(f, "Nguyeenx Vawn Thuwr") })
	if f.Text != "Nguyễn Văn Thử" {
		t.Fatalf("typed %q", f.Text)
	}
	r.ui(func() { f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) })
	if f.Text != "Nguyễn Văn Thư" {
		t.Fatalf("after Backspace %q", f.Text)
	}
	for _, v := range r.app.eng.View().Values {
		if v.Field == f.spec && v.Text != "Nguyễn Văn Thư" {
			t.Fatalf("the engine has %q", v.Text)
		}
	}
}

// TestDeskOfficerChoosesRole: for a birth registration the officer says
// the next card is the mother's (the default would file it as the
// father's), in one tap.
func TestDeskOfficerChoosesRole(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Đăng ký khai sinh")
	r.wait("form")
	r.see(w("form.nextcard"))
	r.tap("Mẹ")
	r.waitFor(func() bool { return r.app.eng.NextRole() == "mother" })
	r.deck.Remove()
	r.insert(cardSecond)
	r.wait("key")
	r.app.Scanned(r.deck.QR(cardSecond))
	second := simcard.NewProfile(7).Identity.IDNumber
	r.waitFor(func() bool {
		for _, v := range r.app.eng.View().Values {
			if v.Text == second {
				return true
			}
		}
		return false
	})
	found := false
	for _, v := range r.app.eng.View().Values {
		if v.Text == second {
			found = true
			if v.Party != "mother" {
				t.Fatalf("the second card was filed under %s", v.Party)
			}
		}
	}
	if !found {
		t.Fatal("the second card is not on the form")
	}
	if r.app.eng.NextRole() != "" {
		t.Fatal("the choice outlived its card")
	}
}
