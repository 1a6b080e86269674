package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"motcua/reader/qr/decode"
)

// BenchmarkWatchCPU measures the CPU a camera watch costs while the camera
// shows no code: a Replay of empty frames at 30 frames a second, watched
// for MOTCUA_WATCH_SECONDS (default 3) per iteration, by the Watcher and,
// as the baseline in the same run, by the loop `motcua qr camera` ran
// before it (every frame decoded and put through the live steps, no
// pre-check). The frames show a desk (desk: smooth, cheap for gozxing to
// give up on) or sensor-like noise (noise: BenchmarkNoCode's frame, the
// costly case); they come decoded (a YUYV camera: yuv) or as JPEG (an
// MJPEG camera: mjpeg, decoding included). cpu-ms/s is the process's CPU
// time (all threads, user plus system) per second watched, 1000 being one
// core busy; frames/s is how many frames were decoded per second and
// cpu-ms/frame the CPU per decoded frame. On a loaded machine the old
// loop's frames/s is limited by the CPU it gets; cpu-ms/frame is the
// steadier figure.
//
//	go test -run='^$' -bench=WatchCPU -benchtime=1x ./reader/qr/camera/
func BenchmarkWatchCPU(b *testing.B) {
	seconds := 3.0
	if v := os.Getenv("MOTCUA_WATCH_SECONDS"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			seconds = f
		}
	}
	watch := time.Duration(seconds * float64(time.Second))
	if _, ok := processCPU(); !ok {
		b.Skip("no process CPU clock on this system")
	}
	for _, size := range []image.Point{{1280, 720}, {1920, 1080}} {
		desk := make([]image.Image, 4)
		noise := make([]image.Image, 4)
		var jpegs [][]byte
		for i := range desk {
			desk[i] = emptyFrame(size.X, size.Y, uint64(i))
			noise[i] = noiseFrame(size.X, size.Y, uint64(i))
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, desk[i], &jpeg.Options{Quality: 85}); err != nil {
				b.Fatal(err)
			}
			jpegs = append(jpegs, buf.Bytes())
		}
		for _, kind := range []string{"desk/yuv", "desk/mjpeg", "noise/yuv"} {
			replay := func() *Replay {
				// The empty frames in turn, 30 a second, for the watch.
				n := int(seconds*30) + 30
				r := &Replay{FPS: 30}
				for i := 0; i < n; i++ {
					switch kind {
					case "desk/yuv":
						r.Frames = append(r.Frames, desk[i%len(desk)])
					case "noise/yuv":
						r.Frames = append(r.Frames, noise[i%len(noise)])
					default:
						r.MJPEG = append(r.MJPEG, jpegs[i%len(jpegs)])
					}
				}
				return r
			}
			for _, path := range []string{"watcher", "old-loop"} {
				b.Run(fmt.Sprintf("%dp/%s/%s", size.Y, kind, path), func(b *testing.B) {
					var cpu time.Duration
					var watched time.Duration
					processed := 0
					for b.Loop() {
						ctx, cancel := context.WithTimeout(context.Background(), watch)
						before, _ := processCPU()
						start := time.Now()
						var n int
						var err error
						if path == "watcher" {
							var st WatchStats
							_, st, err = (&Watcher{}).Run(ctx, replay())
							n = st.Processed
						} else {
							n, err = oldLoop(ctx, replay())
						}
						watched += time.Since(start)
						after, _ := processCPU()
						cpu += after - before
						cancel()
						processed += n
						if !errors.Is(err, context.DeadlineExceeded) {
							b.Fatalf("watch ended with %v", err)
						}
					}
					b.ReportMetric(float64(cpu.Milliseconds())/watched.Seconds(), "cpu-ms/s")
					b.ReportMetric(float64(processed)/watched.Seconds(), "frames/s")
					if processed > 0 {
						b.ReportMetric(float64(cpu.Microseconds())/1000/float64(processed), "cpu-ms/frame")
					}
				})
			}
		}
	}
}

// noiseFrame is a frame of uniform noise (96 to 159), BenchmarkNoCode's
// empty frame, as a 4:2:0 image.
func noiseFrame(w, h int, seed uint64) *image.YCbCr {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(96 + rng.IntN(64))
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	return img
}

// oldLoop is the camera loop before the Watcher: every frame decoded and
// tried with the live steps, no pre-check, until a code or ctx is done.
func oldLoop(ctx context.Context, src FrameSource) (int, error) {
	n := 0
	for {
		f, err := src.Grab(ctx)
		if err != nil {
			return n, err
		}
		img, err := f.Image()
		if err != nil {
			continue
		}
		n++
		if _, err := decode.Exhaustive(img, decode.Fast); err == nil {
			return n, nil
		}
	}
}
