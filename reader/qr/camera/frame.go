package camera

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
)

// ErrBadFrame reports a frame whose bytes do not match its format.
var ErrBadFrame = errors.New("camera: malformed frame")

// YUYVToImage converts a packed YUYV 4:2:2 frame (Y0 U Y1 V per two pixels)
// to an image.YCbCr without colour conversion: the QR decoder only needs the
// Y plane.
func YUYVToImage(data []byte, width, height, stride int) (*image.YCbCr, error) {
	if stride == 0 {
		stride = 2 * width
	}
	if width <= 0 || height <= 0 || width%2 != 0 || stride < 2*width || len(data) < stride*(height-1)+2*width {
		return nil, fmt.Errorf("%w: YUYV %dx%d stride %d, %d bytes", ErrBadFrame, width, height, stride, len(data))
	}
	img := image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio422)
	for y := 0; y < height; y++ {
		row := data[y*stride : y*stride+2*width]
		yo := y * img.YStride
		co := y * img.CStride
		for x := 0; x < width/2; x++ {
			img.Y[yo+2*x] = row[4*x]
			img.Cb[co+x] = row[4*x+1]
			img.Y[yo+2*x+1] = row[4*x+2]
			img.Cr[co+x] = row[4*x+3]
		}
	}
	return img, nil
}

// DecodeMJPEG decodes one MJPEG frame. Many webcams leave out the Huffman
// tables (the "AVI1" MJPEG convention, the tables being the standard ones of
// JPEG Annex K); image/jpeg refuses such frames, so the standard tables are
// put back first.
func DecodeMJPEG(frame []byte) (image.Image, error) {
	fixed, err := withHuffmanTables(frame)
	if err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(fixed))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	return img, nil
}

// withHuffmanTables returns frame with a DHT segment holding the standard
// tables inserted before the scan when it has none.
func withHuffmanTables(frame []byte) ([]byte, error) {
	if len(frame) < 4 || frame[0] != 0xFF || frame[1] != 0xD8 {
		return nil, fmt.Errorf("%w: not a JPEG", ErrBadFrame)
	}
	i := 2
	for i+4 <= len(frame) {
		if frame[i] != 0xFF {
			return nil, fmt.Errorf("%w: bad marker at %d", ErrBadFrame, i)
		}
		m := frame[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xC4: // DHT present
			return frame, nil
		case m == 0xDA: // start of scan, no DHT seen
			dht := standardDHT()
			out := make([]byte, 0, len(frame)+len(dht))
			out = append(out, frame[:i]...)
			out = append(out, dht...)
			return append(out, frame[i:]...), nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7:
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(frame[i+2:]))
		if n < 2 {
			return nil, fmt.Errorf("%w: bad segment length at %d", ErrBadFrame, i)
		}
		i += 2 + n
	}
	return nil, fmt.Errorf("%w: no scan", ErrBadFrame)
}

var (
	dhtOnce sync.Once
	dhtSeg  []byte
)

// standardDHT is the DHT segment image/jpeg writes: the JPEG Annex K
// tables, the ones MJPEG streams assume.
func standardDHT() []byte {
	dhtOnce.Do(func() {
		var buf bytes.Buffer
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		for i := range img.Pix {
			img.Pix[i] = uint8(i)
		}
		img.Set(0, 0, color.RGBA{R: 200, A: 255})
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			panic("camera: encoding the DHT probe: " + err.Error())
		}
		b := buf.Bytes()
		for i := 2; i+4 <= len(b); {
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			if b[i+1] == 0xC4 {
				dhtSeg = append([]byte(nil), b[i:i+2+n]...)
				return
			}
			i += 2 + n
		}
		panic("camera: image/jpeg wrote no DHT")
	})
	return dhtSeg
}
