package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"motcua/reader/qr/camera"
	"motcua/reader/qr/decode"
	"motcua/reader/qr/scanner"
)

func init() {
	register("qr", "parse or decode a card's QR code (qr parse PAYLOAD | qr decode IMAGE...)", runQR)
}

const qrUsage = `usage:
  motcua qr parse PAYLOAD [--json]     validate a scanned QR text ("-" reads one per line from stdin)
  motcua qr decode IMAGE... [--json]   find and parse the QR code in image files (PNG, JPEG, GIF)
  motcua qr serial DEVICE [--json]     read a USB-serial scanner (e.g. /dev/ttyACM0) until interrupted
  motcua qr camera [DEVICE] [--json] [--frames N]
                                       read frames from a V4L2 camera (default the first) until a code

With --json, one JSON object per payload or image is printed: the parsed
fields, or an error. Without it, a summary with the ID number masked.
Exit status 1 when any payload or image failed.`

func runQR(args []string) int {
	run := func(name string) cmdFunc {
		return func(args []string) int { return runQRSub(name, args) }
	}
	return subcommands("qr", args, []sub{
		{"parse", "validate a scanned QR text (PAYLOAD, or - for one per line on stdin)", run("parse")},
		{"decode", "find and parse the QR code in image files", run("decode")},
		{"serial", "read a USB-serial scanner until interrupted", run("serial")},
		{"camera", "read frames from a V4L2 camera until a code", run("camera")},
	}, nil)
}

func runQRSub(sub string, args []string) int {
	fs := newFlags("qr "+sub, "")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), qrUsage); fs.PrintDefaults() }
	jsonFlag := fs.Bool("json", false, "one JSON object per payload or image")
	frames := fs.Int("frames", 150, "qr camera: frames to try before giving up")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if *frames < 1 {
		fmt.Fprintln(os.Stderr, "motcua qr: --frames wants a positive number")
		return 2
	}
	jsonOut := *jsonFlag
	code := 0
	emit := func(r qrResult) {
		if !r.OK() {
			code = 1
		}
		if jsonOut {
			if err := qrWriteJSON(os.Stdout, r); err != nil {
				code = fail("qr: %v", err)
			}
			return
		}
		if !r.OK() {
			// Error strings from reader/qr carry no personal data.
			if r.File != "" {
				fail("%s: %s", r.File, r.Error)
			} else {
				fail("%s", r.Error)
			}
			return
		}
		fmt.Println(qrSummary(r))
	}
	switch sub {
	case "parse":
		if len(pos) != 1 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		if pos[0] == "-" {
			if err := qrParseLines(os.Stdin, emit); err != nil {
				return fail("qr parse: reading stdin: %v", err)
			}
			return code
		}
		emit(qrParseText(pos[0]))
		return code
	case "decode":
		if len(pos) == 0 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		for _, f := range pos {
			emit(qrDecodeFile(f))
		}
		return code
	case "serial":
		if len(pos) != 1 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		codes := make(chan string)
		openFailed := false // say it once per absence, not every retry
		s := &scanner.Serial{Path: pos[0], OnEvent: func(e scanner.Event) {
			switch {
			case e.Kind == scanner.OpenFailed && !openFailed:
				openFailed = true
				fmt.Fprintf(os.Stderr, "motcua: scanner %s: %v (retrying)\n", pos[0], e.Err)
			case e.Kind == scanner.Connected:
				openFailed = false
				fmt.Fprintf(os.Stderr, "motcua: scanner %s: connected\n", pos[0])
			case e.Kind == scanner.Disconnected:
				fmt.Fprintf(os.Stderr, "motcua: scanner %s: disconnected (%v)\n", pos[0], e.Err)
			case e.Kind == scanner.FrameDiscarded:
				fmt.Fprintf(os.Stderr, "motcua: scanner %s: incomplete code dropped\n", pos[0])
			}
		}}
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, codes) }()
		for {
			select {
			case c := <-codes:
				emit(qrParseText(c))
			case err := <-done:
				if errors.Is(err, context.Canceled) {
					return code
				}
				return fail("qr serial: %v", err)
			}
		}
	case "camera":
		if len(pos) > 1 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		dev := ""
		if len(pos) == 1 {
			dev = pos[0]
		} else if d := camera.Devices(); len(d) > 0 {
			dev = d[0]
		} else {
			return fail("qr camera: no camera (/dev/video*) found; use qr decode IMAGE")
		}
		cam, err := camera.OpenV4L2(dev, 1280, 720)
		if err != nil {
			return fail("qr camera: %v", err)
		}
		defer cam.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		// The Watcher decodes one frame at a time, drops the frames that
		// come in meanwhile and turns empty ones away with the pre-check.
		found, _, err := (&camera.Watcher{MaxFrames: *frames}).Run(ctx, cam)
		if errors.Is(err, decode.ErrNotFound) {
			return fail("qr camera: no QR code in %d frames", *frames)
		}
		if err != nil {
			return fail("qr camera: %v", err)
		}
		emit(qrParseText(found.Text))
		return code
	}
	fmt.Fprintf(os.Stderr, "motcua qr: unknown subcommand %q\n%s\n", sub, qrUsage)
	return 2
}
