package capture

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"strconv"
)

// decodePNM reads one binary PGM (P5) or PPM (P6) image with 8-bit samples,
// which is what scanimage writes by default; a comment line (scanimage
// writes "# SANE data follows") is skipped. maxPixels bounds the
// allocation before any pixel is read.
func decodePNM(r *bufio.Reader, maxPixels int) (image.Image, error) {
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil {
		return nil, err
	}
	if magic[0] != 'P' || magic[1] != '5' && magic[1] != '6' {
		return nil, fmt.Errorf("%w: not a binary PGM/PPM (magic %q)", ErrUnreadable, magic)
	}
	var nums [3]int
	for i := range nums {
		n, err := pnmInt(r)
		if err != nil {
			return nil, fmt.Errorf("%w: PNM header: %v", ErrUnreadable, err)
		}
		nums[i] = n
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace before the raster
		return nil, err
	}
	w, h, maxv := nums[0], nums[1], nums[2]
	if w <= 0 || h <= 0 || maxv != 255 {
		return nil, fmt.Errorf("%w: PNM %dx%d maxval %d (want 8-bit)", ErrUnreadable, w, h, maxv)
	}
	if w*h > maxPixels || w > 1<<16 || h > 1<<16 {
		return nil, &PageTooLargeError{Why: fmt.Sprintf("%dx%d pixels is more than the limit", w, h)}
	}
	if magic[1] == '5' {
		g := image.NewGray(image.Rect(0, 0, w, h))
		if _, err := io.ReadFull(r, g.Pix); err != nil {
			return nil, fmt.Errorf("%w: PGM raster cut short", ErrUnreadable)
		}
		return g, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	row := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, fmt.Errorf("%w: PPM raster cut short", ErrUnreadable)
		}
		o := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = row[3*x], row[3*x+1], row[3*x+2], 255
		}
	}
	return img, nil
}

func pnmInt(r *bufio.Reader) (int, error) {
	var digits []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch {
		case c == '#' && len(digits) == 0:
			if _, err := r.ReadString('\n'); err != nil {
				return 0, err
			}
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if len(digits) > 9 {
				return 0, fmt.Errorf("number too long")
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(digits) > 0 {
				r.UnreadByte()
				return strconv.Atoi(string(digits))
			}
		default:
			return 0, fmt.Errorf("unexpected byte %q", c)
		}
	}
}
