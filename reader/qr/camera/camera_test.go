package camera

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"motcua/reader/qr/decode"
)

const payload = "001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021"

func TestFilesAndFirstCode(t *testing.T) {
	dir := t.TempDir()
	blank := filepath.Join(dir, "blank.png")
	if err := os.WriteFile(blank, mustPNG(t, "", 200), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "card.png")
	if err := os.WriteFile(good, mustPNG(t, payload, 300), 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.png")
	if err := os.WriteFile(junk, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	text, err := FirstCode(ctx, NewFiles(junk, blank, good), 10)
	if err != nil || text != payload {
		t.Fatalf("FirstCode = %q, %v", text, err)
	}
	if _, err := FirstCode(ctx, NewFiles(blank), 10); !errors.Is(err, decode.ErrNotFound) {
		t.Errorf("no code: %v", err)
	}
	if _, err := FirstCode(ctx, NewFiles(good, good), 0); err == nil {
		t.Error("maxFrames 0 read a frame")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FirstCode(cctx, NewFiles(good), 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// mustPNG renders a QR as PNG bytes, or for "" a white square as JPEG
// (the file source sniffs the format, not the name).
func mustPNG(t *testing.T, text string, size int) []byte {
	t.Helper()
	if text == "" {
		w := image.NewGray(image.Rect(0, 0, size, size))
		for i := range w.Pix {
			w.Pix[i] = 255
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, w, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	b, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestYUYV(t *testing.T) {
	// 4x2, stride 10 (2 bytes of row padding).
	data := []byte{
		10, 100, 20, 200, 30, 101, 40, 201, 0, 0,
		50, 102, 60, 202, 70, 103, 80, 203, 0, 0,
	}
	img, err := YUYVToImage(data, 4, 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantY := []uint8{10, 20, 30, 40, 50, 60, 70, 80}
	for i, w := range wantY {
		x, y := i%4, i/4
		if got := img.Y[img.YOffset(x, y)]; got != w {
			t.Errorf("Y(%d,%d) = %d, want %d", x, y, got, w)
		}
	}
	if img.Cb[img.COffset(2, 1)] != 103 || img.Cr[img.COffset(0, 0)] != 200 {
		t.Errorf("chroma wrong: Cb %v Cr %v", img.Cb, img.Cr)
	}
	for _, bad := range []struct{ n, w, h, s int }{{15, 4, 2, 8}, {16, 3, 2, 6}, {16, 4, 2, 6}, {0, 0, 0, 0}} {
		if _, err := YUYVToImage(make([]byte, bad.n), bad.w, bad.h, bad.s); !errors.Is(err, ErrBadFrame) {
			t.Errorf("YUYV %+v: err = %v", bad, err)
		}
	}
}

// TestMJPEGWithoutHuffmanTables strips the DHT segment from a JPEG, as
// many webcams send MJPEG, and checks that the frame still decodes to the
// same pixels.
func TestMJPEGWithoutHuffmanTables(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			src.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	stripped := stripDHT(t, full)
	if _, err := jpeg.Decode(bytes.NewReader(stripped)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables: the test proves nothing")
	}
	got, err := DecodeMJPEG(stripped)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := jpeg.Decode(bytes.NewReader(full))
	if got.Bounds() != want.Bounds() || got.At(10, 10) != want.At(10, 10) || got.At(63, 47) != want.At(63, 47) {
		t.Error("MJPEG frame decodes differently from the original JPEG")
	}
	if same, err := DecodeMJPEG(full); err != nil || same.At(5, 5) != want.At(5, 5) {
		t.Errorf("frame with tables: %v", err)
	}
	for _, bad := range [][]byte{nil, {0xFF}, {0x00, 0x01, 0x02, 0x03}, {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00}, {0xFF, 0xD8, 0x12, 0x34}} {
		if _, err := DecodeMJPEG(bad); !errors.Is(err, ErrBadFrame) {
			t.Errorf("%x: err = %v", bad, err)
		}
	}
}

func stripDHT(t *testing.T, b []byte) []byte {
	t.Helper()
	out := append([]byte(nil), b[:2]...)
	i := 2
	for i+4 <= len(b) {
		if b[i+1] == 0xDA {
			return append(out, b[i:]...)
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if b[i+1] != 0xC4 {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}
