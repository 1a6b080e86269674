package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"motcua/internal/agent"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

func init() {
	register("sync", "deliver the outbox to the configured provider (--once or --watch)", runSync)
}

const syncSynopsis = `--once|--watch [--config FILE] [--data DIR] [--endpoint URL --token T]

Delivers to the provider of the configuration file (provider.kind "intake"
or "igate"); --endpoint, --token, --ca, --cert, --key and --timeout override
its keys (--endpoint alone means an intake). It is an agent role: it refuses
to run beside another agent on the same data directory (motcua serve and the
app already deliver their outbox).`

func runSync(args []string) int {
	fs := newFlags("sync", syncSynopsis)
	af := addAgentFlags(fs, false)
	once := fs.Bool("once", false, "deliver what is due now, poll statuses, and exit")
	watch := fs.Bool("watch", false, "keep delivering until interrupted")
	endpoint := fs.String("endpoint", "", "receiver base URL (provider.endpoint; https, plain http only to loopback)")
	token := fs.String("token", "", "intake bearer token (provider.token; or $MOTCUA_SYNC_TOKEN, which keeps it out of the process list)")
	ca := fs.String("ca", "", "PEM file of CAs to trust for the endpoint (provider.ca_file)")
	cert := fs.String("cert", "", "client certificate PEM file for mutual TLS (provider.cert_file)")
	key := fs.String("key", "", "client private key PEM file for mutual TLS (provider.key_file)")
	timeout := fs.Duration("timeout", 0, "per-request timeout (provider.timeout)")
	maxAttempts := fs.Int("max-attempts", 0, "deliveries without a definite answer before a record needs attention (retention.max_attempts)")
	retention := fs.Duration("retention", 0, "keep accepted payloads this long before purging them (retention.accepted_payload)")
	baseDelay := fs.Duration("backoff", 2*time.Second, "first retry delay (doubles per attempt, jittered)")
	maxDelay := fs.Duration("max-backoff", 15*time.Minute, "longest retry delay")
	poll := fs.Duration("poll", 10*time.Minute, "status polling interval for accepted dossiers")
	verbose := fs.Bool("v", false, "log every delivery outcome")
	interval := fs.Duration("interval", 5*time.Second, "--watch: longest pause between passes (new submissions are picked up within it)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("sync: unexpected argument %q", pos[0])
	}
	if *once == *watch {
		return fail("sync needs exactly one of --once or --watch")
	}
	if *endpoint != "" {
		af.cfg.Set("provider.endpoint", *endpoint)
		if *token != "" || os.Getenv("MOTCUA_SYNC_TOKEN") != "" {
			af.cfg.Set("provider.kind", "intake")
		}
	}
	af.cfg.Set("provider.token", *token)
	af.cfg.Set("provider.ca_file", *ca)
	af.cfg.Set("provider.cert_file", *cert)
	af.cfg.Set("provider.key_file", *key)
	if *timeout > 0 {
		af.cfg.Set("provider.timeout", timeout.String())
	}
	if *maxAttempts > 0 {
		af.cfg.Set("retention.max_attempts", fmt.Sprint(*maxAttempts))
	}
	if *retention > 0 {
		af.cfg.Set("retention.accepted_payload", retention.String())
	}
	cfg, err := af.load()
	if err != nil {
		return configFailure(err)
	}
	conn, err := agent.ProviderConnector(cfg)
	if err != nil {
		return fail("%v", err)
	}
	if conn == nil {
		return fail("sync: no provider: set provider.kind and provider.endpoint in the configuration (or --endpoint and --token)")
	}
	level := slog.LevelWarn
	if *verbose || *watch {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ag, err := agent.Start(agent.Options{Role: "motcua sync", Config: cfg, ConfigFile: af.source(), SkipTrust: true, Log: logger})
	if err != nil {
		return fail("%v", err)
	}
	defer ag.Close()
	opts := ag.OutboxOptions()
	opts.Timeout = 30 * time.Second
	s := &agent.Syncer{
		Open:     func() (*outbox.Store, error) { return openOutbox(ag.OutboxDir(), opts) },
		Worker:   worker.Config{Conn: conn, BaseDelay: *baseDelay, MaxDelay: *maxDelay, PollInterval: *poll, Logger: logger},
		Interval: *interval,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watch {
		if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return fail("%v", err)
		}
		return 0
	}
	var st worker.Stats
	for {
		pass, _, _, err := s.Pass(ctx)
		if err != nil {
			return fail("%v", err)
		}
		st.Accepted += pass.Accepted
		st.Rejected += pass.Rejected
		st.Retried += pass.Retried
		st.InFlight += pass.InFlight
		st.NeedsAttention += pass.NeedsAttention
		st.Offline = pass.Offline
		if pass.Offline || pass.Accepted+pass.Rejected+pass.Retried+pass.InFlight+pass.NeedsAttention < agent.PassLimit {
			break
		}
	}
	store, err := openOutbox(ag.OutboxDir(), opts)
	if err != nil {
		return fail("%v", err)
	}
	defer store.Close()
	counts, err := store.Counts()
	if err != nil {
		return fail("%v", err)
	}
	fmt.Printf("delivered: %d accepted, %d rejected, %d to retry, %d in flight, %d need attention",
		st.Accepted, st.Rejected, st.Retried, st.InFlight, st.NeedsAttention)
	if st.Offline {
		fmt.Print(" (receiver unreachable)")
	}
	fmt.Printf("\noutbox: %d pending, %d accepted, %d rejected, %d need attention\n",
		counts[outbox.Pending]+counts[outbox.Sending], counts[outbox.Accepted], counts[outbox.Rejected], counts[outbox.NeedsAttention])
	return 0
}
