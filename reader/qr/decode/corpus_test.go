package decode

// The test corpus: synthetic card QRs rendered with go-qrcode into
// kiosk-camera frames (1280x720, 1920x1080) and degraded the way real
// photos are. Everything is generated at test time from a seed, so nothing
// big is committed and every run sees the same images.

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	qrcode "github.com/skip2/go-qrcode"
)

// Degradations of the corpus.
var degradations = []string{"clean", "blur", "rotate", "perspective", "lowcontrast", "noise", "glare", "mixed"}

// Kiosk-camera resolutions.
var resolutions = []image.Point{{1280, 720}, {1920, 1080}}

// sample is one corpus image and the text it encodes.
type sample struct {
	Name    string
	Payload string
	Img     *image.RGBA
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thu", "Đức", "Quốc"}
	givenNames  = []string{"Thử", "Mẫu", "Giả", "Ảo", "Nghiệm", "Khảo", "Sát", "Định"}
	places      = []string{"Số 1 Phố Giả, Phường Thử, Quận Mẫu, Hà Nội", "Thôn Ảo, Xã Nghiệm, Huyện Khảo, Tỉnh Giả",
		"Tổ 7, Khu phố Mẫu, Phường Định, Thành phố Thử"}
)

// synthPayload makes a synthetic card QR text: 7 fields or (one in three) a
// thẻ căn cước with 10 fields. The ID digits agree with the DOB and sex.
func synthPayload(rng *rand.Rand) string {
	year := 1950 + rng.IntN(60)
	female := rng.IntN(2) == 1
	g := (year-1900)/100*2 + map[bool]int{false: 0, true: 1}[female]
	id := fmt.Sprintf("%03d%d%02d%06d", 1+rng.IntN(96), g, year%100, rng.IntN(1000000))
	sex := "Nam"
	if female {
		sex = "Nữ"
	}
	old := ""
	if rng.IntN(2) == 0 {
		old = fmt.Sprintf("%09d", rng.IntN(1000000000))
	}
	name := familyNames[rng.IntN(len(familyNames))] + " " + middleNames[rng.IntN(len(middleNames))] + " " + givenNames[rng.IntN(len(givenNames))]
	dob := fmt.Sprintf("%02d%02d%d", 1+rng.IntN(28), 1+rng.IntN(12), year)
	issue := fmt.Sprintf("%02d%02d%d", 1+rng.IntN(28), 1+rng.IntN(12), 2021+rng.IntN(4))
	s := id + "|" + old + "|" + name + "|" + dob + "|" + sex + "|" + places[rng.IntN(len(places))] + "|" + issue
	if rng.IntN(3) == 0 {
		s += "|" + places[rng.IntN(len(places))] + "|Kinh|Không"
	}
	return s
}

// makeCorpus generates perKind samples of every degradation at every
// resolution, deterministically from seed.
func makeCorpus(seed uint64, perKind int) ([]sample, error) {
	var out []sample
	for ri, res := range resolutions {
		for di, deg := range degradations {
			for k := 0; k < perKind; k++ {
				rng := rand.New(rand.NewPCG(seed, uint64(ri*10000+di*100+k)))
				payload := synthPayload(rng)
				img, err := renderFrame(rng, res, payload, deg)
				if err != nil {
					return nil, err
				}
				out = append(out, sample{Name: fmt.Sprintf("%dp-%s-%02d", res.Y, deg, k), Payload: payload, Img: img})
			}
		}
	}
	return out, nil
}

// homography maps (u, v) to (x, y): x = (a u + b v + c) / (g u + h v + 1).
type homography [8]float64

func (H homography) apply(u, v float64) (float64, float64) {
	d := H[6]*u + H[7]*v + 1
	return (H[0]*u + H[1]*v + H[2]) / d, (H[3]*u + H[4]*v + H[5]) / d
}

// squareTo returns the homography taking the unit square's corners
// (0,0) (1,0) (1,1) (0,1) to q (Heckbert's closed form).
func squareTo(q [4][2]float64) homography {
	x0, y0, x1, y1, x2, y2, x3, y3 := q[0][0], q[0][1], q[1][0], q[1][1], q[2][0], q[2][1], q[3][0], q[3][1]
	sx, sy := x0-x1+x2-x3, y0-y1+y2-y3
	if sx == 0 && sy == 0 {
		return homography{x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0, 0}
	}
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	g := (sx*dy2 - dx2*sy) / den
	h := (dx1*sy - sx*dy1) / den
	return homography{x1 - x0 + g*x1, x3 - x0 + h*x3, x0, y1 - y0 + g*y1, y3 - y0 + h*y3, y0, g, h}
}

// invert returns the inverse mapping (as a 3x3 adjugate, normalised).
func (H homography) invert() homography {
	a, b, c, d, e, f, g, h := H[0], H[1], H[2], H[3], H[4], H[5], H[6], H[7]
	i := 1.0
	A := [9]float64{e*i - f*h, c*h - b*i, b*f - c*e, f*g - d*i, a*i - c*g, c*d - a*f, d*h - e*g, b*g - a*h, a*e - b*d}
	return homography{A[0] / A[8], A[1] / A[8], A[2] / A[8], A[3] / A[8], A[4] / A[8], A[5] / A[8], A[6] / A[8], A[7] / A[8]}
}

// renderFrame draws a card with the QR into a frame and degrades it.
func renderFrame(rng *rand.Rand, res image.Point, payload, deg string) (*image.RGBA, error) {
	return renderFrameSide(rng, res, payload, deg, 0)
}

// renderFrameSide is renderFrame with the code's side (quiet zone
// included) as a fraction of the frame's height, or 0 for the corpus's
// random 0.32 to 0.5.
func renderFrameSide(rng *rand.Rand, res image.Point, payload, deg string, sideFrac float64) (*image.RGBA, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bits := q.Bitmap() // with the 4-module quiet zone
	n := len(bits)
	W, H := res.X, res.Y

	// Geometry: the quiet-zone square of side `side` pixels, centred near
	// the middle, turned by theta, its corners optionally pushed around.
	side := float64(H) * (0.32 + 0.18*rng.Float64())
	if sideFrac > 0 {
		side = float64(H) * sideFrac
	}
	theta := (rng.Float64()*2 - 1) * 5 * math.Pi / 180
	var jitter float64
	switch deg {
	case "rotate":
		theta = (15 + 60*rng.Float64()) * math.Pi / 180
		if rng.IntN(2) == 0 {
			theta = -theta
		}
	case "perspective":
		jitter = 0.10 + 0.08*rng.Float64()
	case "mixed":
		theta = (rng.Float64()*2 - 1) * 30 * math.Pi / 180
		jitter = 0.06 + 0.06*rng.Float64()
	}
	cx := float64(W)/2 + (rng.Float64()*2-1)*0.15*float64(W)
	cy := float64(H)/2 + (rng.Float64()*2-1)*0.10*float64(H)
	var corners [4][2]float64
	for i, c := range [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
		u := c[0] + (rng.Float64()*2-1)*jitter
		v := c[1] + (rng.Float64()*2-1)*jitter
		corners[i] = [2]float64{cx + side*(u*math.Cos(theta)-v*math.Sin(theta)), cy + side*(u*math.Sin(theta)+v*math.Cos(theta))}
	}
	toFrame := squareTo(corners)
	toQR := toFrame.invert()

	ink, paper := 35.0, 228.0
	if deg == "lowcontrast" {
		ink, paper = 120+20*rng.Float64(), 165+15*rng.Float64()
	}
	if deg == "mixed" {
		ink, paper = 70, 190
	}
	// The card extends 0.3 of the QR side around it; beyond is a desk
	// with a brightness gradient.
	const card = 0.3
	lum := make([]float64, W*H)
	const ss = 2 // supersampling for anti-aliased module edges
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var acc float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u, v := toQR.apply(float64(x)+(float64(sx)+0.5)/ss, float64(y)+(float64(sy)+0.5)/ss)
					switch {
					case u >= 0 && u < 1 && v >= 0 && v < 1:
						if bits[int(v*float64(n))][int(u*float64(n))] {
							acc += ink
						} else {
							acc += paper
						}
					case u >= -card && u < 1+card && v >= -card && v < 1+card:
						acc += paper - 10
					default:
						acc += 70 + 60*float64(x)/float64(W) + 20*float64(y)/float64(H)
					}
				}
			}
			lum[y*W+x] = acc / (ss * ss)
		}
	}

	modulePx := side / float64(n)
	switch deg {
	case "blur":
		gaussBlur(lum, W, H, modulePx*(0.35+0.25*rng.Float64()))
	case "noise":
		gaussBlur(lum, W, H, 0.6)
		addNoise(rng, lum, 28+14*rng.Float64())
	case "glare":
		gaussBlur(lum, W, H, 0.6)
		gx := cx + (rng.Float64()*2-1)*side*0.25
		gy := cy + (rng.Float64()*2-1)*side*0.25
		addGlare(lum, W, H, gx, gy, side*(0.15+0.1*rng.Float64()), 170+60*rng.Float64())
		addNoise(rng, lum, 4)
	case "lowcontrast":
		gaussBlur(lum, W, H, 0.8)
		addNoise(rng, lum, 4)
	case "mixed":
		gaussBlur(lum, W, H, modulePx*0.25)
		addGlare(lum, W, H, cx+side*0.3, cy-side*0.3, side*0.25, 90)
		addNoise(rng, lum, 14)
	default:
		gaussBlur(lum, W, H, 0.6)
		addNoise(rng, lum, 3)
	}

	// A colour camera frame: a faint warm tint.
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i, l := range lum {
		r := clamp8(l * 1.04)
		g := clamp8(l)
		b := clamp8(l * 0.92)
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = r, g, b, 255
	}
	return img, nil
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, v+0.5))) }

// gaussBlur blurs in place with a separable Gaussian of the given sigma.
func gaussBlur(p []float64, w, h int, sigma float64) {
	if sigma < 0.3 {
		return
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := -r; i <= r; i++ {
		k[i+r] = math.Exp(-float64(i*i) / (2 * sigma * sigma))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, len(p))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var a float64
			for i := -r; i <= r; i++ {
				a += k[i+r] * p[y*w+min(w-1, max(0, x+i))]
			}
			tmp[y*w+x] = a
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var a float64
			for i := -r; i <= r; i++ {
				a += k[i+r] * tmp[min(h-1, max(0, y+i))*w+x]
			}
			p[y*w+x] = a
		}
	}
}

func addNoise(rng *rand.Rand, p []float64, sigma float64) {
	for i := range p {
		p[i] += rng.NormFloat64() * sigma
	}
}

// addGlare adds a specular highlight: a bright Gaussian spot.
func addGlare(p []float64, w, h int, gx, gy, radius, peak float64) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d2 := (float64(x)-gx)*(float64(x)-gx) + (float64(y)-gy)*(float64(y)-gy)
			p[y*w+x] += peak * math.Exp(-d2/(2*radius*radius))
		}
	}
}

// grayOf is a helper for tests that need a plain gray image.
func grayOf(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(x, y)))
		}
	}
	return g
}

// renderScene draws a camera frame with no QR code: a desk with a
// brightness gradient, a card whose face carries lines of glyph-like
// strokes and a photo-like block, a few objects, blur and sensor noise.
// Printed text is what most often looks like a finder pattern to a row
// scan, so the card is full of it.
func renderScene(rng *rand.Rand, res image.Point) *image.Gray {
	W, H := res.X, res.Y
	lum := make([]float64, W*H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			lum[y*W+x] = 70 + 60*float64(x)/float64(W) + 20*float64(y)/float64(H)
		}
	}
	fill := func(x0, y0, x1, y1 int, v float64) {
		for y := max(0, y0); y < min(H, y1); y++ {
			for x := max(0, x0); x < min(W, x1); x++ {
				lum[y*W+x] = v
			}
		}
	}
	// Objects on the desk.
	for i := 0; i < 6; i++ {
		x, y := rng.IntN(W), rng.IntN(H)
		fill(x, y, x+20+rng.IntN(W/5), y+20+rng.IntN(H/5), 20+200*rng.Float64())
	}
	// The card: 85.6 x 54 mm, about half the frame's height.
	ch := int(float64(H) * (0.35 + 0.2*rng.Float64()))
	cw := ch * 856 / 540
	cx, cy := rng.IntN(max(1, W-cw)), rng.IntN(max(1, H-ch))
	fill(cx, cy, cx+cw, cy+ch, 215)
	fill(cx+cw/20, cy+ch/4, cx+cw/20+cw/4, cy+ch/4+ch*2/3, 90) // photo
	glyph := max(3, ch/30)
	for line := 0; line < 9; line++ {
		ly := cy + ch/6 + line*ch/12
		for gx := cx + cw/3; gx < cx+cw-2*glyph; gx += glyph + glyph/2 {
			if rng.IntN(6) == 0 {
				continue // a space between words
			}
			// A glyph: one to three vertical strokes and maybe a bar.
			strokes := 1 + rng.IntN(3)
			sw := max(1, glyph/5)
			for s := 0; s < strokes; s++ {
				x := gx + s*(glyph-sw)/max(1, strokes-1)
				fill(x, ly, x+sw, ly+glyph, 40)
			}
			if rng.IntN(2) == 0 {
				fill(gx, ly+glyph/2, gx+glyph, ly+glyph/2+sw, 40)
			}
		}
	}
	gaussBlur(lum, W, H, 0.8)
	addNoise(rng, lum, 3+4*rng.Float64())
	g := image.NewGray(image.Rect(0, 0, W, H))
	for i, l := range lum {
		g.Pix[i] = clamp8(l)
	}
	return g
}

// renderModule draws a clean code whose modules are module pixels wide in
// a frame of the given resolution, slightly tilted, with the usual camera
// blur and noise: for finding the smallest code the pipeline reads.
func renderModule(rng *rand.Rand, res image.Point, payload string, module float64) (*image.RGBA, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	side := module * float64(len(q.Bitmap()))
	return renderFrameSide(rng, res, payload, "clean", side/float64(res.Y))
}
