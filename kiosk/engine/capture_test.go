package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/capture"
	"motcua/kiosk/catalog"
	"motcua/kiosk/dossier"
	"motcua/sync/outbox"
)

// saneTest points SANE at a private configuration that enables only its
// "test" backend (as kiosk/capture's tests do): the desk scans through the
// real scanimage and libsane, no hardware, no system configuration.
func saneTest(t testing.TB) {
	t.Helper()
	for _, b := range []string{"scanimage", "pdfinfo"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (scripts/packages.txt lists sane-utils and poppler-utils)", b)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dll.conf"), []byte("test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SANE_CONFIG_DIR", dir)
}

// captureCatalog is the built-in catalogue with 1.000466 asking for one
// attachment more ("to_khai", a form the citizen signed on paper) beside
// the one it never asks for (replaced by the population database).
func captureCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	files, _ := filepath.Glob("../catalog/services/1.000466-*.toml")
	if len(files) != 1 {
		t.Fatalf("service file: %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("\n[[attachments]]\nid = \"to_khai\"\nlabel_vi = \"Tờ khai đã ký\"\nlabel_en = \"Signed form\"\nrequired = true\n")...)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(files[0])), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(dir)
	if err != nil || len(cat.Errors) > 0 {
		t.Fatalf("catalogue: %v %v", err, cat.Errors)
	}
	return cat
}

func testScanner(lim capture.Limits) capture.Scanner {
	return capture.Scanner{Device: "test", DPI: 200, WidthMM: 100, HeightMM: 140, Extra: []string{"--test-picture=Grid"}, Limits: lim}
}

// deskOnForm reads the genuine card at a desk and opens 1.000466's form,
// filled so that it can go to review.
func deskOnForm(t *testing.T, c CaptureConfig) *rig {
	t.Helper()
	cat := captureCatalog(t)
	r := newRig(t, Desk, func(cfg *Config) { cfg.Catalog = cat; cfg.Capture = c })
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.step(StepServices)
	if err := r.e.ChooseService("1.000466"); err != nil {
		t.Fatal(err)
	}
	r.step(StepForm)
	r.e.SetField("applicant", "dien_thoai", 0, "0912345678")
	r.e.SetField("", "ly_do", 0, "Làm thủ tục")
	return r
}

// captured waits until no capture runs and returns the view.
func (r *rig) captured(what string) View {
	r.t.Helper()
	return r.until(what, func(v View) bool { return v.Capture != nil && !v.Capture.Busy })
}

// TestCaptureScanReorderSubmit: at the desk, only the attachment the
// catalogue asks for is offered (the replaced one is listed with its
// reason and refused); pages scanned through SANE's test device are
// retaken, reordered and deleted; the attachment goes into the dossier as
// one PDF whose size and SHA-256 the dossier lists (schema v2), byte for
// byte what the outbox stored, and poppler reads it with its pages.
func TestCaptureScanReorderSubmit(t *testing.T) {
	saneTest(t)
	r := deskOnForm(t, CaptureConfig{Source: SourceScanner, Scanner: testScanner(capture.Limits{NoCrop: true})})
	v := r.e.View()
	if v.Capture == nil || len(v.Capture.Items) != 1 || v.Capture.Items[0].Attachment.ID != "to_khai" ||
		len(v.Capture.NotAsked) != 1 || v.Capture.NotAsked[0].ID != "ban_sao_cmnd" || v.Capture.NotAsked[0].ReasonVI == "" {
		t.Fatalf("capture view %+v", v.Capture)
	}
	if err := r.e.OpenCapture("ban_sao_cmnd"); err == nil {
		t.Fatal("a replaced attachment was opened for capture")
	}
	if err := r.e.OpenCapture("to_khai"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		r.e.CapturePage()
		if i == 0 { // the page on its way keeps the attachment open
			r.e.CloseCapture()
			if v := r.e.View(); v.Capture.Open != "to_khai" || !v.Capture.Busy {
				t.Fatalf("closed during a scan: open %q busy %v", v.Capture.Open, v.Capture.Busy)
			}
		}
		r.until("page scanned", func(v View) bool {
			return v.Capture != nil && !v.Capture.Busy && len(v.Capture.Pages) == i+1 || v.Capture.Problem != ""
		})
	}
	v = r.captured("three pages")
	if len(v.Capture.Pages) != 3 || v.Capture.Problem != CaptureOK {
		t.Fatalf("pages %d, problem %q %s", len(v.Capture.Pages), v.Capture.Problem, v.Capture.Detail)
	}
	for i, p := range v.Capture.Pages {
		if p.Thumb == nil || max(p.Thumb.Bounds().Dx(), p.Thumb.Bounds().Dy()) > thumbSide || p.DPI != 200 || p.Bytes == 0 || p.Source != "sane:test" {
			t.Fatalf("page %d: %+v", i, p)
		}
	}
	first := v.Capture.Pages[0].Thumb
	r.e.RetakePage(1)
	v = r.until("retaken", func(v View) bool {
		return !v.Capture.Busy && len(v.Capture.Pages) == 3 && v.Capture.Pages[1].Thumb != nil
	})
	if err := r.e.MovePage(0, 2); err != nil {
		t.Fatal(err)
	}
	if v = r.e.View(); v.Capture.Pages[2].Thumb != first {
		t.Fatal("page 1 was not moved to the end")
	}
	if err := r.e.DeletePage(0); err != nil {
		t.Fatal(err)
	}
	if err := r.e.DeletePage(7); err == nil {
		t.Fatal("deleting page 8 of 2 accepted")
	}
	v = r.e.View()
	if len(v.Capture.Pages) != 2 || v.Capture.Items[0].Pages != 2 || v.Capture.Items[0].Bytes == 0 {
		t.Fatalf("after delete: %+v", v.Capture.Items)
	}
	r.e.CloseCapture()
	r.e.Review()
	r.step(StepReview)
	r.e.Submit(r.e.View().AllAgree()...)
	v = r.step(StepReceipt)
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 || len(recs[0].Attachments) != 1 {
		t.Fatalf("outbox: %+v %v", recs, err)
	}
	stored := recs[0].Attachments[0]
	payload, err := r.box.Payload(recs[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dossier.Parse(payload)
	if err != nil || d.Schema != dossier.SchemaV2 || len(d.Attachments) != 1 {
		t.Fatalf("dossier: %v %+v", err, d)
	}
	listed := d.Attachments[0]
	if listed.Name != "to_khai" || listed.Pages != 2 || listed.SHA256 != stored.SHA256 || listed.Size != stored.Size || listed.Type != capture.MediaPDF {
		t.Fatalf("listed %+v, stored %+v", listed, stored)
	}
	rc, _, err := r.box.OpenAttachment(recs[0].UUID, 0)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(rc)
	rc.Close()
	sum := sha256.Sum256(pdf)
	if hex.EncodeToString(sum[:]) != listed.SHA256 {
		t.Fatal("the stored PDF does not match the dossier's hash")
	}
	f := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(f, pdf, 0o600)
	info, err := exec.Command("pdfinfo", f).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Pages:\s+2$`).Match(info) {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	if v.Capture != nil {
		t.Fatal("the receipt shows the capture")
	}
}

// TestCaptureLimitsAndProblems: a page over its byte limit, a missing
// scanner, and an attachment at its page limit each say so, clearly
// typed, and leave the pages as they were.
func TestCaptureLimitsAndProblems(t *testing.T) {
	saneTest(t)
	r := deskOnForm(t, CaptureConfig{Source: SourceScanner, Scanner: testScanner(capture.Limits{MaxPageBytes: 3000, NoCrop: true})})
	r.e.OpenCapture("to_khai")
	r.e.CapturePage()
	v := r.until("too large", func(v View) bool { return !v.Capture.Busy && v.Capture.Problem != "" })
	if v.Capture.Problem != CaptureTooLarge || len(v.Capture.Pages) != 0 || v.Capture.Detail == "" {
		t.Fatalf("over the byte limit: %q %s", v.Capture.Problem, v.Capture.Detail)
	}

	r2 := deskOnForm(t, CaptureConfig{Source: SourceScanner, Scanner: capture.Scanner{Device: "nosuchbackend:0", Limits: capture.Limits{}}})
	r2.e.OpenCapture("to_khai")
	r2.e.CapturePage()
	v = r2.until("no scanner", func(v View) bool { return !v.Capture.Busy && v.Capture.Problem != "" })
	if v.Capture.Problem != CaptureNoSource && v.Capture.Problem != CaptureFailed {
		t.Fatalf("missing scanner: %q %s", v.Capture.Problem, v.Capture.Detail)
	}

	r3 := deskOnForm(t, CaptureConfig{Source: SourceScanner, MaxPages: 1, Scanner: testScanner(capture.Limits{NoCrop: true})})
	r3.e.OpenCapture("to_khai")
	r3.e.CapturePage()
	r3.until("one page", func(v View) bool { return !v.Capture.Busy && len(v.Capture.Pages) == 1 })
	r3.e.CapturePage()
	v = r3.until("limit", func(v View) bool { return v.Capture.Problem != "" })
	if v.Capture.Problem != CaptureLimit || len(v.Capture.Pages) != 1 {
		t.Fatalf("at the page limit: %q, %d pages", v.Capture.Problem, len(v.Capture.Pages))
	}
}

func pngFile(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := h / 4; y < h/2; y++ {
		for x := w / 4; x < 3*w/4; x++ {
			img.SetGray(x, y, color.Gray{Y: 20})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCaptureDropFolder: files a desk scanner drops are taken once they
// stop changing (a file being written is left alone), removed from the
// shared folder, and a file that cannot be read is reported and left.
func TestCaptureDropFolder(t *testing.T) {
	dir := t.TempDir()
	r := deskOnForm(t, CaptureConfig{Source: SourceFolder, Folder: dir, FolderDPI: 150, Poll: 10 * time.Millisecond})
	if err := r.e.OpenCapture("to_khai"); err != nil {
		t.Fatal(err)
	}
	pngFile(t, filepath.Join(dir, "scan1.png"), 600, 800)
	v := r.until("page from the folder", func(v View) bool { return v.Capture != nil && len(v.Capture.Pages) == 1 })
	if p := v.Capture.Pages[0]; p.DPI != 150 || p.Source != "file:scan1.png" {
		t.Fatalf("page %+v", p)
	}
	if _, err := os.Stat(filepath.Join(dir, "scan1.png")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the scan was left in the shared folder")
	}
	os.WriteFile(filepath.Join(dir, "scan2.jpg"), []byte("not an image at all"), 0o600)
	v = r.until("unreadable", func(v View) bool { return v.Capture.Problem != "" })
	if v.Capture.Problem != CaptureUnreadable || len(v.Capture.Pages) != 1 {
		t.Fatalf("junk file: %q %s", v.Capture.Problem, v.Capture.Detail)
	}
	if _, err := os.Stat(filepath.Join(dir, "scan2.jpg")); err != nil {
		t.Fatal("an unreadable file was removed")
	}
	// Cancel wipes the pages; the folder is no longer watched.
	r.e.Cancel()
	pngFile(t, filepath.Join(dir, "scan3.png"), 600, 800)
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "scan3.png")); err != nil {
		t.Fatal("a file was taken after the visit ended")
	}
	if r.e.View().Capture != nil || len(r.e.capt.docs) != 0 {
		t.Fatal("pages kept after cancel")
	}
}

// TestCaptureNotOnKiosk: a kiosk offers no capture.
func TestCaptureNotOnKiosk(t *testing.T) {
	cat := captureCatalog(t)
	r := newRig(t, Kiosk, func(cfg *Config) { cfg.Catalog = cat; cfg.Capture = CaptureConfig{Source: SourceScanner} })
	r.readCard(cardGenuine, StepIdentity)
	r.e.Continue()
	r.step(StepServices)
	r.e.ChooseService("1.000466")
	r.step(StepForm)
	if r.e.View().Capture != nil || r.e.OpenCapture("to_khai") == nil {
		t.Fatal("a kiosk offers capture")
	}
}

// scannerPDF writes an n-page PDF as a desk scanner would drop it.
func scannerPDF(t *testing.T, path string, n int) {
	t.Helper()
	doc := &capture.Document{Name: "scan", Label: "scan"}
	for range n {
		img := image.NewGray(image.Rect(0, 0, 200, 280))
		p, err := capture.NewPage(img, 50, "test", capture.Limits{NoCrop: true})
		if err != nil {
			t.Fatal(err)
		}
		doc.Add(p)
	}
	var buf bytes.Buffer
	if err := doc.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCaptureDropFolderPDFPages: a scanner's own PDF dropped in the folder
// is listed with its page count, on screen and in the dossier, and one
// with more pages than an attachment may hold is refused.
func TestCaptureDropFolderPDFPages(t *testing.T) {
	dir := t.TempDir()
	r := deskOnForm(t, CaptureConfig{Source: SourceFolder, Folder: dir, Poll: 10 * time.Millisecond, MaxPages: 3})
	if err := r.e.OpenCapture("to_khai"); err != nil {
		t.Fatal(err)
	}
	scannerPDF(t, filepath.Join(dir, "long.pdf"), 4)
	v := r.until("a PDF over the page limit refused", func(v View) bool { return v.Capture != nil && v.Capture.Problem != "" })
	if v.Capture.PDF != 0 || !strings.Contains(v.Capture.Detail, "4 pages, limit 3") {
		t.Fatalf("4-page PDF under a 3-page limit: PDF %d, problem %q %q", v.Capture.PDF, v.Capture.Problem, v.Capture.Detail)
	}
	scannerPDF(t, filepath.Join(dir, "scan.pdf"), 3)
	v = r.until("the PDF taken", func(v View) bool { return v.Capture.PDF > 0 })
	if v.Capture.PDFPages != 3 || v.Capture.PDFName != "scan.pdf" || v.Capture.Items[0].Pages != 3 || !v.Capture.Items[0].PDF {
		t.Fatalf("PDF listed with %d pages (item %+v)", v.Capture.PDFPages, v.Capture.Items[0])
	}
	r.e.CloseCapture()
	r.e.Review()
	r.step(StepReview)
	r.e.Submit(r.e.View().AllAgree()...)
	r.step(StepReceipt)
	recs, err := r.box.List(outbox.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("outbox: %+v %v", recs, err)
	}
	payload, err := r.box.Payload(recs[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dossier.Parse(payload)
	if err != nil || len(d.Attachments) != 1 || d.Attachments[0].Pages != 3 {
		t.Fatalf("dossier lists %+v (%v)", d.Attachments, err)
	}
}
