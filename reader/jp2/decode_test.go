package jp2_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	_ "image/jpeg"
	"os"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader/jp2"
	"motcua/reader/lds"
)

func skipWithout(t testing.TB) {
	if !jp2.Available {
		t.Skip("built without cgo/OpenJPEG: TestUnavailable covers this build")
	}
}

// TestDecodeFace: the passport profile's JPEG 2000 face (lossy, ~20 KB)
// decodes to the synthetic face it was made from, within the loss.
func TestDecodeFace(t *testing.T) {
	skipWithout(t)
	img, err := jp2.Decode(simcard.PassportFaceJP2(), lds.MaxPhotoPixels)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := image.Decode(bytes.NewReader(simcard.SyntheticFace(20)))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", img.Bounds(), want.Bounds())
	}
	var sum, n int64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			sum += abs(int64(r1>>8)-int64(r2>>8)) + abs(int64(g1>>8)-int64(g2>>8)) + abs(int64(b1>>8)-int64(b2>>8))
			n += 3
		}
	}
	if mean := float64(sum) / float64(n); mean > 12 {
		t.Fatalf("mean absolute error %.1f per channel: not the face", mean)
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestDecodeLosslessGray: a lossless one-component codestream decodes
// exactly (the gradient it was made from).
func TestDecodeLosslessGray(t *testing.T) {
	skipWithout(t)
	b, err := os.ReadFile("testdata/gradient.j2k")
	if err != nil {
		t.Fatal(err)
	}
	img, err := jp2.Decode(b, 1000)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Bounds().Dx() != 32 || g.Bounds().Dy() != 24 {
		t.Fatalf("%T %v", img, img.Bounds())
	}
	for y := 0; y < 24; y++ {
		for x := 0; x < 32; x++ {
			if got, want := g.GrayAt(x, y).Y, uint8((x*8+y*3)&0xFF); got != want {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
			}
		}
	}
}

// TestDecodeRefusals: hostile and broken images are refused before or
// instead of decoding, never a crash.
func TestDecodeRefusals(t *testing.T) {
	skipWithout(t)
	face := simcard.PassportFaceJP2()
	gradient, err := os.ReadFile("testdata/gradient.j2k")
	if err != nil {
		t.Fatal(err)
	}
	// The codestream inside the JP2 file declares 60000x60000 while the
	// ihdr box still says 240x320: the header check passes, the decoder
	// must not.
	lied := append([]byte(nil), face...)
	i := bytes.Index(lied, []byte{0xFF, 0x4F, 0xFF, 0x51})
	binary.BigEndian.PutUint32(lied[i+8:], 60000)
	binary.BigEndian.PutUint32(lied[i+12:], 60000)
	if _, err := lds.CheckPhoto(lied); err != nil {
		t.Fatalf("the ihdr box should pass the header check: %v", err)
	}
	for name, b := range map[string][]byte{
		"codestream lies about its size": lied,
		"over the budget":                gradient, // 768 pixels against 100 below
		"truncated":                      face[:len(face)/3],
		"garbage after the signature":    append(append([]byte(nil), face[:40]...), bytes.Repeat([]byte{0xA5}, 400)...),
		"too short":                      face[:8],
	} {
		t.Run(name, func(t *testing.T) {
			budget := lds.MaxPhotoPixels
			if name == "over the budget" {
				budget = 100
			}
			img, err := jp2.Decode(b, budget)
			if err == nil || !errors.Is(err, jp2.ErrRefused) || img != nil {
				t.Fatalf("err %v, image %v", err, img != nil)
			}
		})
	}
	// Through the one decode path the app uses.
	if _, err := lds.DecodePhoto(lied); !errors.Is(err, lds.ErrPhotoRefused) {
		t.Fatalf("DecodePhoto: %v", err)
	}
	if img, err := lds.DecodePhoto(face); err != nil || img.Bounds().Dx() != 240 {
		t.Fatalf("DecodePhoto of the face: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	if !jp2.Available {
		f.Skip("no decoder in this build")
	}
	gradient, err := os.ReadFile("testdata/gradient.j2k")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gradient)
	f.Add(simcard.PassportFaceJP2()[:600])
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := jp2.Decode(b, 4096)
		if err == nil && img.Bounds().Dx()*img.Bounds().Dy() > 4096 {
			t.Fatalf("decoded %v over the budget", img.Bounds())
		}
	})
}
