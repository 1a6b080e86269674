package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"motcua/sync/connector"
	"motcua/sync/hub/forward"
	"motcua/sync/intake"
)

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg intake.Config
	var sf storeFlags
	sf.register(fs)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT (port 0: any free port)")
	fs.StringVar(&cfg.Token, "token", "", "shared bearer token of the single pilot device (or $MOTCUA_INTAKE_TOKEN); enrolled devices need none")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "operator token for /v1/admin, /fleet, /metrics (or $MOTCUA_INTAKE_ADMIN_TOKEN)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate PEM file")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key PEM file")
	fs.StringVar(&cfg.TLSClientCA, "tls-client-ca", "", "require client certificates signed by this CA PEM file")
	fs.DurationVar(&cfg.HeartbeatEvery, "heartbeat-every", intake.DefaultHeartbeatEvery, "shortest interval between two heartbeats of a device")
	fs.DurationVar(&cfg.OfflineAfter, "offline-after", intake.DefaultOfflineAfter, "a device silent this long is shown offline")
	fs.Float64Var(&cfg.Rate, "rate", intake.DefaultRate, "requests per second per device (-1: unlimited)")
	fs.IntVar(&cfg.Burst, "burst", intake.DefaultBurst, "burst of requests per device")
	dbConns := fs.Int("db-max-conns", 0, "database connections of this replica (0: default)")
	fs.Float64Var(&cfg.Faults.Drop, "fault-drop", 0, "probability of closing the connection without answering")
	fs.Float64Var(&cfg.Faults.FiveXX, "fault-5xx", 0, "probability of answering 503 without processing")
	fs.Float64Var(&cfg.Faults.Reset, "fault-reset", 0, "probability of resetting the connection")
	fs.Float64Var(&cfg.Faults.SilentAccept, "fault-silent-accept", 0, "probability of storing, then closing without answering")
	fs.DurationVar(&cfg.Faults.Delay, "fault-delay", 0, "delay before processing each request")
	fs.Uint64Var(&cfg.Faults.Seed, "fault-seed", 0, "seed for fault draws (0: random)")
	quiet := fs.Bool("quiet", false, "log only errors")
	var ig connector.IGateConfig
	fs.StringVar(&ig.BaseURL, "forward-igate", "", "forward accepted dossiers to this iGate-style provincial gateway (needs --db)")
	fs.StringVar(&ig.ClientID, "forward-igate-client-id", "", "provincial OAuth client ID")
	fs.StringVar(&ig.Unit, "forward-igate-unit", "", "receiving unit code (MaDonViTiepNhan)")
	fs.StringVar(&ig.TLS.CAFile, "forward-igate-ca", "", "CA bundle for the provincial gateway")
	secretFile := fs.String("forward-igate-secret-file", "", "file holding the provincial client secret (or $MOTCUA_INTAKE_IGATE_SECRET)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := sf.check(); err != nil {
		return fail("serve: %v", err)
	}
	cfg.DataDir, cfg.DB, cfg.DBMaxConns = sf.data, sf.db, int32(*dbConns)
	if cfg.Token == "" {
		cfg.Token = os.Getenv("MOTCUA_INTAKE_TOKEN")
	}
	if cfg.AdminToken == "" {
		cfg.AdminToken = os.Getenv("MOTCUA_INTAKE_ADMIN_TOKEN")
	}
	if ig.BaseURL != "" {
		if cfg.DB == "" {
			return fail("serve: --forward-igate needs --db (replicas share the forwarding queue in PostgreSQL)")
		}
		ig.ClientSecret = os.Getenv("MOTCUA_INTAKE_IGATE_SECRET")
		if *secretFile != "" {
			b, err := os.ReadFile(*secretFile)
			if err != nil {
				return fail("serve: %v", err)
			}
			ig.ClientSecret = strings.TrimSpace(string(b))
		}
		cfg.Forwarding = true
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Forwarding {
		conn, err := connector.NewIGate(ig)
		if err != nil {
			return fail("serve: %v", err)
		}
		st, err := intake.OpenPG(ctx, cfg.DB, 2)
		if err != nil {
			return fail("%v", err)
		}
		defer st.Close()
		f, err := forward.New(forward.Config{Store: st, Conn: conn, Logger: cfg.Logger.With("component", "forward")})
		if err != nil {
			return fail("%v", err)
		}
		go f.Run(ctx)
	}
	err := intake.ListenAndServe(ctx, cfg, func(url string) {
		fmt.Printf("motcua-intake: listening on %s\n", url)
		if cfg.Token != "" {
			fmt.Fprintln(os.Stderr, "motcua-intake: shared-token pilot mode on: the token is one device (\"pilot\"); enrol every other device with `device add`")
		} else {
			fmt.Fprintln(os.Stderr, "motcua-intake: no shared token: only enrolled devices are accepted (`motcua-intake device add`)")
		}
		if cfg.Faults.Any() {
			fmt.Fprintf(os.Stderr, "motcua-intake: FAULT INJECTION ON: %+v\n", cfg.Faults)
		}
	})
	if err != nil {
		return fail("%v", err)
	}
	return 0
}
