package decode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"motcua/reader/qr"
)

const testSeed = 20240701

func TestHomographyRoundTrip(t *testing.T) {
	q := [4][2]float64{{100, 120}, {400, 90}, {430, 380}, {80, 410}}
	H := squareTo(q)
	for i, c := range [4][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		x, y := H.apply(c[0], c[1])
		if math.Abs(x-q[i][0]) > 1e-6 || math.Abs(y-q[i][1]) > 1e-6 {
			t.Fatalf("corner %d -> (%v,%v), want %v", i, x, y, q[i])
		}
		u, v := H.invert().apply(x, y)
		if math.Abs(u-c[0]) > 1e-6 || math.Abs(v-c[1]) > 1e-6 {
			t.Fatalf("inverse of corner %d -> (%v,%v)", i, u, v)
		}
	}
}

// TestCleanCodeAllImageTypes decodes a Vietnamese payload from the image
// types a file or camera gives, through the UTF-8 hint.
func TestCleanCodeAllImageTypes(t *testing.T) {
	payload := "001093047064|187654321|Nguyễn Văn Thử|05011993|Nam|Số 1 Phố Giả, Hà Nội|10042021"
	png1, err := qrcode.Encode(payload, qrcode.Medium, 400)
	if err != nil {
		t.Fatal(err)
	}
	src, err := png.Decode(bytes.NewReader(png1))
	if err != nil {
		t.Fatal(err)
	}
	var jbuf bytes.Buffer
	if err := jpeg.Encode(&jbuf, src, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	jimg, err := jpeg.Decode(&jbuf)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(src.Bounds())
	nrgba := image.NewNRGBA(src.Bounds())
	for y := 0; y < 400; y++ {
		for x := 0; x < 400; x++ {
			rgba.Set(x, y, src.At(x, y))
			nrgba.Set(x, y, src.At(x, y))
		}
	}
	// A sub-image with a non-zero origin.
	big := image.NewGray(image.Rect(0, 0, 600, 600))
	for i := range big.Pix {
		big.Pix[i] = 255
	}
	for y := 0; y < 400; y++ {
		for x := 0; x < 400; x++ {
			big.SetGray(x+100, y+100, color.GrayModel.Convert(src.At(x, y)).(color.Gray))
		}
	}
	sub := big.SubImage(image.Rect(50, 50, 550, 550))
	for name, img := range map[string]image.Image{"paletted": src, "ycbcr-jpeg": jimg, "rgba": rgba, "nrgba": nrgba, "gray-sub": sub, "gray": grayOf(src)} {
		got, err := Image(img)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != payload {
			t.Errorf("%s: got %q", name, got)
		}
	}
}

func TestNoCode(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 320, 240))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range blank.Pix {
		blank.Pix[i] = uint8(rng.IntN(256))
	}
	if _, err := Image(blank); !errors.Is(err, ErrNotFound) {
		t.Errorf("noise: err = %v, want ErrNotFound", err)
	}
	if _, err := Image(image.NewGray(image.Rect(0, 0, 0, 0))); !errors.Is(err, ErrEmptyImage) {
		t.Errorf("empty: err = %v", err)
	}
	if _, err := Image(image.NewGray(image.Rect(0, 0, 1, 1))); err == nil {
		t.Error("1x1 image decoded")
	}
}

// TestPrepareSteps checks each preparation on a known input.
func TestPrepareSteps(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(g.Pix, []uint8{100, 110, 120, 130, 140, 150, 160, 170})
	if h := Half(g); h.Rect.Dx() != 2 || h.Rect.Dy() != 1 || h.Pix[0] != 125 || h.Pix[1] != 145 {
		t.Errorf("Half = %v %v", h.Rect, h.Pix)
	}
	if s := Stretch(g); s.Pix[0] != 0 || s.Pix[7] != 255 {
		t.Errorf("Stretch = %v", s.Pix)
	}
	if inv := Invert(g); inv.Pix[0] != 155 {
		t.Errorf("Invert = %v", inv.Pix)
	}
	if d := Double(g); d.Rect.Dx() != 8 || d.Rect.Dy() != 4 {
		t.Errorf("Double size %v", d.Rect)
	}
	r := Rotate45(image.NewGray(image.Rect(0, 0, 100, 100)))
	if r.Rect.Dx() != 142 || r.Rect.Dy() != 142 {
		t.Errorf("Rotate45 size %v", r.Rect)
	}
	a := Adaptive(g)
	for _, v := range a.Pix {
		if v != 0 && v != 255 {
			t.Fatalf("Adaptive not binary: %v", a.Pix)
		}
	}
}

// TestCorpus decodes the generated degraded corpus: every clean frame must
// decode, the degraded ones at a rate the pipeline reached when it was tuned,
// and every decoded text must be exactly the payload (UTF-8 intact) and
// parse as a card QR.
func TestCorpus(t *testing.T) {
	perKind := 2
	if testing.Short() {
		perKind = 1
	}
	if v := os.Getenv("MOTCUA_QR_PER_KIND"); v != "" {
		fmt.Sscan(v, &perKind)
	}
	corpus, err := makeCorpus(testSeed, perKind)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]int{}
	ok, okClean, nClean := 0, 0, 0
	for _, s := range corpus {
		r, err := Detailed(s.Img)
		clean := strings.Contains(s.Name, "-clean-")
		if clean {
			nClean++
		}
		if err != nil {
			t.Logf("%s: %v after %d attempts", s.Name, err, r.Attempts)
			continue
		}
		if r.Text != s.Payload {
			t.Errorf("%s: decoded text differs from the payload", s.Name)
			continue
		}
		if _, err := qr.Parse(r.Text); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		ok++
		steps[r.Step]++
		if clean {
			okClean++
		}
	}
	var names []string
	for k := range steps {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("step %-16s %d", k, steps[k])
	}
	t.Logf("decoded %d/%d (%.0f%%)", ok, len(corpus), 100*float64(ok)/float64(len(corpus)))
	if okClean != nClean {
		t.Errorf("clean frames decoded %d/%d", okClean, nClean)
	}
	if float64(ok) < 0.85*float64(len(corpus)) {
		t.Errorf("decode rate %d/%d below 85%%", ok, len(corpus))
	}
}

// TestWriteCorpus writes the corpus as PNG files for inspection when
// MOTCUA_QR_CORPUS names a directory.
func TestWriteCorpus(t *testing.T) {
	dir := os.Getenv("MOTCUA_QR_CORPUS")
	if dir == "" {
		t.Skip("set MOTCUA_QR_CORPUS=dir to write the corpus images")
	}
	perKind := 1
	if v := os.Getenv("MOTCUA_QR_PER_KIND"); v != "" {
		fmt.Sscan(v, &perKind)
	}
	corpus, err := makeCorpus(testSeed, perKind)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range corpus {
		if err := writePNG(filepath.Join(dir, s.Name+".png"), s.Img); err != nil {
			t.Fatal(err)
		}
	}
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestFastPipeline reads a typical frame with the live-video pipeline and
// runs no more than its steps on a frame without a code.
func TestFastPipeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 99))
	payload := synthPayload(rng)
	img, err := renderFrame(rng, resolutions[0], payload, "clean")
	if err != nil {
		t.Fatal(err)
	}
	r, err := WithSteps(img, Fast)
	if err != nil || r.Text != payload {
		t.Fatalf("Fast: %q, %v", r.Text, err)
	}
	r, err = WithSteps(image.NewGray(image.Rect(0, 0, 64, 64)), Fast)
	if !errors.Is(err, ErrNotFound) || r.Attempts != len(Fast) {
		t.Errorf("blank: %v after %d attempts", err, r.Attempts)
	}
}
