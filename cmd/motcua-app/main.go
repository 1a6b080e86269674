// Command motcua-app is the Một Cửa Edge app that citizens, officers,
// receptionists and notaries see (Fyne): a full-screen kiosk or a desk
// window, from card tap to receipt. With no PC/SC reader (or --demo) it
// runs on the simulated reader with a demo panel of synthetic cards.
//
// It is a separate binary from motcua (the CLI and the agent service) so
// that the headless service never links OpenGL and X11; `motcua` with no
// arguments, and `motcua kiosk|desk|clinic|notary`, start this one.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"motcua/hwtest/simcard"
	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/internal/logx"
	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/reader/pa"
	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
	"motcua/sync/worker"
	"motcua/ui"
)

// processStart is when the process began (near enough), for the
// start-up figure on the "app ready" line.
var processStart = time.Now()

func main() {
	args := os.Args[1:]
	mode := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
		if mode == "app" {
			mode = ""
		}
	}
	os.Exit(runApp(mode, args))
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "motcua-app: "+format+"\n", a...)
	return 1
}

const appUsage = `usage: motcua-app [kiosk|desk|clinic|notary] [--demo] [--queue-only] [--window]
              [--config FILE] [--set section.key=value] [--reader NAME] [--data DIR]

The mode defaults to kiosk.mode in the configuration (kiosk).

With no PC/SC reader attached, or with --demo, the app runs on the simulated
reader with a demo panel of synthetic cards (a forged one among them), keeps
its dossiers apart (DATA/demo) and syncs them to an intake on loopback (or
only queues them with --queue-only).`

func runApp(mode string, args []string) int {
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(os.Stderr, appUsage); fs.PrintDefaults() }
	cf := config.AddFlags(fs)
	demo := fs.Bool("demo", false, "run on the simulated reader with the demo panel")
	queueOnly := fs.Bool("queue-only", false, "demo: keep dossiers in the outbox, do not start the loopback intake")
	window := fs.Bool("window", false, "kiosk: a window instead of full screen")
	readerName := fs.String("reader", "", "PC/SC reader name (reader.name)")
	data := fs.String("data", "", "data directory (agent.data_dir)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (see motcua-app --help)", fs.Arg(0))
	}
	cf.Set("reader.name", *readerName)
	cf.Set("agent.data_dir", *data)
	if mode != "" {
		cf.Set("kiosk.mode", mode)
	}
	if *window {
		cf.Set("kiosk.fullscreen", "false")
	}
	cfg, err := cf.Load()
	if err != nil {
		return fail("config: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fa := fyneapp.NewWithID("vn.motcua.edge")
	a, cleanup, err := startApp(ctx, fa, cfg, appChoice{Demo: *demo || cfg.Reader.Simulated, QueueOnly: *queueOnly})
	if err != nil {
		return fail("%v", err)
	}
	defer cleanup()
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	fa.Lifecycle().SetOnStarted(func() {
		// The window is up on the attract screen; packaging and the start-up
		// benchmark wait for this line.
		fmt.Fprintf(os.Stderr, "motcua: app ready (%s) in %d ms\n", a.Screen(), time.Since(processStart).Milliseconds())
	})
	a.Window().ShowAndRun()
	return 0
}

// appChoice is what the command line adds to the configuration.
type appChoice struct {
	Demo      bool
	QueueOnly bool
	// Log overrides the configured logger (tests, benchmarks).
	Log *slog.Logger
}

// startApp opens the reader, the outbox and the sync, builds the app's
// window on fa and starts it. cleanup stops everything it started.
func startApp(ctx context.Context, fa fyne.App, cfg *config.Config, ch appChoice) (*ui.App, func(), error) {
	var stack []func()
	cleanup := func() {
		for i := len(stack) - 1; i >= 0; i-- {
			stack[i]()
		}
	}
	ok := false
	defer func() {
		if !ok {
			cleanup()
		}
	}()
	log := ch.Log
	if log == nil {
		lg, err := logx.New(logx.Options{Level: cfg.Log.Level, Output: cfg.Log.Output})
		if err != nil {
			return nil, nil, err
		}
		stack = append(stack, func() { lg.Close() })
		log = lg.Logger
	}
	mode, err := engine.ParseMode(cfg.Kiosk.Mode)
	if err != nil {
		return nil, nil, err
	}
	dir, err := agent.DataDir(cfg)
	if err != nil {
		return nil, nil, err
	}

	// The reader: the configured PC/SC reader, or the demo.
	var term reader.Terminal
	var deck *simcard.Deck
	var trust *pa.TrustStore
	trustInfo := ""
	if !ch.Demo {
		if trust = agent.LoadTrust(cfg.Trust.CSCADir, log); trust != nil {
			trustInfo = fmt.Sprintf("%s (%d CSCA)", cfg.Trust.CSCADir, len(trust.CSCAs))
		}
		t, err := agent.OpenPCSC(ctx, cfg.Reader.Name)
		if err != nil {
			return nil, nil, err
		}
		if t == nil {
			log.Warn("no card reader found: starting the demo on the simulated reader")
			ch.Demo = true
		} else {
			stack = append(stack, t.Close)
			term = t
		}
	}
	if ch.Demo {
		r := simcard.NewReader("Simulated reader (motcua demo)")
		term, deck = r, simcard.DemoDeck(r)
		dir = filepath.Join(dir, "demo") // demo dossiers never mix with real ones
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("demo data directory: %w", err)
		}
		if trust, err = simcard.DefaultTrust(); err != nil {
			return nil, nil, err
		}
		trustInfo = "DEMO: the test CSCA of the synthetic cards"
	}

	cat, err := catalog.Load(cfg.Kiosk.CatalogDir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range cat.Errors {
		log.Error("service file skipped", "err", e.Error())
	}

	box, err := outbox.Open(filepath.Join(dir, "outbox"), outbox.Options{Device: cfg.Device(),
		Retention: cfg.Retention.AcceptedPayload.Duration, MaxAttempts: cfg.Retention.MaxAttempts, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() { box.Close() })
	if r := box.Recovered(); r != nil {
		log.Error("the outbox file was corrupt and has been moved aside; a fresh outbox was created", "moved_to", r.MovedTo, "reason", r.Reason)
	}

	conn, provider, err := appConnector(ctx, cfg, ch, dir, log, &stack)
	if err != nil {
		return nil, nil, err
	}

	var app *ui.App
	var w *worker.Worker
	if conn != nil {
		w, err = worker.New(worker.Config{Store: box, Conn: conn, Logger: log, OnDrain: func(st worker.Stats, err error) {
			if app != nil {
				app.SyncObserved(st, err)
			}
		}})
		if err != nil {
			return nil, nil, err
		}
	}

	ecfg := engine.Config{
		Mode: mode, Terminal: term, TrustInfo: trustInfo, Catalog: cat, Outbox: box, Provider: provider,
		AdminPIN: cfg.Kiosk.AdminPIN, Device: cfg.Device(), Idle: cfg.Kiosk.IdleTimeout.Duration,
		ReadOptions: agent.ReadOptions(cfg, trust), Log: log, Demo: deck != nil,
		Notary: engine.NotaryConfig{NotaryID: cfg.Kiosk.NotaryID, Office: cfg.Kiosk.Office, Dir: recordsDir(cfg, dir, "notary")},
		Clinic: engine.ClinicConfig{Staff: clinic.Staff{Name: cfg.Kiosk.StaffName, IDNumber: cfg.Kiosk.StaffID},
			Facility: cfg.Kiosk.Facility, Dir: recordsDir(cfg, dir, "clinic")},
	}
	if w != nil {
		ecfg.Worker = w
	}
	ucfg := ui.Config{LargeText: cfg.Kiosk.LargeText, HighContrast: cfg.Kiosk.HighContrast}
	if cfg.Kiosk.Language == "en" {
		ucfg.Lang = ui.English
	}
	if deck != nil {
		ucfg.Demo = deck
		if ecfg.AdminPIN == "" {
			ecfg.AdminPIN = "2468" // the demo's admin PIN, shown in the README
		}
		if ecfg.Notary.NotaryID == "" {
			ecfg.Notary.NotaryID, ecfg.Notary.Office = "CCV-DEMO", "Văn phòng công chứng (demo)"
		}
	}
	if cfg.Kiosk.GatewayURL != "" {
		g, err := clinic.NewHTTPGateway(cfg.Kiosk.GatewayURL, cfg.Kiosk.GatewayUser, cfg.Kiosk.GatewayPassword)
		if err != nil {
			return nil, nil, err
		}
		ecfg.Clinic.Gateway = g
	}
	if pc := cfg.Kiosk.PrintCommand; pc != "" {
		ucfg.Print = func(png []byte) error { return printReceipt(pc, png) }
	}
	if ucfg.Engine, err = engine.New(ecfg); err != nil {
		return nil, nil, err
	}
	app, err = ui.New(fa, ucfg)
	if err != nil {
		return nil, nil, err
	}
	if mode == engine.Kiosk && cfg.Kiosk.Fullscreen {
		app.Window().SetFullScreen(true)
	} else {
		app.Window().SetFullScreen(false)
		app.Window().Resize(fyne.NewSize(1280, 800))
	}
	app.Start(ctx)
	stack = append(stack, app.Stop)
	if w != nil {
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := w.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("sync stopped", "err", err)
			}
		}()
		stack = append(stack, func() { cancel(); <-done })
	}
	log.Info("app started", "mode", mode.String(), "reader_name", term.Name(), "demo", ch.Demo, "data_dir", dir, "provider", provider)
	ok = true
	return app, cleanup, nil
}

// appConnector is where dossiers go: the configured provider; in the demo,
// an intake on loopback (unless queue-only); else nowhere (queue only).
func appConnector(ctx context.Context, cfg *config.Config, ch appChoice, dir string, log *slog.Logger, stack *[]func()) (connector.Connector, string, error) {
	p := cfg.Provider
	tlsc := connector.TLSConfig{CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile}
	switch {
	case p.Kind == "intake":
		token := p.Token
		if t := os.Getenv("MOTCUA_SYNC_TOKEN"); t != "" {
			token = t
		}
		c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: p.Endpoint, Token: token, TLS: tlsc, Timeout: p.Timeout.Duration})
		return c, p.Endpoint, err
	case p.Kind == "igate":
		c, err := connector.NewIGate(connector.IGateConfig{BaseURL: p.Endpoint, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			Unit: p.Unit, TLS: tlsc, Timeout: p.Timeout.Duration})
		return c, p.Endpoint, err
	case ch.Demo && !ch.QueueOnly:
		tok := make([]byte, 16)
		if _, err := rand.Read(tok); err != nil {
			return nil, "", err
		}
		token := hex.EncodeToString(tok)
		ictx, cancel := context.WithCancel(ctx)
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- intake.ListenAndServe(ictx, intake.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "intake"), Token: token,
				Logger: log.With("component", "demo-intake")}, func(url string) { ready <- url })
		}()
		select {
		case url := <-ready:
			*stack = append(*stack, func() { cancel(); <-done })
			c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: url, Token: token})
			return c, url + " (demo intake on loopback)", err
		case err := <-done:
			cancel()
			return nil, "", fmt.Errorf("demo intake: %w", err)
		case <-time.After(10 * time.Second):
			cancel()
			<-done
			return nil, "", errors.New("demo intake did not start within 10s")
		}
	}
	return nil, "", nil
}

func recordsDir(cfg *config.Config, dataDir, kind string) string {
	if cfg.Kiosk.RecordsDir != "" {
		return filepath.Join(cfg.Kiosk.RecordsDir, kind)
	}
	return filepath.Join(dataDir, "records", kind)
}

// printReceipt writes the receipt image to a private temporary file and
// runs the configured print command on it.
func printReceipt(command string, png []byte) error {
	f, err := os.CreateTemp("", "motcua-receipt-*.png")
	if err != nil {
		return fmt.Errorf("print: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(png); err != nil {
		f.Close()
		return fmt.Errorf("print: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	args := append(strings.Fields(command), f.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("print: %s: %w (%s)", args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}
