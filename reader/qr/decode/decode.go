// Package decode finds and decodes a QR code in a camera frame or a photo
// with gozxing. Real photos of a card are blurred, tilted, dim or shiny, so
// decoding runs a bounded pipeline of attempts, cheapest first, each on a
// differently prepared grayscale image, and stops at the first success.
//
// A camera mostly sees frames without a code, on which the pipeline would
// run every attempt in vain. So a frame first goes through a pre-check
// (ProbeGray: a finder-pattern scan costing a few milliseconds) and the
// pipeline runs only when the three finder patterns of a code may be there.
// The pre-check passes every frame of the degraded test corpus
// (TestPrecheckPassesCorpus), so the decode rate is the pipeline's own.
//
// Text is decoded with the UTF-8 character-set hint: without it gozxing
// guesses the encoding and Vietnamese names come out garbled.
package decode

import (
	"errors"
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNotFound reports that no attempt of the pipeline found a readable QR
// code in the image.
var ErrNotFound = errors.New("no readable QR code in the image")

// ErrEmptyImage reports an image with no pixels.
var ErrEmptyImage = errors.New("empty image")

// Result is a decoded QR code and the pipeline step that read it.
type Result struct {
	Text string
	Step string // name of the successful step, e.g. "hybrid", "adaptive"
	// Attempts is how many steps ran, the successful one included; 0
	// when the pre-check turned the frame away.
	Attempts int
	// Probe is what the pre-check saw, its box in the image's own
	// coordinates; zero when it did not run (small images, Exhaustive).
	Probe Probe
}

// Image decodes the QR code in img with the full retry pipeline. It returns
// ErrNotFound when none is readable.
func Image(img image.Image) (string, error) {
	r, err := Detailed(img)
	if err != nil {
		return "", err
	}
	return r.Text, nil
}

// Detailed is Image that also says which step succeeded.
func Detailed(img image.Image) (Result, error) { return WithSteps(img, Pipeline) }

// WithSteps decodes with a chosen pipeline, e.g. Fast for live camera
// frames where the next frame is only milliseconds away. Images whose
// shorter side is PrecheckMinSide or more go through the pre-check first
// and, when it sees no code, come back as ErrNotFound without any step.
func WithSteps(img image.Image, steps []Step) (Result, error) {
	b := img.Bounds()
	if b.Empty() {
		return Result{}, ErrEmptyImage
	}
	if min(b.Dx(), b.Dy()) < PrecheckMinSide {
		return decodeGray(ToGray(img), steps)
	}
	// A camera frame's luma is checked where it lies; the copy for the
	// pipeline is made only for a frame that may hold a code.
	var g *image.Gray
	view, ok := lumaView(img)
	if !ok {
		g = ToGray(img)
		view = &image.Gray{Pix: g.Pix, Stride: g.Stride, Rect: b}
	}
	p := ProbeGray(view)
	if !p.Likely() {
		return Result{Probe: p}, ErrNotFound
	}
	if g == nil {
		g = ToGray(img)
	}
	// The box the finder patterns imply is usually a fraction of the
	// frame: one binarisation of it costs a fraction of one of the frame,
	// and reads most codes. The pipeline follows on the whole frame when
	// it does not.
	inG := p
	inG.Box = p.Box.Sub(b.Min)
	box, ok := decodeBox(g, inG)
	if ok {
		box.Probe = p
		return box, nil
	}
	r, err := decodeGray(g, steps)
	r.Attempts += box.Attempts
	r.Probe = p
	return r, err
}

// lumaView returns the luma of a grayscale or Y'CbCr image as a gray image
// sharing its pixels, with the image's bounds.
func lumaView(img image.Image) (*image.Gray, bool) {
	switch m := img.(type) {
	case *image.Gray:
		return m, true
	case *image.YCbCr:
		return &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}, true
	}
	return nil, false
}

// boxHalveModule is the module size (pixels) from which the box is read
// halved first: three pixels a module are plenty for the binarizer, and a
// quarter of the pixels cost a quarter of the time.
const boxHalveModule = 6

// decodeBox tries the hybrid step on the part of g inside the probe's box,
// when the box is at most half the frame (otherwise the first pipeline
// step does the same work): halved first when its modules are large, at
// full size otherwise or if that fails. Its Attempts counts the tries.
func decodeBox(g *image.Gray, p Probe) (Result, bool) {
	box := p.Box
	if box.Empty() || 2*box.Dx()*box.Dy() > g.Rect.Dx()*g.Rect.Dy() {
		return Result{}, false
	}
	crop := ToGray(g.SubImage(box))
	reader := qrcode.NewQRCodeReader()
	attempts := 0
	if p.Module >= boxHalveModule {
		attempts++
		if text, err := decodeOnce(reader, Half(crop), Step{Name: "box-half"}); err == nil {
			return Result{Text: text, Step: "box-half", Attempts: attempts}, true
		}
	}
	attempts++
	if text, err := decodeOnce(reader, crop, Step{Name: "box"}); err == nil {
		return Result{Text: text, Step: "box", Attempts: attempts}, true
	}
	return Result{Attempts: attempts}, false
}

// Exhaustive decodes with a chosen pipeline and no pre-check: every step
// runs on a frame without a code. It is the path before the pre-check, kept
// for measuring against and for callers that must try everything.
func Exhaustive(img image.Image, steps []Step) (Result, error) {
	g := ToGray(img)
	if g.Rect.Empty() {
		return Result{}, ErrEmptyImage
	}
	return decodeGray(g, steps)
}

// PrecheckMinSide is the shorter side from which images go through the
// pre-check: below it (a cropped photo, a thumbnail) the pipeline is cheap
// and runs as it always did.
const PrecheckMinSide = 360

// Step is one attempt of the pipeline: a way to prepare the grayscale image
// and a way to binarise it.
type Step struct {
	Name string
	// Prepare returns the image to try; it must not modify its input. Nil
	// means the input as is.
	Prepare func(g *image.Gray) *image.Gray
	// Global selects gozxing's global-histogram binarizer instead of the
	// hybrid (local) one.
	Global bool
	// TryHarder asks gozxing to search more thoroughly.
	TryHarder bool
	// Tilted uses the steep-angle detector (see decodeTilted) instead of
	// gozxing's own.
	Tilted bool
	// MinSide skips the step on images whose shorter side is below it
	// (downscaling a small image only loses the code).
	MinSide int
	// MaxSide skips the step on images whose shorter side is above it
	// (upscaling a large frame costs much and helps little).
	MaxSide int
}

// Pipeline is the default sequence of attempts, cheapest and most often
// successful first. It was tuned on the degraded corpus the tests generate
// (blur, rotation, perspective, low contrast, noise, glare).
var Pipeline = []Step{
	{Name: "hybrid"},
	{Name: "stretch", Prepare: Stretch},
	{Name: "half", Prepare: Half, MinSide: 480},
	{Name: "tilted", Tilted: true},
	{Name: "smooth", Prepare: Smooth},
	{Name: "adaptive", Prepare: Adaptive},
	{Name: "global", Prepare: Stretch, Global: true},
	{Name: "half-smooth", Prepare: func(g *image.Gray) *image.Gray { return Smooth(Half(g)) }, MinSide: 480},
	{Name: "sharpen", Prepare: Sharpen},
	{Name: "rotate45", Prepare: Rotate45},
	{Name: "double", Prepare: Double, MaxSide: 800},
	{Name: "smooth-tilted", Prepare: Smooth, Tilted: true},
	{Name: "half-tilted", Prepare: Half, Tilted: true, MinSide: 480},
	{Name: "adaptive-tilted", Prepare: Adaptive, Tilted: true},
	{Name: "hybrid-tryharder", TryHarder: true},
	{Name: "invert", Prepare: Invert},
}

// Fast is a short pipeline for live video: the steps that read most frames
// of the test corpus. Run Exhaustive, a frame with no code costs a fifth to
// a seventh of what it costs with Pipeline; through the pre-check (WithSteps)
// such a frame costs the pre-check alone with either (BenchmarkNoCode).
var Fast = []Step{
	{Name: "hybrid"},
	{Name: "stretch", Prepare: Stretch},
	{Name: "tilted", Tilted: true},
}

func decodeGray(g *image.Gray, steps []Step) (Result, error) {
	reader := qrcode.NewQRCodeReader()
	attempts := 0
	var cache = map[string]*image.Gray{}
	for _, st := range steps {
		side := min(g.Rect.Dx(), g.Rect.Dy())
		if st.MinSide > 0 && side < st.MinSide || st.MaxSide > 0 && side > st.MaxSide {
			continue
		}
		attempts++
		img := g
		if st.Prepare != nil {
			key := fmt.Sprintf("%p", st.Prepare)
			if c, ok := cache[key]; ok {
				img = c
			} else {
				img = st.Prepare(g)
				cache[key] = img
			}
		}
		text, err := decodeOnce(reader, img, st)
		if err == nil {
			return Result{Text: text, Step: st.Name, Attempts: attempts}, nil
		}
	}
	return Result{Attempts: attempts}, ErrNotFound
}

// decodeOnce runs gozxing once. gozxing's errors (not found, checksum,
// format) all mean "not this way"; a panic inside it on hostile input is
// turned into an error rather than taking the kiosk down.
func decodeOnce(reader gozxing.Reader, g *image.Gray, st Step) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gozxing panicked: %v", r)
		}
	}()
	w, h := g.Rect.Dx(), g.Rect.Dy()
	pix := g.Pix
	if g.Stride != w {
		pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], g.Pix[y*g.Stride:y*g.Stride+w])
		}
	}
	src, err := gozxing.NewPlanarYUVLuminanceSource(pix, w, h, 0, 0, w, h, false)
	if err != nil {
		return "", err
	}
	var bin gozxing.Binarizer
	if st.Global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_CHARACTER_SET: "UTF-8",
	}
	if st.TryHarder {
		hints[gozxing.DecodeHintType_TRY_HARDER] = true
	}
	if st.Tilted {
		bits, err := bmp.GetBlackMatrix()
		if err != nil {
			return "", err
		}
		return decodeTilted(bits, hints)
	}
	res, err := reader.Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
