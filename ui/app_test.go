package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/clinic/gatewaytest"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/pa"
	"motcua/sync/outbox"
)

// Demo deck indexes (simcard.DemoDeck).
const (
	cardGenuine = 0
	cardSecond  = 1
	cardAltered = 2
	cardClone   = 3
)

// clock is a settable time for idle tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// rig is an app on the simulated reader with a real outbox in a temp dir.
type rig struct {
	t      testing.TB
	app    *App
	deck   *simcard.Deck
	reader *simcard.Reader
	box    *outbox.Store
	clock  *clock
}

func testTrust(t testing.TB) *pa.TrustStore {
	ts, err := simcard.DefaultTrust()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func newRig(t testing.TB, mode Mode, tweak func(*Config)) *rig {
	t.Helper()
	fa := test.NewTempApp(t)
	r := simcard.NewReader("Simulated reader (test)")
	deck := simcard.DemoDeck(r)
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"), outbox.Options{Device: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	cfg := Config{Mode: mode, Terminal: r, Catalog: cat, Outbox: box, Demo: deck, Device: "test-kiosk",
		AdminPIN: "2468", Idle: 90 * time.Second, Grace: 30 * time.Second, Now: clk.Now,
		ReadOptions: reader.Options{Trust: testTrust(t)}}
	if tweak != nil {
		tweak(&cfg)
	}
	a, err := New(fa, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Start(context.Background())
	t.Cleanup(func() {
		a.Stop()
		box.Close()
	})
	return &rig{t: t, app: a, deck: deck, reader: r, box: box, clock: clk}
}

// wait polls until the screen is name (bounded: 10 s).
func (r *rig) wait(name string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.app.Screen() == name {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("screen %q did not appear; on %q showing:\n%s", name, r.app.Screen(), strings.Join(r.texts(), " | "))
}

// ui runs f as UI work (serialised with card events).
func (r *rig) ui(f func()) {
	r.app.uiMu.Lock()
	defer r.app.uiMu.Unlock()
	f()
}

// objects is every laid-out object of the window and its overlays.
func (r *rig) objects() []fyne.CanvasObject {
	c := r.app.win.Canvas()
	objs := test.LaidOutObjects(c.Content())
	for _, o := range c.Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	return objs
}

func (r *rig) texts() []string {
	var out []string
	r.ui(func() {
		for _, o := range r.objects() {
			switch w := o.(type) {
			case *widget.Label:
				if w.Visible() && w.Text != "" {
					out = append(out, w.Text)
				}
			case *canvas.Text:
				if w.Visible() && w.Text != "" {
					out = append(out, w.Text)
				}
			case *widget.Button:
				if w.Visible() {
					out = append(out, "["+w.Text+"]")
				}
			}
		}
	})
	return out
}

// sees reports whether some label on screen contains s.
func (r *rig) sees(s string) bool {
	for _, t := range r.texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// tap taps the visible button whose text starts with label.
func (r *rig) tap(label string) {
	r.t.Helper()
	var found *widget.Button
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && b.Visible() && !b.Disabled() && strings.HasPrefix(b.Text, label) {
				found = b
			}
		}
	})
	if found == nil {
		r.t.Fatalf("no button %q on %q; showing: %s", label, r.app.Screen(), strings.Join(r.texts(), " | "))
	}
	r.ui(func() { test.Tap(found) })
}

// fields are the keyboard-aware entries on screen, in layout order.
func (r *rig) fields() []*field {
	var out []*field
	r.ui(func() {
		for _, o := range r.objects() {
			if f, ok := o.(*field); ok && f.Visible() {
				out = append(out, f)
			}
		}
	})
	return out
}

func (r *rig) insert(i int) {
	r.t.Helper()
	if err := r.deck.Insert(i); err != nil {
		r.t.Fatal(err)
	}
}

// readCard puts card i on the reader, scans its QR and waits for the
// identity screen.
func (r *rig) readCard(i int) { r.t.Helper(); r.readCardTo(i, "identity") }

// readCardTo is readCard for the screen a mode shows after a read.
func (r *rig) readCardTo(i int, screen string) {
	r.t.Helper()
	r.insert(i)
	r.wait("key")
	r.ui(func() { r.app.Scanned(r.deck.QR(i)) })
	r.wait(screen)
}

func w(key string) string { return T(Vietnamese, key) }

func TestKioskSubmit(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	r.insert(cardGenuine)
	r.wait("key")
	// The citizen types the last six digits of the ID on the digits pad.
	can := simcard.ReferenceProfile().CAN()
	fs := r.fields()
	if len(fs) != 1 {
		t.Fatalf("key screen has %d fields", len(fs))
	}
	r.ui(func() { r.app.kb.attach(fs[0]) })
	for _, d := range can {
		r.tap(string(d))
	}
	r.tap(w("key.read"))
	r.wait("identity")
	if !r.sees(w("badge.verified")) {
		t.Fatalf("a genuine card is not shown verified: %v", r.texts())
	}
	r.tap(w("id.continue"))
	r.wait("services")
	for !r.sees("Xác nhận số Chứng minh nhân dân") && r.sees(w("services.more")) {
		r.tap(w("services.more"))
	}
	r.tap("Xác nhận số Chứng minh nhân dân")
	r.wait("form")
	// Only what the card cannot give is asked: phone, e-mail, reason.
	fs = r.fields()
	if len(fs) != 3 {
		t.Fatalf("form asks %d fields, want 3 (phone, email, reason): %v", len(fs), r.texts())
	}
	r.tap(w("form.next"))
	r.wait("form")
	if !r.sees("cần điền thông tin này") {
		t.Fatalf("missing required values are not explained: %v", r.texts())
	}
	fs = r.fields()
	r.ui(func() { fs[0].SetText("0912345678") })
	// The reason is typed on the on-screen keyboard with Telex.
	r.ui(func() { r.app.kb.attach(fs[2]) })
	for _, k := range "Lamf thur tucj" {
		if k == ' ' {
			r.ui(func() { r.app.kb.press(' ') })
			continue
		}
		r.ui(func() { r.app.kb.press(k) })
	}
	if got := fs[2].Text; got != "Làm thủ tục" {
		t.Fatalf("Telex typed %q, want %q", got, "Làm thủ tục")
	}
	r.tap(w("form.next"))
	r.wait("review")
	r.tap(w("review.submit"))
	if !r.sees(w("review.needagree")) {
		t.Fatal("submitted without consent")
	}
	r.ui(func() {
		for _, o := range r.objects() {
			if c, ok := o.(*widget.Check); ok {
				c.SetChecked(true)
			}
		}
	})
	r.tap(w("review.submit"))
	r.wait("receipt")
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 || recs[0].Service != "1.000466" {
		t.Fatalf("outbox after submit: %+v, %v", recs, err)
	}
	if !r.sees(shortRef(recs[0].UUID)) {
		t.Fatal("the receipt does not show the receipt number")
	}
	payload, err := r.box.Payload(recs[0].UUID)
	if err != nil || !strings.Contains(string(payload), "Làm thủ tục") || !strings.Contains(string(payload), "0912345678") {
		t.Fatalf("stored dossier lacks the typed values: %v", err)
	}
	// Taking the card away ends the visit and wipes it.
	r.deck.Remove()
	r.wait("attract")
	r.ui(func() {
		if r.app.sess.Primary() != nil || r.app.lastRead != nil {
			t.Error("card data survived the end of the visit")
		}
	})
}

func TestIdleWipe(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	var res *cccd.ReadResult
	r.ui(func() { res = r.app.lastRead })
	r.clock.Add(91 * time.Second)
	r.ui(r.app.tick)
	if !r.sees(w("idle.body")) {
		t.Fatalf("no \"still there?\" after the idle time: %v", r.texts())
	}
	r.tap(w("idle.yes"))
	r.ui(r.app.tick)
	if r.app.Screen() != "identity" {
		t.Fatalf("answering \"still there\" left the visit: %s", r.app.Screen())
	}
	r.clock.Add(121 * time.Second)
	r.ui(r.app.tick)
	r.ui(r.app.tick)
	r.wait("attract")
	r.ui(func() {
		if r.app.sess.Primary() != nil || res.IDNumber != "" || len(res.Photo) != 0 {
			t.Error("idle did not wipe the card data")
		}
	})
}

func TestCardPulledMidRead(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	// A slow card (20 ms per APDU), so the read is under way when it goes.
	slow, err := simcard.ReferenceProfile().Card(simcard.CardOptions{Fault: simcard.FaultSlow, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	r.reader.Insert(slow)
	r.wait("key")
	r.ui(func() { r.app.Scanned(r.deck.QR(cardGenuine)) })
	r.wait("reading")
	r.deck.Remove()
	r.wait("attract")
	if !r.sees(w("read.pulled")) {
		t.Fatalf("pulling the card mid-read is not explained: %v", r.texts())
	}
	if r.app.sess.Primary() != nil {
		t.Fatal("a half-read card left data behind")
	}
	// The next tap works.
	r.readCard(cardGenuine)
}

func TestForgedCardBadge(t *testing.T) {
	for _, tc := range []struct {
		card int
		want string
	}{
		{cardAltered, "badge.failed"},
		{cardClone, "badge.clone"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			r := newRig(t, Desk, nil)
			r.readCard(tc.card)
			if !r.sees(w(tc.want)) {
				t.Fatalf("want %q: %v", w(tc.want), r.texts())
			}
			if r.sees(w("badge.verified")) {
				t.Fatal("a forged card is shown verified")
			}
		})
	}
	t.Run("no trust store", func(t *testing.T) {
		r := newRig(t, Kiosk, func(c *Config) { c.ReadOptions.Trust = nil })
		r.readCard(cardGenuine)
		if !r.sees(w("badge.chain")) || r.sees(w("badge.verified")) {
			t.Fatalf("without a trust store the card must not be verified: %v", r.texts())
		}
	})
}

func TestMultiPartyMarriage(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.tap("Đăng ký kết hôn")
	r.wait("form")
	f := r.app.sess.Form()
	second := r.app.missingCardParty()
	if second == "" {
		t.Fatal("marriage does not ask for the second spouse's card")
	}
	if !r.sees(strings.Split(w("form.waitcard"), "%s")[0]) {
		t.Fatalf("the form does not say to place the second card: %v", r.texts())
	}
	r.deck.Remove()
	r.wait("form") // the visit keeps its data for the second card
	r.insert(cardSecond)
	r.wait("key")
	r.ui(func() { r.app.Scanned(r.deck.QR(cardSecond)) })
	deadline := time.Now().Add(10 * time.Second)
	persons := func() (n int) {
		r.ui(func() { n = len(r.app.sess.Form().Persons[second]) })
		return n
	}
	for time.Now().Before(deadline) && persons() == 0 {
		time.Sleep(2 * time.Millisecond)
	}
	r.ui(func() { f = r.app.sess.Form() })
	if got := f.Persons[second]; len(got) != 1 || got[0].Identity.IDNumber != simcard.NewProfile(7).Identity.IDNumber {
		t.Fatalf("second spouse not filed under %s: %+v", second, got)
	}
	r.wait("form")
	if r.app.missingCardParty() != "" {
		t.Fatal("still waiting for a card after both spouses")
	}
}

func TestKeyboardTelexAndVNI(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	f := newField(false)
	r.ui(func() {
		r.app.kb.attach(f)
		for _, k := range "tieengs vieetj" {
			r.app.kb.press(k)
		}
	})
	if f.Text != "tiếng việt" {
		t.Fatalf("Telex: %q", f.Text)
	}
	r.ui(func() {
		r.app.kb.backspace()
		r.app.kb.toggleMethod()
		f.SetText("")
		r.app.kb.editor.Clear()
		r.app.kb.upper = true
		for _, k := range "Vie65t" {
			r.app.kb.press(k)
		}
	})
	if f.Text != "Việt" {
		t.Fatalf("VNI: %q", f.Text)
	}
	d := newField(true)
	r.ui(func() {
		r.app.kb.attach(d)
		for _, k := range "09a12" {
			r.app.kb.press(k)
		}
	})
	if d.Text != "0912" {
		t.Fatalf("digits pad let letters through: %q", d.Text)
	}
}

func TestAdminPIN(t *testing.T) {
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
	}
	try("1111")
	if r.app.Screen() == "admin" {
		t.Fatal("a wrong PIN opened the admin screen")
	}
	r.ui(func() {
		for _, o := range r.app.win.Canvas().Overlays().List() {
			r.app.win.Canvas().Overlays().Remove(o)
		}
	})
	try("2468")
	r.wait("admin")
	if !r.sees("CSCA") || !r.sees(r.reader.Name()) {
		t.Fatalf("admin screen lacks reader or trust store: %v", r.texts())
	}
}

func TestDeskOutboxRetry(t *testing.T) {
	r := newRig(t, Desk, nil)
	id, err := r.box.Add(context.Background(), "1.000466", []byte(`{"synthetic":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.box.MarkNeedsAttention(id, "receiver answered 500 thirty times"); err != nil {
		t.Fatal(err)
	}
	r.ui(r.app.showOutbox)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !r.sees(shortRef(id)) {
		time.Sleep(2 * time.Millisecond)
	}
	if !r.sees("needs_attention") {
		t.Fatalf("outbox view: %v", r.texts())
	}
	r.tap(w("desk.retry"))
	for time.Now().Before(deadline) {
		if rec, _ := r.box.Get(id); rec.State == outbox.Pending {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("retry did not requeue the dossier")
}

func TestClinicCheckIn(t *testing.T) {
	gwState := gatewaytest.New()
	gwState.Users["clinic"] = "secret"
	gwState.Staff["001190000001"] = true
	now := time.Now()
	gwState.People = []gatewaytest.Insured{{IDNumber: "001093047064", CardCode: "DN4010193047064", FullName: "Nguyễn Văn Thử",
		DOB: "05/01/1993", From: now.AddDate(-1, 0, 0), To: now.AddDate(1, 0, 0), Facility: "01001"}}
	gw := httptest.NewServer(gwState)
	defer gw.Close()
	g, err := clinic.NewHTTPGateway(gw.URL, "clinic", "secret")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := newRig(t, Clinic, func(c *Config) {
		c.Clinic = ClinicConfig{Gateway: g, Staff: clinic.Staff{Name: "Lễ Tân Thử", IDNumber: "001190000001"}, Facility: "01001", Dir: dir}
	})
	r.readCard(cardGenuine)
	r.tap(w("clinic.check"))
	r.wait("checkin")
	if !r.sees("DN4010193047064") {
		t.Fatalf("check-in result: %v", r.texts())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "checkin-*.json"))
	if len(files) != 1 {
		t.Fatalf("check-in records: %v", files)
	}
	r.deck.Remove()
	r.wait("attract")
	if r.app.sess.Primary() != nil {
		t.Fatal("clinic kept card data after the card left")
	}
}

func TestNotaryRecord(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Office: "VPCC Thử", Dir: dir} })
	r.insert(cardGenuine)
	r.wait("key")
	r.ui(func() { r.app.Scanned(r.deck.QR(cardGenuine)) })
	r.wait("notary")
	if !r.sees(w("badge.verified")) {
		t.Fatalf("notary view: %v", r.texts())
	}
	// The seller is checked; the buyer's card (an altered one) comes next.
	r.tap(w("notary.another"))
	r.wait("attract")
	if !r.sees(w("notary.next")) {
		t.Fatalf("no prompt for the next party: %v", r.texts())
	}
	r.deck.Remove()
	r.insert(cardAltered)
	r.wait("key")
	r.ui(func() { r.app.Scanned(r.deck.QR(cardAltered)) })
	r.wait("notary")
	if !r.sees(w("badge.failed")) || !r.sees(w("notary.party")+" 1: ") {
		t.Fatalf("second party view: %v", r.texts())
	}
	fs := r.fields()
	r.ui(func() { fs[0].SetText("123/2026/CC") })
	r.tap(w("notary.save"))
	deadline := time.Now().Add(10 * time.Second)
	var pngs []string
	for time.Now().Before(deadline) && len(pngs) == 0 {
		pngs, _ = filepath.Glob(filepath.Join(dir, "notary-*.png"))
		time.Sleep(5 * time.Millisecond)
	}
	jsons, _ := filepath.Glob(filepath.Join(dir, "notary-*.json"))
	if len(pngs) != 1 || len(jsons) != 1 {
		t.Fatalf("records: %v %v", jsons, pngs)
	}
	b, _ := os.ReadFile(jsons[0])
	rec := string(b)
	if strings.Count(rec, `"role"`) != 2 || strings.Count(rec, `"verified": true`) != 1 || strings.Count(rec, `"verified": false`) != 1 ||
		!strings.Contains(rec, "123/2026/CC") {
		t.Fatalf("record: %s", b)
	}
	r.ui(func() {
		if len(r.app.parties) != 0 {
			t.Error("parties kept after the record was filed")
		}
	})
}

func TestNotaryPartiesWipedWhenIdle(t *testing.T) {
	r := newRig(t, Notary, func(c *Config) { c.Notary = NotaryConfig{NotaryID: "CCV-0001", Dir: t.TempDir()} })
	r.readCardTo(cardGenuine, "notary")
	r.tap(w("notary.another"))
	r.wait("attract")
	r.deck.Remove()
	r.clock.Add(time.Hour)
	r.ui(r.app.tick)
	r.ui(func() {
		if len(r.app.parties) != 0 {
			t.Error("a kept party outlived the idle time")
		}
	})
}

func TestWrongQRExplained(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	r.ui(func() { r.app.Scanned("https://example.invalid/pay?amount=1") })
	r.wait("attract")
	if !r.sees("không phải mã QR của thẻ") {
		t.Fatalf("a URL scan is not explained: %v", r.texts())
	}
}

func TestEveryWordHasBothLanguages(t *testing.T) {
	for k, v := range words {
		if strings.TrimSpace(v[0]) == "" || strings.TrimSpace(v[1]) == "" {
			t.Errorf("%s lacks a language: %q", k, v)
		}
		if strings.Count(v[0], "%s") != strings.Count(v[1], "%s") {
			t.Errorf("%s: placeholders differ between languages", k)
		}
	}
}
