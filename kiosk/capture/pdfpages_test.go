package capture

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pdfOf assembles an n-page PDF with WritePDF (plain pages of grey).
func pdfOf(t testing.TB, n int) []byte {
	t.Helper()
	doc := &Document{Name: "to_khai", Label: "Tờ khai", At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 200, 280))
		for p := range img.Pix {
			img.Pix[p] = uint8(40 * i)
		}
		img.Set(10, 10, color.Gray{Y: 255})
		p, err := NewPage(img, 50, "test", Limits{NoCrop: true})
		if err != nil {
			t.Fatal(err)
		}
		doc.Add(p)
	}
	var buf bytes.Buffer
	if err := doc.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// realPages is what poppler's pdfinfo says of a file: the reference a
// desk officer's PDF reader would agree with.
func realPages(t *testing.T, b []byte) int {
	t.Helper()
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Skip("pdfinfo not installed (scripts/packages.txt lists poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", f).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// qpdfRewrite passes a PDF through qpdf with args (object streams,
// linearisation): the layouts other writers produce.
func qpdfRewrite(t *testing.T, b []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed (scripts/packages.txt lists it)")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("qpdf", append(args, in, out)...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", args, err, msg)
	}
	r, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPDFPagesAgreesWithPoppler counts the pages of PDFs in the layouts
// scanners and tools write (classic cross-reference table, compressed
// object streams, linearised, a page tree several levels deep) and checks
// each against pdfinfo.
func TestPDFPagesAgreesWithPoppler(t *testing.T) {
	three, seven := pdfOf(t, 3), pdfOf(t, 7)
	cases := []struct {
		name string
		pdf  []byte
	}{
		{"one page", pdfOf(t, 1)},
		{"three pages", three},
		{"object streams", qpdfRewrite(t, three, "--object-streams=generate")},
		{"linearised", qpdfRewrite(t, seven, "--linearize")},
		{"linearised with object streams", qpdfRewrite(t, seven, "--linearize", "--object-streams=generate")},
		{"no compression", qpdfRewrite(t, seven, "--stream-data=uncompress", "--object-streams=disable")},
		{"selected pages", qpdfRewrite(t, seven, "--pages", ".", "1,3,5-6", "--")},
		{"two files merged", qpdfRewrite(t, seven, "--pages", ".", ".", "--", "--object-streams=generate")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := realPages(t, c.pdf)
			got, err := PDFPages(c.pdf)
			if err != nil || got != want {
				t.Errorf("PDFPages = %d, %v; pdfinfo says %d", got, err, want)
			}
		})
	}
}

// TestPDFPagesIncrementalUpdate appends an update that takes a page out
// of the tree: the last definition of the tree counts, as in a reader.
func TestPDFPagesIncrementalUpdate(t *testing.T) {
	base := qpdfRewrite(t, pdfOf(t, 3), "--stream-data=uncompress", "--object-streams=disable")
	objs, xrefRoot := pdfObjects(base)
	root, ok := trailerRoot(base, objs, xrefRoot)
	if !ok {
		t.Fatal("no catalog")
	}
	treeRef := root["Pages"].ref
	kids := objs[treeRef].dict["Kids"].arr
	var refs []string
	for _, k := range kids[:2] {
		refs = append(refs, fmt.Sprintf("%d 0 R", k.ref))
	}
	xref := bytes.LastIndex(base, []byte("startxref"))
	prev := strings.Fields(string(base[xref+len("startxref"):]))[0]
	m := regexp.MustCompile(`/Size (\d+)`).FindSubmatch(base[bytes.LastIndex(base, []byte("trailer")):])
	upd := fmt.Sprintf("\n%d 0 obj\n<< /Type /Pages /Kids [%s] /Count 2 >>\nendobj\n", treeRef, strings.Join(refs, " "))
	off := len(base) + 1
	rootNum := rootNumber(t, base)
	body := upd
	xrefAt := len(base) + len(body)
	tail := fmt.Sprintf("xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %s /Root %d 0 R /Prev %s >>\nstartxref\n%d\n%%%%EOF\n",
		treeRef, off, m[1], rootNum, prev, xrefAt)
	updated := append(append(append([]byte(nil), base...), body...), tail...)
	want := realPages(t, updated)
	if want != 2 {
		t.Fatalf("pdfinfo reads %d pages of the update, want 2 (test file wrong)", want)
	}
	if got, err := PDFPages(updated); err != nil || got != 2 {
		t.Errorf("PDFPages = %d, %v; want 2", got, err)
	}
}

func rootNumber(t *testing.T, b []byte) int {
	t.Helper()
	m := regexp.MustCompile(`/Root (\d+) 0 R`).FindAllSubmatch(b, -1)
	if m == nil {
		t.Fatal("no /Root")
	}
	n, _ := strconv.Atoi(string(m[len(m)-1][1]))
	return n
}

// TestPDFPagesHostile: files made to loop, to inflate without end, or to
// lie are refused as "unknown" quickly, never a panic or a wrong count
// taken for true.
func TestPDFPagesHostile(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&bomb, zlib.BestCompression)
	zw.Write([]byte("1 0 "))
	zw.Write(bytes.Repeat([]byte(" "), 20<<20))
	zw.Close()
	cases := []struct {
		name string
		pdf  string
		want int // 0: unknown (error)
	}{
		{"not a PDF", "hello", 0},
		{"empty", "%PDF-1.4\n", 0},
		{"kids loop", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[2 0 R]/Count 1>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", 1},
		{"kids loop, no count", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[2 0 R]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", 0},
		{"count lies, tree good", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R 4 0 R]/Count 900>> endobj\n3 0 obj <</Type/Page/Parent 2 0 R>> endobj\n4 0 obj <</Type/Page/Parent 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", 2},
		{"huge count, broken tree", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[9 0 R]/Count 99999999>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", 0},
		{"strings with brackets", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R/T (a \\) ]>> (3 0 R) x)>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]>> endobj\n3 0 obj <</Type/Page>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", 1},
		{"inflation bomb", "%PDF-1.5\n5 0 obj <</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length " + strconv.Itoa(bomb.Len()) + ">>\nstream\n" + bomb.String() + "\nendstream endobj\n%%EOF", 0},
		{"cut short", "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R", 0},
		{"deep nesting", "%PDF-1.4\n1 0 obj " + strings.Repeat("[", 10000) + " endobj\n%%EOF", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PDFPages([]byte(c.pdf))
			if c.want == 0 {
				if !errors.Is(err, ErrPageCountUnknown) {
					t.Errorf("PDFPages = %d, %v; want ErrPageCountUnknown", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("PDFPages = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

func FuzzPDFPages(f *testing.F) {
	f.Add(pdfOf(f, 2))
	f.Add([]byte("%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]>> endobj\n3 0 obj <</Type/Page>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := PDFPages(b)
		if err != nil && n != 0 || n < 0 || n > maxPDFPages {
			t.Fatalf("PDFPages = %d, %v", n, err)
		}
	})
}
