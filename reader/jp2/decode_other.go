//go:build !cgo || windows

package jp2

import "image"

// Available reports whether this build decodes JPEG 2000.
const Available = false

// Decode refuses: this build has no JPEG 2000 decoder.
func Decode(b []byte, maxPixels int) (image.Image, error) { return nil, ErrUnavailable }
