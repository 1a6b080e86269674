package ui

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"motcua/kiosk/capture"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/notary"
)

// saneTest enables only SANE's "test" backend in a private
// SANE_CONFIG_DIR (as kiosk/capture's tests do).
func saneTest(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Skip("scanimage not installed (scripts/packages.txt lists sane-utils)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dll.conf"), []byte("test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SANE_CONFIG_DIR", dir)
}

// captureCatalog is the built-in catalogue with 1.000466 asking for a
// signed form besides the old ID copy it never asks for.
func captureCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	files, _ := filepath.Glob("../kiosk/catalog/services/1.000466-*.toml")
	if len(files) != 1 {
		t.Fatalf("service file: %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("\n[[attachments]]\nid = \"to_khai\"\nlabel_vi = \"Tờ khai đã ký\"\nlabel_en = \"Signed form\"\nrequired = true\n")...)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, filepath.Base(files[0])), b, 0o644)
	cat, err := catalog.Load(dir)
	if err != nil || len(cat.Errors) > 0 {
		t.Fatalf("catalogue: %v %v", err, cat.Errors)
	}
	return cat
}

// deskForm opens 1.000466's form at a desk scanning through scanner.
func deskForm(t *testing.T, sc capture.Scanner) *rig {
	t.Helper()
	cat := captureCatalog(t)
	r := newRig(t, Desk, func(c *engine.Config) {
		c.Catalog = cat
		c.Capture = engine.CaptureConfig{Source: engine.SourceScanner, Scanner: sc}
	})
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	for !r.sees("Xác nhận số Chứng minh nhân dân") && r.canTap(w("services.more")) {
		r.tap(w("services.more"))
	}
	r.tap("Xác nhận số Chứng minh nhân dân")
	r.wait("form")
	return r
}

// untilView waits (bounded) for the engine's view to satisfy ok.
func (r *rig) untilView(what string, ok func(engine.View) bool) engine.View {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v := r.app.eng.View(); ok(v) {
			time.Sleep(20 * time.Millisecond) // the redraw follows the event
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.t.Fatalf("%s did not happen; showing %v", what, r.texts())
	return engine.View{}
}

// TestDeskCaptureScreens: on the desk form the attachment asked for is
// offered and the replaced one shown with its reason; pages scanned from
// SANE's test device show as thumbnails with their count and size, are
// retaken, moved and deleted by tapping; a page over its limit says so in
// plain words. Every screen fits 1280x800 and 1024x768, normal and large
// text, and shows no English in Vietnamese.
func TestDeskCaptureScreens(t *testing.T) {
	saneTest(t)
	sc := capture.Scanner{Device: "test", DPI: 200, WidthMM: 100, HeightMM: 140, Extra: []string{"--test-picture=Grid"}, Limits: capture.Limits{NoCrop: true}}
	r := deskForm(t, sc)
	noEnglish := func(what string) {
		t.Helper()
		if e := r.english(); len(e) > 0 {
			t.Errorf("%s shows English: %q", what, e)
		}
	}
	r.see(w("cap.title"))
	r.see("Tờ khai đã ký *")
	r.see("Bản sao CMND cũ — Không cần nộp")
	r.see(w("cap.none"))
	r.fits(t, "form with attachments")
	noEnglish("form with attachments")
	r.tap(w("cap.open"))
	r.wait("capture")
	r.see(w("cap.empty.scanner"))
	r.fits(t, "capture, no page yet")
	for i := 1; i <= 3; i++ {
		r.tap(w("cap.take.scanner"))
		r.untilView("page scanned", func(v engine.View) bool { return !v.Capture.Busy && len(v.Capture.Pages) == i })
	}
	r.see("Trang 3 · ")
	r.see("3 trang, ")
	r.fits(t, "capture with 3 pages")
	noEnglish("capture with 3 pages")
	first := r.app.eng.View().Capture.Pages[0].Thumb
	r.tapFirst(w("cap.retake"))
	v := r.untilView("retake", func(v engine.View) bool { return !v.Capture.Busy && v.Capture.Pages[0].Thumb != first })
	if len(v.Capture.Pages) != 3 {
		t.Fatalf("retake changed the page count: %d", len(v.Capture.Pages))
	}
	retaken := v.Capture.Pages[0].Thumb
	r.ui(func() { r.app.eng.MovePage(0, 1) }) // what the first tile's "down" does
	if v := r.app.eng.View(); v.Capture.Pages[1].Thumb != retaken {
		t.Fatal("move down did not move the page")
	}
	r.tapFirst(w("cap.delete"))
	r.untilView("delete", func(v engine.View) bool { return len(v.Capture.Pages) == 2 })
	r.see("2 trang, ")
	r.tap(w("cap.done"))
	r.wait("form")
	r.see("2 trang, ")
	r.ui(func() {
		r.app.eng.SetField("applicant", "dien_thoai", 0, "0912345678")
		r.app.eng.SetField("", "ly_do", 0, "Làm thủ tục")
	})
	r.tap(w("form.next"))
	r.wait("review")
	r.see("Tờ khai đã ký: 2 trang, ") // what goes with the dossier, before it is sent
	r.fits(t, "review with attachments")

	// A page over its byte limit, in plain words, on a desk scanning grey at 200 dpi.
	sc.Limits.MaxPageBytes = 3000
	r2 := deskForm(t, sc)
	r2.tap(w("cap.open"))
	r2.wait("capture")
	r2.tap(w("cap.take.scanner"))
	r2.untilView("too large", func(v engine.View) bool { return v.Capture.Problem != "" })
	r2.see(w("cap.toolarge"))
	r2.fits(t, "capture with a page too large")
	if e := r2.english(); len(e) > 0 {
		t.Errorf("too large shows English: %q", e)
	}
	r2.tap(w("lang"))
	r2.see("over its limit")
	r2.see("lower resolution") // the engine's detail, to an officer reading English
}

// TestNotarySigningPhotoScreen: the notary names this person's role,
// ticks who is in the photo, takes it from the photo folder and sees it
// with its hash; the act number holds across the parties' cards; the
// saved record carries the photo's SHA-256. The screen fits and speaks
// Vietnamese.
func TestNotarySigningPhotoScreen(t *testing.T) {
	dir, drop := t.TempDir(), t.TempDir()
	r := newRig(t, Notary, func(c *engine.Config) {
		c.Notary = engine.NotaryConfig{NotaryID: "CCV-0001", Dir: dir}
		c.Capture = engine.CaptureConfig{Folder: drop}
	})
	r.readCardTo(cardGenuine, "notary")
	fs := r.fields()
	r.ui(func() { fs[0].SetText("125/2026/CC") })
	r.tap(w("notary.another"))
	r.wait("attract")
	r.deck.Remove()
	r.readCardTo(cardSecond, "notary")
	if fs := r.fields(); len(fs) == 0 || fs[0].Text != "125/2026/CC" {
		t.Fatal("the act number was lost for the second party")
	}
	r.see(w("notary.photo.none"))
	if e := r.english(); len(e) > 0 {
		t.Errorf("notary shows English: %q", e)
	}
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 800, 600)))
	os.WriteFile(filepath.Join(drop, "IMG_0002.png"), buf.Bytes(), 0o600)
	r.tap(w("notary.photo.take"))
	v := r.untilView("photo", func(v engine.View) bool { return len(v.Notary.Photos) == 1 })
	r.see("Ảnh 1")
	r.see("SHA-256 " + v.Notary.Photos[0].SHA256[:12])
	r.fits(t, "notary with a signing photo")
	if e := r.english(); len(e) > 0 {
		t.Errorf("notary with a photo shows English: %q", e)
	}
	// A photo the notary is not ticked in is refused, in Vietnamese.
	os.WriteFile(filepath.Join(drop, "IMG_0003.png"), buf.Bytes(), 0o600)
	r.ui(func() { r.app.eng.TakeSigningPhoto([]string{"Bên 1"}) })
	r.untilView("refusal", func(v engine.View) bool { return v.Notary.PhotoErr != "" })
	r.see(w("notary.ph.notary"))
	r.tap(w("notary.save"))
	r.see(w("notary.saved"))
	r.fits(t, "notary saved")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("records %v", files)
	}
	b, _ := os.ReadFile(files[0])
	var rec notary.Record
	if err := json.Unmarshal(b, &rec); err != nil || len(rec.SigningPhotos) != 1 || rec.SigningPhotos[0].SHA256 != v.Notary.Photos[0].SHA256 || rec.ActRef != "125/2026/CC" {
		t.Fatalf("record %s", b)
	}
}
