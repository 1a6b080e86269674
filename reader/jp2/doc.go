// Package jp2 decodes the JPEG 2000 face images that passports (and some
// ID cards) keep in DG2, for display.
//
// The decoder is OpenJPEG (the reference implementation, Debian package
// libopenjp2-7-dev) through cgo: no pure-Go JPEG 2000 decoder is
// well kept enough to trust with images from a stranger's chip. Where cgo
// or the library is not available (the Windows cross-build, CGO_ENABLED=0)
// Decode refuses with ErrUnavailable, and the photo is shown as "could not
// be shown" with that reason; reading and verifying the card are unaffected.
//
// Callers check the image against their budget first (lds.CheckPhoto reads
// the header without decoding). The decoder checks again, on the
// codestream's own header, before any pixel is decoded: a JP2 file whose
// ihdr box says one size and whose codestream says another is held to the
// larger.
package jp2

import "errors"

// ErrUnavailable reports a build without the JPEG 2000 decoder.
var ErrUnavailable = errors.New("JPEG 2000 decoding is not available in this build (needs cgo and OpenJPEG)")

// ErrRefused reports an image that is not decoded: malformed, over the
// pixel budget, or in a layout this package does not convert.
var ErrRefused = errors.New("JPEG 2000 image refused")

// Limits applied on the codestream header before decoding.
const (
	// MaxComponents is the most components decoded (RGBA).
	MaxComponents = 4
	// MaxPrecision is the deepest component decoded, in bits.
	MaxPrecision = 16
)
