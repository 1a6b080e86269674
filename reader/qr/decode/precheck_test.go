package decode

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestPrecheckPassesCorpus is the pre-check's promise: it turns away no
// frame of the degraded corpus, neither the tuning seed's nor the
// benchmark's, decodable or not. The pipeline then runs on every frame it
// ran on before, so the decode rate cannot drop. Its box must hold the
// code: decoding only the box reads the payload on the clean frames.
func TestPrecheckPassesCorpus(t *testing.T) {
	perKind := 2
	if testing.Short() {
		perKind = 1
	}
	if v := os.Getenv("MOTCUA_QR_PER_KIND"); v != "" {
		fmt.Sscan(v, &perKind)
	}
	for _, seed := range []uint64{testSeed, benchSeed} {
		corpus, err := makeCorpus(seed, perKind)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range corpus {
			g := ToGray(s.Img)
			p := ProbeGray(g)
			if !p.Likely() {
				t.Errorf("seed %d %s: pre-check turned the frame away (%d marks)", seed, s.Name, p.Marks)
				continue
			}
			if kindOf(s.Name)[len(kindOf(s.Name))-5:] != "clean" {
				continue
			}
			if text, err := Image(g.SubImage(p.Box)); err != nil || text != s.Payload {
				t.Errorf("seed %d %s: box %v does not hold the code (%v)", seed, s.Name, p.Box, err)
			}
		}
	}
}

// TestPrecheckSmallModules: codes whose modules shrink to 1.75 pixels,
// the smallest the pipeline was seen to read in a 720p or 1080p frame,
// still pass.
func TestPrecheckSmallModules(t *testing.T) {
	for _, res := range resolutions {
		for _, m := range []float64{1.75, 2, 2.5, 3, 5} {
			rng := rand.New(rand.NewPCG(11, uint64(m*100)))
			img, err := renderModule(rng, res, synthPayload(rng), m)
			if err != nil {
				t.Fatal(err)
			}
			if p := ProbeImage(img); !p.Likely() {
				t.Errorf("%dp, %.2f px modules: turned away (%d marks)", res.Y, m, p.Marks)
			}
		}
	}
}

// TestPrecheckRejectsEmpty: frames without a code, including ones full of
// printed text and sensor noise, are turned away, and then cost no
// pipeline step.
func TestPrecheckRejectsEmpty(t *testing.T) {
	frames := map[string]*image.Gray{}
	for _, res := range resolutions {
		for i := 0; i < 6; i++ {
			frames[fmt.Sprintf("%dp-scene%d", res.Y, i)] = renderScene(rand.New(rand.NewPCG(5, uint64(i))), res)
		}
		noise := image.NewGray(image.Rect(0, 0, res.X, res.Y))
		rng := rand.New(rand.NewPCG(testSeed, 1))
		for i := range noise.Pix {
			noise.Pix[i] = uint8(96 + rng.IntN(64))
		}
		frames[fmt.Sprintf("%dp-noise", res.Y)] = noise
		frames[fmt.Sprintf("%dp-black", res.Y)] = image.NewGray(image.Rect(0, 0, res.X, res.Y))
		// Full-range binary noise: the worst texture for a run scan.
		bin := image.NewGray(image.Rect(0, 0, res.X, res.Y))
		for i := range bin.Pix {
			bin.Pix[i] = uint8(255 * rng.IntN(2))
		}
		frames[fmt.Sprintf("%dp-binary-noise", res.Y)] = bin
	}
	for name, g := range frames {
		if p := ProbeGray(g); p.Likely() {
			t.Errorf("%s: pre-check passed (%d marks, box %v)", name, p.Marks, p.Box)
		}
		r, err := WithSteps(g, Pipeline)
		if !errors.Is(err, ErrNotFound) || r.Attempts != 0 {
			t.Errorf("%s: %v after %d attempts, want ErrNotFound after none", name, err, r.Attempts)
		}
	}
}

// TestPrecheckLoneFinder: one finder-like square, or two, is not a code
// (every reader needs all three); three finder patterns without data pass
// the pre-check, and the pipeline then refuses them.
func TestPrecheckLoneFinder(t *testing.T) {
	const mod = 8
	finder := func(g *image.Gray, x0, y0 int) {
		for y := 0; y < 7; y++ {
			for x := 0; x < 7; x++ {
				ring := x == 0 || y == 0 || x == 6 || y == 6
				core := x >= 2 && x <= 4 && y >= 2 && y <= 4
				if ring || core {
					draw.Draw(g, image.Rect(x0+x*mod, y0+y*mod, x0+(x+1)*mod, y0+(y+1)*mod), image.Black, image.Point{}, draw.Src)
				}
			}
		}
	}
	frame := func(n int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 1280, 720))
		draw.Draw(g, g.Rect, image.NewUniform(image.White.C), image.Point{}, draw.Src)
		at := []image.Point{{400, 200}, {400 + 25*mod, 200}, {400, 200 + 25*mod}}
		for _, p := range at[:n] {
			finder(g, p.X, p.Y)
		}
		return g
	}
	for n := 1; n <= 2; n++ {
		if p := ProbeGray(frame(n)); p.Likely() || p.Marks != n {
			t.Errorf("%d finder(s): likely %v, %d marks", n, p.Likely(), p.Marks)
		}
	}
	g := frame(3)
	p := ProbeGray(g)
	if !p.Likely() || p.Marks != 3 || p.Module < mod*0.8 || p.Module > mod*1.2 {
		t.Fatalf("3 finders: %+v", p)
	}
	if !image.Rect(400, 200, 400+32*mod, 200+32*mod).In(p.Box) {
		t.Errorf("box %v does not hold the would-be code", p.Box)
	}
	if _, err := Image(g); !errors.Is(err, ErrNotFound) {
		t.Errorf("three bare finders decoded: %v", err)
	}
}

// TestPrecheckInvertedAndROI: a light-on-dark code passes (both
// polarities are scanned) and the pipeline's invert step reads it; the
// check works on a sub-image with a non-zero origin and reports its box in
// the frame's coordinates.
func TestPrecheckInvertedAndROI(t *testing.T) {
	const payload = "001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021"
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	code := q.Image(300)
	g := image.NewGray(image.Rect(0, 0, 1280, 720))
	draw.Draw(g, g.Rect, image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw.Src)
	at := image.Rect(700, 300, 1000, 600)
	draw.Draw(g, at, code, image.Point{}, draw.Src)
	inv := Invert(g)
	for name, img := range map[string]*image.Gray{"plain": g, "inverted": inv} {
		p := ProbeGray(img)
		if !p.Likely() || !at.Inset(20).In(p.Box) {
			t.Errorf("%s: %+v", name, p)
		}
		if text, err := Image(img); err != nil || text != payload {
			t.Errorf("%s: decode %v", name, err)
		}
		roi := img.SubImage(image.Rect(600, 200, 1280, 720)).(*image.Gray)
		if p := ProbeGray(roi); !p.Likely() || !at.Inset(20).In(p.Box) || !p.Box.In(roi.Rect) {
			t.Errorf("%s ROI: %+v", name, p)
		}
		if p := ProbeGray(img.SubImage(image.Rect(0, 0, 640, 720)).(*image.Gray)); p.Likely() {
			t.Errorf("%s: ROI without the code passed", name)
		}
	}
	// A camera's Y'CbCr frame, cut to a region: checked in place, the box
	// reported in the frame's coordinates, the code read from it.
	y := image.NewYCbCr(g.Rect, image.YCbCrSubsampleRatio420)
	copy(y.Y, g.Pix)
	for i := range y.Cb {
		y.Cb[i], y.Cr[i] = 128, 128
	}
	r, err := WithSteps(y.SubImage(image.Rect(600, 200, 1280, 720)), Pipeline)
	if err != nil || r.Text != payload || !at.Inset(20).In(r.Probe.Box) || !strings.HasPrefix(r.Step, "box") {
		t.Errorf("YCbCr region: %+v, %v", r, err)
	}
}

// TestExhaustiveSkipsPrecheck: the old path runs every step on an empty
// frame; small images skip the pre-check.
func TestExhaustiveSkipsPrecheck(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 640, 480))
	r, err := Exhaustive(g, Fast)
	if !errors.Is(err, ErrNotFound) || r.Attempts != len(Fast) {
		t.Errorf("Exhaustive: %v after %d attempts", err, r.Attempts)
	}
	r, err = WithSteps(g, Fast)
	if !errors.Is(err, ErrNotFound) || r.Attempts != 0 {
		t.Errorf("WithSteps: %v after %d attempts", err, r.Attempts)
	}
	small := image.NewGray(image.Rect(0, 0, PrecheckMinSide-1, PrecheckMinSide+100))
	if r, _ := WithSteps(small, Fast); r.Attempts != len(Fast) {
		t.Errorf("small image: %d attempts, want the whole pipeline", r.Attempts)
	}
}

// TestPrecheckOddSizes: degenerate and odd-sized images neither panic nor
// pass.
func TestPrecheckOddSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, r := range []image.Rectangle{
		image.Rect(0, 0, 0, 0), image.Rect(0, 0, 1, 1), image.Rect(0, 0, 7, 7), image.Rect(0, 0, 9, 1000),
		image.Rect(0, 0, 1000, 9), image.Rect(-5, -7, 1283, 721), image.Rect(0, 0, 2883, 1441),
	} {
		g := image.NewGray(r)
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.IntN(256))
		}
		if p := ProbeGray(g); p.Likely() {
			t.Errorf("%v: passed", r)
		}
	}
}

// TestPrecheck4K: above 1080p the check runs on the halved frame and
// reports its box at full size.
func TestPrecheck4K(t *testing.T) {
	rng := rand.New(rand.NewPCG(testSeed, 4))
	payload := synthPayload(rng)
	img, err := renderFrame(rng, resolutions[1], payload, "perspective")
	if err != nil {
		t.Fatal(err)
	}
	small := ProbeImage(img)
	big := Double(ToGray(img))
	p := ProbeGray(big)
	if !small.Likely() || !p.Likely() || p.Scale != 2 {
		t.Fatalf("1080p %+v, 4K %+v", small, p)
	}
	if got, want := p.Box.Dx(), 2*small.Box.Dx(); got < want*8/10 || got > want*12/10 {
		t.Errorf("4K box %v, 1080p box %v", p.Box, small.Box)
	}
	if text, err := Image(big); err != nil || text != payload {
		t.Errorf("4K decode: %v", err)
	}
}
