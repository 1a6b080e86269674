package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/engine"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

// TestDeskMultiParty drives marriage through the screens: the first
// spouse's card, the tile, the form asking for the second card, the card
// change (the form keeps its data), the second card read into the form.
func TestDeskMultiParty(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Đăng ký kết hôn")
	r.wait("form")
	waiting := strings.Split(w("form.waitcard"), "%s")[0]
	if !r.sees(waiting) {
		t.Fatalf("the form does not say to place the second card: %v", r.texts())
	}
	r.deck.Remove()
	r.wait("form") // the visit keeps its data for the second card
	r.insert(cardSecond)
	r.wait("key")
	r.app.Scanned(r.deck.QR(cardSecond))
	second := simcard.NewProfile(7).Identity.IDNumber
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !(r.app.Screen() == "form" && r.sees(second)) {
		time.Sleep(2 * time.Millisecond)
	}
	if !r.sees(second) || r.sees(waiting) {
		t.Fatalf("second spouse not on the form: %v", r.texts())
	}
}

// TestAdminPINBackOff: wrong PINs are refused, then locked with the time
// to wait; the screen never opens while locked.
func TestAdminPINBackOff(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	try := func(pin string) {
		r.tap(w("admin.title"))
		fs := r.fields()
		if len(fs) == 0 {
			t.Fatal("no PIN field")
		}
		r.ui(func() { fs[len(fs)-1].SetText(pin) })
		r.tap(w("admin.open"))
		time.Sleep(20 * time.Millisecond) // let a wrongly opened screen show
	}
	closeDialogs := func() {
		r.ui(func() {
			for _, o := range r.app.win.Canvas().Overlays().List() {
				r.app.win.Canvas().Overlays().Remove(o)
			}
		})
	}
	try("111111")
	r.see(w("admin.wrongpin"))
	if r.app.Screen() == "admin" {
		t.Fatal("a wrong PIN opened the screen")
	}
	closeDialogs()
	try("111111")
	closeDialogs()
	try("111111")
	r.see(strings.Split(w("admin.locked"), "%s")[0]) // back-off after three wrong PINs
	closeDialogs()
	try("246813")
	if r.app.Screen() == "admin" {
		t.Fatal("the right PIN opened the screen during the back-off")
	}
	closeDialogs()
	r.clock.Add(31 * time.Second)
	try("246813")
	r.wait("admin")
	if !r.sees(r.reader.Name()) {
		t.Fatalf("admin screen lacks the reader: %v", r.texts())
	}
	r.tap(w("admin.close"))
	r.wait("attract")
}

// TestDemoBanner: the demo says so on every screen.
func TestDemoBanner(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	for _, step := range []func(){
		func() { r.wait("attract") },
		func() { r.insert(cardGenuine); r.wait("key") },
		func() { r.app.Scanned(r.deck.QR(cardGenuine)); r.wait("identity") },
	} {
		step()
		if !r.sees(w("demo.banner")) {
			t.Fatalf("no demo banner on %s: %v", r.app.Screen(), r.texts())
		}
	}
}

// TestPhotoRefusedShown: a photo the engine refused is a clear line where
// the photo would be.
func TestPhotoRefusedShown(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.wait("attract")
	p := prefill.FromRead(&cccd.ReadResult{Identity: simcard.ReferenceProfile().Identity,
		Verification: &cccd.Verification{Passive: cccd.PassiveVerified}})
	v := engine.View{Step: engine.StepIdentity, Person: &p, PhotoState: engine.PhotoRefused}
	r.ui(func() { r.app.showIdentity(v) })
	if !r.sees(w("id.photorefused")) || r.sees(w("id.nophoto")) {
		t.Fatalf("refused photo: %v", r.texts())
	}
}

// TestNotaryScreen: the act number typed for the first party stays for
// the second; saving says success, offers to open the printable page, and
// a second tap on save writes nothing more.
func TestNotaryScreen(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, Notary, func(c *engine.Config) { c.Notary = engine.NotaryConfig{NotaryID: "CCV-0001", Dir: dir} })
	r.readCardTo(cardGenuine, "notary")
	if !r.sees(w("badge.verified")) || !r.sees(w("notary.party")+" 1") {
		t.Fatalf("notary view: %v", r.texts())
	}
	fs := r.fields()
	r.ui(func() { fs[0].SetText("123/2026/CC") })
	r.tap(w("notary.another"))
	r.wait("attract")
	r.deck.Remove()
	r.readCardTo(cardSecond, "notary")
	if fs := r.fields(); len(fs) == 0 || fs[0].Text != "123/2026/CC" {
		t.Fatalf("the act number was lost for the second party")
	}
	r.tap(w("notary.save"))
	r.see(w("notary.saved"))
	r.see(w("record.open"))
	r.ui(func() { r.app.eng.SaveNotary("123/2026/CC") }) // a second save
	time.Sleep(50 * time.Millisecond)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("records written: %v", files)
	}
}

// TestIdleDialog: the engine's "still there?" is a dialog; answering it
// closes it and keeps the visit.
func TestIdleDialog(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.clock.Add(91 * time.Second)
	r.app.eng.Tick()
	r.see(w("idle.body"))
	r.tap(w("idle.yes"))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && r.sees(w("idle.body")) {
		time.Sleep(2 * time.Millisecond)
	}
	if r.sees(w("idle.body")) || r.app.Screen() != "identity" {
		t.Fatalf("after answering: %s %v", r.app.Screen(), r.texts())
	}
}
