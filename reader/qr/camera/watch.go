package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"motcua/reader/qr/decode"
)

// Watcher watches a camera for a QR code without spending a kiosk's CPU
// on the empty frames it mostly sees:
//
//   - one goroutine takes frames from the source as they come and keeps
//     only the newest (a one-frame mailbox): frames that arrive while a
//     frame is being decoded are dropped, never queued, so the decoder
//     always works on the present and at most one frame is decoded at a
//     time;
//   - every frame goes through decode's pre-check first; while frames are
//     empty, the next one is taken no sooner than IdleInterval after the
//     previous (10 frames a second by default instead of 30);
//   - a frame in which the pre-check sees a code is decoded with the live
//     steps (decode.Fast) and, when they fail, with the full retry
//     pipeline, at most once per LadderInterval; after such a frame the
//     next one is taken at once.
//
// A Watcher's fields are read when Run starts; one Watcher runs once at a
// time.
type Watcher struct {
	// ROI restricts decoding to a region of the frame, in frame
	// coordinates (e.g. the card holder's window); empty means the whole
	// frame.
	ROI image.Rectangle
	// IdleInterval is the least time between taking two frames while the
	// pre-check sees nothing (default 100 ms; negative: no pause).
	IdleInterval time.Duration
	// LadderInterval is the least time between two runs of the full retry
	// pipeline (default 1 s); negative means on every probable frame.
	LadderInterval time.Duration
	// MaxFrames gives up after that many frames were grabbed (0: only
	// when ctx is done or the source ends).
	MaxFrames int

	// decode replaces the real decoding in tests; full asks for the
	// whole pipeline.
	decode func(img image.Image, full bool) (decode.Result, error)
}

// Found is a code read by a Watcher.
type Found struct {
	Text string
	// Seq is the frame the code was read from.
	Seq uint64
	// Step is the pipeline step that read it.
	Step string
	// Delay is the time from that frame's capture to the result.
	Delay time.Duration
}

// WatchStats counts what a Run did with the frames.
type WatchStats struct {
	Grabbed   int // frames taken from the source
	Processed int // frames decoded (pre-check at least)
	Dropped   int // frames replaced by a newer one before being processed
	Empty     int // processed frames the pre-check turned away
	Ladders   int // runs of the full retry pipeline
	BadFrames int // frames that could not be decoded into pixels
}

// Defaults of a Watcher's intervals.
const (
	DefaultIdleInterval   = 100 * time.Millisecond
	DefaultLadderInterval = time.Second
)

// errMaxFrames ends the grabbing when MaxFrames frames were taken.
var errMaxFrames = errors.New("camera: frame limit reached")

// Run watches src until a frame yields a code, ctx is done, the source ends
// or fails, or MaxFrames frames were grabbed. Without a code it returns an
// error wrapping decode.ErrNotFound (and io.EOF when the source ended).
// Frames whose bytes are malformed (ErrBadFrame) are skipped and counted.
func (w *Watcher) Run(ctx context.Context, src FrameSource) (Found, WatchStats, error) {
	idle := w.IdleInterval
	if idle == 0 {
		idle = DefaultIdleInterval
	}
	ladderEvery := w.LadderInterval
	if ladderEvery == 0 {
		ladderEvery = DefaultLadderInterval
	}
	dec := w.decode
	if dec == nil {
		dec = liveDecode
	}

	gctx, stop := context.WithCancel(ctx)
	mailbox := make(chan Frame, 1)
	ended := make(chan error, 1)
	var grabbed, dropped, badGrabs atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			f, err := src.Grab(gctx)
			if err != nil {
				if errors.Is(err, ErrBadFrame) && gctx.Err() == nil {
					badGrabs.Add(1)
					continue
				}
				ended <- err
				return
			}
			n := grabbed.Add(1)
			// The grabber is the only sender: after emptying the mailbox
			// the send cannot block.
			select {
			case <-mailbox:
				dropped.Add(1)
			default:
			}
			mailbox <- f
			if w.MaxFrames > 0 && n >= int64(w.MaxFrames) {
				ended <- errMaxFrames
				return
			}
		}
	}()

	var st WatchStats
	finish := func(found Found, err error) (Found, WatchStats, error) {
		stop()
		wg.Wait()
		st.Grabbed = int(grabbed.Load())
		st.Dropped = int(dropped.Load())
		st.BadFrames += int(badGrabs.Load())
		return found, st, err
	}
	var nextStart, lastLadder time.Time
	// process decodes one frame; it reports a code, or when the next frame
	// may be taken.
	process := func(f Frame) (Found, bool) {
		start := time.Now()
		st.Processed++
		img, err := f.Image()
		if err != nil {
			st.BadFrames++
			nextStart = start
			return Found{}, false
		}
		if !w.ROI.Empty() {
			sub, ok := img.(interface {
				SubImage(image.Rectangle) image.Image
			})
			if ok && !w.ROI.Intersect(img.Bounds()).Empty() {
				img = sub.SubImage(w.ROI)
			}
		}
		r, err := dec(img, false)
		if err == nil {
			return Found{Text: r.Text, Seq: f.Seq, Step: r.Step, Delay: time.Since(f.At)}, true
		}
		if !r.Probe.Likely() {
			st.Empty++
			nextStart = start.Add(idle)
			return Found{}, false
		}
		nextStart = time.Time{} // something is there: the next frame at once
		if ladderEvery < 0 || lastLadder.IsZero() || time.Since(lastLadder) >= ladderEvery {
			st.Ladders++
			lastLadder = time.Now()
			if r, err := dec(img, true); err == nil {
				return Found{Text: r.Text, Seq: f.Seq, Step: r.Step, Delay: time.Since(f.At)}, true
			}
		}
		return Found{}, false
	}

	for {
		if wait := time.Until(nextStart); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return finish(Found{}, ctx.Err())
			case <-t.C:
			}
		}
		select {
		case <-ctx.Done():
			return finish(Found{}, ctx.Err())
		case f := <-mailbox:
			if found, ok := process(f); ok {
				return finish(found, nil)
			}
		case err := <-ended:
			// The source is done; the newest frame may still be waiting.
			select {
			case f := <-mailbox:
				if found, ok := process(f); ok {
					return finish(found, nil)
				}
			default:
			}
			switch {
			case errors.Is(err, io.EOF):
				return finish(Found{}, fmt.Errorf("camera: source ended after %d frames (%w): %w", grabbed.Load(), err, decode.ErrNotFound))
			case errors.Is(err, errMaxFrames):
				return finish(Found{}, fmt.Errorf("camera: no QR code in %d frames: %w", grabbed.Load(), decode.ErrNotFound))
			case ctx.Err() != nil:
				return finish(Found{}, ctx.Err())
			}
			return finish(Found{}, err)
		}
	}
}

// liveDecode is the Watcher's decoding: the pre-check and the live steps,
// or (full) the whole retry pipeline once the pre-check has seen a code.
func liveDecode(img image.Image, full bool) (decode.Result, error) {
	if full {
		return decode.Exhaustive(img, decode.Pipeline)
	}
	return decode.WithSteps(img, decode.Fast)
}
