package camera

import (
	"context"
	"errors"
	"image"
	"io"
	"time"
)

// Replay is a FrameSource playing recorded frames as a camera would: at a
// fixed rate, the frame due now whether or not the previous ones were
// taken (a late Grab skips to the current frame, as a driver overwrites
// unread buffers). It stands in for a camera in tests, benchmarks and
// demonstrations.
type Replay struct {
	// Frames are decoded images; MJPEG, if set instead, holds JPEG frames
	// decoded only when a frame's Image is asked for, as from a webcam.
	Frames []image.Image
	MJPEG  [][]byte
	// FPS is the frame rate; 0 hands out frames as fast as they are
	// grabbed.
	FPS float64
	// Hold keeps showing the last frame after the others (a card held
	// up stays in view) instead of ending with io.EOF.
	Hold bool

	start time.Time
	next  uint64
}

// errNoFrames reports a Replay with nothing to play.
var errNoFrames = errors.New("camera: replay has no frames")

func (r *Replay) count() int { return max(len(r.Frames), len(r.MJPEG)) }

// Grab waits for the next frame's time and returns it.
func (r *Replay) Grab(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	n := r.count()
	if n == 0 {
		return Frame{}, errNoFrames
	}
	seq := r.next
	if r.FPS > 0 {
		if r.start.IsZero() {
			r.start = time.Now()
		}
		// The frame due now, or the next one if that was already taken.
		period := time.Duration(float64(time.Second) / r.FPS)
		seq = max(seq, uint64(time.Since(r.start)/period))
		due := r.start.Add(time.Duration(seq) * period)
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return Frame{}, ctx.Err()
			case <-t.C:
			}
		}
	}
	idx := int(min(seq, uint64(n-1)))
	if seq >= uint64(n) && !r.Hold {
		return Frame{}, io.EOF
	}
	r.next = seq + 1
	if len(r.MJPEG) > 0 {
		data := r.MJPEG[idx]
		return NewLazyFrame(seq, time.Now(), func() (image.Image, error) { return DecodeMJPEG(data) }), nil
	}
	return NewFrame(seq, time.Now(), r.Frames[idx]), nil
}
