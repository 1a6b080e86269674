package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"motcua/kiosk/printer"
	"motcua/kiosk/voice"
)

func init() {
	register("print", "print a test receipt or queue ticket on an ESC/POS printer, or read its status", func(a []string) int {
		return runPrint(a, os.Stdout, os.Stderr)
	})
	register("say", "speak a kiosk step in Vietnamese (espeak-ng), or write it to a WAV file", func(a []string) int {
		return runSay(a, os.Stdout, os.Stderr)
	})
}

// runPrint prints a synthetic test slip: the operator checks the printer,
// the paper width, the QR mode and the Vietnamese text before going live.
func runPrint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("printer", "", `printer: tcp://HOST:9100, usb:/dev/usb/lp0 or serial:/dev/ttyUSB0[?baud=N]`)
	width := fs.Int("width", 576, "printable width in dots: 576 (80 mm) or 384 (58 mm)")
	qr := fs.String("qr", printer.QRNative, "QR: native (the printer's GS ( k) or raster")
	ticket := fs.String("ticket", "", "print a queue ticket with this number instead of a receipt")
	status := fs.Bool("status", false, "only read and show the printer's status")
	noStatus := fs.Bool("no-status", false, "do not query status (one-way printers)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for each status answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: motcua print -printer ADDR [-ticket NUMBER] [-width 576|384] [-qr native|raster] [-status]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *addr == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	p, err := printer.New(printer.Config{Address: *addr, WidthDots: *width, QR: *qr, StatusTimeout: *timeout, NoStatus: *noStatus})
	if err != nil {
		fmt.Fprintf(stderr, "motcua print: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if *status {
		st, err := p.Status(ctx)
		if err != nil {
			return printFail(stderr, err)
		}
		fmt.Fprintf(stdout, "printer %s: %s\n", *addr, st)
		return 0
	}
	now := time.Now()
	var slip printer.Slip = printer.Receipt{
		Office: "Bộ phận Một cửa (bản in thử)", Number: "IN-THU-0001", Service: "Đăng ký tạm trú",
		Filed: now, Due: now.AddDate(0, 0, 3), Delivery: "Trực tiếp tại Bộ phận Một cửa",
		QR: "IN-THU-0001",
	}
	what := "test receipt"
	if *ticket != "" {
		slip = printer.Ticket{Office: "Phiếu in thử", Number: *ticket, Desk: "Quầy số 1", Issued: now, Ahead: 0}
		what = "queue ticket " + *ticket
	}
	start := time.Now()
	if err := p.Print(ctx, slip); err != nil {
		return printFail(stderr, err)
	}
	fmt.Fprintf(stdout, "printed %s on %s in %v\n", what, *addr, time.Since(start).Round(time.Millisecond))
	return 0
}

func printFail(stderr io.Writer, err error) int {
	var pe *printer.Error
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "motcua print: %v\n  (màn hình: %s)\n", err, pe.MessageVI())
		if errors.Is(err, printer.ErrConfig) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "motcua print: %v\n", err)
	return 1
}

// runSay speaks one step the way the kiosk does, to check the audio
// output, the voice and the volume.
func runSay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("say", flag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.Bool("list", false, "list the steps and their sentences")
	warm := fs.Bool("warm", false, "synthesize every step into the cache")
	wav := fs.String("wav", "", "write the step's clip to this WAV file instead of playing it")
	vol := fs.Int("volume", 80, "volume 0..100")
	vname := fs.String("voice", "vi", "espeak-ng voice: vi, vi-vn-x-central or vi-vn-x-south")
	speed := fs.Int("speed", 140, "words per minute")
	playerCmd := fs.String("player", "", `player command reading WAV on stdin (default: pw-play, paplay or aplay)`)
	cacheDir := fs.String("cache", "", "clip cache folder (default ~/.cache/motcua/voice)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: motcua say STEP [-volume N] [-voice V] [-wav FILE] | motcua say -list | motcua say -warm")
		fs.PrintDefaults()
	}
	// Flags may follow the step.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if *list {
		for _, m := range voice.Messages() {
			fmt.Fprintf(stdout, "%-15s %s\n", m, m.Text())
		}
		return 0
	}
	synth, err := voice.NewEspeak(*vname, *speed)
	if err != nil {
		fmt.Fprintf(stderr, "motcua say: %v\n", err)
		return 1
	}
	cfg := voice.Config{Enabled: true, Volume: *vol, CacheDir: *cacheDir, Synth: synth}
	if *playerCmd != "" {
		p, err := voice.ParsePlayer(*playerCmd)
		if err != nil {
			fmt.Fprintf(stderr, "motcua say: %v\n", err)
			return 2
		}
		cfg.Player = p
	}
	g := voice.New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if *warm {
		if err := g.Warm(ctx); err != nil {
			fmt.Fprintf(stderr, "motcua say: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%d steps cached\n", len(voice.Messages()))
		return 0
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	m, err := voice.Parse(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "motcua say: %v (motcua say -list)\n", err)
		return 2
	}
	if *wav != "" {
		clip, _, err := g.Clip(ctx, m)
		if err == nil {
			err = os.WriteFile(*wav, clip, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "motcua say: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %q -> %s\n", m, m.Text(), *wav)
		return 0
	}
	if st := g.Status(); !st.Active {
		fmt.Fprintf(stderr, "motcua say: silent: %s\n", st.Reason)
		return 1
	}
	g.Say(m)
	fmt.Fprintf(stdout, "%s: %q via %s\n", m, m.Text(), g.Status().Player)
	// Wait for the clip to be played, bounded.
	deadline := time.Now().Add(30 * time.Second)
	for g.Status().Speaking && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	g.Close(time.Second)
	if e := g.Status().LastError; e != "" {
		fmt.Fprintf(stderr, "motcua say: %s\n", e)
		return 1
	}
	return 0
}
