package decode

import (
	"errors"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// errNoGrid reports that no candidate grid decoded.
var errNoGrid = errors.New("no candidate grid decoded")

// decodeTilted is a second QR detector for codes seen at a steep angle.
// gozxing's detector estimates the code's dimension from one module size
// averaged over the three finder patterns, and looks for the alignment
// pattern where a parallelogram would put it. Under strong perspective the
// near finder patterns have much larger modules than the far one, so the
// dimension comes out wrong and the alignment pattern is missed. This
// detector reuses gozxing's finder-pattern search, then tries the
// dimensions given by per-side module sizes (and their neighbours) and a
// wider alignment search, letting Reed-Solomon reject wrong grids.
func decodeTilted(bits *gozxing.BitMatrix, hints map[gozxing.DecodeHintType]interface{}) (string, error) {
	findHints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	finder := detector.NewFinderPatternFinder(bits, nil)
	var triples [][3]*detector.FinderPattern
	if info, err := finder.Find(findHints); err == nil {
		triples = append(triples, [3]*detector.FinderPattern{info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()})
	}
	// gozxing drops triples whose module sizes differ by more than 40%,
	// which is exactly what strong perspective produces: choose again.
	triples = append(triples, tiltedTriples(finder.GetPossibleCenters(), maxTriples)...)
	dec := decoder.NewDecoder()
	for _, t := range triples {
		if text, err := decodeTriple(bits, dec, t[0], t[1], t[2], hints); err == nil {
			return text, nil
		}
	}
	return "", errNoGrid
}

// maxTriples bounds the finder-pattern triples tried per image.
const maxTriples = 6

// tiltedTriples picks plausible finder-pattern triples from the candidates:
// the most often confirmed ones, module sizes within a factor 2.5, sides long
// enough for a code, shaped roughly like a right isosceles triangle seen at
// an angle; least distorted first. Each triple is ordered bottom-left,
// top-left, top-right.
func tiltedTriples(cands []*detector.FinderPattern, limit int) [][3]*detector.FinderPattern {
	c := append([]*detector.FinderPattern(nil), cands...)
	sort.SliceStable(c, func(i, j int) bool { return c[i].GetCount() > c[j].GetCount() })
	if len(c) > 12 {
		c = c[:12]
	}
	type scored struct {
		t [3]*detector.FinderPattern
		d float64
	}
	var all []scored
	for i := 0; i < len(c); i++ {
		for j := i + 1; j < len(c); j++ {
			for k := j + 1; k < len(c); k++ {
				ms := []float64{c[i].GetEstimatedModuleSize(), c[j].GetEstimatedModuleSize(), c[k].GetEstimatedModuleSize()}
				lo, hi := min(ms[0], ms[1], ms[2]), max(ms[0], ms[1], ms[2])
				if hi > 2.5*lo {
					continue
				}
				sides := []float64{sq(c[i], c[j]), sq(c[j], c[k]), sq(c[i], c[k])}
				sort.Float64s(sides)
				a, b, h := sides[0], sides[1], sides[2]
				if a < (14*lo)*(14*lo) { // finder centres are at least 14 modules apart
					continue
				}
				d := (math.Abs(h-2*b) + math.Abs(h-2*a)) / h
				if d > 1.2 {
					continue
				}
				pa, pb, pc := gozxing.ResultPoint_OrderBestPatterns(c[i], c[j], c[k])
				all = append(all, scored{[3]*detector.FinderPattern{
					pa.(*detector.FinderPattern), pb.(*detector.FinderPattern), pc.(*detector.FinderPattern)}, d})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out [][3]*detector.FinderPattern
	for i := 0; i < len(all) && i < limit; i++ {
		out = append(out, all[i].t)
	}
	return out
}

func sq(a, b gozxing.ResultPoint) float64 {
	dx, dy := a.GetX()-b.GetX(), a.GetY()-b.GetY()
	return dx*dx + dy*dy
}

// decodeTriple tries the candidate dimensions and alignment patterns for
// one finder-pattern triple.
func decodeTriple(bits *gozxing.BitMatrix, dec *decoder.Decoder, bl, tl, tr *detector.FinderPattern, hints map[gozxing.DecodeHintType]interface{}) (string, error) {
	mTL, mTR, mBL := tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize()
	if mTL < 1 || mTR < 1 || mBL < 1 {
		return "", errNoGrid
	}
	dist := func(a, b gozxing.ResultPoint) float64 { return gozxing.ResultPoint_Distance(a, b) }
	// Modules between finder centres along each side, with the module size
	// of the side's own two patterns; and with the global average.
	avg := (mTL + mTR + mBL) / 3
	estimates := []float64{
		(dist(tl, tr)/((mTL+mTR)/2) + dist(tl, bl)/((mTL+mBL)/2)) / 2,
		(dist(tl, tr) + dist(tl, bl)) / 2 / avg,
		dist(tl, tr) / ((mTL + mTR) / 2),
		dist(tl, bl) / ((mTL + mBL) / 2),
	}
	var dims []int
	seen := map[int]bool{}
	addDim := func(d int) {
		if d >= 21 && d <= 177 && (d-17)%4 == 0 && !seen[d] {
			seen[d] = true
			dims = append(dims, d)
		}
	}
	for _, e := range estimates {
		addDim(nearestDim(e + 7))
	}
	d0 := nearestDim(estimates[0] + 7)
	addDim(d0 + 4)
	addDim(d0 - 4)
	for _, dim := range dims {
		version, err := decoder.Version_GetProvisionalVersionForDimension(dim)
		if err != nil {
			continue
		}
		var aligns []*detector.AlignmentPattern
		if len(version.GetAlignmentPatternCenters()) > 0 {
			aligns = findAlignments(bits, tl, tr, bl, dim, avg)
		}
		aligns = append(aligns, nil) // and without one
		for _, ap := range aligns {
			transform := detector.Detector_createTransform(tl, tr, bl, ap, dim)
			grid, err := detector.Detector_sampleGrid(bits, transform, dim)
			if err != nil {
				continue
			}
			res, err := dec.Decode(grid, hints)
			if err == nil {
				return res.GetText(), nil
			}
		}
	}
	return "", errNoGrid
}

// nearestDim rounds a module count to the nearest valid QR dimension
// (17 + 4 * version).
func nearestDim(x float64) int {
	v := math.Round((x - 17) / 4)
	return 17 + 4*int(v)
}

// findAlignments looks for the bottom-right alignment pattern around two
// guesses of where it is: gozxing's parallelogram guess, and one corrected
// for perspective by the finder patterns' module sizes (a side that looks
// shorter per module is farther away). It widens the search before giving
// up and returns each distinct pattern found.
func findAlignments(bits *gozxing.BitMatrix, tl, tr, bl *detector.FinderPattern, dim int, moduleSize float64) []*detector.AlignmentPattern {
	between := float64(dim - 7)
	corr := 1 - 3/between
	brX := tr.GetX() - tl.GetX() + bl.GetX()
	brY := tr.GetY() - tl.GetY() + bl.GetY()
	guesses := [][2]float64{{tl.GetX() + corr*(brX-tl.GetX()), tl.GetY() + corr*(brY-tl.GetY())}}
	// Perspective-corrected guess: move from TR towards the bottom by the
	// TL->BL vector scaled by how much larger TR's modules are than TL's,
	// and likewise from BL; average the two.
	sTR := tr.GetEstimatedModuleSize() / tl.GetEstimatedModuleSize()
	sBL := bl.GetEstimatedModuleSize() / tl.GetEstimatedModuleSize()
	p1x := tr.GetX() + sTR*(bl.GetX()-tl.GetX())
	p1y := tr.GetY() + sTR*(bl.GetY()-tl.GetY())
	p2x := bl.GetX() + sBL*(tr.GetX()-tl.GetX())
	p2y := bl.GetY() + sBL*(tr.GetY()-tl.GetY())
	px, py := (p1x+p2x)/2, (p1y+p2y)/2
	guesses = append(guesses, [2]float64{tl.GetX() + corr*(px-tl.GetX()), tl.GetY() + corr*(py-tl.GetY())})

	var out []*detector.AlignmentPattern
	w, h := bits.GetWidth(), bits.GetHeight()
	for _, g := range guesses {
		for _, factor := range []float64{4, 8, 16} {
			allowance := int(factor * moduleSize)
			left, right := max(0, int(g[0])-allowance), min(w-1, int(g[0])+allowance)
			top, bottom := max(0, int(g[1])-allowance), min(h-1, int(g[1])+allowance)
			if float64(right-left) < 3*moduleSize || float64(bottom-top) < 3*moduleSize {
				continue
			}
			ap, err := detector.NewAlignmentPatternFinder(bits, left, top, right-left, bottom-top, moduleSize, nil).Find()
			if err != nil {
				continue
			}
			dup := false
			for _, o := range out {
				if math.Abs(o.GetX()-ap.GetX()) < moduleSize && math.Abs(o.GetY()-ap.GetY()) < moduleSize {
					dup = true
				}
			}
			if !dup {
				out = append(out, ap)
			}
			break
		}
	}
	return out
}
