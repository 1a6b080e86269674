package lds

import (
	"errors"
	"fmt"

	"motcua/reader/tlv"
)

// ISO/IEC 39794-5 (the face image data format that succeeds ISO/IEC
// 19794-5 in ICAO 9303-10, 8th edition) in its tagged binary encoding.
// In DG2 it is the constructed biometric data block 7F2E (19794-5 uses the
// primitive 5F2E), holding A1 { 65 FaceImageDataBlock }:
//
//	65 FaceImageDataBlock [APPLICATION 5]
//	  A0 versionBlock { 80 generation, 81 year }
//	  A1 representationBlocks SEQUENCE OF
//	    30 RepresentationBlock
//	      80 representationId
//	      A1 imageRepresentation CHOICE
//	        A0 base CHOICE
//	          A0 imageRepresentation2DBlock
//	            80 representationData2D (the image)
//	            A1 imageInformation2DBlock
//	              A0 imageDataFormat CHOICE { 80 code | A1 extension }
//	              A7 imageSizeBlock { 80 width, 81 height } (optional)
//	      … further blocks (capture device, quality, identity) not needed here
//
// Image data format codes: 0 unknown, 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG
// 2000 lossless.
const (
	tag39794Face     = 0x65
	iso39794JPEG     = 2
	iso39794JP2Lossy = 3
	iso39794JP2Lossl = 4
)

// parse39794 reads the first 2D face image of a 7F2E biometric data block.
// The image's own header decides what it is (sniffImage) and must agree
// with the declared format when one is declared.
func parse39794(bdb []byte) (*Face, error) {
	body := bdb
	if v, err := tlv.Unwrap(bdb, 0xA1); err == nil {
		body = v
	}
	rec, err := tlv.Unwrap(body, tag39794Face)
	if err != nil {
		return nil, fmt.Errorf("DG2: not an ISO/IEC 39794-5 face image data block: %w", err)
	}
	fields, err := tlv.ParseAll(rec)
	if err != nil {
		return nil, fmt.Errorf("DG2: ISO/IEC 39794-5: %w", err)
	}
	var reps []byte
	haveVersion := false
	for _, f := range fields {
		switch f.Tag {
		case 0xA0:
			haveVersion = true
		case 0xA1:
			reps = f.Value
		}
	}
	if !haveVersion || reps == nil {
		return nil, errors.New("DG2: ISO/IEC 39794-5 record lacks its version or representation blocks")
	}
	blocks, err := tlv.ParseAll(reps)
	if err != nil {
		return nil, fmt.Errorf("DG2: ISO/IEC 39794-5 representations: %w", err)
	}
	for _, b := range blocks {
		if b.Tag != 0x30 {
			continue
		}
		rep, ok := tlv.Find(b.Value, 0xA1)
		if !ok {
			continue
		}
		base, ok := tlv.Find(rep, 0xA0)
		if !ok {
			continue // an extension representation
		}
		twoD, ok := tlv.Find(base, 0xA0)
		if !ok {
			continue // a 3D shape representation
		}
		return parse39794Image2D(twoD)
	}
	return nil, errors.New("DG2: ISO/IEC 39794-5 record has no 2D face image")
}

func parse39794Image2D(b []byte) (*Face, error) {
	img, ok := tlv.Find(b, 0x80)
	if !ok || len(img) == 0 {
		return nil, errors.New("DG2: ISO/IEC 39794-5 2D representation has no image")
	}
	f := &Face{Image: img, MIME: sniffImage(img)}
	if f.MIME == "" {
		return nil, errors.New("DG2: image is neither JPEG nor JPEG 2000")
	}
	info, ok := tlv.Find(b, 0xA1)
	if !ok {
		return nil, errors.New("DG2: ISO/IEC 39794-5 2D representation lacks its image information")
	}
	// The CHOICE is explicitly tagged, A0 { 80 code }; some encoders tag
	// the code implicitly (80 code): the same value either way.
	var code []byte
	if format, ok := tlv.Find(info, 0xA0); ok {
		code, ok = tlv.Find(format, 0x80)
		if !ok {
			return nil, errors.New("DG2: ISO/IEC 39794-5 image data format is an extension this reader does not know")
		}
	} else if code, ok = tlv.Find(info, 0x80); !ok {
		return nil, errors.New("DG2: ISO/IEC 39794-5 image information lacks the image data format")
	}
	n, err := smallUint(code)
	if err != nil {
		return nil, fmt.Errorf("DG2: ISO/IEC 39794-5 image data format: %w", err)
	}
	switch {
	case n == iso39794JPEG && f.MIME == MIMEJPEG:
	case (n == iso39794JP2Lossy || n == iso39794JP2Lossl) && f.MIME == MIMEJPEG2000:
	case n == 0: // unknown: the image header decides
	default:
		return nil, fmt.Errorf("DG2: ISO/IEC 39794-5 declares image data format %d but the image is %s", n, f.MIME)
	}
	if size, ok := tlv.Find(info, 0xA7); ok {
		w, _ := tlv.Find(size, 0x80)
		h, _ := tlv.Find(size, 0x81)
		wi, err1 := smallUint(w)
		hi, err2 := smallUint(h)
		if err1 == nil && err2 == nil {
			f.Width, f.Height = wi, hi
		}
	}
	return f, nil
}

// smallUint decodes a non-negative DER INTEGER content of at most 4 bytes.
func smallUint(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 4 || b[0]&0x80 != 0 {
		return 0, fmt.Errorf("integer of %d bytes out of range", len(b))
	}
	n := 0
	for _, c := range b {
		n = n<<8 | int(c)
	}
	return n, nil
}

// derUint encodes n as DER INTEGER content.
func derUint(n int) []byte {
	var out []byte
	for {
		out = append([]byte{byte(n)}, out...)
		n >>= 8
		if n == 0 {
			break
		}
	}
	if out[0]&0x80 != 0 {
		out = append([]byte{0}, out...)
	}
	return out
}

// BuildDG2ISO39794 wraps a JPEG or JPEG 2000 face image of the given size
// in an ISO/IEC 39794-5 face image data block (generation 3, 2019) and the
// DG2 templates, the newer container some issuers emit.
func BuildDG2ISO39794(img []byte, width, height int) []byte {
	format := iso39794JPEG
	if sniffImage(img) == MIMEJPEG2000 {
		format = iso39794JP2Lossy
	}
	info := tlv.Encode(0xA1,
		tlv.Encode(0xA0, tlv.Encode(0x80, derUint(format))),
		tlv.Encode(0xA7, tlv.Encode(0x80, derUint(width)), tlv.Encode(0x81, derUint(height))))
	twoD := tlv.Encode(0xA0, tlv.Encode(0x80, img), info)
	rep := tlv.Encode(0x30,
		tlv.Encode(0x80, derUint(1)),
		tlv.Encode(0xA1, tlv.Encode(0xA0, twoD)))
	rec := tlv.Encode(tag39794Face,
		tlv.Encode(0xA0, tlv.Encode(0x80, derUint(3)), tlv.Encode(0x81, derUint(2019))),
		tlv.Encode(0xA1, rep))
	// The biometric header names the format owner (ISO/IEC JTC 1/SC 37);
	// readers tell the two formats apart by the data block's tag (7F2E
	// here, 5F2E for 19794-5), so no format type is claimed.
	header := tlv.Encode(0xA1,
		tlv.Encode(0x80, []byte{0x01, 0x01}),
		tlv.Encode(0x87, []byte{0x01, 0x01}))
	return tlv.Encode(0x75, tlv.Encode(0x7F61,
		tlv.Encode(0x02, []byte{1}),
		tlv.Encode(0x7F60, header, tlv.Encode(0x7F2E, tlv.Encode(0xA1, rec)))))
}
