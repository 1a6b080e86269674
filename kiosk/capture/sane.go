package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Scanner scans pages through SANE by running its standard front end,
// scanimage (sane-utils), which loads libsane and the device's backend.
// This was chosen over a cgo binding (none is well kept) and over speaking
// the SANE network protocol to saned (which needs saned set up on every
// desk): scanimage is on every Linux with SANE, honours SANE_CONFIG_DIR,
// and its output (PNM) is simple to read safely.
type Scanner struct {
	// Device is the SANE device name ("test" for SANE's test backend,
	// e.g. "epson2:libusb:001:004"); empty: SANE's default device.
	Device string
	// Binary is the scanimage path (default: "scanimage" on PATH).
	Binary string
	// DPI is the scan resolution (default 200), Mode "Gray" or "Color"
	// (default Gray).
	DPI  int
	Mode string
	// ADF scans from the automatic document feeder.
	ADF bool
	// WidthMM and HeightMM bound the scan area (0: the device's full bed).
	WidthMM, HeightMM float64
	// Extra are backend-specific options passed as they are (e.g.
	// "--test-picture=Grid" for the test backend).
	Extra []string
	// Limits apply to each page.
	Limits Limits
}

func (s *Scanner) args(batch string, n int) []string {
	dpi := s.DPI
	if dpi <= 0 {
		dpi = DefaultDPI
	}
	mode := s.Mode
	if mode == "" {
		mode = "Gray"
	}
	var a []string
	if s.Device != "" {
		a = append(a, "--device-name="+s.Device)
	}
	a = append(a, "--format=pnm", "--mode="+mode, "--resolution="+strconv.Itoa(dpi))
	if s.ADF {
		a = append(a, "--source=Automatic Document Feeder")
	}
	if s.WidthMM > 0 {
		a = append(a, "-x", strconv.FormatFloat(s.WidthMM, 'f', 1, 64))
	}
	if s.HeightMM > 0 {
		a = append(a, "-y", strconv.FormatFloat(s.HeightMM, 'f', 1, 64))
	}
	a = append(a, s.Extra...)
	if batch != "" {
		a = append(a, "--batch="+batch, "--batch-count="+strconv.Itoa(n))
	}
	return a
}

func (s *Scanner) bin() string {
	if s.Binary != "" {
		return s.Binary
	}
	return "scanimage"
}

// Scan scans n pages (n ≥ 1) into normalised Pages. Each page is scanned
// into a private temporary directory (scanimage's batch mode), read back
// and deleted; the scanner's own error text is returned on failure.
func (s *Scanner) Scan(ctx context.Context, n int) ([]*Page, error) {
	if n < 1 {
		n = 1
	}
	if _, err := exec.LookPath(s.bin()); err != nil {
		return nil, fmt.Errorf("%w: %s not found (install sane-utils)", ErrNoScanner, s.bin())
	}
	tmp, err := os.MkdirTemp("", "motcua-scan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, s.bin(), s.args(filepath.Join(tmp, "page%04d.pnm"), n)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300]
		}
		if strings.Contains(msg, "open of device") || strings.Contains(msg, "Invalid argument") && s.Device != "" {
			return nil, fmt.Errorf("%w: %s", ErrNoScanner, msg)
		}
		return nil, fmt.Errorf("capture: scanimage: %v: %s", err, msg)
	}
	files, _ := filepath.Glob(filepath.Join(tmp, "page*.pnm"))
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: the scanner returned no page", ErrUnreadable)
	}
	lim := s.Limits.withDefaults()
	src := "sane"
	if s.Device != "" {
		src = "sane:" + s.Device
	}
	var pages []*Page
	for i, f := range files {
		p, err := readPNMPage(f, s.DPI, src, lim)
		if err != nil {
			var tl *PageTooLargeError
			if errors.As(err, &tl) {
				tl.Page = i + 1
			}
			return nil, fmt.Errorf("scanned page %d: %w", i+1, err)
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func readPNMPage(path string, dpi int, src string, lim Limits) (*Page, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := decodePNM(bufio.NewReaderSize(f, 1<<16), lim.MaxPixels)
	if err != nil {
		return nil, err
	}
	return NewPage(img, dpi, src, lim)
}
