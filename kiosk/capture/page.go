package capture

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
)

// Limits bound what a page may cost. The zero value takes the defaults.
type Limits struct {
	// DPI is the highest resolution kept (default 200): a page scanned
	// finer is scaled down.
	DPI int
	// MaxPageBytes is the largest encoded page (default 400 KiB).
	MaxPageBytes int
	// MaxPixels bounds a page's decoded size before any work (default 60
	// megapixels: A4 at 600 dpi is 35).
	MaxPixels int
	// NoCrop keeps the near-white borders.
	NoCrop bool
	// NoDeskew keeps the page as scanned even when it is a little turned.
	NoDeskew bool
}

// Defaults of Limits.
const (
	DefaultDPI          = 200
	DefaultMaxPageBytes = 400 << 10
	DefaultMaxPixels    = 60_000_000
	minQuality          = 30
)

func (l Limits) withDefaults() Limits {
	if l.DPI <= 0 {
		l.DPI = DefaultDPI
	}
	if l.MaxPageBytes <= 0 {
		l.MaxPageBytes = DefaultMaxPageBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// Page is one captured page: grey JPEG bytes and the resolution they are at.
type Page struct {
	// JPEG is the encoded page.
	JPEG []byte
	// Width and Height are in pixels, DPI the resolution.
	Width, Height, DPI int
	// Source says where it came from: "sane:test", "camera", "file:NAME".
	Source string
	// Deskewed is the angle (degrees) the page was turned by to level it
	// (0: not turned).
	Deskewed float64
}

// WidthMM and HeightMM give the page's physical size.
func (p *Page) WidthMM() float64  { return float64(p.Width) * 25.4 / float64(p.DPI) }
func (p *Page) HeightMM() float64 { return float64(p.Height) * 25.4 / float64(p.DPI) }

// NewPage normalises img (captured at dpi; 0 means unknown, taken as the
// limit) into a Page: grey, scaled down to at most Limits.DPI, near-white
// borders cropped, levelled when it is turned by 0.4-5 degrees (deskew),
// JPEG at the best quality within MaxPageBytes.
func NewPage(img image.Image, dpi int, source string, lim Limits) (*Page, error) {
	lim = lim.withDefaults()
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, ErrUnreadable
	}
	if b.Dx()*b.Dy() > lim.MaxPixels {
		return nil, &PageTooLargeError{Why: "more pixels than the limit; scan at a lower resolution"}
	}
	if dpi <= 0 {
		dpi = lim.DPI
	}
	g := toGray(img)
	if dpi > lim.DPI {
		g = downscale(g, lim.DPI, dpi)
		dpi = lim.DPI
	}
	skew := 0.0
	if !lim.NoDeskew {
		if a, ok := estimateSkew(g); ok {
			g, skew = rotate(g, a), a
		}
	}
	if !lim.NoCrop {
		g = autoCrop(g)
	}
	data, err := encodeWithin(g, lim.MaxPageBytes)
	if err != nil {
		return nil, err
	}
	return &Page{JPEG: data, Width: g.Bounds().Dx(), Height: g.Bounds().Dy(), DPI: dpi, Source: source, Deskewed: skew}, nil
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	return g
}

// downscale resamples g from dpi to target by box averaging (a scan is
// only ever made smaller, and averaging keeps thin strokes legible).
func downscale(g *image.Gray, target, dpi int) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx()*target/dpi, b.Dy()*target/dpi
	if w < 1 || h < 1 {
		return g
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := y*b.Dy()/h, max((y+1)*b.Dy()/h, y*b.Dy()/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*b.Dx()/w, max((x+1)*b.Dx()/w, x*b.Dx()/w+1)
			sum, n := 0, 0
			for yy := y0; yy < y1; yy++ {
				row := g.Pix[(yy)*g.Stride:]
				for xx := x0; xx < x1; xx++ {
					sum += int(row[xx])
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}

// autoCrop trims borders that are nearly white (a flatbed's empty area
// around a smaller paper), keeping a small margin. A page with no ink is
// kept whole: an empty page is the officer's call, not ours.
func autoCrop(g *image.Gray) *image.Gray {
	const ink = 200 // darker than this is content
	b := g.Bounds()
	minX, minY, maxX, maxY := b.Dx(), b.Dy(), -1, -1
	for y := 0; y < b.Dy(); y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
		for x, v := range row {
			if v < ink {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return g
	}
	m := max(b.Dx(), b.Dy()) / 100 // 1% margin
	r := image.Rect(max(minX-m, 0), max(minY-m, 0), min(maxX+m+1, b.Dx()), min(maxY+m+1, b.Dy()))
	if r.Dx()*r.Dy() > b.Dx()*b.Dy()*95/100 {
		return g // nothing worth cropping
	}
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), g, r.Min, draw.Src)
	return out
}

// encodeWithin encodes g as JPEG at the highest quality (from 85 down to
// 30) whose size is within limit.
func encodeWithin(g *image.Gray, limit int) ([]byte, error) {
	var buf bytes.Buffer
	smallest := 0
	for q := 85; q >= minQuality; q -= 10 {
		buf.Reset()
		if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if buf.Len() <= limit {
			return bytes.Clone(buf.Bytes()), nil
		}
		smallest = buf.Len()
	}
	return nil, &PageTooLargeError{Bytes: smallest, Limit: limit}
}

// Preview returns a small grey image of the page (at most maxSide pixels
// on its longer side) for the screens.
func (p *Page) Preview(maxSide int) (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		return nil, ErrUnreadable
	}
	g := toGray(img)
	side := max(p.Width, p.Height)
	if side <= maxSide || maxSide <= 0 {
		return g, nil
	}
	return downscale(g, maxSide, side), nil
}

var _ color.Model = color.GrayModel
