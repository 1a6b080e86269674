package decode

import (
	"image"
	"sort"
)

// The pre-check: a frame from a kiosk camera almost never holds a QR code,
// and the retry pipeline spends hundreds of milliseconds proving that. Every
// step of the pipeline, like every QR reader, starts from the finder
// patterns: the three squares whose every cut through the centre reads
// dark-light-dark-light-dark in the ratio 1:1:3:1:1, at any rotation. The
// pre-check looks for such cuts on a locally binarised view of the frame
// (halved only above 1080p), with a hysteresis band sized by the sensor
// noise it measures so that noise cannot fake short runs; it confirms each
// cut by the vertical one through its centre, and lets the pipeline run
// only when three such marks sit as a code's finder patterns do. It is
// deliberately more tolerant than gozxing's own finder search (wider
// ratios, both polarities, half gozxing's minimum contrast in a quiet
// frame): a frame it passes in vain costs one pipeline run, a code it
// turned away would be lost. It costs a few milliseconds a frame
// (BenchmarkNoCode, BenchmarkEmptyVsZbar).

// Probe is what the pre-check saw in a frame.
type Probe struct {
	// Marks counts distinct finder-pattern-like marks, each confirmed
	// across and down.
	Marks int
	// Triangle reports three marks of similar module size placed as a
	// code's finder patterns are (a right isosceles triangle, however
	// tilted or foreshortened): every QR reader needs all three.
	Triangle bool
	// Box bounds the code the triangle implies (its fourth corner
	// completed as a parallelogram, grown by the quiet zone and a margin
	// for perspective), in the frame's coordinates; empty without a
	// triangle.
	Box image.Rectangle
	// Module is the triangle's mean module size in frame pixels.
	Module float64
	// Scale is the downscaling the check ran at (1 or 2).
	Scale int
}

// Likely reports whether a QR code may be in the frame.
func (p Probe) Likely() bool { return p.Triangle }

// Tuning of the pre-check. The ratios are looser than gozxing's (whose
// one-module runs must be within 50% of the module size and whose centre
// run within 1.5 to 4.5 modules) so that no frame the pipeline can read is
// turned away; TestPrecheckPassesCorpus holds them to that.
const (
	// precheckHalveFrom is the shorter side from which the check runs on
	// the halved frame (a 4K camera). Up to 1080p it runs on the frame
	// itself: the pipeline reads codes with modules down to about 1.75
	// pixels, which halving would shrink below what a run can show.
	precheckHalveFrom = 1440
	// precheckBlock is the side of the blocks the threshold is computed on
	// (gozxing's hybrid binarizer uses the same 8 and 5x5 neighbourhood).
	precheckBlock = 8
	// precheckMinRange is the smallest brightness range (max - min over
	// a block) treated as contrast; flatter blocks take their
	// neighbours' threshold or count as light.
	precheckMinRange = 12
	// precheckFlatSigma: blocks whose range is below this many sigmas of
	// the estimated sensor noise are flat.
	precheckFlatSigma = 5
	// precheckBandSigma is the hysteresis band of the binarisation, in
	// noise sigmas: two keep flat areas from breaking into runs.
	precheckBandSigma = 2
	// precheckMinModule is the smallest module, in pixels of the checked
	// image, a mark may have: one-pixel runs are what noise is made of.
	precheckMinModule = 1.25
	// precheckOneTol and precheckCentreLo/Hi bound the runs relative to
	// the module size (total/7).
	precheckOneTol   = 0.65
	precheckCentreLo = 1.4
	precheckCentreHi = 4.8
	// precheckCrossRatio bounds how much the vertical cut may differ in
	// length from the horizontal one (perspective, rotation).
	precheckCrossRatio = 2.5
)

// ProbeImage runs the pre-check on any image.
func ProbeImage(img image.Image) Probe { return ProbeGray(ToGray(img)) }

// ProbeGray runs the pre-check on a grayscale image.
func ProbeGray(g *image.Gray) Probe {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w <= 0 || h <= 0 {
		return Probe{}
	}
	work, scale := originView(g), 1
	if min(w, h) >= precheckHalveFrom {
		work, scale = Half(work), 2
	}
	marks := findMarks(work)
	p := Probe{Marks: len(marks), Scale: scale}
	t, ok := bestTriangle(marks)
	if !ok {
		return p
	}
	p.Triangle = true
	f := float64(scale)
	p.Module = (t[0].module + t[1].module + t[2].module) / 3 * f
	// t[1] is the corner: the fourth corner completes the parallelogram.
	xs := []float64{t[0].x, t[1].x, t[2].x, t[0].x + t[2].x - t[1].x}
	ys := []float64{t[0].y, t[1].y, t[2].y, t[0].y + t[2].y - t[1].y}
	x0, x1 := min(xs[0], xs[1], xs[2], xs[3]), max(xs[0], xs[1], xs[2], xs[3])
	y0, y1 := min(ys[0], ys[1], ys[2], ys[3]), max(ys[0], ys[1], ys[2], ys[3])
	// Finder centres are 3.5 modules inside the code, which has a
	// 4-module quiet zone; a quarter of the size more for perspective.
	grow := 8*p.Module/f + (x1-x0+y1-y0)/8
	r := image.Rect(int((x0-grow)*f), int((y0-grow)*f), int((x1+grow)*f)+1, int((y1+grow)*f)+1)
	p.Box = r.Add(g.Rect.Min).Intersect(g.Rect)
	return p
}

// precheckTopMarks bounds the marks tried as triangle corners: the real
// finder patterns are confirmed by many rows each, so they rank first.
const precheckTopMarks = 16

// bestTriangle looks among the most confirmed marks for three that could
// be a code's finder patterns: module sizes within a factor 3, finder
// centres at least 7 modules apart (a code has 14 or more), at most 180,
// and a shape near a right isosceles triangle (the test gozxing's own
// triple choice and tiltedTriples use, loosened). It returns the least
// distorted triple, the right-angle corner in the middle.
func bestTriangle(marks []mark) ([3]mark, bool) {
	c := append([]mark(nil), marks...)
	sort.SliceStable(c, func(i, j int) bool { return c[i].hits > c[j].hits })
	if len(c) > precheckTopMarks {
		c = c[:precheckTopMarks]
	}
	var best [3]mark
	bestD := -1.0
	for i := 0; i < len(c); i++ {
		for j := i + 1; j < len(c); j++ {
			for k := j + 1; k < len(c); k++ {
				lo := min(c[i].module, c[j].module, c[k].module)
				hi := max(c[i].module, c[j].module, c[k].module)
				if hi > 3*lo {
					continue
				}
				// Squared sides, and the corner opposite the longest.
				ij, jk, ik := dist2(c[i], c[j]), dist2(c[j], c[k]), dist2(c[i], c[k])
				a, b, hyp := ij, ik, jk
				t := [3]mark{c[j], c[i], c[k]} // corner i
				switch {
				case ij >= jk && ij >= ik:
					a, b, hyp = jk, ik, ij
					t = [3]mark{c[i], c[k], c[j]} // corner k
				case ik >= ij && ik >= jk:
					a, b, hyp = ij, jk, ik
					t = [3]mark{c[i], c[j], c[k]} // corner j
				}
				avg := (c[i].module + c[j].module + c[k].module) / 3
				if min(a, b) < 49*avg*avg || hyp > 2*180*180*avg*avg {
					continue
				}
				d := (abs(hyp-2*b) + abs(hyp-2*a)) / hyp
				if d > 1.5 {
					continue
				}
				if bestD < 0 || d < bestD {
					best, bestD = t, d
				}
			}
		}
	}
	return best, bestD >= 0
}

func dist2(a, b mark) float64 { return (a.x-b.x)*(a.x-b.x) + (a.y-b.y)*(a.y-b.y) }

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// originView returns g with its origin moved to (0,0), sharing the pixels:
// a sub-image (a region of interest) is checked without a copy.
func originView(g *image.Gray) *image.Gray {
	if g.Rect.Min == (image.Point{}) {
		return g
	}
	return &image.Gray{Pix: g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y):], Stride: g.Stride,
		Rect: image.Rect(0, 0, g.Rect.Dx(), g.Rect.Dy())}
}

// mark is a finder-pattern-like spot: its centre, module size and how many
// row cuts confirmed it.
type mark struct {
	x, y   float64
	module float64
	hits   int
}

// findMarks scans every other row of g (origin (0,0)) for 1:1:3:1:1 runs of
// either polarity, confirms each by the vertical cut through its centre and
// merges the confirmations into marks. A pixel changes colour only when it
// crosses its block's threshold by more than band: sensor noise then cannot
// chop a flat area into the short runs a small finder pattern is made of.
// Every other row is enough: a finder's centre is three modules, at least
// five pixels, high.
func findMarks(g *image.Gray) []mark {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 7 || h < 7 {
		return nil
	}
	flat, band := noiseLevels(g)
	c := cutter{g: g, thr: blockThresholds(g, flat), bw: (w + precheckBlock - 1) / precheckBlock, band: band}
	var set markSet
	var runs [5]int
	for y := 0; y < h; y += 2 {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		trow := c.thr[(y/precheckBlock)*c.bw : (y/precheckBlock+1)*c.bw]
		runs = [5]int{}
		n := 0 // runs closed so far in this row, capped at 5
		dark := int(row[0]) <= int(trow[0])
		start, x := 0, 0
		for x < w {
			// Extend the run to the end of its colour, a block at a time.
			end := min(w, (x/precheckBlock+1)*precheckBlock)
			t := int(trow[x/precheckBlock])
			if dark {
				for lim := t + band; x < end && int(row[x]) <= lim; x++ {
				}
			} else {
				for lim := t - band; x < end && int(row[x]) > lim; x++ {
				}
			}
			if x == end && x < w {
				continue // the run goes on into the next block
			}
			// The run [start, x) of colour dark has ended.
			copy(runs[:], runs[1:])
			runs[4] = x - start
			start = x
			if n < 5 {
				n++
			}
			// The centre run has the colour of the one just closed (runs
			// alternate); either polarity is allowed, for inverted codes.
			if n == 5 && x < w && ratioOK(runs) {
				cx := x - runs[4] - runs[3] - (runs[2]+1)/2
				total := runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
				if cy, vtotal, ok := c.down(cx, y, dark, total); ok {
					set.add(float64(cx), cy, float64(total+vtotal)/14)
				}
			}
			dark = !dark
		}
	}
	return set.marks
}

// cutter reads g through its block thresholds with hysteresis.
type cutter struct {
	g    *image.Gray
	thr  []uint8
	bw   int
	band int
}

// down reads the vertical cut through (cx, y), whose pixel has the centre
// run's colour, and tests it for 1:1:3:1:1 and for a length comparable to
// the horizontal cut's. It returns the centre of the vertical centre run
// and the cut's length.
func (c *cutter) down(cx, y int, centreDark bool, htotal int) (float64, int, bool) {
	h := c.g.Rect.Dy()
	limit := htotal * 3 // no run is longer than thrice the horizontal cut
	// next reports the colour of pixel yy given the colour before it.
	next := func(yy int, dark bool) bool {
		v := int(c.g.Pix[yy*c.g.Stride+cx])
		t := int(c.thr[(yy/precheckBlock)*c.bw+cx/precheckBlock])
		if dark {
			return v <= t+c.band
		}
		return v <= t-c.band
	}
	var up, dn [3]int
	yy, colour, cur := y, centreDark, centreDark
	for i := 0; i < 3; i++ {
		for yy >= 0 {
			cur = next(yy, cur)
			if cur != colour || up[i] > limit {
				break
			}
			up[i]++
			yy--
		}
		if yy < 0 || up[i] > limit || up[i] == 0 {
			return 0, 0, false
		}
		colour = !colour
	}
	yy, colour, cur = y+1, centreDark, centreDark
	for i := 0; i < 3; i++ {
		for yy < h {
			cur = next(yy, cur)
			if cur != colour || dn[i] > limit {
				break
			}
			dn[i]++
			yy++
		}
		if yy >= h || dn[i] > limit || (i > 0 && dn[i] == 0) {
			return 0, 0, false
		}
		colour = !colour
	}
	runs := [5]int{up[2], up[1], up[0] + dn[0], dn[1], dn[2]}
	if !ratioOK(runs) {
		return 0, 0, false
	}
	vtotal := runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
	if float64(vtotal) > precheckCrossRatio*float64(htotal) || float64(htotal) > precheckCrossRatio*float64(vtotal) {
		return 0, 0, false
	}
	// The vertical centre run spans y-up[0]+1 .. y+dn[0].
	return float64(2*y-up[0]+1+dn[0]) / 2, vtotal, true
}

// ratioOK tests runs for 1:1:3:1:1 within the pre-check's tolerances.
func ratioOK(r [5]int) bool {
	total := r[0] + r[1] + r[2] + r[3] + r[4]
	m := float64(total) / 7
	if m < precheckMinModule {
		return false
	}
	tol := precheckOneTol * m
	for _, i := range [4]int{0, 1, 3, 4} {
		if d := float64(r[i]) - m; d > tol || d < -tol {
			return false
		}
	}
	c := float64(r[2])
	return c >= precheckCentreLo*m && c <= precheckCentreHi*m
}

// markSet merges confirmed cuts into marks. A grid of 64-pixel cells
// finds the marks near a cut, so that a frame full of texture, with
// thousands of marks, costs no more than linear time.
type markSet struct {
	marks []mark
	grid  map[[2]int][]int
}

const markCell = 64

// add merges a confirmed cut into the mark it belongs to (centres closer
// than two modules), or starts a new one.
func (s *markSet) add(x, y, module float64) {
	cx, cy := int(x)/markCell, int(y)/markCell
	for gy := cy - 1; gy <= cy+1; gy++ {
		for gx := cx - 1; gx <= cx+1; gx++ {
			for _, i := range s.grid[[2]int{gx, gy}] {
				m := &s.marks[i]
				d := 2 * max(m.module, module)
				if dx, dy := m.x-x, m.y-y; dx*dx+dy*dy <= d*d {
					k := float64(m.hits)
					m.x = (m.x*k + x) / (k + 1)
					m.y = (m.y*k + y) / (k + 1)
					m.module = (m.module*k + module) / (k + 1)
					m.hits++
					return
				}
			}
		}
	}
	if s.grid == nil {
		s.grid = map[[2]int][]int{}
	}
	s.grid[[2]int{cx, cy}] = append(s.grid[[2]int{cx, cy}], len(s.marks))
	s.marks = append(s.marks, mark{x: x, y: y, module: module, hits: 1})
}

// blockThresholds computes one threshold per 8x8 block the way gozxing's
// hybrid binarizer does: the block's mean, or for a flat block a value
// that keeps it light unless its darker neighbours say it is ink; then the
// average over the 5x5 blocks around it. A pixel at or below its block's
// threshold is dark.
func blockThresholds(g *image.Gray, flat int) []uint8 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	bw := (w + precheckBlock - 1) / precheckBlock
	bh := (h + precheckBlock - 1) / precheckBlock
	black := make([]int, bw*bh)
	sum := make([]int, bw)
	lo := make([]uint8, bw)
	hi := make([]uint8, bw)
	for by := 0; by < bh; by++ {
		y0, y1 := by*precheckBlock, min(h, (by+1)*precheckBlock)
		for i := range sum {
			sum[i], lo[i], hi[i] = 0, 255, 0
		}
		// Every other row, the rows findMarks scans: half the reading,
		// and the same statistics for a block of noise or of code.
		for y := y0; y < y1; y += 2 {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			for bx := 0; bx < bw; bx++ {
				x0 := bx * precheckBlock
				if x0+precheckBlock <= w {
					// A whole block row, unrolled: no bounds checks, no loop.
					p := (*[precheckBlock]uint8)(row[x0 : x0+precheckBlock])
					l := min(lo[bx], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
					u := max(hi[bx], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
					sum[bx] += int(p[0]) + int(p[1]) + int(p[2]) + int(p[3]) + int(p[4]) + int(p[5]) + int(p[6]) + int(p[7])
					lo[bx], hi[bx] = l, u
					continue
				}
				for _, v := range row[x0:w] {
					sum[bx] += int(v)
					lo[bx] = min(lo[bx], v)
					hi[bx] = max(hi[bx], v)
				}
			}
		}
		for bx := 0; bx < bw; bx++ {
			n := (y1 - y0 + 1) / 2 * (min(w, (bx+1)*precheckBlock) - bx*precheckBlock)
			avg := sum[bx] / n
			l := int(lo[bx])
			if int(hi[bx])-l <= flat {
				avg = l / 2
				if by > 0 && bx > 0 {
					nb := (black[(by-1)*bw+bx] + 2*black[by*bw+bx-1] + black[(by-1)*bw+bx-1]) / 4
					if l < nb {
						avg = nb
					}
				}
			}
			black[by*bw+bx] = avg
		}
	}
	thr := make([]uint8, bw*bh)
	for by := 0; by < bh; by++ {
		y0, y1 := max(0, by-2), min(bh-1, by+2)
		for bx := 0; bx < bw; bx++ {
			x0, x1 := max(0, bx-2), min(bw-1, bx+2)
			sum, n := 0, 0
			for yy := y0; yy <= y1; yy++ {
				for xx := x0; xx <= x1; xx++ {
					sum += black[yy*bw+xx]
					n++
				}
			}
			thr[by*bw+bx] = uint8(sum / n)
		}
	}
	return thr
}

// noiseLevels returns the brightness range below which a block of g counts
// as flat (precheckMinRange, or more in a noisy image, where the range of a
// block of pure sensor noise is about 4.7 sigma) and the hysteresis band of
// the binarisation. The noise is estimated from the differences between
// horizontal neighbours on every sixteenth row: for Gaussian noise their
// absolute value has its third quartile at 1.63 sigma. Edges are too few to
// move it in a camera frame; the quartile rather than the median so that
// pixel-sized salt-and-pepper texture, whose differences are half zero and
// half the full range, counts as the noise it is.
func noiseLevels(g *image.Gray) (flat, band int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var hist [256]int
	n := 0
	for y := 0; y < h; y += 16 {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := 1; x < w; x++ {
			d := int(row[x]) - int(row[x-1])
			if d < 0 {
				d = -d
			}
			hist[d]++
			n++
		}
	}
	q, acc := 0, 0
	for q < 255 {
		acc += hist[q]
		if 4*acc >= 3*n {
			break
		}
		q++
	}
	sigma := float64(q) / 1.63
	return max(precheckMinRange, int(precheckFlatSigma*sigma)), int(precheckBandSigma*sigma + 0.5)
}
