package simcard

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// SyntheticFace draws a cartoon face (no real person) as a JPEG of roughly
// the size a CCCD's DG2 holds (about 15 KB), deterministically from seed.
func SyntheticFace(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	const w, h = 240, 320
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{uint8(200 + r.IntN(40)), uint8(210 + r.IntN(40)), 235, 255}
	skin := color.RGBA{uint8(200 + r.IntN(40)), uint8(160 + r.IntN(40)), uint8(120 + r.IntN(40)), 255}
	hair := color.RGBA{uint8(20 + r.IntN(40)), uint8(15 + r.IntN(30)), uint8(10 + r.IntN(20)), 255}
	cx, cy := float64(w)/2, float64(h)/2+10
	rx, ry := 70.0+float64(r.IntN(10)), 95.0+float64(r.IntN(10))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			d := dx*dx + dy*dy
			c := bg
			switch {
			case d <= 1 && float64(y) < cy-ry*0.55:
				c = hair
			case d <= 1:
				c = skin
			case float64(y) > cy+ry*0.9: // shoulders
				c = color.RGBA{40, 60, 110, 255}
			}
			// eyes and mouth
			for _, ex := range []float64{cx - rx*0.38, cx + rx*0.38} {
				if math.Hypot(float64(x)-ex, float64(y)-(cy-ry*0.15)) < 7 {
					c = color.RGBA{30, 30, 40, 255}
				}
			}
			if math.Abs(float64(y)-(cy+ry*0.45)) < 3 && math.Abs(float64(x)-cx) < rx*0.35 {
				c = color.RGBA{150, 60, 60, 255}
			}
			// sensor noise keeps the JPEG at a realistic size
			n := int(r.IntN(25)) - 12
			img.Set(x, y, color.RGBA{clamp(int(c.R) + n), clamp(int(c.G) + n), clamp(int(c.B) + n), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return buf.Bytes()
}

func clamp(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

//go:embed testdata/face.jp2
var passportFaceJP2 []byte

// PassportFaceJP2 is the passport profile's face: the synthetic face of
// seed 20 as a JP2 file (JPEG 2000, 240x320, about 20 KB), made with
// OpenJPEG by facejp2_gen.go. A copy: callers may modify it.
func PassportFaceJP2() []byte { return append([]byte(nil), passportFaceJP2...) }
