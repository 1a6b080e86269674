package ui

import (
	"context"
	"path/filepath"
	"strconv"
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
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/reader/pa"
	"motcua/sync/outbox"
)

// Demo deck indexes (simcard.DemoDeck).
const (
	cardGenuine = 0
	cardSecond  = 1
	cardAltered = 2
	cardClone   = 3
	// cardPACECAM's chip proves itself inside PACE; cardCAMClone answers
	// PACE-CAM with a key of its own.
	cardPACECAM  = 7
	cardCAMClone = 8
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

func newRig(t testing.TB, mode Mode, tweak func(*engine.Config)) *rig {
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
	cfg := engine.Config{Mode: mode, Terminal: r, Catalog: cat, Outbox: box, Device: "test-kiosk", Demo: true,
		AdminPIN: "246813", Idle: 90 * time.Second, Grace: 30 * time.Second, Now: clk.Now,
		ReadOptions: reader.Options{Trust: testTrust(t)}}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(fa, Config{Engine: eng, Demo: deck})
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
			case *widget.RichText: // a badge or banner (onColour), whole before it wraps
				if w.Visible() && w.String() != "" {
					out = append(out, w.String())
				}
			case *widget.Button:
				if w.Visible() {
					out = append(out, "["+strings.ReplaceAll(w.Text, "\n", " ")+"]")
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

// see waits (bounded: 10 s) until some label on screen contains s:
// engine events reach the screens asynchronously.
func (r *rig) see(s string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.sees(s) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.t.Fatalf("%q not shown on %q: %v", s, r.app.Screen(), r.texts())
}

// tap taps the visible button whose text starts with label.
func (r *rig) tap(label string) {
	r.t.Helper()
	var found *widget.Button
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && b.Visible() && !b.Disabled() && strings.HasPrefix(strings.ReplaceAll(b.Text, "\n", " "), label) {
				found = b
			}
		}
	})
	if found == nil {
		r.t.Fatalf("no button %q on %q; showing: %s", label, r.app.Screen(), strings.Join(r.texts(), " | "))
	}
	r.ui(func() { test.Tap(found) })
}

// tapFirst taps the first visible button whose text starts with label, in
// layout order (the screen comes before the keyboard).
func (r *rig) tapFirst(label string) {
	r.t.Helper()
	var found *widget.Button
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && found == nil && b.Visible() && !b.Disabled() && strings.HasPrefix(b.Text, label) {
				found = b
			}
		}
	})
	if found == nil {
		r.t.Fatalf("no button %q on %q", label, r.app.Screen())
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
	r.app.Scanned(r.deck.QR(i))
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
	for !r.sees("Xác nhận số Chứng minh nhân dân") && r.canTap(w("services.more")) {
		r.tap(w("services.more"))
	}
	r.choose("Xác nhận số Chứng minh nhân dân")
	r.wait("form")
	// Only what the card cannot give is asked: phone, e-mail, reason.
	fs = r.fields()
	if len(fs) != 3 {
		t.Fatalf("form asks %d fields, want 3 (phone, email, reason): %v", len(fs), r.texts())
	}
	r.tap(w("form.next"))
	r.wait("form")
	r.see("cần điền thông tin này") // missing required values are explained
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
	r.see(w("review.needagree")) // no submit without consent
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
	// Taking the card away (what the receipt asks) wipes the personal data;
	// the receipt stays with its number and the service until "Xong".
	ref := shortRef(recs[0].UUID)
	r.deck.Remove()
	r.see(strings.Split(w("receipt.closes"), "%d")[0])
	if v := r.app.eng.View(); v.Person != nil || v.Details != nil || v.Values != nil {
		t.Error("card data survived the end of the visit")
	}
	if r.app.Screen() != "receipt" || !r.sees(ref) || !r.sees("Xác nhận số Chứng minh nhân dân") {
		t.Fatalf("the receipt did not stay after the card left: %v", r.texts())
	}
	r.tapFirst(w("receipt.done")) // the hidden digits pad has a "Xong" too
	r.wait("attract")
}

func TestForgedCardBadge(t *testing.T) {
	for _, tc := range []struct {
		card int
		want string
	}{
		{cardAltered, "badge.failed"},
		{cardClone, "badge.clone"},
		{cardCAMClone, "badge.clone"},
	} {
		t.Run(tc.want+"/"+strconv.Itoa(tc.card), func(t *testing.T) {
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
	t.Run("PACE-CAM genuine", func(t *testing.T) {
		r := newRig(t, Desk, nil)
		r.readCard(cardPACECAM)
		if !r.sees(w("badge.verified")) || !r.sees("PACE-CAM") {
			t.Fatalf("a genuine PACE-CAM chip: %v", r.texts())
		}
	})
	t.Run("no trust store", func(t *testing.T) {
		r := newRig(t, Kiosk, func(c *engine.Config) { c.ReadOptions.Trust = nil })
		r.readCard(cardGenuine)
		// Issue 20: said in plain words, not the generic amber.
		if !r.sees(w("badge.nocsca")) || r.sees(w("badge.verified")) {
			t.Fatalf("without a trust store the card must not be verified: %v", r.texts())
		}
	})
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

func TestDeskOutboxRetry(t *testing.T) {
	r := newRig(t, Desk, nil)
	id, err := r.box.Add(context.Background(), "1.000466", []byte(`{"synthetic":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.box.MarkNeedsAttention(id, "retries_exhausted", "receiver answered 500 thirty times"); err != nil {
		t.Fatal(err)
	}
	r.ui(r.app.showOutbox)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !r.sees(shortRef(id)) {
		time.Sleep(2 * time.Millisecond)
	}
	if !r.sees(r.app.word("needs_attention")) {
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

func TestWrongQRExplained(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	r.ui(func() { r.app.Scanned("https://example.invalid/pay?amount=1") })
	r.see("không phải mã QR của thẻ") // a URL scan is explained
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
