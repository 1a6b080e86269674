package main

import (
	"fmt"
	"os"
	"strings"

	"motcua/reader/qr/result"
)

func init() {
	register("qr", "parse or decode a card's QR code (qr parse PAYLOAD | qr decode IMAGE...)", runQR)
}

const qrUsage = `usage:
  motcua qr parse PAYLOAD [--json]     validate a scanned QR text ("-" reads one per line from stdin)
  motcua qr decode IMAGE... [--json]   find and parse the QR code in image files (PNG, JPEG, GIF)

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
	var pos []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--json" || a == "-json":
			jsonOut = true
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Println(qrUsage)
			return 0
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
	}
	fmt.Fprintf(os.Stderr, "motcua qr: unknown subcommand %q\n%s\n", sub, qrUsage)
	return 2
}
