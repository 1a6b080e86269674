package lds

import (
	"bytes"
	"strings"
	"testing"

	"motcua/reader/tlv"
)

var (
	testJPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 300)...)
	// A JPEG 2000 codestream starts with SOC FF4F, SIZ FF51.
	testJ2K = append([]byte{0xFF, 0x4F, 0xFF, 0x51}, bytes.Repeat([]byte{0x17}, 300)...)
	// A JP2 file starts with its signature box.
	testJP2 = append([]byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}, bytes.Repeat([]byte{0x17}, 300)...)
)

// dg2With wraps a hand-built 39794-5 record (65 …) in the DG2 templates.
func dg2With(rec []byte, wrapA1 bool) []byte {
	bdb := rec
	if wrapA1 {
		bdb = tlv.Encode(0xA1, rec)
	}
	return tlv.Encode(0x75, tlv.Encode(0x7F61, tlv.Encode(0x02, []byte{1}),
		tlv.Encode(0x7F60, tlv.Encode(0xA1, tlv.Encode(0x87, []byte{1, 1})), tlv.Encode(0x7F2E, bdb))))
}

// rec39794 builds a record the way the standard lays it out; format is the
// whole imageDataFormat element, size the A7 block or nil.
func rec39794(reps ...[]byte) []byte {
	return tlv.Encode(0x65,
		tlv.Encode(0xA0, tlv.Encode(0x80, []byte{3}), tlv.Encode(0x81, []byte{0x07, 0xE3})),
		tlv.Encode(0xA1, reps...))
}

func rep2D(img, format, size []byte) []byte {
	info := tlv.Encode(0xA1, format, size)
	return tlv.Encode(0x30, tlv.Encode(0x80, []byte{1}),
		tlv.Encode(0xA1, tlv.Encode(0xA0, tlv.Encode(0xA0, tlv.Encode(0x80, img), info))))
}

func fmtExplicit(code byte) []byte { return tlv.Encode(0xA0, tlv.Encode(0x80, []byte{code})) }

var size320x240 = tlv.Encode(0xA7, tlv.Encode(0x80, []byte{0x01, 0x40}), tlv.Encode(0x81, []byte{0x00, 0xF0}))

func TestDG2ISO39794(t *testing.T) {
	shape3D := tlv.Encode(0x30, tlv.Encode(0x80, []byte{1}),
		tlv.Encode(0xA1, tlv.Encode(0xA0, tlv.Encode(0xA1, tlv.Encode(0x80, []byte{0})))))
	for _, tt := range []struct {
		name       string
		dg2        []byte
		mime       string
		w, h       int
		img        []byte
		errSubstr  string
		alsoLegacy bool
	}{
		{name: "built-jpeg", dg2: BuildDG2ISO39794(testJPEG, 240, 320), mime: MIMEJPEG, w: 240, h: 320, img: testJPEG},
		{name: "built-j2k", dg2: BuildDG2ISO39794(testJ2K, 413, 531), mime: MIMEJPEG2000, w: 413, h: 531, img: testJ2K},
		{name: "built-jp2", dg2: BuildDG2ISO39794(testJP2, 1, 1), mime: MIMEJPEG2000, w: 1, h: 1, img: testJP2},
		{name: "no-a1-wrapper", dg2: dg2With(rec39794(rep2D(testJPEG, fmtExplicit(2), size320x240)), false), mime: MIMEJPEG, w: 320, h: 240, img: testJPEG},
		{name: "implicit-format-tag", dg2: dg2With(rec39794(rep2D(testJP2, tlv.Encode(0x80, []byte{4}), size320x240)), true), mime: MIMEJPEG2000, w: 320, h: 240, img: testJP2},
		{name: "no-size-block", dg2: dg2With(rec39794(rep2D(testJPEG, fmtExplicit(2), nil)), true), mime: MIMEJPEG, img: testJPEG},
		{name: "format-unknown-0", dg2: dg2With(rec39794(rep2D(testJPEG, fmtExplicit(0), nil)), true), mime: MIMEJPEG, img: testJPEG},
		{name: "3d-then-2d", dg2: dg2With(rec39794(shape3D, rep2D(testJPEG, fmtExplicit(2), size320x240)), true), mime: MIMEJPEG, w: 320, h: 240, img: testJPEG},
		{name: "declared-jpeg-is-jp2", dg2: dg2With(rec39794(rep2D(testJP2, fmtExplicit(2), nil)), true), errSubstr: "declares image data format 2"},
		{name: "declared-png", dg2: dg2With(rec39794(rep2D(testJPEG, fmtExplicit(1), nil)), true), errSubstr: "declares image data format 1"},
		{name: "extension-format", dg2: dg2With(rec39794(rep2D(testJPEG, tlv.Encode(0xA0, tlv.Encode(0xA1, []byte{0x80, 0x01, 0x09})), nil)), true), errSubstr: "extension"},
		{name: "not-an-image", dg2: dg2With(rec39794(rep2D([]byte("GIF89a......"), fmtExplicit(0), nil)), true), errSubstr: "neither JPEG nor JPEG 2000"},
		{name: "only-3d", dg2: dg2With(rec39794(shape3D), true), errSubstr: "no 2D face image"},
		{name: "no-version", dg2: dg2With(tlv.Encode(0x65, tlv.Encode(0xA1, rep2D(testJPEG, fmtExplicit(2), nil))), true), errSubstr: "lacks its version"},
		{name: "wrong-application-tag", dg2: dg2With(tlv.Encode(0x64, tlv.Encode(0xA0)), true), errSubstr: "not an ISO/IEC 39794-5"},
		{name: "huge-integer", dg2: dg2With(rec39794(rep2D(testJPEG, tlv.Encode(0xA0, tlv.Encode(0x80, []byte{1, 2, 3, 4, 5})), nil)), true), errSubstr: "out of range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseDG2(tt.dg2)
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("err = %v, want %q", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.MIME != tt.mime || f.Width != tt.w || f.Height != tt.h || !bytes.Equal(f.Image, tt.img) {
				t.Fatalf("face %s %dx%d, %d bytes", f.MIME, f.Width, f.Height, len(f.Image))
			}
		})
	}
}

// TestDG2LegacyRecordIn7F2E: a 19794-5 record under the constructed tag
// still reads (issuers did that before 39794-5 existed).
func TestDG2LegacyRecordIn7F2E(t *testing.T) {
	legacy := BuildDG2(testJPEG, 10, 20)
	swapped := bytes.Replace(legacy, []byte{0x5F, 0x2E}, []byte{0x7F, 0x2E}, 1)
	f, err := ParseDG2(swapped)
	if err != nil || f.Width != 10 || f.Height != 20 {
		t.Fatalf("%v %+v", err, f)
	}
}

func FuzzParseDG2ISO39794(f *testing.F) {
	f.Add(BuildDG2ISO39794(testJPEG[:20], 2, 2))
	f.Add(BuildDG2ISO39794(testJ2K[:20], 3, 3))
	f.Add(dg2With(rec39794(rep2D(testJP2[:16], tlv.Encode(0x80, []byte{4}), size320x240)), true))
	f.Fuzz(func(t *testing.T, b []byte) {
		face, err := ParseDG2(b)
		if err == nil && (len(face.Image) == 0 || face.MIME == "") {
			t.Fatalf("accepted a face without an image: %+v", face)
		}
	})
}
