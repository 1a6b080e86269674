package decode

import (
	"image"
	"image/color"
	"math"
)

// ToGray returns img as an 8-bit grayscale image with its origin at (0,0).
// Camera frames (YCbCr, from JPEG/MJPEG) give their Y plane directly.
func ToGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 {
		return out
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(out.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			copy(out.Pix[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = luma(row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	case *image.NRGBA:
		// Transparent pixels are shown on white, as a viewer would.
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				a := uint32(row[4*x+3])
				l := uint32(luma(row[4*x], row[4*x+1], row[4*x+2]))
				out.Pix[y*w+x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Composite on white.
				r += 0xffff - a
				g += 0xffff - a
				bl += 0xffff - a
				out.Pix[y*w+x] = color.GrayModel.Convert(color.RGBA64{R: uint16(min(r, 0xffff)), G: uint16(min(g, 0xffff)), B: uint16(min(bl, 0xffff)), A: 0xffff}).(color.Gray).Y
			}
		}
	}
	return out
}

// luma is ITU-R BT.601 luma in integer arithmetic.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// Stretch maps the 1st..99th percentile of brightness onto 0..255: a dim or
// washed-out photo gets its full contrast back.
func Stretch(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	n := len(g.Pix)
	lo, hi := 0, 255
	for acc := 0; lo < 255; lo++ {
		acc += hist[lo]
		if acc > n/100 {
			break
		}
	}
	for acc := 0; hi > 0; hi-- {
		acc += hist[hi]
		if acc > n/100 {
			break
		}
	}
	out := image.NewGray(g.Rect)
	if hi <= lo {
		copy(out.Pix, g.Pix)
		return out
	}
	var lut [256]uint8
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = uint8(max(0, min(255, v)))
	}
	for i, v := range g.Pix {
		out.Pix[i] = lut[v]
	}
	return out
}

// integral returns the summed-area table of g, (w+1) x (h+1).
func integral(g *image.Gray) []int64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s := make([]int64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row int64
		for x := 0; x < w; x++ {
			row += int64(g.Pix[y*g.Stride+x])
			s[(y+1)*(w+1)+x+1] = s[y*(w+1)+x+1] + row
		}
	}
	return s
}

// boxMean returns the mean of g over a (2r+1)-square window around each
// pixel, clipped at the edges.
func boxMean(g *image.Gray, r int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s := integral(g)
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			sum := s[y1*(w+1)+x1] - s[y0*(w+1)+x1] - s[y1*(w+1)+x0] + s[y0*(w+1)+x0]
			out.Pix[y*w+x] = uint8(sum / int64((y1-y0)*(x1-x0)))
		}
	}
	return out
}

// Adaptive thresholds every pixel against the mean of a window around it
// (about a sixteenth of the shorter side), which copes with glare and
// uneven light better than one global threshold. The result is black and
// white.
func Adaptive(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	r := max(7, min(w, h)/32)
	mean := boxMean(g, r)
	out := image.NewGray(image.Rect(0, 0, w, h))
	const offset = 6 // a pixel must be this much darker than its surroundings to be ink
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if int(g.Pix[y*g.Stride+x])+offset < int(mean.Pix[y*w+x]) {
				out.Pix[y*w+x] = 0
			} else {
				out.Pix[y*w+x] = 255
			}
		}
	}
	return out
}

// Smooth is a 3x3 box blur: it suppresses sensor noise that breaks the
// binarizer into speckles.
func Smooth(g *image.Gray) *image.Gray { return boxMean(g, 1) }

// Half downscales by two (2x2 averages): noise averages out and a big code
// in a 1080p frame becomes cheaper to find.
func Half(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx()/2, g.Rect.Dy()/2
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		r0 := g.Pix[(2*y)*g.Stride:]
		r1 := g.Pix[(2*y+1)*g.Stride:]
		for x := 0; x < w; x++ {
			out.Pix[y*w+x] = uint8((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1]) + 2) / 4)
		}
	}
	return out
}

// Double upscales by two (bilinear): a small, far-away code gets modules
// large enough for the finder-pattern search.
func Double(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	for y := 0; y < 2*h; y++ {
		sy := float64(y)/2 - 0.25
		for x := 0; x < 2*w; x++ {
			out.Pix[y*2*w+x] = bilinear(g, float64(x)/2-0.25, sy, 255)
		}
	}
	return out
}

// Sharpen is an unsharp mask (amount 1.5, radius 2): it steepens the edges
// of a slightly out-of-focus code.
func Sharpen(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	blur := boxMean(g, 2)
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := int(g.Pix[y*g.Stride+x])
			b := int(blur.Pix[y*w+x])
			out.Pix[y*w+x] = uint8(max(0, min(255, v+(v-b)*3/2)))
		}
	}
	return out
}

// Invert swaps black and white, for codes printed light on dark.
func Invert(g *image.Gray) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = 255 - v
	}
	return out
}

// Rotate45 turns the image by 45 degrees about its centre (on a canvas
// large enough to hold it): gozxing's finder-pattern search scans rows and
// does worst on codes tilted near 45 degrees.
func Rotate45(g *image.Gray) *image.Gray { return rotate(g, math.Pi/4) }

func rotate(g *image.Gray, theta float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	c, s := math.Cos(theta), math.Sin(theta)
	nw := int(math.Ceil(math.Abs(float64(w)*c) + math.Abs(float64(h)*s)))
	nh := int(math.Ceil(math.Abs(float64(w)*s) + math.Abs(float64(h)*c)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	cx, cy := float64(w)/2, float64(h)/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	for y := 0; y < nh; y++ {
		dy := float64(y) - ncy
		for x := 0; x < nw; x++ {
			dx := float64(x) - ncx
			out.Pix[y*nw+x] = bilinear(g, c*dx+s*dy+cx, -s*dx+c*dy+cy, 255)
		}
	}
	return out
}

// bilinear samples g at (x, y), answering outside for points off the image.
func bilinear(g *image.Gray, x, y float64, outside uint8) uint8 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if x < -0.5 || y < -0.5 || x > float64(w)-0.5 || y > float64(h)-0.5 {
		return outside
	}
	x = max(0, min(float64(w-1), x))
	y = max(0, min(float64(h-1), y))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	p := func(xx, yy int) float64 { return float64(g.Pix[yy*g.Stride+xx]) }
	v := p(x0, y0)*(1-fx)*(1-fy) + p(x1, y0)*fx*(1-fy) + p(x0, y1)*(1-fx)*fy + p(x1, y1)*fx*fy
	return uint8(v + 0.5)
}
