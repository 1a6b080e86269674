package camera

import (
	"context"
	"image"
	"time"
)

// Frame is one captured frame. Its pixels are decoded only when asked
// (Image): a frame dropped because the decoder is busy costs the copy out
// of the driver's buffer, not an MJPEG decode.
type Frame struct {
	// Seq numbers the frames of a source from 0 in capture order; a gap
	// means the source itself skipped frames.
	Seq uint64
	// At is when the frame was captured (or replayed).
	At time.Time

	img    image.Image
	decode func() (image.Image, error)
}

// NewFrame wraps a decoded image as a frame.
func NewFrame(seq uint64, at time.Time, img image.Image) Frame {
	return Frame{Seq: seq, At: at, img: img}
}

// NewLazyFrame makes a frame whose image is decoded by decode on first
// use (e.g. DecodeMJPEG over the copied bytes).
func NewLazyFrame(seq uint64, at time.Time, decode func() (image.Image, error)) Frame {
	return Frame{Seq: seq, At: at, decode: decode}
}

// Image returns the frame's pixels, decoding them if need be; a malformed
// frame is an error wrapping ErrBadFrame.
func (f *Frame) Image() (image.Image, error) {
	if f.img == nil && f.decode != nil {
		img, err := f.decode()
		if err != nil {
			return nil, err
		}
		f.img, f.decode = img, nil
	}
	if f.img == nil {
		return nil, ErrBadFrame
	}
	return f.img, nil
}

// FrameSource delivers frames as a camera produces them.
type FrameSource interface {
	// Grab blocks until the next frame is there, ctx is done, or the
	// source has no more frames (io.EOF). It should be cheap: decoding
	// belongs in the frame's Image.
	Grab(ctx context.Context) (Frame, error)
}

// Grabbing adapts a Source (whose Next decodes every frame) to a
// FrameSource, numbering its frames.
func Grabbing(src Source) FrameSource { return &grabbing{src: src} }

type grabbing struct {
	src Source
	seq uint64
}

func (g *grabbing) Grab(ctx context.Context) (Frame, error) {
	img, err := g.src.Next(ctx)
	if err != nil {
		return Frame{}, err
	}
	f := NewFrame(g.seq, time.Now(), img)
	g.seq++
	return f, nil
}
