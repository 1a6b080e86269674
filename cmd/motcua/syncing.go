package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"motcua/sync/connector"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

func init() {
	register("sync", "deliver the outbox to the intake API (--once or --watch)", runSync)
}

func runSync(args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	dir, device := dataFlags(fs)
	once := fs.Bool("once", false, "deliver what is due now, poll statuses, and exit")
	watch := fs.Bool("watch", false, "keep delivering until interrupted")
	endpoint := fs.String("endpoint", "", "intake API base URL (https; plain http only to loopback)")
	token := fs.String("token", "", "bearer token (or $MOTCUA_SYNC_TOKEN, which keeps it out of the process list)")
	ca := fs.String("ca", "", "PEM file of CAs to trust for the endpoint")
	cert := fs.String("cert", "", "client certificate PEM file (mutual TLS)")
	key := fs.String("key", "", "client private key PEM file (mutual TLS)")
	timeout := fs.Duration("timeout", 30*time.Second, "per-request timeout")
	maxAttempts := fs.Int("max-attempts", outbox.DefaultMaxAttempts, "deliveries without a definite answer before a record needs attention")
	baseDelay := fs.Duration("backoff", 2*time.Second, "first retry delay (doubles per attempt, jittered)")
	maxDelay := fs.Duration("max-backoff", 15*time.Minute, "longest retry delay")
	poll := fs.Duration("poll", 10*time.Minute, "status polling interval for accepted dossiers")
	retention := fs.Duration("retention", outbox.DefaultRetention, "keep accepted payloads this long before purging them")
	verbose := fs.Bool("v", false, "log every delivery outcome")
	interval := fs.Duration("interval", 5*time.Second, "--watch: longest pause between passes (new submissions are picked up within it)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *once == *watch {
		return fail("sync needs exactly one of --once or --watch")
	}
	if *token == "" {
		*token = os.Getenv("MOTCUA_SYNC_TOKEN")
	}
	if *endpoint == "" || *token == "" {
		return fail("sync needs --endpoint and --token (or MOTCUA_SYNC_TOKEN)")
	}
	conn, err := connector.NewIntake(connector.IntakeConfig{Endpoint: *endpoint, Token: *token, Timeout: *timeout,
		TLS: connector.TLSConfig{CAFile: *ca, CertFile: *cert, KeyFile: *key}})
	if err != nil {
		return fail("%v", err)
	}
	level := slog.LevelWarn
	if *verbose || *watch {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := outbox.Options{MaxAttempts: *maxAttempts, Retention: *retention}
	wcfg := worker.Config{Conn: conn, BaseDelay: *baseDelay, MaxDelay: *maxDelay, PollInterval: *poll, Logger: logger}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watch {
		return watchLoop(ctx, *dir, *device, opts, wcfg, *interval)
	}
	s, err := openOutbox(*dir, *device, opts)
	if err != nil {
		return fail("%v", err)
	}
	defer s.Close()
	wcfg.Store = s
	w, err := worker.New(wcfg)
	if err != nil {
		return fail("%v", err)
	}
	st, err := w.Drain(ctx)
	if err != nil {
		return fail("%v", err)
	}
	if !st.Offline {
		if _, err := w.PollStatuses(ctx); err != nil {
			return fail("%v", err)
		}
	}
	counts, err := s.Counts()
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

// watchLoop delivers in passes. The outbox is opened only for a pass (at
// most passLimit records), so "motcua outbox add" in another process gets
// the lock between passes. Between passes it sleeps until the next record
// is due or the interval ends, and backs off while the receiver is
// unreachable.
func watchLoop(ctx context.Context, dir, device string, opts outbox.Options, wcfg worker.Config, interval time.Duration) int {
	const passLimit = 50
	wcfg.PassLimit = passLimit
	streak := 0
	for {
		s, err := openOutbox(dir, device, opts)
		if err != nil {
			return fail("%v", err)
		}
		wcfg.Store = s
		w, err := worker.New(wcfg)
		if err != nil {
			s.Close()
			return fail("%v", err)
		}
		st, err := w.Drain(ctx)
		if err == nil && !st.Offline {
			_, err = w.PollStatuses(ctx)
		}
		next, due, nerr := s.NextDue()
		s.Close()
		switch {
		case ctx.Err() != nil:
			return 0
		case err != nil:
			return fail("%v", err)
		case nerr != nil:
			return fail("%v", nerr)
		}
		full := st.Accepted+st.Rejected+st.Retried+st.InFlight+st.NeedsAttention >= passLimit
		if st.Offline {
			streak++
		} else {
			streak = 0
		}
		sleep := interval
		if due {
			sleep = min(sleep, max(time.Until(next), 0))
		}
		if full {
			sleep = 0 // more is due: give other processes the lock, then go on
		}
		if streak > 0 {
			sleep = max(sleep, min(wcfg.BaseDelay<<min(streak, 20), wcfg.MaxDelay))
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0
		case <-t.C:
		}
	}
}
