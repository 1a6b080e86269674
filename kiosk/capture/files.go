package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // desk scanners and phones write these
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"motcua/reader/qr/camera"
)

// MaxFileBytes bounds a file taken from the shared folder (default limit
// of ImportFile): a desk scanner's PDF or image of a few pages.
const MaxFileBytes = 32 << 20

// ImportImage decodes an image file (PNG, JPEG, GIF, binary PGM/PPM) into
// a page; dpi is the resolution it was scanned at (0: unknown).
func ImportImage(path string, dpi int, lim Limits) (*Page, error) {
	lim = lim.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	src := "file:" + filepath.Base(path)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6') {
		img, err := decodePNM(br, lim.MaxPixels)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		return NewPage(img, dpi, src, lim)
	}
	cfg, _, err := image.DecodeConfig(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreadable, filepath.Base(path), err)
	}
	if cfg.Width*cfg.Height > lim.MaxPixels {
		return nil, &PageTooLargeError{Why: fmt.Sprintf("%s is %dx%d pixels", filepath.Base(path), cfg.Width, cfg.Height)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreadable, filepath.Base(path), err)
	}
	return NewPage(img, dpi, src, lim)
}

// CheckPDF checks that a file from the shared folder is a whole PDF within
// maxBytes (0: MaxFileBytes): it starts with %PDF- and ends with %%EOF. A
// scanner's PDF is attached as it is, not re-rendered.
func CheckPDF(path string, maxBytes int64) (int64, error) {
	if maxBytes <= 0 {
		maxBytes = MaxFileBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() > maxBytes {
		return 0, &PageTooLargeError{Why: fmt.Sprintf("%s is %d bytes, limit %d", filepath.Base(path), fi.Size(), maxBytes)}
	}
	head := make([]byte, 5)
	tail := make([]byte, min(fi.Size(), 1024))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "%PDF-" {
		return 0, fmt.Errorf("%w: %s is not a PDF", ErrUnreadable, filepath.Base(path))
	}
	if _, err := f.ReadAt(tail, fi.Size()-int64(len(tail))); err != nil || !bytes.Contains(tail, []byte("%%EOF")) {
		return 0, fmt.Errorf("%w: %s is cut short (no %%%%EOF): the scanner may still be writing it", ErrUnreadable, filepath.Base(path))
	}
	return fi.Size(), nil
}

// Folder is a shared folder a desk scanner drops files into.
type Folder struct {
	Dir string
}

// Files lists the image and PDF files in the folder, oldest first (the
// order a scanner wrote them). Hidden and partial files (".name",
// "name.part", "name.tmp") are skipped.
func (f Folder) Files() ([]string, error) {
	ents, err := os.ReadDir(f.Dir)
	if err != nil {
		return nil, fmt.Errorf("capture: folder: %w", err)
	}
	type fe struct {
		path string
		t    int64
	}
	var out []fe
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") {
			continue
		}
		switch ext {
		case ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".pgm", ".ppm", ".pnm":
		default:
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, fe{filepath.Join(f.Dir, n), fi.ModTime().UnixNano()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].t < out[j].t || out[i].t == out[j].t && out[i].path < out[j].path })
	paths := make([]string, len(out))
	for i, x := range out {
		paths[i] = x.path
	}
	return paths, nil
}

// FromCamera takes one frame from the camera source the QR reader uses
// (V4L2 on Linux) as a page. A document camera's frames carry no dpi; dpi
// says what one pixel is worth (0: the limit's DPI).
func FromCamera(ctx context.Context, src camera.Source, dpi int, lim Limits) (*Page, error) {
	img, err := src.Next(ctx)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the camera gave no frame", ErrUnreadable)
		}
		return nil, fmt.Errorf("capture: camera: %w", err)
	}
	return NewPage(img, dpi, "camera", lim)
}
