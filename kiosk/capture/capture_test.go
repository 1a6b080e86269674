package capture

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"motcua/kiosk/catalog"
	"motcua/sync/outbox"
)

// saneTest points SANE at a private configuration that enables only the
// "test" backend (libsane's frontend-tester device), so the tests scan
// through the real libsane and scanimage without touching the system's
// configuration or any hardware.
func saneTest(t testing.TB) {
	t.Helper()
	for _, b := range []string{"scanimage", "pdfinfo", "pdftoppm"} {
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

func testScanner(lim Limits) *Scanner {
	return &Scanner{Device: "test", DPI: 200, WidthMM: 200, HeightMM: 200, Extra: []string{"--test-picture=Grid"}, Limits: lim}
}

// TestScanThroughSANEToPDF scans three pages from SANE's test device at
// 200 dpi grey, reorders, retakes and deletes pages, assembles the PDF, and
// checks it with poppler: page count, page size, and a rendered page that
// shows the scanned grid.
func TestScanThroughSANEToPDF(t *testing.T) {
	saneTest(t)
	sc := testScanner(Limits{NoCrop: true})
	pages, err := sc.Scan(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages scanned, want 3", len(pages))
	}
	for i, p := range pages {
		if p.DPI != 200 || p.Width < 1000 || len(p.JPEG) > DefaultMaxPageBytes || p.Source != "sane:test" {
			t.Errorf("page %d: %dx%d at %d dpi, %d bytes, from %q", i, p.Width, p.Height, p.DPI, len(p.JPEG), p.Source)
		}
	}
	doc := &Document{Name: "giay_khai_sinh", Label: "Giấy khai sinh"}
	doc.Add(pages...)
	more, err := sc.Scan(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Retake(1, more[0]); err != nil || doc.Pages()[1] != more[0] {
		t.Fatalf("retake: %v", err)
	}
	if err := doc.Move(2, 0); err != nil || doc.Pages()[0] != pages[2] {
		t.Fatalf("move: %v", err)
	}
	if err := doc.Delete(2); err != nil || doc.Len() != 2 {
		t.Fatalf("delete: %v", err)
	}
	if err := doc.Delete(5); err == nil {
		t.Error("deleting page 6 of 2 accepted")
	}
	out := filepath.Join(t.TempDir(), "a.pdf")
	f, _ := os.Create(out)
	if err := doc.WritePDF(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info, err := exec.Command("pdfinfo", out).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+2$`).Match(info) {
		t.Errorf("pdfinfo:\n%s", info)
	}
	// The test bed is 200 mm x 200 mm: 566.9 pt.
	m := regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("no page size in\n%s", info)
	}
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	if w < 560 || w > 575 {
		t.Errorf("page width %.1f pt, want about 567 (200 mm)", w)
	}
	prefix := filepath.Join(t.TempDir(), "r")
	if b, err := exec.Command("pdftoppm", "-r", "40", "-gray", "-f", "2", "-l", "2", out, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	rendered, _ := filepath.Glob(prefix + "*")
	if len(rendered) != 1 {
		t.Fatalf("pdftoppm wrote %v", rendered)
	}
	img, err := ImportImage(rendered[0], 40, Limits{NoCrop: true})
	if err != nil {
		t.Fatal(err)
	}
	prev, _ := img.Preview(0)
	dark, light := 0, 0
	b := prev.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if prev.(*image.Gray).GrayAt(x, y).Y < 100 {
				dark++
			} else if prev.(*image.Gray).GrayAt(x, y).Y > 155 {
				light++
			}
		}
	}
	if dark == 0 || light == 0 {
		t.Errorf("rendered page shows no grid: %d dark, %d light pixels", dark, light)
	}
}

// TestPageLimits: a page that cannot fit its byte limit, a PNM with more
// pixels than allowed, a cut PNM, a non-image and a PDF cut short each get
// a clear, typed error.
func TestPageLimits(t *testing.T) {
	saneTest(t)
	_, err := testScanner(Limits{MaxPageBytes: 3000, NoCrop: true}).Scan(context.Background(), 1)
	var tl *PageTooLargeError
	if !errors.As(err, &tl) || tl.Page != 1 || !strings.Contains(err.Error(), "lower resolution") {
		t.Errorf("over the byte limit: %v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pgm")
	os.WriteFile(big, []byte("P5\n# x\n20000 20000\n255\n"), 0o644)
	if _, err := ImportImage(big, 200, Limits{}); !errors.As(err, &tl) {
		t.Errorf("400 Mpixel PGM header: %v", err)
	}
	cut := filepath.Join(dir, "cut.pgm")
	os.WriteFile(cut, append([]byte("P5\n100 100\n255\n"), make([]byte, 500)...), 0o644)
	if _, err := ImportImage(cut, 200, Limits{}); !errors.Is(err, ErrUnreadable) {
		t.Errorf("cut PGM: %v", err)
	}
	junk := filepath.Join(dir, "junk.jpg")
	os.WriteFile(junk, []byte("not an image at all"), 0o644)
	if _, err := ImportImage(junk, 200, Limits{}); !errors.Is(err, ErrUnreadable) {
		t.Errorf("junk: %v", err)
	}
	pdf := filepath.Join(dir, "half.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), 0o644)
	if _, err := CheckPDF(pdf, 0); !errors.Is(err, ErrUnreadable) {
		t.Errorf("PDF without %%%%EOF: %v", err)
	}
	if _, err := (&Document{}).Attachment().R.Read(make([]byte, 1)); !errors.Is(err, ErrNoPages) {
		t.Errorf("empty document: %v", err)
	}
}

// TestAutoCropAndDownscale: a 300 dpi page is kept at 200 dpi, and the
// white bed around a smaller paper is cropped away.
func TestAutoCropAndDownscale(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 1500, 1500)) // 5 in at 300 dpi
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 300; y < 900; y++ {
		for x := 150; x < 750; x++ {
			if (x/20+y/20)%2 == 0 {
				img.SetGray(x, y, color.Gray{Y: 20})
			}
		}
	}
	p, err := NewPage(img, 300, "t", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.DPI != 200 || p.Width > 430 || p.Width < 390 || p.Height > 430 {
		t.Errorf("page %dx%d at %d dpi, want about 400x400 at 200 (600 px of content at 300 dpi, cropped)", p.Width, p.Height, p.DPI)
	}
}

// TestFolderAndImport: files a desk scanner dropped are listed oldest
// first, partial and hidden ones skipped, and an image imports as a page.
func TestFolderAndImport(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	var buf bytes.Buffer
	png.Encode(&buf, img)
	for _, n := range []string{"scan1.png", ".hidden.png", "scan2.pdf.part", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, n), buf.Bytes(), 0o644)
	}
	files, err := Folder{Dir: dir}.Files()
	if err != nil || len(files) != 1 || filepath.Base(files[0]) != "scan1.png" {
		t.Fatalf("files %v %v", files, err)
	}
	p, err := ImportImage(files[0], 100, Limits{})
	if err != nil || p.Width != 400 || p.DPI != 100 {
		t.Fatalf("import: %+v %v", p, err)
	}
}

// TestReplacedAttachmentNeverOffered: an attachment the catalogue marks
// replaced_by is not offered for capture.
func TestReplacedAttachmentNeverOffered(t *testing.T) {
	s := &catalog.Service{Attachments: []catalog.Attachment{
		{ID: "to_khai", LabelVI: "Tờ khai", Required: true},
		{ID: "so_ho_khau", LabelVI: "Sổ hộ khẩu", ReplacedBy: "population_db", ReasonVI: "CSDL dân cư"},
	}}
	got := Offer(s)
	if len(got) != 1 || got[0].ID != "to_khai" || Offered(s, "so_ho_khau") || !Offered(s, "to_khai") {
		t.Errorf("offered %+v", got)
	}
}

// TestScanToOutbox: a scanned document streamed into the outbox is stored
// sealed and reads back as the same PDF.
func TestScanToOutbox(t *testing.T) {
	saneTest(t)
	pages, err := testScanner(Limits{}).Scan(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	doc := &Document{Name: "giay_khai_sinh"}
	doc.Add(pages...)
	var want bytes.Buffer
	if err := doc.WritePDF(&want); err != nil {
		t.Fatal(err)
	}
	st, err := outbox.Open(t.TempDir(), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id, err := st.AddWithAttachments(context.Background(), "1.004222", []byte(`{"a":1}`), []outbox.AttachmentSource{doc.Attachment()})
	if err != nil {
		t.Fatal(err)
	}
	rc, a, err := st.OpenAttachment(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || a.Pages != 2 || a.Type != MediaPDF || !bytes.HasPrefix(got, []byte("%PDF-")) || len(got) != want.Len() {
		t.Errorf("stored %+v, %d bytes (err %v), assembled %d", a, len(got), err, want.Len())
	}
}

// TestDeskew: a page of text-like lines turned by 3 degrees is levelled;
// a level page and a blank page are left alone.
func TestDeskew(t *testing.T) {
	level := image.NewGray(image.Rect(0, 0, 800, 1000))
	for i := range level.Pix {
		level.Pix[i] = 255
	}
	for line := 0; line < 30; line++ {
		y := 80 + line*28
		for x := 100; x < 700; x++ {
			if (x/9)%5 != 4 { // words and gaps
				for dy := 0; dy < 6; dy++ {
					level.SetGray(x, y+dy, color.Gray{Y: 10})
				}
			}
		}
	}
	for _, turn := range []float64{3, -2} {
		turned := rotate(level, -turn) // rotate undoes a skew: turn the other way to make one
		a, ok := estimateSkew(turned)
		if !ok || a < turn-0.5 || a > turn+0.5 {
			t.Errorf("turned %.1f°: estimated %.2f° (ok %v)", turn, a, ok)
		}
		if back, ok2 := estimateSkew(rotate(turned, a)); ok2 {
			t.Errorf("turned %.1f°, levelled by %.2f°: still %.2f° off", turn, a, back)
		}
		p, err := NewPage(turned, 200, "t", Limits{NoCrop: true})
		if err != nil || p.Deskewed == 0 {
			t.Errorf("turned %.1f°: page deskewed by %.2f (%v)", turn, p.Deskewed, err)
		}
	}
	if a, ok := estimateSkew(level); ok {
		t.Errorf("level page turned by %.2f°", a)
	}
	blank := image.NewGray(image.Rect(0, 0, 500, 500))
	if _, ok := estimateSkew(blank); ok {
		t.Error("blank (black) page turned")
	}
}
