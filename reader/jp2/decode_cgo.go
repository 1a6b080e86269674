//go:build cgo && !windows

package jp2

/*
#cgo pkg-config: libopenjp2
#include <stdlib.h>
#include <string.h>
#include <openjpeg.h>

typedef struct { const OPJ_BYTE *data; OPJ_SIZE_T len, pos; } memsrc;

static OPJ_SIZE_T mem_read(void *buf, OPJ_SIZE_T n, void *user) {
	memsrc *m = (memsrc *)user;
	if (m->pos >= m->len) return (OPJ_SIZE_T)-1;
	if (n > m->len - m->pos) n = m->len - m->pos;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T n, void *user) {
	memsrc *m = (memsrc *)user;
	if (n < 0) {
		if ((OPJ_SIZE_T)(-n) > m->pos) n = -(OPJ_OFF_T)m->pos;
	} else if ((OPJ_SIZE_T)n > m->len - m->pos) {
		n = (OPJ_OFF_T)(m->len - m->pos);
	}
	m->pos += n;
	return n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T n, void *user) {
	memsrc *m = (memsrc *)user;
	if (n < 0 || (OPJ_SIZE_T)n > m->len) return OPJ_FALSE;
	m->pos = (OPJ_SIZE_T)n;
	return OPJ_TRUE;
}

static opj_stream_t *mem_stream(memsrc *m) {
	opj_stream_t *s = opj_stream_create(64 * 1024, OPJ_TRUE);
	if (!s) return NULL;
	opj_stream_set_user_data(s, m, NULL);
	opj_stream_set_user_data_length(s, m->len);
	opj_stream_set_read_function(s, mem_read);
	opj_stream_set_skip_function(s, mem_skip);
	opj_stream_set_seek_function(s, mem_seek);
	return s;
}

static void quiet(const char *msg, void *user) { (void)msg; (void)user; }

// open reads the main header; it returns the codec and image, or NULL.
static int jp2_open(memsrc *m, int jp2, opj_codec_t **codec, opj_stream_t **stream, opj_image_t **img) {
	opj_dparameters_t p;
	*codec = NULL; *stream = NULL; *img = NULL;
	*codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
	if (!*codec) return 0;
	opj_set_info_handler(*codec, quiet, NULL);
	opj_set_warning_handler(*codec, quiet, NULL);
	opj_set_error_handler(*codec, quiet, NULL);
	opj_set_default_decoder_parameters(&p);
	if (!opj_setup_decoder(*codec, &p)) return 0;
	opj_decoder_set_strict_mode(*codec, OPJ_TRUE);
	*stream = mem_stream(m);
	if (!*stream) return 0;
	return opj_read_header(*stream, *codec, img) ? 1 : 0;
}

static int jp2_decode(opj_codec_t *codec, opj_stream_t *stream, opj_image_t *img) {
	return opj_decode(codec, stream, img) && opj_end_decompress(codec, stream);
}

static void jp2_close(opj_codec_t *codec, opj_stream_t *stream, opj_image_t *img) {
	if (img) opj_image_destroy(img);
	if (stream) opj_stream_destroy(stream);
	if (codec) opj_destroy_codec(codec);
}

static opj_image_comp_t *comp(opj_image_t *img, int i) { return &img->comps[i]; }
*/
import "C"

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"unsafe"
)

// Available reports whether this build decodes JPEG 2000.
const Available = true

// Decode decodes a JPEG 2000 codestream or JP2 file into an image of at
// most maxPixels pixels. The budget, the component count and depth are
// checked on the codestream's header before decoding.
func Decode(b []byte, maxPixels int) (image.Image, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes", ErrRefused, len(b))
	}
	isJP2 := !bytes.HasPrefix(b, []byte{0xFF, 0x4F, 0xFF, 0x51})
	data := C.CBytes(b)
	defer C.free(data)
	src := (*C.memsrc)(C.calloc(1, C.sizeof_memsrc))
	defer C.free(unsafe.Pointer(src))
	src.data, src.len = (*C.OPJ_BYTE)(data), C.OPJ_SIZE_T(len(b))
	var codec *C.opj_codec_t
	var stream *C.opj_stream_t
	var img *C.opj_image_t
	jp2 := C.int(0)
	if isJP2 {
		jp2 = 1
	}
	ok := C.jp2_open(src, jp2, &codec, &stream, &img)
	defer func() { C.jp2_close(codec, stream, img) }()
	if ok == 0 || img == nil {
		return nil, fmt.Errorf("%w: unreadable header", ErrRefused)
	}
	w, h := int(img.x1)-int(img.x0), int(img.y1)-int(img.y0)
	n := int(img.numcomps)
	switch {
	case w <= 0 || h <= 0:
		return nil, fmt.Errorf("%w: %dx%d pixels", ErrRefused, w, h)
	case int64(w)*int64(h) > int64(maxPixels):
		return nil, fmt.Errorf("%w: the codestream declares %dx%d pixels, more than %d", ErrRefused, w, h, maxPixels)
	case n < 1 || n > MaxComponents:
		return nil, fmt.Errorf("%w: %d components", ErrRefused, n)
	}
	for i := 0; i < n; i++ {
		c := C.comp(img, C.int(i))
		if c.prec < 1 || int(c.prec) > MaxPrecision || c.dx < 1 || c.dy < 1 || c.dx > 4 || c.dy > 4 {
			return nil, fmt.Errorf("%w: component %d has depth %d and subsampling %dx%d", ErrRefused, i, c.prec, c.dx, c.dy)
		}
	}
	if C.jp2_decode(codec, stream, img) == 0 {
		return nil, fmt.Errorf("%w: the codestream does not decode", ErrRefused)
	}
	return toImage(img, w, h, n)
}

// plane is one decoded component, scaled to 8 bits on read.
type plane struct {
	data         []C.OPJ_INT32
	w, h, dx, dy int
	shift, add   int
	up           bool
}

func (p *plane) at(x, y int) int {
	px, py := x/p.dx, y/p.dy
	if px >= p.w {
		px = p.w - 1
	}
	if py >= p.h {
		py = p.h - 1
	}
	v := int(p.data[py*p.w+px]) + p.add
	if p.up {
		v <<= p.shift
	} else {
		v >>= p.shift
	}
	return clamp8(v)
}

func clamp8(v int) int {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return v
}

func toImage(img *C.opj_image_t, w, h, n int) (image.Image, error) {
	planes := make([]plane, n)
	for i := range planes {
		c := C.comp(img, C.int(i))
		if c.data == nil || c.w == 0 || c.h == 0 {
			return nil, fmt.Errorf("%w: component %d has no data", ErrRefused, i)
		}
		cw, ch := int(c.w), int(c.h)
		p := plane{data: unsafe.Slice(c.data, cw*ch), w: cw, h: ch, dx: int(c.dx), dy: int(c.dy)}
		prec := int(c.prec)
		if c.sgnd != 0 {
			p.add = 1 << (prec - 1)
		}
		if prec >= 8 {
			p.shift = prec - 8
		} else {
			p.shift, p.up = 8-prec, true
		}
		planes[i] = p
	}
	if n < 3 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*g.Stride+x] = uint8(planes[0].at(x, y))
			}
		}
		return g, nil
	}
	ycc := img.color_space == C.OPJ_CLRSPC_SYCC
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b := planes[0].at(x, y), planes[1].at(x, y), planes[2].at(x, y)
			if ycc {
				rr, gg, bb := color.YCbCrToRGB(uint8(r), uint8(g), uint8(b))
				r, g, b = int(rr), int(gg), int(bb)
			}
			a := 255
			if n == 4 {
				a = planes[3].at(x, y)
			}
			o := y*out.Stride + 4*x
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(r), uint8(g), uint8(b), uint8(a)
		}
	}
	return out, nil
}
