package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"motcua/reader/qr/camera"
	"motcua/reader/qr/decode"
	"motcua/reader/qr/result"
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
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, qrUsage)
		return 2
	}
	sub, rest := args[0], args[1:]
	var jsonOut bool
	frames := 150
	var pos []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--json" || a == "-json":
			jsonOut = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Println(qrUsage)
			return 0
		case (a == "--frames" || a == "-frames") && i+1 < len(rest):
			n, err := strconv.Atoi(rest[i+1])
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "motcua qr: --frames wants a positive number\n")
				return 2
			}
			frames = n
			i++
		case a == "--":
			pos = append(pos, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(os.Stderr, "motcua qr: unknown flag %s\n%s\n", a, qrUsage)
			return 2
		default:
			pos = append(pos, a)
		}
	}
	code := 0
	emit := func(r result.Result) {
		if !r.OK() {
			code = 1
		}
		if jsonOut {
			if err := result.WriteJSON(os.Stdout, r); err != nil {
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
		fmt.Println(result.Summary(r))
	}
	switch sub {
	case "parse":
		if len(pos) != 1 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		if pos[0] == "-" {
			if err := result.ParseLines(os.Stdin, emit); err != nil {
				return fail("qr parse: reading stdin: %v", err)
			}
			return code
		}
		emit(result.Parse(pos[0]))
		return code
	case "decode":
		if len(pos) == 0 {
			fmt.Fprintln(os.Stderr, qrUsage)
			return 2
		}
		for _, f := range pos {
			emit(result.DecodeFile(f))
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
				emit(result.Parse(c))
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
		found, _, err := (&camera.Watcher{MaxFrames: frames}).Run(ctx, cam)
		if errors.Is(err, decode.ErrNotFound) {
			return fail("qr camera: no QR code in %d frames", frames)
		}
		if err != nil {
			return fail("qr camera: %v", err)
		}
		emit(result.Parse(found.Text))
		return code
	}
	fmt.Fprintf(os.Stderr, "motcua qr: unknown subcommand %q\n%s\n", sub, qrUsage)
	return 2
}
