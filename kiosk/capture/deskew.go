package capture

import (
	"image"
	"math"
)

// Deskew search range and step, in degrees: a page laid on a flatbed or
// fed by an ADF is rarely more than a few degrees off.
const (
	maxSkewDeg  = 5.0
	skewStepDeg = 0.25
	minSkewDeg  = 0.4 // below this a rotation costs sharpness for nothing
)

// estimateSkew returns the angle (degrees, positive: the content's lines
// slope down to the right) at which the rows of dark pixels line up best,
// by the projection-profile method on a reduced copy: the shear that makes
// text lines horizontal maximises the variance of the row sums. ok is
// false when the page has too little ink or no angle beats level clearly.
func estimateSkew(g *image.Gray) (deg float64, ok bool) {
	b := g.Bounds()
	step := max(1, b.Dx()/400)
	type pt struct{ x, y int }
	var ink []pt
	for y := 0; y < b.Dy(); y += step {
		for x := 0; x < b.Dx(); x += step {
			if g.Pix[y*g.Stride+x] < 128 {
				ink = append(ink, pt{x, y})
			}
		}
	}
	if len(ink) < 200 || len(ink) > b.Dx()*b.Dy()/(step*step)/2 {
		return 0, false // blank, or mostly dark (a photo): nothing to level
	}
	// Row index after the shear, offset so it is never negative.
	off := int(float64(b.Dx())*math.Tan(maxSkewDeg*math.Pi/180)/float64(step)) + 2
	rows := make([]int, b.Dy()/step+2*off+2)
	score := func(a float64) float64 {
		t := math.Tan(a * math.Pi / 180)
		clear(rows)
		for _, p := range ink {
			rows[off+int(math.Round((float64(p.y)-float64(p.x)*t)/float64(step)))]++
		}
		var s float64
		for _, n := range rows {
			s += float64(n * n)
		}
		return s
	}
	level := score(0)
	best, bestScore := 0.0, level
	for a := -maxSkewDeg; a <= maxSkewDeg+1e-9; a += skewStepDeg {
		if s := score(a); s > bestScore {
			best, bestScore = a, s
		}
	}
	if math.Abs(best) < minSkewDeg || bestScore < level*1.15 {
		return 0, false
	}
	return best, true
}

// rotate turns g by -deg degrees about its centre (undoing a skew of deg),
// bilinear, filling the uncovered corners white (paper).
func rotate(g *image.Gray, deg float64) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	cx, cy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Source of (x, y): rotate back by +deg.
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := cos*dx - sin*dy + cx
			sy := sin*dx + cos*dy + cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				out.Pix[y*out.Stride+x] = 255
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			p := g.Pix[y0*g.Stride+x0:]
			q := g.Pix[(y0+1)*g.Stride+x0:]
			v := (float64(p[0])*(1-fx)+float64(p[1])*fx)*(1-fy) + (float64(q[0])*(1-fx)+float64(q[1])*fx)*fy
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}
