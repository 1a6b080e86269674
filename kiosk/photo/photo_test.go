package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"motcua/hwtest/simcard"
)

// smallJPEG is a real 8×8 JPEG.
func smallJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Bomb is a few hundred bytes of JPEG whose frame header declares
// 65535×65535 pixels: a hostile chip's DG2.
func Bomb(t testing.TB) []byte {
	b := smallJPEG(t)
	for i := 0; i+8 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xC0 { // SOF0: FF C0 len(2) precision(1) height(2) width(2)
			b[i+5], b[i+6], b[i+7], b[i+8] = 0xFF, 0xFF, 0xFF, 0xFF
			return b
		}
	}
	t.Fatal("no SOF0 in the test JPEG")
	return nil
}

func TestDecodeWithinBudget(t *testing.T) {
	img, err := Decode(smallJPEG(t))
	if err != nil || img.Bounds().Dx() != 8 {
		t.Fatalf("a small JPEG: %v", err)
	}
	if _, err := Decode(simcard.SyntheticFace(1)); err != nil {
		t.Fatalf("a chip-sized face: %v", err)
	}
}

func TestBombRefusedBeforeDecoding(t *testing.T) {
	bomb := Bomb(t)
	if len(bomb) > 1000 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	_, err := Decode(bomb)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("a 65535×65535 JPEG was not refused: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("not an image at all"),
		"jpeg2000": {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A},
		"too big":  make([]byte, DefaultBudget.MaxBytes+1),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// BenchmarkDecode compares refusing the bomb with decoding a chip-sized
// synthetic face (the baseline, same run).
//
//	go test -run '^$' -bench Decode -benchmem ./kiosk/photo/
func BenchmarkDecode(b *testing.B) {
	ok, bomb := simcard.SyntheticFace(1), Bomb(b)
	b.Run("normal", func(b *testing.B) {
		for range b.N {
			if _, err := Decode(ok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bomb", func(b *testing.B) {
		for range b.N {
			if _, err := Decode(bomb); err == nil {
				b.Fatal("decoded")
			}
		}
	})
}
