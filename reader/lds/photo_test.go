package lds

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// jpegOf encodes a w x h grey JPEG.
func jpegOf(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = color.Gray{Y: uint8(i)}.Y
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// declare rewrites a JPEG's frame header to claim w x h pixels.
func declare(t testing.TB, b []byte, w, h uint16) []byte {
	b = append([]byte(nil), b...)
	for i := 2; i+9 < len(b); i += 2 + int(binary.BigEndian.Uint16(b[i+2:])) {
		if b[i+1] == 0xC0 {
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
			return b
		}
	}
	t.Fatal("no frame header")
	return nil
}

// A small JPEG that declares 65535x65535 pixels is refused from its header,
// never decoded; so is anything beyond the byte budget or unreadable.
func TestPhotoBombRefused(t *testing.T) {
	bomb := declare(t, jpegOf(t, 8, 8), 65535, 65535)
	if len(bomb) > 1024 {
		t.Fatalf("bomb of %d bytes: not the small file of the attack", len(bomb))
	}
	big := append(jpegOf(t, 16, 16), make([]byte, MaxPhotoBytes)...)
	for name, b := range map[string][]byte{
		"65535x65535":          bomb,
		"wide":                 declare(t, jpegOf(t, 8, 8), 65535, 100),
		"just over the budget": declare(t, jpegOf(t, 8, 8), 2001, 2000),
		"over the byte budget": big,
		"not an image":         []byte("FAC\x00 not a picture"),
		"empty":                nil,
		"JPEG 2000 bomb":       jp2Codestream(65535, 65535),
		"JP2 file bomb":        jp2File(40000, 40000),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := CheckPhoto(b); !errors.Is(err, ErrPhotoRefused) {
				t.Fatalf("CheckPhoto: %v, want ErrPhotoRefused", err)
			}
			if img, err := DecodePhoto(b); !errors.Is(err, ErrPhotoRefused) || img != nil {
				t.Fatalf("DecodePhoto: %v, want ErrPhotoRefused", err)
			}
		})
	}
	// A card-sized photo decodes, and so does one at the pixel budget.
	for _, wh := range [][2]int{{240, 320}, {2000, 2000}} {
		img, err := DecodePhoto(jpegOf(t, wh[0], wh[1]))
		if err != nil || img.Bounds().Dx() != wh[0] || img.Bounds().Dy() != wh[1] {
			t.Fatalf("%v: %v", wh, err)
		}
	}
	// A JPEG 2000 face of a normal size passes the check (its decoding is
	// up to the caller's decoders).
	if cfg, err := CheckPhoto(jp2Codestream(480, 640)); err != nil || cfg.Width != 480 || cfg.Height != 640 {
		t.Fatalf("JPEG 2000 codestream: %+v %v", cfg, err)
	}
	if cfg, err := CheckPhoto(jp2File(480, 640)); err != nil || cfg.Width != 480 || cfg.Height != 640 {
		t.Fatalf("JP2 file: %+v %v", cfg, err)
	}
}

// jp2Codestream is the start of a JPEG 2000 codestream: SOC, then SIZ.
func jp2Codestream(w, h uint32) []byte {
	b := []byte{0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00}
	b = binary.BigEndian.AppendUint32(b, w) // Xsiz
	b = binary.BigEndian.AppendUint32(b, h) // Ysiz
	b = append(b, make([]byte, 8)...)       // XOsiz, YOsiz
	return append(b, make([]byte, 24)...)
}

// jp2File is the start of a JP2 file: signature box, ftyp, jp2h { ihdr }.
func jp2File(w, h uint32) []byte {
	b := []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}
	b = append(b, 0, 0, 0, 20, 'f', 't', 'y', 'p', 'j', 'p', '2', ' ', 0, 0, 0, 0, 'j', 'p', '2', ' ')
	ihdr := binary.BigEndian.AppendUint32([]byte{0, 0, 0, 22, 'i', 'h', 'd', 'r'}, h)
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = append(ihdr, 0, 3, 7, 7, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(8+len(ihdr)))
	b = append(b, 'j', 'p', '2', 'h')
	return append(b, ihdr...)
}

// BenchmarkPhotoBombRefused is the time to refuse the 65535x65535 bomb;
// BenchmarkPhotoDecode decodes a card-sized face, the baseline.
//
//	go test -run '^$' -bench Photo ./reader/lds/
func BenchmarkPhotoBombRefused(b *testing.B) {
	bomb := declare(b, jpegOf(b, 8, 8), 65535, 65535)
	for b.Loop() {
		if _, err := DecodePhoto(bomb); !errors.Is(err, ErrPhotoRefused) {
			b.Fatal(err)
		}
	}
}

func BenchmarkPhotoDecode(b *testing.B) {
	face := jpegOf(b, 240, 320)
	for b.Loop() {
		if _, err := DecodePhoto(face); err != nil {
			b.Fatal(err)
		}
	}
}
