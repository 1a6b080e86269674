package printer

import (
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Vietnamese text is printed as raster images drawn with an embedded
// font, not through a printer code page. Why: the code pages that carry
// Vietnamese (WPC1258, TCVN-3) sit at different ESC t numbers on
// different makers' printers and are missing on many of the cheap 58/80
// mm printers kiosks use; WPC1258 spells most tone marks as combining
// characters that such printers overstrike badly or not at all. A raster
// prints the same on every ESC/POS printer that has GS v 0 (all of them),
// and the test can compare exactly what was sent with what was meant.
//
// Noto Sans Bold (SIL OFL 1.1, font/LICENSE-NotoSans.txt) covers every
// Vietnamese letter; bold survives the thermal head's dot gain.
//
//go:embed font/NotoSans-Bold.ttf
var notoBold []byte

var (
	fontOnce sync.Once
	fontErr  error
	theFont  *opentype.Font
	facesMu  sync.Mutex
	faces    = map[float64]font.Face{}
)

// face returns the embedded font at size px (cached: faces are reused).
func face(px float64) (font.Face, error) {
	fontOnce.Do(func() { theFont, fontErr = opentype.Parse(notoBold) })
	if fontErr != nil {
		return nil, fmt.Errorf("printer font: %w", fontErr)
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	if f, ok := faces[px]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(theFont, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("printer font at %vpx: %w", px, err)
	}
	faces[px] = f
	return f, nil
}

// Missing returns the runes of s the embedded font has no glyph for
// (they would print as empty boxes).
func Missing(s string) ([]rune, error) {
	f, err := face(24)
	if err != nil {
		return nil, err
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	var out []rune
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		if _, ok := f.GlyphAdvance(r); !ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Bitmap is a 1-bit image in ESC/POS raster layout: rows of WidthBytes
// bytes, most significant bit leftmost, 1 = black.
type Bitmap struct {
	WidthBytes, Rows int
	Bits             []byte
}

// Black reports whether the dot at (x, y) is black.
func (b Bitmap) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= b.WidthBytes*8 || y >= b.Rows {
		return false
	}
	return b.Bits[y*b.WidthBytes+x/8]&(0x80>>(x%8)) != 0
}

// Ink counts the black dots.
func (b Bitmap) Ink() int {
	n := 0
	for _, v := range b.Bits {
		for ; v != 0; v &= v - 1 {
			n++
		}
	}
	return n
}

// toBitmap thresholds an image drawn black on white (dark < 128 is black).
func toBitmap(img *image.RGBA) Bitmap {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	bm := Bitmap{WidthBytes: (w + 7) / 8, Rows: h}
	bm.Bits = make([]byte, bm.WidthBytes*h)
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			if row[4*x] < 128 {
				bm.Bits[y*bm.WidthBytes+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return bm
}

// Align is where a line sits across the paper.
type Align int

// Alignments.
const (
	Left Align = iota
	Center
)

// RenderLine draws one line of text, px high, across width dots. Text
// wider than the paper is cut at the edge: wrap first (Wrap).
func RenderLine(text string, px float64, width int, al Align) (Bitmap, error) {
	f, err := face(px)
	if err != nil {
		return Bitmap{}, err
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	m := f.Metrics()
	h := (m.Ascent + m.Descent).Ceil() + 4
	// RGBA, not Gray: image/draw has fast paths for a uniform colour
	// through a glyph mask onto RGBA only.
	img := image.NewRGBA(image.Rect(0, 0, width, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: f}
	adv := d.MeasureString(text).Ceil()
	x := margin
	if al == Center && adv < width {
		x = (width - adv) / 2
	}
	d.Dot = fixed.P(x, m.Ascent.Ceil()+2)
	d.DrawString(text)
	return toBitmap(img), nil
}

// margin is the left margin in dots.
const margin = 8

// Wrap breaks text into lines no wider than width dots at size px,
// at spaces; a single word wider than the paper is broken by letters.
func Wrap(text string, px float64, width int) ([]string, error) {
	f, err := face(px)
	if err != nil {
		return nil, err
	}
	facesMu.Lock()
	defer facesMu.Unlock()
	limit := fixed.I(width - 2*margin)
	fits := func(s string) bool { return font.MeasureString(f, s) <= limit }
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		try := w
		if cur != "" {
			try = cur + " " + w
		}
		if fits(try) {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		for !fits(w) {
			rs := []rune(w)
			n := len(rs) - 1
			for n > 1 && !fits(string(rs[:n])) {
				n--
			}
			lines = append(lines, string(rs[:n]))
			w = string(rs[n:])
		}
		cur = w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines, nil
}
