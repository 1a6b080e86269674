package camera

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"motcua/reader/qr/decode"
)

// emptyFrame is a synthetic 4:2:0 camera frame without a code: a desk with
// a brightness gradient, a few objects and sensor noise.
func emptyFrame(w, h int, seed uint64) *image.YCbCr {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 70 + 60*x/w + 20*y/h + rng.IntN(7) - 3
			img.Y[y*img.YStride+x] = uint8(v)
		}
	}
	for i := 0; i < 5; i++ {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		x1, y1 := min(w, x0+20+rng.IntN(w/4)), min(h, y0+20+rng.IntN(h/4))
		v := uint8(30 + rng.IntN(190))
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Y[y*img.YStride+x] = v
			}
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	return img
}

// codeFrame is emptyFrame with a card's QR code (side pixels, quiet zone
// included) at at; inverted draws it light on dark, on a plain background.
func codeFrame(t testing.TB, w, h int, text string, at image.Point, side int, inverted bool) *image.YCbCr {
	t.Helper()
	img := emptyFrame(w, h, 1)
	if inverted {
		for i := range img.Y {
			img.Y[i] = 128
		}
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	code := q.Image(side)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			v := color.GrayModel.Convert(code.At(x, y)).(color.Gray).Y
			if inverted {
				v = 255 - v
			} else {
				v = 30 + v*3/4 // a printed card under a camera
			}
			img.Y[(at.Y+y)*img.YStride+at.X+x] = v
		}
	}
	return img
}

const watchPayload = "001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021"

// TestWatchFindsCode: a synthetic camera shows empty frames, then a card's
// code held up; the watcher reads it from a frame that shows it, and turns
// the empty ones away with the pre-check alone.
func TestWatchFindsCode(t *testing.T) {
	var frames []image.Image
	for i := 0; i < 12; i++ {
		frames = append(frames, emptyFrame(1280, 720, uint64(i)))
	}
	frames = append(frames, codeFrame(t, 1280, 720, watchPayload, image.Pt(700, 250), 330, false))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &Watcher{IdleInterval: 30 * time.Millisecond}
	found, st, err := w.Run(ctx, &Replay{Frames: frames, FPS: 60, Hold: true})
	if err != nil {
		t.Fatalf("%v (%+v)", err, st)
	}
	if found.Text != watchPayload || found.Seq < 12 {
		t.Errorf("found %q in frame %d", found.Text, found.Seq)
	}
	if st.Processed != st.Empty+1 || st.Ladders != 0 {
		t.Errorf("stats %+v: want every frame but the last turned away by the pre-check", st)
	}
	// Every grabbed frame is processed or dropped, but for one that may
	// sit in the mailbox when the code is found.
	if left := st.Grabbed - st.Dropped - st.Processed; left < 0 || left > 1 {
		t.Errorf("stats don't add up: %+v", st)
	}
	t.Logf("found in frame %d after %v; %+v", found.Seq, found.Delay, st)
}

// chanSource hands out the frames a test sends, and says each time it is
// asked for one.
type chanSource struct {
	frames chan Frame
	asked  chan struct{}
}

func (c *chanSource) Grab(ctx context.Context) (Frame, error) {
	select {
	case c.asked <- struct{}{}:
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
	select {
	case f, ok := <-c.frames:
		if !ok {
			return Frame{}, io.EOF
		}
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// TestWatchDropsStaleFrames: while a frame is decoded the frames that come
// in replace each other, the decoder then takes the newest, and never two
// decodes run at once.
func TestWatchDropsStaleFrames(t *testing.T) {
	src := &chanSource{frames: make(chan Frame), asked: make(chan struct{})}
	type call struct {
		seq     uint64
		release chan error
	}
	calls := make(chan call)
	var running, most atomic.Int32
	w := &Watcher{IdleInterval: -1, decode: func(img image.Image, full bool) (decode.Result, error) {
		n := running.Add(1)
		defer running.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		c := call{seq: uint64(img.Bounds().Dx()), release: make(chan error)}
		calls <- c
		if err := <-c.release; err != nil {
			return decode.Result{}, err
		}
		return decode.Result{Text: "code", Step: "test"}, nil
	}}
	// A frame's width carries its number, for the decode hook to see.
	frame := func(seq uint64) Frame {
		return NewFrame(seq, time.Now(), image.NewGray(image.Rect(0, 0, int(seq), 1)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type outcome struct {
		f   Found
		st  WatchStats
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		f, st, err := w.Run(ctx, src)
		done <- outcome{f, st, err}
	}()
	send := func(seq uint64) {
		<-src.asked
		src.frames <- frame(seq)
	}
	send(1)
	c := <-calls
	if c.seq != 1 {
		t.Fatalf("first decode got frame %d", c.seq)
	}
	for seq := uint64(2); seq <= 5; seq++ {
		send(seq)
	}
	<-src.asked // frame 5 is in the mailbox, 2 to 4 were dropped
	c.release <- decode.ErrNotFound
	c = <-calls
	if c.seq != 5 {
		t.Errorf("after the busy decode the watcher took frame %d, want the newest, 5", c.seq)
	}
	c.release <- nil
	o := <-done
	if o.err != nil || o.f.Text != "code" || o.f.Seq != 5 {
		t.Fatalf("Run = %+v, %v", o.f, o.err)
	}
	if o.st.Grabbed != 5 || o.st.Processed != 2 || o.st.Dropped != 3 || most.Load() != 1 {
		t.Errorf("stats %+v, most decodes at once %d", o.st, most.Load())
	}
}

// TestWatchIdlePacing: while frames are empty the watcher takes at most one
// per IdleInterval, however fast the camera delivers them.
func TestWatchIdlePacing(t *testing.T) {
	frames := []image.Image{emptyFrame(640, 480, 1), emptyFrame(640, 480, 2)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	w := &Watcher{IdleInterval: 100 * time.Millisecond}
	start := time.Now()
	_, st, err := w.Run(ctx, &Replay{Frames: frames, FPS: 120, Hold: true})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if limit := int(elapsed/(100*time.Millisecond)) + 1; st.Processed > limit || st.Processed < 1 {
		t.Errorf("processed %d frames in %v, at most %d allowed", st.Processed, elapsed, limit)
	}
	if st.Empty != st.Processed || st.Ladders != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWatchLadderAndROI: a light-on-dark code, which the live steps do not
// read, is read by the full pipeline the pre-check calls in; outside the
// region of interest the same code is not looked at.
func TestWatchLadderAndROI(t *testing.T) {
	frame := codeFrame(t, 800, 480, watchPayload, image.Pt(60, 80), 300, true)
	if _, err := decode.WithSteps(frame, decode.Fast); err == nil {
		t.Fatal("the live steps read the inverted code: the test proves nothing")
	}
	if _, err := decode.Exhaustive(frame, decode.Pipeline); err != nil {
		t.Fatalf("the pipeline does not read the inverted code: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &Watcher{IdleInterval: time.Millisecond, LadderInterval: -1}
	found, st, err := w.Run(ctx, &Replay{Frames: []image.Image{frame}})
	if err != nil || found.Text != watchPayload || st.Ladders != 1 {
		t.Fatalf("Run = %+v %+v, %v", found, st, err)
	}
	w = &Watcher{IdleInterval: time.Millisecond, ROI: image.Rect(400, 0, 800, 480)}
	_, st, err = w.Run(ctx, &Replay{Frames: []image.Image{frame, frame}})
	if !errors.Is(err, decode.ErrNotFound) || !errors.Is(err, io.EOF) || st.Ladders != 0 || st.Empty != st.Processed {
		t.Errorf("outside the ROI: %+v, %v", st, err)
	}
	w = &Watcher{IdleInterval: time.Millisecond, ROI: image.Rect(0, 40, 400, 420), LadderInterval: -1}
	if found, _, err := w.Run(ctx, &Replay{Frames: []image.Image{frame}}); err != nil || found.Text != watchPayload {
		t.Errorf("inside the ROI: %v", err)
	}
}

// TestWatchBadFramesAndLimit: malformed MJPEG frames are skipped and
// counted; MaxFrames ends a watch without a code.
func TestWatchBadFramesAndLimit(t *testing.T) {
	var good bytes.Buffer
	if err := jpeg.Encode(&good, codeFrame(t, 640, 480, watchPayload, image.Pt(200, 100), 300, false), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &Watcher{IdleInterval: time.Millisecond}
	found, st, err := w.Run(ctx, &Replay{MJPEG: [][]byte{{0xFF, 0xD8, 0x00}, good.Bytes()}, FPS: 20, Hold: true})
	if err != nil || found.Text != watchPayload || st.BadFrames < 1 {
		t.Errorf("Run = %+v %+v, %v", found, st, err)
	}
	var empty bytes.Buffer
	if err := jpeg.Encode(&empty, emptyFrame(640, 480, 9), nil); err != nil {
		t.Fatal(err)
	}
	w = &Watcher{IdleInterval: time.Millisecond, MaxFrames: 3}
	_, st, err = w.Run(ctx, &Replay{MJPEG: [][]byte{empty.Bytes()}, FPS: 50, Hold: true})
	if !errors.Is(err, decode.ErrNotFound) || errors.Is(err, io.EOF) || st.Grabbed != 3 {
		t.Errorf("MaxFrames: %+v, %v", st, err)
	}
	gctx, gcancel := context.WithCancel(ctx)
	gcancel()
	if _, _, err := (&Watcher{}).Run(gctx, &Replay{MJPEG: [][]byte{empty.Bytes()}, Hold: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestReplayPacing: a Replay hands out the frame due now, skipping the ones
// a late consumer missed, and ends without Hold.
func TestReplayPacing(t *testing.T) {
	frames := make([]image.Image, 100)
	for i := range frames {
		frames[i] = image.NewGray(image.Rect(0, 0, 1, 1))
	}
	r := &Replay{Frames: frames, FPS: 100}
	ctx := context.Background()
	f0, err := r.Grab(ctx)
	if err != nil || f0.Seq != 0 {
		t.Fatalf("first: %+v %v", f0, err)
	}
	time.Sleep(105 * time.Millisecond)
	f1, err := r.Grab(ctx)
	if err != nil || f1.Seq < 10 {
		t.Errorf("after 105 ms at 100 fps got frame %d, want 10 or later", f1.Seq)
	}
	short := &Replay{Frames: frames[:2]}
	short.Grab(ctx)
	short.Grab(ctx)
	if _, err := short.Grab(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("end: %v", err)
	}
	if _, err := (&Replay{}).Grab(ctx); err == nil {
		t.Error("empty replay gave a frame")
	}
}
