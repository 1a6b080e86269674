package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/internal/logx"
	"motcua/internal/metrics"
	"motcua/internal/sdnotify"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/localapi"
	"motcua/reader"
	"motcua/reader/qr"
	"motcua/sync/outbox"
)

func init() {
	register("serve", "run the agent service: card loop + local integration API (also: pair, unpair, apps)", runServe)
}

const serveUsage = `usage: motcua serve [--config FILE] [--set section.key=value] [--listen ADDR] [--reader NAME] [--sim] [--data DIR]
       motcua serve pair --name APP [--grant photo,ethnicity,religion]   (prints the app's token once)
       motcua serve unpair --name APP
       motcua serve apps`

func runServe(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "pair", "unpair", "apps":
			return servePairing(args[0], args[1:])
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(os.Stderr, serveUsage); fs.PrintDefaults() }
	cf := config.AddFlags(fs)
	listen := fs.String("listen", "", "API address (api.listen), loopback only")
	readerName := fs.String("reader", "", "PC/SC reader name (reader.name)")
	sim := fs.Bool("sim", false, "use the simulated reader with a synthetic card (reader.simulated; demos and tests)")
	data := fs.String("data", "", "data directory (agent.data_dir)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cf.Set("api.listen", *listen)
	cf.Set("reader.name", *readerName)
	cf.Set("agent.data_dir", *data)
	if *sim {
		cf.Set("reader.simulated", "true")
	}
	cfg, err := cf.Load()
	if err != nil {
		return configFailure(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg)
}

// serveDataDir is the configured data directory, created if needed.
func serveDataDir(cfg *config.Config) (string, error) { return agent.DataDir(cfg) }

func serve(ctx context.Context, cfg *config.Config) int {
	start := time.Now()
	lg, err := logx.New(logx.Options{Level: cfg.Log.Level, Output: cfg.Log.Output})
	if err != nil {
		return fail("%v", err)
	}
	defer lg.Close()
	log := lg.Logger
	notify, err := sdnotify.FromEnv()
	if err != nil {
		log.Warn("systemd notification disabled", "err", err)
	}
	dir, err := serveDataDir(cfg)
	if err != nil {
		return fail("%v", err)
	}
	pairs, err := localapi.OpenPairings(dir)
	if err != nil {
		return fail("%v", err)
	}
	box := &serveOutbox{dir: dir, opts: outbox.Options{Device: cfg.Device(), Retention: cfg.Retention.AcceptedPayload.Duration,
		MaxAttempts: cfg.Retention.MaxAttempts, Logger: log, Timeout: 30 * time.Second}}
	if err := box.init(); err != nil {
		return fail("%v", err)
	}
	trust := agent.LoadTrust(cfg.Trust.CSCADir, log)

	l, err := localapi.Listen(cfg.API.Listen)
	if err != nil {
		return fail("%v", err)
	}
	defer l.Close()

	notify.Status("waiting for a card reader")
	term, demoQR, err := serveTerminal(ctx, cfg, log)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		return fail("%v", err)
	}
	defer term.Close()

	agentMetrics := metrics.NewAgent()
	agentMetrics.SetOutbox(box.snapshot)
	health := metrics.NewHealth(2 * time.Second)
	keys := cardloop.NewKeyBox()
	srv, err := localapi.New(localapi.Config{
		Terminal: term, Keys: keys, Pairings: pairs, Origins: cfg.API.Origins, Outbox: box, Device: cfg.Device(),
		Metrics: agentMetrics, Health: health, Logger: log, Scrubber: lg.Scrubber,
		ReadOptions: agent.ReadOptions(cfg, trust),
	})
	if err != nil {
		return fail("%v", err)
	}
	if demoQR != "" { // the simulated card: behave as if its QR was scanned
		if p, err := qr.Parse(demoQR); err == nil {
			if ks, err := reader.KeysFromCitizen(p.IDNumber, p.BirthDate(), p.IssueDate()); err == nil {
				keys.Sticky = true
				keys.Put(ks, p)
			}
		}
	}
	health.Register("card loop", srv.ReadLoopHealthy)
	health.Register("outbox", box.healthy)

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	runDone := make(chan struct{})
	go func() { defer close(runDone); srv.Run(runCtx) }()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(l) }()

	// Ready when the card loop has started watching the reader.
	for i := 0; i < 200 && srv.ReadLoopHealthy(ctx) != nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	msg := fmt.Sprintf("listening on http://%s, reader %q", l.Addr(), term.Name())
	notify.Ready(msg)
	log.Info("motcua serve ready", "listen", l.Addr().String(), "reader_name", term.Name(),
		"data_dir", dir, "startup_ms", time.Since(start).Milliseconds(), "watchdog", notify.Enabled())

	interval := cfg.Service.HealthInterval.Duration
	if wd, ok := sdnotify.WatchdogInterval(); ok && interval == 0 {
		interval = wd / 2
	}
	wdDone := make(chan struct{})
	go func() {
		defer close(wdDone)
		sdnotify.RunWatchdog(runCtx, notify, interval, func(ctx context.Context) error {
			rep := health.Check(ctx)
			if rep.OK {
				return nil
			}
			var bad []string
			for name, v := range rep.Checks {
				if v != "ok" {
					bad = append(bad, name+": "+v)
				}
			}
			sort.Strings(bad)
			return errors.New(strings.Join(bad, "; "))
		}, func(err error) {
			if err != nil {
				log.Warn("unhealthy: watchdog not fed", "err", err)
			}
		})
	}()

	code := 0
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		log.Error("API server stopped", "err", err)
		code = 1
	}
	notify.Stopping()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	hs.Shutdown(sctx)
	cancel()
	cancelRun()
	<-runDone
	<-wdDone
	log.Info("motcua serve stopped")
	return code
}

// serveTerminal opens the configured reader, waiting (bounded by ctx) for a
// PC/SC reader to be attached.
func serveTerminal(ctx context.Context, cfg *config.Config, log *slog.Logger) (*terminal, string, error) {
	if cfg.Reader.Simulated {
		t, err := openSim(terminalChoice{Sim: true})
		if err != nil {
			return nil, "", err
		}
		log.Warn("using the SIMULATED reader with a synthetic card (reader.simulated = true)")
		return t, t.DemoQR(), nil
	}
	for wait := time.Second; ; wait = min(wait*2, 30*time.Second) {
		t, err := openPCSC(ctx, cfg.Reader.Name)
		switch {
		case t != nil:
			return t, "", nil
		case err != nil:
			log.Warn("no card reader yet", "err", err)
		default:
			log.Warn("no card reader attached yet")
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

// serveOutbox opens the outbox per operation, so `motcua sync --watch` in
// another process gets the lock between its passes.
type serveOutbox struct {
	dir  string
	opts outbox.Options
}

// init creates the store (and its key) if needed and reports a recovered file.
func (b *serveOutbox) init() error {
	s, err := outbox.Open(b.dir, b.opts)
	if err != nil {
		return err
	}
	if r := s.Recovered(); r != nil {
		b.opts.Logger.Error("the outbox file was corrupt and has been moved aside; a fresh outbox was created", "moved_to", r.MovedTo, "reason", r.Reason)
	}
	return s.Close()
}

// Add stores one dossier.
func (b *serveOutbox) Add(ctx context.Context, service string, payload []byte) (string, error) {
	s, err := outbox.Open(b.dir, b.opts)
	if err != nil {
		return "", err
	}
	defer s.Close()
	return s.Add(ctx, service, payload)
}

func (b *serveOutbox) readOnly() (*outbox.Store, error) {
	o := b.opts
	o.ReadOnly, o.Timeout = true, 500*time.Millisecond
	o.Logger = slog.New(slog.DiscardHandler)
	return outbox.Open(b.dir, o)
}

// snapshot computes the outbox gauges from the records' metadata.
func (b *serveOutbox) snapshot() (metrics.OutboxSnapshot, error) {
	s, err := b.readOnly()
	if err != nil {
		return metrics.OutboxSnapshot{}, err
	}
	defer s.Close()
	recs, err := s.List(outbox.Filter{})
	if err != nil {
		return metrics.OutboxSnapshot{}, err
	}
	snap := metrics.OutboxSnapshot{Depth: map[string]int{}}
	for _, r := range recs {
		snap.Depth[string(r.State)]++
		if r.State == outbox.Pending || r.State == outbox.Sending {
			if snap.OldestPending.IsZero() || r.CreatedAt.Before(snap.OldestPending) {
				snap.OldestPending = r.CreatedAt
			}
			if r.LastError != "" {
				snap.Failing++
			}
		}
		for _, t := range []time.Time{r.AcceptedAt, r.StatusCheckedAt} {
			if t.After(snap.LastSync) {
				snap.LastSync = t
			}
		}
	}
	return snap, nil
}

// healthy: the outbox opens (or is busy with a sync pass) and is writable.
func (b *serveOutbox) healthy(ctx context.Context) error {
	s, err := b.readOnly()
	if errors.Is(err, outbox.ErrLocked) {
		return nil // a sync pass holds it: alive
	}
	if err != nil {
		return err
	}
	return s.Close()
}

func servePairing(sub string, args []string) int {
	fs := flag.NewFlagSet("serve "+sub, flag.ContinueOnError)
	cf := config.AddFlags(fs)
	data := fs.String("data", "", "data directory (agent.data_dir)")
	name := fs.String("name", "", "application name (letters, digits, . - _)")
	grant := fs.String("grant", "", "sensitive data the application may receive: comma-separated photo, ethnicity, religion (default: api.default_grants)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cf.Set("agent.data_dir", *data)
	cfg, err := cf.Load()
	if err != nil {
		return configFailure(err)
	}
	dir, err := serveDataDir(cfg)
	if err != nil {
		return fail("%v", err)
	}
	pairs, err := localapi.OpenPairings(dir)
	if err != nil {
		return fail("%v", err)
	}
	switch sub {
	case "apps":
		apps, err := pairs.List()
		if err != nil {
			return fail("%v", err)
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tGRANTS\tPAIRED")
		for _, a := range apps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, orText(strings.Join(a.Grants, ","), "-"), a.PairedAt.Local().Format(time.DateTime))
		}
		tw.Flush()
		return 0
	case "unpair":
		if *name == "" {
			return fail("unpair needs --name")
		}
		if err := pairs.Unpair(*name); err != nil {
			return fail("%v", err)
		}
		fmt.Printf("unpaired %s\n", *name)
		return 0
	}
	if *name == "" {
		return fail("pair needs --name APP")
	}
	grants := cfg.API.DefaultGrants
	if *grant != "" {
		grants = strings.Split(*grant, ",")
		for i := range grants {
			grants[i] = strings.TrimSpace(grants[i])
		}
	}
	tok, err := pairs.Pair(*name, grants)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "paired %s (grants: %s). The token is shown once; give it to the application:\n", *name, orText(strings.Join(grants, ","), "none"))
	fmt.Println(tok)
	return 0
}
