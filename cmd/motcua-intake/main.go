// Command motcua-intake is the reference receiver of the motcua intake API
// (sync/intake/openapi.yaml), for pilots and tests: TLS, bearer-token auth,
// a persistent store that deduplicates by idempotency key forever, and
// fault injection.
//
//	motcua-intake serve --addr HOST:PORT --data DIR --token TOKEN
//	    [--tls-cert F --tls-key F [--tls-client-ca F]]
//	    [--fault-drop P] [--fault-5xx P] [--fault-reset P]
//	    [--fault-silent-accept P] [--fault-delay DUR] [--fault-seed N]
//	motcua-intake list --data DIR [--json] [--payloads]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"motcua/sync/intake"
)

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "list":
		os.Exit(list(os.Args[2:], os.Stdout))
	case "help", "-h", "--help":
		usage(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "motcua-intake: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: motcua-intake serve --addr HOST:PORT --data DIR --token TOKEN [--tls-cert F --tls-key F] [--fault-... P]")
	fmt.Fprintln(w, "       motcua-intake list --data DIR [--json] [--payloads]")
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "motcua-intake: "+format+"\n", a...)
	return 1
}

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg intake.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT (port 0: any free port)")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (required)")
	fs.StringVar(&cfg.Token, "token", "", "bearer token clients must send (required; or $MOTCUA_INTAKE_TOKEN)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate PEM file")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key PEM file")
	fs.StringVar(&cfg.TLSClientCA, "tls-client-ca", "", "require client certificates signed by this CA PEM file")
	fs.Float64Var(&cfg.Faults.Drop, "fault-drop", 0, "probability of closing the connection without answering")
	fs.Float64Var(&cfg.Faults.FiveXX, "fault-5xx", 0, "probability of answering 503 without processing")
	fs.Float64Var(&cfg.Faults.Reset, "fault-reset", 0, "probability of resetting the connection")
	fs.Float64Var(&cfg.Faults.SilentAccept, "fault-silent-accept", 0, "probability of storing, then closing without answering")
	fs.DurationVar(&cfg.Faults.Delay, "fault-delay", 0, "delay before processing each request")
	fs.Uint64Var(&cfg.Faults.Seed, "fault-seed", 0, "seed for fault draws (0: random)")
	quiet := fs.Bool("quiet", false, "log only errors")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.Token == "" {
		cfg.Token = os.Getenv("MOTCUA_INTAKE_TOKEN")
	}
	if cfg.DataDir == "" || cfg.Token == "" {
		return fail("serve needs --data and --token")
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := intake.ListenAndServe(ctx, cfg, func(url string) {
		fmt.Printf("motcua-intake: listening on %s\n", url)
		if cfg.Faults.Any() {
			fmt.Fprintf(os.Stderr, "motcua-intake: FAULT INJECTION ON: %+v\n", cfg.Faults)
		}
	})
	if err != nil {
		return fail("%v", err)
	}
	return 0
}

func list(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	dir := fs.String("data", "", "data directory (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	payloads := fs.Bool("payloads", false, "include payloads in JSON output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		return fail("list needs --data")
	}
	st, err := intake.OpenStore(*dir)
	if err != nil {
		return fail("%v", err)
	}
	defer st.Close()
	ds, err := st.List()
	if err != nil {
		return fail("%v", err)
	}
	if !*payloads {
		for i := range ds {
			ds[i].Payload = nil
		}
	}
	if *asJSON {
		if ds == nil {
			ds = []intake.Dossier{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ds); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	fmt.Fprintf(out, "%-36s  %-18s  %-10s  %6s  %s\n", "IDEMPOTENCY KEY", "DOSSIER CODE", "SERVICE", "STATUS", "SUBMISSIONS")
	for _, d := range ds {
		fmt.Fprintf(out, "%-36s  %-18s  %-10s  %6d  %d\n", d.IdempotencyKey, d.DossierCode, d.Service, d.Status, d.Submissions)
	}
	return 0
}
