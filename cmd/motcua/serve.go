package main

import (
	"context"
	"errors"
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
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/localapi"
	"motcua/reader"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

func init() {
	register("serve", "run the agent service: card loop, local integration API and sync (also: pair, unpair, apps)", runServe)
}

const serveSynopsis = `[--config FILE] [--set section.key=value] [--listen ADDR] [--reader NAME] [--sim] [--data DIR]
       motcua serve pair --name APP [--grant photo,ethnicity,religion]   (prints the app's token once)
       motcua serve unpair --name APP
       motcua serve apps`

func runServe(args []string) int {
	return subcommands("serve", args, []sub{
		{"pair", "pair an application (prints its token once)", func(a []string) int { return servePairing("pair", a) }},
		{"unpair", "unpair an application", func(a []string) int { return servePairing("unpair", a) }},
		{"apps", "list the paired applications", func(a []string) int { return servePairing("apps", a) }},
	}, runServeAgent)
}

func runServeAgent(args []string) int {
	fs := newFlags("serve", serveSynopsis)
	af := addAgentFlags(fs, true)
	listen := fs.String("listen", "", "API address (api.listen), loopback only")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("serve: unexpected argument %q", pos[0])
	}
	af.cfg.Set("api.listen", *listen)
	cfg, err := af.load()
	if err != nil {
		return configFailure(err)
	}
	if code, ok := runAsService(cfg, af.source()); ok { // started by the Windows SCM
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg, af.source())
}

func serve(ctx context.Context, cfg *config.Config, source string) int {
	start := time.Now()
	lg, err := logx.New(logx.Options{Level: cfg.Log.Level, Output: cfg.Log.Output})
	if err != nil {
		return fail("%v", err)
	}
	defer lg.Close()
	sup := supervisorFrom(ctx) // the Windows SCM, when it runs serve
	log := sup.Logger(lg.Logger, lg.Scrubber)
	notify, err := sdnotify.FromEnv()
	if err != nil {
		log.Warn("systemd notification disabled", "err", err)
	}
	ag, err := agent.Start(agent.Options{Role: "motcua serve", Config: cfg, ConfigFile: source, Log: log})
	if err != nil {
		return fail("%v", err)
	}
	defer ag.Close()
	dir := ag.DataDir
	pairs, err := localapi.OpenPairings(dir)
	if err != nil {
		return fail("%v", err)
	}
	opts := ag.OutboxOptions()
	opts.Timeout = 30 * time.Second
	box := &serveOutbox{dir: ag.OutboxDir(), opts: opts}
	if err := box.init(); err != nil {
		return fail("%v", err)
	}

	l, err := localapi.Listen(cfg.API.Listen)
	if err != nil {
		return fail("%v", err)
	}
	defer l.Close()

	// The reader: the simulated one when asked (reader.simulated, --sim),
	// else the configured PC/SC reader, waited for while none is attached.
	// Never the demo: a configured agent with no reader says "no reader".
	var term reader.Terminal
	var slot *agent.ReaderSlot
	demoQR := ""
	if cfg.Reader.Simulated {
		t, err := openSim(terminalChoice{Sim: true})
		if err != nil {
			return fail("%v", err)
		}
		defer t.Close()
		log.Warn("using the SIMULATED reader with a synthetic card (reader.simulated = true)")
		term, demoQR = t, t.DemoQR()
	} else {
		slot = agent.NewReaderSlot(cfg.Reader.Name, log)
		defer slot.Close()
		term = slot
	}

	delivery, err := ag.Deliver(ctx, false)
	if err != nil {
		return fail("%v", err)
	}
	defer delivery.Stop()
	var syncer *agent.Syncer
	if delivery.Conn != nil {
		syncer = &agent.Syncer{Open: box.open, Worker: worker.Config{Conn: delivery.Conn, DemoSink: delivery.DemoSink, Logger: log}}
		box.added = syncer.Notify
	} else {
		log.Warn("no provider configured (provider.kind): dossiers stay in the outbox until one is")
	}

	agentMetrics := metrics.NewAgent()
	agentMetrics.SetOutbox(box.snapshot)
	health := metrics.NewHealth(2 * time.Second)
	cat, err := catalog.Load(cfg.Kiosk.CatalogDir)
	if err != nil {
		return fail("%v", err)
	}
	for _, e := range cat.Errors {
		log.Error("service file skipped", "err", e.Error())
	}
	// The engine conducts the reader slot; headless: no screen follows the
	// visit, so the card's data leaves with the card.
	communes, err := agent.Communes(cfg)
	if err != nil {
		return fail("%v", err)
	}
	// The office link (issue 19): kiosks' help calls reach the desk
	// software through this service's local API.
	link, err := agent.Office(cfg, log)
	if err != nil {
		return fail("%v", err)
	}
	ecfg := engine.Config{Terminal: term, Headless: true, Catalog: cat, Outbox: box, Table: communes,
		Device: cfg.Device(), ReadOptions: agent.ReadOptions(cfg, ag.Trust), Log: log}
	if link != nil {
		ecfg.Help = link.ForEngine()
	}
	eng, err := engine.New(ecfg)
	if err != nil {
		return fail("%v", err)
	}
	eng.StartTaggingOlderDossiers() // an older agent's dossiers become findable by card
	if link != nil {
		link.AttachEngine(eng)
		stopLink, err := agent.ServeOffice(ctx, cfg, link, log)
		if err != nil {
			return fail("%v", err)
		}
		defer stopLink()
	}
	srv, err := localapi.New(localapi.Config{Engine: eng, Pairings: pairs, Origins: cfg.API.Origins,
		Metrics: agentMetrics, Health: health, Logger: log, Scrubber: lg.Scrubber})
	if err != nil {
		return fail("%v", err)
	}
	if demoQR != "" { // the simulated card: behave as if its QR was scanned
		if p, ks, err := engine.KeysFromQR(demoQR); err == nil {
			eng.Keys().Sticky = true
			eng.Keys().Put(ks, p)
		}
	}
	health.Register("card loop", srv.ReadLoopHealthy)
	health.Register("outbox", box.healthy)

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	eng.Start(runCtx)
	// Heartbeats to the hub (provider.kind intake): health and counts, no
	// personal data.
	hb, err := ag.StartHeartbeat(runCtx, eng, func(f func(*outbox.Store) error) error {
		s, err := box.readOnly()
		if err != nil {
			return err
		}
		defer s.Close()
		return f(s)
	})
	if err != nil {
		return fail("%v", err)
	}
	defer hb.Stop()
	if syncer != nil {
		syncer.OnPass = hb.Synced
	}
	runDone := make(chan struct{})
	go func() { defer close(runDone); srv.Run(runCtx) }()
	syncDone := make(chan struct{})
	go func() {
		defer close(syncDone)
		if syncer != nil {
			runSyncer(runCtx, syncer, log)
		}
	}()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(l) }()

	// Ready when the card loop has started watching the reader slot (with
	// no reader attached it watches "no reader" and waits for one).
	for i := 0; i < 200 && srv.ReadLoopHealthy(ctx) != nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	notify.Ready(readyStatus(l.Addr().String(), term))
	sup.Ready(readyStatus(l.Addr().String(), term))
	log.Info("motcua serve ready", "listen", l.Addr().String(), "reader_name", term.Name(),
		"data_dir", dir, "provider", delivery.Describe, "startup_ms", time.Since(start).Milliseconds(), "watchdog", notify.Enabled())

	interval := cfg.Service.HealthInterval.Duration
	if wd, ok := sdnotify.WatchdogInterval(); ok && interval == 0 {
		interval = wd / 2
	}
	if interval == 0 {
		interval = sup.HealthInterval()
	}
	wdDone := make(chan struct{})
	go func() {
		defer close(wdDone)
		sdnotify.RunWatchdog(runCtx, notify, interval, func(ctx context.Context) error {
			rep := health.Check(ctx)
			if slot != nil {
				// The status line says whether a reader is attached; a
				// missing reader is a state, not a fault to restart for.
				notify.Status(readyStatus(l.Addr().String(), term))
			}
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
			sup.Health(err)
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
	sup.Stopping()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	hs.Shutdown(sctx)
	cancel()
	cancelRun()
	<-runDone
	eng.Stop()
	<-syncDone
	<-wdDone
	log.Info("motcua serve stopped")
	return code
}

// readyStatus is the systemd status line.
func readyStatus(addr string, term reader.Terminal) string {
	return fmt.Sprintf("listening on http://%s, reader %q", addr, term.Name())
}

// runSyncer runs the sync until ctx ends. A failed pass (the receiver
// refused the credentials, the outbox could not be opened) is logged and
// tried again later: the service keeps taking dossiers meanwhile.
func runSyncer(ctx context.Context, s *agent.Syncer, log *slog.Logger) {
	for wait := 30 * time.Second; ; wait = min(wait*2, 15*time.Minute) {
		err := s.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Error("sync stopped; trying again later", "err", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// serveOutbox opens the outbox per operation, so `motcua sync --watch` in
// another process gets the lock between its passes.
type serveOutbox struct {
	dir  string
	opts outbox.Options
	// added, when set, is called after a dossier is stored (wakes the sync).
	added func()
}

// open opens the store for one operation or one sync pass.
func (b *serveOutbox) open() (*outbox.Store, error) { return outbox.Open(b.dir, b.opts) }

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
	id, err := s.Add(ctx, service, payload)
	s.Close()
	if err == nil && b.added != nil {
		b.added()
	}
	return id, err
}

// Counts counts the stored dossiers by state (engine.Outbox).
func (b *serveOutbox) Counts() (map[outbox.State]int, error) {
	s, err := b.readOnly()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Counts()
}

// List lists the stored dossiers (engine.Outbox).
func (b *serveOutbox) List(f outbox.Filter) ([]outbox.Record, error) {
	s, err := b.readOnly()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.List(f)
}

// Requeue sends a dossier that needs attention again (engine.Outbox).
func (b *serveOutbox) Requeue(uuid string) error {
	s, err := b.open()
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Requeue(uuid)
}

// Dir is the outbox's directory (engine.Outbox).
func (b *serveOutbox) Dir() string { return b.dir }

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
	fs := newFlags("serve "+sub, "[--config FILE] [--data DIR] --name APP [--grant LIST]")
	af := addAgentFlags(fs, false)
	name := fs.String("name", "", "application name (letters, digits, . - _)")
	grant := fs.String("grant", "", "sensitive data the application may receive: comma-separated photo, ethnicity, religion, health (default: api.default_grants)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("serve %s: unexpected argument %q", sub, pos[0])
	}
	cfg, err := af.load()
	if err != nil {
		return configFailure(err)
	}
	dir, err := agent.DataDir(cfg)
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
