package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDropWatcherTakesStableFiles: a file is taken only when it has not
// changed between two polls (a scanner still writing it is left alone),
// then removed from the folder; a whole PDF is taken as it is; a broken
// file is reported once and left where it is.
func TestDropWatcherTakesStableFiles(t *testing.T) {
	dir := t.TempDir()
	w := &DropWatcher{Folder: Folder{Dir: dir}, DPI: 150}
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 300, 400)))
	page := filepath.Join(dir, "p1.png")
	os.WriteFile(page, img.Bytes()[:100], 0o600) // the scanner has written a part
	if got, err := w.Poll(); err != nil || len(got) != 0 {
		t.Fatalf("first sight taken: %v %v", got, err)
	}
	os.WriteFile(page, img.Bytes(), 0o600) // now whole: it changed, so not yet
	os.Chtimes(page, time.Now(), time.Now().Add(time.Second))
	if got, _ := w.Poll(); len(got) != 0 {
		t.Fatalf("a file that just changed was taken: %+v", got)
	}
	got, err := w.Poll()
	if err != nil || len(got) != 1 || got[0].Page == nil || got[0].Page.DPI != 150 || got[0].Err != nil {
		t.Fatalf("stable file: %+v %v", got, err)
	}
	if _, err := os.Stat(page); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the page taken is still in the shared folder")
	}
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	os.WriteFile(filepath.Join(dir, "scan.pdf"), pdf, 0o600)
	os.WriteFile(filepath.Join(dir, "bad.jpg"), []byte("not a jpeg"), 0o600)
	w.Poll()
	got, _ = w.Poll()
	var sawPDF, sawBad bool
	for _, d := range got {
		switch d.File {
		case "scan.pdf":
			sawPDF = bytes.Equal(d.PDF, pdf)
		case "bad.jpg":
			sawBad = errors.Is(d.Err, ErrUnreadable)
		}
	}
	if !sawPDF || !sawBad {
		t.Fatalf("PDF taken %v, broken file reported %v: %+v", sawPDF, sawBad, got)
	}
	if again, _ := w.Poll(); len(again) != 0 {
		t.Fatalf("the broken file was reported twice: %+v", again)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.jpg")); err != nil {
		t.Fatal("the broken file was removed")
	}
}

// TestDigestIsTheStreamedPDF: the hash and size listed in the dossier
// before the PDF is streamed are those of the bytes streamed, however
// often it is assembled.
func TestDigestIsTheStreamedPDF(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 400, 500))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	p, err := NewPage(g, 100, "t", Limits{NoCrop: true, NoDeskew: true})
	if err != nil {
		t.Fatal(err)
	}
	d := &Document{Name: "to_khai", Label: "Tờ khai"}
	d.Add(p, p)
	size, sum, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // PDF dates have one-second steps
	var out bytes.Buffer
	if err := d.WritePDF(&out); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(out.Bytes())
	if int64(out.Len()) != size || hex.EncodeToString(h[:]) != sum {
		t.Fatalf("digest %d %s, streamed %d %x", size, sum, out.Len(), h)
	}
}
