package lds

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DG2 faces are JPEG (or JPEG 2000, decoded by package jp2)

	"motcua/reader/jp2"
)

// ErrPhotoRefused reports a face image from a card that is not decoded:
// larger than the budgets below (a "photo bomb": a few hundred bytes that
// declare 65535x65535 pixels), or with a header that cannot be read. A
// refused photo is a state to show ("the chip's photo could not be shown"),
// never a crash.
var ErrPhotoRefused = errors.New("the chip's photo could not be shown")

// Budgets for a card's face image. A CCCD face is about 15 KB and 480x640
// at most; ICAO portraits stay far below both limits.
const (
	// MaxPhotoBytes is the most image bytes decoded.
	MaxPhotoBytes = 1 << 20
	// MaxPhotoPixels is the most pixels decoded (2000x2000: 16 MB as RGBA).
	MaxPhotoPixels = 4_000_000
)

// CheckPhoto reads an image's header (image.DecodeConfig for JPEG, the
// SIZ marker or ihdr box for JPEG 2000) and checks it against the byte and
// pixel budgets, without decoding a single pixel. Every failure matches
// ErrPhotoRefused.
func CheckPhoto(b []byte) (image.Config, error) {
	if len(b) == 0 {
		return image.Config{}, fmt.Errorf("%w: empty image", ErrPhotoRefused)
	}
	if len(b) > MaxPhotoBytes {
		return image.Config{}, fmt.Errorf("%w: %d bytes, more than %d", ErrPhotoRefused, len(b), MaxPhotoBytes)
	}
	var cfg image.Config
	switch sniffImage(b) {
	case MIMEJPEG2000:
		w, h, err := jp2Size(b)
		if err != nil {
			return image.Config{}, fmt.Errorf("%w: %v", ErrPhotoRefused, err)
		}
		cfg = image.Config{Width: w, Height: h}
	default:
		c, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return image.Config{}, fmt.Errorf("%w: %v", ErrPhotoRefused, err)
		}
		cfg = c
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return image.Config{}, fmt.Errorf("%w: %dx%d pixels", ErrPhotoRefused, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return image.Config{}, fmt.Errorf("%w: it declares %dx%d pixels, more than %d", ErrPhotoRefused, cfg.Width, cfg.Height, MaxPhotoPixels)
	}
	return cfg, nil
}

// DecodePhoto decodes a face image from a card after CheckPhoto: the one
// way the agent decodes card images. JPEG 2000 (passports) decodes through
// package jp2 (OpenJPEG), which checks the budget again on the codestream's
// own header; in a build without it (jp2.Available false) a JPEG 2000 face
// is refused with jp2.ErrUnavailable as the reason.
func DecodePhoto(b []byte) (image.Image, error) {
	if _, err := CheckPhoto(b); err != nil {
		return nil, err
	}
	if sniffImage(b) == MIMEJPEG2000 {
		img, err := jp2.Decode(b, MaxPhotoPixels)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPhotoRefused, err)
		}
		return img, nil
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPhotoRefused, err)
	}
	return img, nil
}

// jp2Size reads the image size of a JPEG 2000 codestream (SIZ marker) or
// JP2 file (the ihdr box inside jp2h), scanning a bounded number of boxes.
func jp2Size(b []byte) (w, h int, err error) {
	if bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51}) {
		// SOC, SIZ: Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4).
		if len(b) < 4+2+2+16 {
			return 0, 0, errors.New("JPEG 2000 SIZ marker truncated")
		}
		s := b[8:]
		x, y := binary.BigEndian.Uint32(s[0:]), binary.BigEndian.Uint32(s[4:])
		xo, yo := binary.BigEndian.Uint32(s[8:]), binary.BigEndian.Uint32(s[12:])
		if xo >= x || yo >= y {
			return 0, 0, errors.New("JPEG 2000 image offset outside the image")
		}
		return clampInt(x - xo), clampInt(y - yo), nil
	}
	// JP2 boxes: length(4) type(4) payload; ihdr is HEIGHT(4) WIDTH(4) ...
	boxes := func(p []byte, visit func(typ string, payload []byte) bool) error {
		for n := 0; len(p) >= 8 && n < 64; n++ {
			l := int(binary.BigEndian.Uint32(p))
			if l < 8 || l > len(p) {
				l = len(p) // 0 (to the end) or a box cut short: take what there is
			}
			if visit(string(p[4:8]), p[8:l]) {
				return nil
			}
			p = p[l:]
		}
		return errors.New("JP2 file without an image header (ihdr)")
	}
	found := false
	err = boxes(b, func(typ string, payload []byte) bool {
		if typ != "jp2h" {
			return false
		}
		boxes(payload, func(typ string, p []byte) bool {
			if typ == "ihdr" && len(p) >= 8 {
				h, w = clampInt(binary.BigEndian.Uint32(p)), clampInt(binary.BigEndian.Uint32(p[4:]))
				found = true
			}
			return found
		})
		return true
	})
	if err != nil || !found {
		return 0, 0, errors.New("JP2 file without an image header (ihdr)")
	}
	return w, h, nil
}

func clampInt(v uint32) int {
	if v > 1<<30 {
		return 1 << 30
	}
	return int(v)
}
