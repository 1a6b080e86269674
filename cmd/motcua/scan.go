package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	scancap "motcua/kiosk/capture"
)

func init() {
	register("scan", "scan pages through SANE into one PDF (--device test: SANE's test backend)", runScan)
}

const scanUsage = `usage: motcua scan [--device NAME] [--pages N] [--dpi 200] [--mode Gray|Color] [--adf]
                   [--width-mm W --height-mm H] [--sane-option OPT]... --out FILE.pdf
  Scans N pages with scanimage (sane-utils), keeps them grey at most --dpi, crops
  the empty bed, encodes each within --max-page-kb, and writes one PDF.
  --device test uses SANE's test backend (its full 200 x 200 mm bed, grid picture).`

func runScan(args []string) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	device := fs.String("device", "", "SANE device name (default: SANE's default device; test: the test backend)")
	pages := fs.Int("pages", 1, "pages to scan")
	dpi := fs.Int("dpi", scancap.DefaultDPI, "scan resolution (kept at most this)")
	mode := fs.String("mode", "Gray", "Gray or Color (pages are stored grey either way)")
	adf := fs.Bool("adf", false, "scan from the automatic document feeder")
	w := fs.Float64("width-mm", 0, "scan area width in mm (0: the device's)")
	h := fs.Float64("height-mm", 0, "scan area height in mm (0: the device's)")
	maxKB := fs.Int("max-page-kb", scancap.DefaultMaxPageBytes>>10, "largest encoded page in KiB")
	noCrop := fs.Bool("no-crop", false, "keep the empty bed around the paper")
	out := fs.String("out", "", "PDF file to write")
	var extra stringList
	fs.Var(&extra, "sane-option", "backend option passed to scanimage as it is (repeatable)")
	fs.Usage = func() { fmt.Fprintln(os.Stderr, scanUsage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *pages < 1 || *pages > 500 {
		fmt.Fprintln(os.Stderr, scanUsage)
		return 2
	}
	sc := &scancap.Scanner{Device: *device, DPI: *dpi, Mode: *mode, ADF: *adf, WidthMM: *w, HeightMM: *h,
		Extra: extra, Limits: scancap.Limits{DPI: *dpi, MaxPageBytes: *maxKB << 10, NoCrop: *noCrop}}
	if *device == "test" {
		if *w == 0 && *h == 0 {
			sc.WidthMM, sc.HeightMM = 200, 200
		}
		if len(extra) == 0 {
			sc.Extra = []string{"--test-picture=Grid"}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ps, err := sc.Scan(ctx, *pages)
	if err != nil {
		var tl *scancap.PageTooLargeError
		switch {
		case errors.As(err, &tl):
			return fail("%v", err)
		case errors.Is(err, scancap.ErrNoScanner):
			return fail("%v (list devices with: scanimage -L)", err)
		}
		return fail("scan: %v", err)
	}
	doc := &scancap.Document{Name: filepath.Base(*out), Label: filepath.Base(*out)}
	doc.Add(ps...)
	if err := writeFileAtomic(*out, doc); err != nil {
		return fail("%v", err)
	}
	size := 0
	for _, p := range ps {
		size += len(p.JPEG)
	}
	fmt.Fprintf(os.Stderr, "motcua: %d pages, %d KiB of images, written to %s\n", len(ps), size>>10, *out)
	return 0
}

// writeFileAtomic writes the PDF to a temporary file beside out, fsyncs
// it, and renames it into place: a crash leaves the old file or the new.
func writeFileAtomic(out string, doc *scancap.Document) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".scan-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := doc.WritePDF(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// stringList collects a repeated string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
