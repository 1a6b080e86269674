package lds

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"motcua/reader/tlv"
)

// Face is the face image from DG2.
type Face struct {
	Image  []byte
	MIME   string // image/jpeg or image/jp2
	Width  int
	Height int
}

// MIME types of DG2 images.
const (
	MIMEJPEG     = "image/jpeg"
	MIMEJPEG2000 = "image/jp2"
)

func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8}):
		return MIMEJPEG
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20}),
		bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return MIMEJPEG2000
	}
	return ""
}

// ParseDG2 extracts the first face image from DG2: 75 { 7F61 { 02 count,
// 7F60 { A1 header, 5F2E|7F2E biometric data } } }, the biometric data
// being an ISO/IEC 19794-5 facial record ('FAC\0') in 5F2E, or an ISO/IEC
// 39794-5 face image data block in 7F2E (dg2_39794.go).
func ParseDG2(b []byte) (*Face, error) {
	v, err := tlv.Unwrap(b, 0x75)
	if err != nil {
		return nil, fmt.Errorf("DG2: %w", err)
	}
	group, err := tlv.Unwrap(v, 0x7F61)
	if err != nil {
		return nil, fmt.Errorf("DG2: biometric information group: %w", err)
	}
	objs, err := tlv.ParseAll(group)
	if err != nil {
		return nil, fmt.Errorf("DG2: %w", err)
	}
	for _, o := range objs {
		if o.Tag != 0x7F60 {
			continue
		}
		tmpl, err := tlv.ParseAll(o.Value)
		if err != nil {
			return nil, fmt.Errorf("DG2 template: %w", err)
		}
		for _, t := range tmpl {
			switch t.Tag {
			case 0x5F2E:
				return parseFacialRecord(t.Value)
			case 0x7F2E:
				f, err := parse39794(t.Value)
				if err != nil {
					// Older issuers put a 19794-5 record in a 7F2E block.
					if old, ferr := parseFacialRecord(t.Value); ferr == nil {
						return old, nil
					}
					return nil, err
				}
				return f, nil
			}
		}
	}
	return nil, errors.New("DG2: no biometric data block")
}

// parseFacialRecord reads an ISO/IEC 19794-5 record: a 14-byte general
// header ("FAC\0", version, record length, number of faces), then per face
// a 20-byte information block, feature points (8 bytes each), a 12-byte
// image information block, and the image.
func parseFacialRecord(b []byte) (*Face, error) {
	if len(b) < 14 || !bytes.Equal(b[:4], []byte("FAC\x00")) {
		// Some issuers put the bare image in the data block.
		if m := sniffImage(b); m != "" {
			return &Face{Image: b, MIME: m}, nil
		}
		return nil, errors.New("DG2: not an ISO 19794-5 facial record")
	}
	recLen := binary.BigEndian.Uint32(b[8:12])
	if int(recLen) > len(b) || recLen < 14 {
		return nil, fmt.Errorf("DG2: facial record claims %d bytes, has %d", recLen, len(b))
	}
	if binary.BigEndian.Uint16(b[12:14]) == 0 {
		return nil, errors.New("DG2: no face in the record")
	}
	p := b[14:recLen]
	if len(p) < 20 {
		return nil, errors.New("DG2: facial information truncated")
	}
	blockLen := int(binary.BigEndian.Uint32(p[0:4]))
	features := int(binary.BigEndian.Uint16(p[4:6]))
	if blockLen > len(p) || blockLen < 20+8*features+12 {
		return nil, fmt.Errorf("DG2: facial block length %d invalid", blockLen)
	}
	info := p[20+8*features:]
	f := &Face{
		Width:  int(binary.BigEndian.Uint16(info[2:4])),
		Height: int(binary.BigEndian.Uint16(info[4:6])),
	}
	img := p[20+8*features+12 : blockLen]
	f.MIME = sniffImage(img)
	if f.MIME == "" {
		return nil, errors.New("DG2: image is neither JPEG nor JPEG 2000")
	}
	f.Image = img
	return f, nil
}

// BuildDG2 wraps a JPEG (or JPEG 2000) face image of the given size in an
// ISO 19794-5 record and the DG2 templates.
func BuildDG2(img []byte, width, height int) []byte {
	imgType := byte(0) // JPEG
	if sniffImage(img) == MIMEJPEG2000 {
		imgType = 1
	}
	block := make([]byte, 20, 20+12+len(img))
	binary.BigEndian.PutUint32(block[0:4], uint32(20+12+len(img)))
	// features 0, gender, eye colour, hair colour, feature mask, expression,
	// pose angles and uncertainties all "unspecified".
	info := make([]byte, 12)
	info[0] = 1 // face image type: full frontal
	info[1] = imgType
	binary.BigEndian.PutUint16(info[2:4], uint16(width))
	binary.BigEndian.PutUint16(info[4:6], uint16(height))
	info[6] = 1 // colour space sRGB
	block = append(append(block, info...), img...)
	rec := make([]byte, 14)
	copy(rec, "FAC\x00010\x00")
	binary.BigEndian.PutUint32(rec[8:12], uint32(14+len(block)))
	binary.BigEndian.PutUint16(rec[12:14], 1)
	rec = append(rec, block...)
	header := tlv.Encode(0xA1,
		tlv.Encode(0x80, []byte{0x01, 0x01}), // ICAO header version
		tlv.Encode(0x87, []byte{0x01, 0x01}), // format owner: ISO/IEC JTC 1/SC 37
		tlv.Encode(0x88, []byte{0x00, 0x08})) // format type: face image
	return tlv.Encode(0x75, tlv.Encode(0x7F61,
		tlv.Encode(0x02, []byte{1}),
		tlv.Encode(0x7F60, header, tlv.Encode(0x5F2E, rec))))
}
