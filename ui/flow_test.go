package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"motcua/hwtest/simcard"
	"motcua/kiosk/dossier"
	"motcua/kiosk/engine"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
	"motcua/sync/outbox"
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

// reopenable is the outbox a real store sits behind: closed for real
// (after a number of adds, or at once), as when the store is shut under
// the kiosk, and opened again on the same directory.
type reopenable struct {
	mu         sync.Mutex
	dir        string
	s          *outbox.Store
	closeAfter int // close the store after this many more adds (0: never)
}

func newReopenable(t *testing.T) *reopenable {
	o := &reopenable{dir: filepath.Join(t.TempDir(), "outbox")}
	o.reopen(t)
	return o
}

func (o *reopenable) store() *outbox.Store { o.mu.Lock(); defer o.mu.Unlock(); return o.s }

func (o *reopenable) Add(ctx context.Context, service string, payload []byte) (string, error) {
	id, err := o.store().Add(ctx, service, payload)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil && o.closeAfter > 0 {
		if o.closeAfter--; o.closeAfter == 0 {
			o.s.Close()
		}
	}
	return id, err
}
func (o *reopenable) Counts() (map[outbox.State]int, error)         { return o.store().Counts() }
func (o *reopenable) List(f outbox.Filter) ([]outbox.Record, error) { return o.store().List(f) }
func (o *reopenable) Requeue(uuid string) error                     { return o.store().Requeue(uuid) }
func (o *reopenable) Dir() string                                   { return o.store().Dir() }

func (o *reopenable) close() { o.store().Close() }

func (o *reopenable) reopen(t *testing.T) {
	t.Helper()
	s, err := outbox.Open(o.dir, outbox.Options{Device: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	o.s = s
	o.mu.Unlock()
	t.Cleanup(func() { s.Close() })
}

// tickAll ticks every consent box on the review.
func (r *rig) tickAll() {
	for _, c := range r.consentChecks() {
		r.ui(func() { test.Tap(c) })
	}
}

// TestSubmitFailureShownAndRetried: the store is closed when the citizen
// submits; the review stays with the values, says in plain Vietnamese
// that nothing is lost and what to do, the button says "Gửi lại"; once
// the store is back one tap files the dossier, once.
func TestSubmitFailureShownAndRetried(t *testing.T) {
	box := newReopenable(t)
	r := newRig(t, Kiosk, func(c *engine.Config) { c.Outbox = box })
	svc := mustService(t, "1.000466")
	r.reviewService(svc)
	box.close()
	r.tickAll()
	r.tap(w("review.submit"))
	r.see(w("save.closed"))
	for _, s := range []string{w("save.kept"), w("save.wait"), svc.NameVI, "0912345678"} {
		if !r.sees(s) {
			t.Errorf("after the failed save the review lacks %q: %v", s, r.texts())
		}
	}
	if e := r.english(); len(e) > 0 {
		t.Errorf("the failure shows English: %q", e)
	}
	if r.app.Screen() != "review" || !r.canTap(w("review.retry")) {
		t.Fatalf("no retry on %s: %v", r.app.Screen(), r.texts())
	}
	r.fits(t, "review after a failed save")
	box.reopen(t)
	r.tap(w("review.retry"))
	r.wait("receipt")
	recs, err := box.store().List(outbox.Filter{})
	if err != nil || len(recs) != 1 || recs[0].Service != svc.Code || !r.sees(shortRef(recs[0].UUID)) {
		t.Fatalf("after the retry: %+v %v", recs, err)
	}
}

// TestBundlePartialFailureRetried: at a desk, a combined birth
// registration's store closes after the first of its three dossiers; the
// review says one of three is saved, offers no way back to the form (the
// saved dossier would no longer match), and the retry files the other two
// under the same bundle; the receipt lists all three.
func TestBundlePartialFailureRetried(t *testing.T) {
	box := newReopenable(t)
	r := newRig(t, Desk, func(c *engine.Config) { c.Outbox = box; c.Table = sampleTable(t) })
	svc := mustService(t, "1.003583")
	r.reviewService(svc)
	r.fits(t, "review of a combined service")
	if e := r.english(); len(e) > 0 {
		t.Errorf("the combined review shows English: %q", e)
	}
	box.mu.Lock()
	box.closeAfter = 1
	box.mu.Unlock()
	r.tickAll()
	r.tap(w("review.submit"))
	r.see(fmt.Sprintf(w("save.partial"), 1, 3))
	if r.canTap(w("review.back")) {
		t.Fatalf("back to the form with one dossier saved: %v", r.texts())
	}
	box.reopen(t)
	r.tap(w("review.retry"))
	r.wait("receipt")
	recs, err := box.store().List(outbox.Filter{})
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records: %v", len(recs), err)
	}
	for _, rec := range recs {
		if !r.sees(shortRef(rec.UUID)) {
			t.Errorf("the receipt does not list %s: %v", rec.Service, r.texts())
		}
	}
	r.see(w("receipt.bundle"))
	r.fits(t, "receipt of a combined service")
}

// TestSaveFailureWords: every reason a save fails reads as plain
// Vietnamese (no English), says the dossier is kept, and tells the
// citizen to wait or to see an officer.
func TestSaveFailureWords(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	svc := mustService(t, "1.000466")
	seen := map[string]bool{}
	for _, f := range []engine.SaveFailure{engine.SaveDiskFull, engine.SaveReadOnly, engine.SaveClosed, engine.SaveLocked, engine.SaveOther} {
		v := engine.View{Step: engine.StepReview, Service: svc, Notice: engine.NoticeSaveFailed, SaveFailure: f,
			Detail: "outbox: disk full: no space left on device"}
		r.ui(func() { r.app.showReview(v) })
		text := r.app.saveFailedText(v)
		if seen[text] || !r.sees(w("save."+string(f))) || !r.sees(w("save.kept")) || !r.canTap(w("review.retry")) {
			t.Errorf("%s: %q %v", f, text, r.texts())
		}
		seen[text] = true
		if e := r.english(); len(e) > 0 || strings.Contains(text, "disk") {
			t.Errorf("%s shows English: %q", f, e)
		}
	}
}

// TestConsentPerSpouse: a marriage's review has a box per spouse with
// their name; one tick is not enough and the screen names who has not
// agreed; both ticks file the dossier with both consents.
func TestConsentPerSpouse(t *testing.T) {
	r := newRig(t, Desk, nil)
	svc := mustService(t, "1.000894")
	r.reviewService(svc)
	bride := simcard.NewProfile(7).Identity.FullName
	checks := r.consentChecks()
	if len(checks) != 2 || !strings.Contains(checks[0].Text, "Bên nữ ("+bride+")") || !strings.Contains(checks[1].Text, "Bên nam") {
		t.Fatalf("consent boxes: %v", r.texts())
	}
	r.ui(func() { test.Tap(checks[1]) }) // the groom agrees
	r.tap(w("review.submit"))
	r.see(strings.Split(w("review.needagreeof"), "%s")[0] + "Bên nữ (" + bride + ")")
	if recs, _ := r.box.List(outbox.Filter{}); len(recs) != 0 {
		t.Fatal("filed with one spouse's consent")
	}
	bc := r.consentChecks()[0]
	r.ui(func() { test.Tap(bc) }) // the bride agrees
	r.waitFor(func() bool { return !r.sees(strings.Split(w("review.needagreeof"), "%s")[0]) })
	r.tap(w("review.submit"))
	r.wait("receipt")
	recs, _ := r.box.List(outbox.Filter{})
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	b, _ := r.box.Payload(recs[0].UUID)
	d, err := dossier.Parse(b)
	if err != nil || len(d.Consent.Parties) != 2 {
		t.Fatalf("consents %+v %v", d.Consent, err)
	}
}

// TestDateTypedDayFirst: a date typed on the digits pad as ddmmyyyy is
// refused in plain words when the day cannot exist, shown day first once
// right, and stored as the catalogue's yyyy-mm-dd.
func TestDateTypedDayFirst(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	for !r.sees("Đăng ký khai tử") && r.canTap(w("services.more")) {
		r.tap(w("services.more"))
	}
	r.tapExact("Đăng ký khai tử")
	r.wait("services.detail")
	r.tap(w("detail.choose"))
	r.wait("form")
	var date *field
	for _, f := range r.fields() {
		if f.spec != nil && f.spec.ID == "ngay_chet" {
			date = f
		}
	}
	if date == nil || !date.digits || date.PlaceHolder != w("form.datehint") {
		t.Fatalf("no date field on the digits pad: %+v", date)
	}
	r.ui(func() { r.app.kb.attach(date) })
	for _, k := range "31022026" {
		r.ui(func() { r.app.kb.press(k) })
	}
	r.tap(w("form.next"))
	r.see("31/02/2026 không có thật")
	for _, f := range r.fields() {
		if f.spec != nil && f.spec.ID == "ngay_chet" {
			date = f
		}
	}
	r.ui(func() { date.SetText("05112026") })
	if got := r.app.eng.View(); !strings.Contains(fmt.Sprint(values(got)), "2026-11-05") {
		t.Fatalf("not stored as yyyy-mm-dd: %v", values(got))
	}
	r.ui(func() { r.app.render() })
	for _, f := range r.fields() {
		if f.spec != nil && f.spec.ID == "ngay_chet" && f.Text != "05/11/2026" {
			t.Fatalf("the date shows as %q, want 05/11/2026", f.Text)
		}
	}
}

// values are the form's texts.
func values(v engine.View) []string {
	var out []string
	for _, val := range v.Values {
		out = append(out, val.Text)
	}
	return out
}

// TestReviewFitsKiosk: a kiosk's review with a box per spouse, and a
// combined service's review with what each agency receives, fit every
// window size and text size with the consent and the buttons in view.
func TestReviewFitsKiosk(t *testing.T) {
	for _, code := range []string{"1.000894", "1.003720"} {
		r := newRig(t, Kiosk, func(c *engine.Config) { c.Table = sampleTable(t) })
		r.reviewService(mustService(t, code))
		r.fits(t, "review of "+code)
		if e := r.english(); len(e) > 0 {
			t.Errorf("review of %s shows English: %q", code, e)
		}
	}
}

// TestFormKeepsItsPlace: confirming an address far down the form redraws
// it without jumping back to the top (the citizen keeps their place).
func TestFormKeepsItsPlace(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Đăng ký kết hôn")
	r.wait("form")
	r.ui(func() {
		s := r.app.kept.scroll
		s.Offset = fyne.NewPos(0, 200)
		s.Refresh()
	})
	r.tap(w("form.confirm"))
	r.waitFor(func() bool { return !r.sees(w("form.confirm")) })
	var y float32
	r.ui(func() { y = r.app.kept.scroll.Offset.Y })
	if y < 150 {
		t.Fatalf("the form jumped back to %v after a confirm", y)
	}
}

// TestFormShowsNewProblems: a refused review brings the form back to its
// top, where the problems are listed.
func TestFormShowsNewProblems(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Đăng ký kết hôn")
	r.wait("form")
	r.ui(func() {
		s := r.app.kept.scroll
		s.Offset = fyne.NewPos(0, 200)
		s.Refresh()
	})
	r.tap(w("form.next"))
	r.see("cần điền thông tin này")
	var y float32
	r.ui(func() { y = r.app.kept.scroll.Offset.Y })
	if y != 0 {
		t.Fatalf("the problems are above the fold: offset %v", y)
	}
}
