// Package photo decodes the face image read from a card's chip (DG2) for
// display, within a budget: the chip is untrusted, and a few hundred bytes
// of JPEG may declare 65535×65535 pixels (17 GB of allocations in
// image.Decode). The header is checked with image.DecodeConfig first; only
// an image within the byte and pixel budget is decoded.
//
// This is the kiosk's own guard until the reader offers a size-checked
// decode with a typed error; callers branch on ErrRefused either way.
package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // chip photos are JPEG (or JPEG 2000, which is refused as unsupported)
	_ "image/png"  // synthetic test faces
)

// Budget limits what is decoded. CCCD face images are about 20 KB and
// under 1 megapixel; the defaults leave ample room.
type Budget struct {
	MaxBytes  int
	MaxPixels int
	MaxSide   int
}

// DefaultBudget is what the screens and printed pages use.
var DefaultBudget = Budget{MaxBytes: 1 << 20, MaxPixels: 4 << 20, MaxSide: 4096}

// ErrRefused is wrapped by every refusal: too large, undecodable, or a
// format the toolkit cannot draw.
var ErrRefused = errors.New("the chip's photo could not be shown")

// Decode decodes b within DefaultBudget.
func Decode(b []byte) (image.Image, error) { return DefaultBudget.Decode(b) }

// Decode decodes b when its header is within the budget.
func (bu Budget) Decode(b []byte) (image.Image, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrRefused)
	}
	if len(b) > bu.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes (budget %d)", ErrRefused, len(b), bu.MaxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > bu.MaxSide || cfg.Height > bu.MaxSide ||
		cfg.Width*cfg.Height > bu.MaxPixels {
		return nil, fmt.Errorf("%w: %s declares %d×%d pixels (budget %d)", ErrRefused, format, cfg.Width, cfg.Height, bu.MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return img, nil
}
