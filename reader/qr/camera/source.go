// Package camera gets frames to decode QR codes from: a V4L2 webcam on
// Linux, or image files on any system, behind one Source interface; and
// watches a camera for a code (Watcher) without spending the kiosk's CPU on
// the empty frames it mostly sees. FrameSource is the camera side of the
// Watcher: frames are grabbed cheaply and decoded only when used.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image files may be GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	"motcua/reader/qr/decode"
)

// ErrUnsupported reports a camera API this system does not have.
var ErrUnsupported = errors.New("camera: not supported on this system")

// Source delivers frames.
type Source interface {
	// Next blocks until the next frame is there, ctx is done, or the
	// source has no more frames (io.EOF).
	Next(ctx context.Context) (image.Image, error)
	// Close releases the device or files.
	Close() error
}

// Files is a Source reading image files (PNG, JPEG, GIF) in order, then
// io.EOF. It always works, on any system.
type Files struct {
	paths []string
	next  int
}

// NewFiles returns a Source over the given image files.
func NewFiles(paths ...string) *Files { return &Files{paths: paths} }

// Next decodes the next file. A file that cannot be read or decoded is an
// error naming the file; the following call moves on to the next file.
func (f *Files) Next(ctx context.Context) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.next >= len(f.paths) {
		return nil, io.EOF
	}
	p := f.paths[f.next]
	f.next++
	return LoadImage(p)
}

// Close does nothing: files are closed as soon as they are read.
func (f *Files) Close() error { return nil }

// LoadImage reads and decodes one image file.
func LoadImage(path string) (image.Image, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, _, err := image.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", path, err)
	}
	return img, nil
}

// FirstCode takes frames from src until one holds a readable QR code and
// returns its text. It gives up after maxFrames frames (decode.ErrNotFound),
// at the end of the source, or when ctx is done. Frames that fail to arrive
// with a non-fatal error are skipped and counted against maxFrames.
func FirstCode(ctx context.Context, src Source, maxFrames int) (string, error) {
	var lastErr error = decode.ErrNotFound
	for i := 0; i < maxFrames; i++ {
		img, err := src.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				if ctx.Err() != nil {
					return "", ctx.Err()
				}
				return "", lastErr
			}
			lastErr = err
			continue
		}
		text, err := decode.Image(img)
		if err == nil {
			return text, nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("after %d frames: %w", maxFrames, lastErr)
}
