// Command motcua-app is the Một Cửa Edge app that citizens, officers,
// receptionists and notaries see (Fyne): a full-screen kiosk or a desk
// window, from card tap to receipt. With --demo, or with no configuration
// file at all, it runs the demo: the simulated reader with a demo panel of
// synthetic cards. With a configuration it never does: with no reader it
// says "no reader" and waits for one.
//
// It is a separate binary from motcua (the CLI and the agent service) so
// that the headless service never links OpenGL and X11; `motcua` with no
// arguments, and `motcua kiosk|desk|clinic|notary`, start this one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"motcua/kiosk/localapi"
	"motcua/sync/outbox"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
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
	"motcua/kiosk/engine"
	"motcua/kiosk/voice"
	"motcua/reader"
	"motcua/sync/receipt"
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

With --demo, or when there is no configuration file at all, the app runs the
demo: the simulated reader with a demo panel of synthetic cards (a forged one
among them); its dossiers stay apart (DATA/demo) and go to an intake on
loopback (or only queue, with --queue-only), never to a configured provider.
With a configuration file and no reader attached, the app shows "no reader"
and waits for one. The app is the agent of its machine: it refuses to start
while another agent (motcua serve, another app) runs on its data directory.`

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
	if !agent.HasDisplay() {
		return fail("%s", agent.NoDisplayMessage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fa := fyneapp.NewWithID("vn.motcua.edge")
	a, cleanup, err := startApp(ctx, fa, cfg, appChoice{Demo: *demo || cfg.Reader.Simulated, QueueOnly: *queueOnly, ConfigFile: cf.Source})
	if err != nil {
		return fail("%v", err)
	}
	defer cleanup()
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	fa.Lifecycle().SetOnStarted(func() {
		if !a.Window().FullScreen() {
			fitToScreen(a.Window())
		}
		// The window is up on the attract screen; packaging and the start-up
		// benchmark wait for this line.
		// The Go runtime's share of memory follows (issue 21: the memory
		// breakdown; the rest of the resident set is the GL stack's).
		var ms runtime.MemStats
		runtime.GC() // the live heap, not the start-up's garbage
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "motcua: app ready (%s) in %d ms; go heap %.1f MiB in use, %.1f MiB from the OS\n", a.Screen(),
			time.Since(processStart).Milliseconds(), float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20))
	})
	a.Window().ShowAndRun()
	return 0
}

// appChoice is what the command line adds to the configuration.
type appChoice struct {
	// Demo is an explicit --demo (or reader.simulated).
	Demo      bool
	QueueOnly bool
	// ConfigFile is the configuration file loaded; "" (none at all) makes
	// the demo, as the README's first command expects.
	ConfigFile string
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
	// The one start-up: data directory, agent lock, the outbox's one path,
	// trust store. The demo only when asked.
	ag, err := agent.Start(agent.Options{Role: "motcua-app", Config: cfg, ConfigFile: ch.ConfigFile,
		Demo: ch.Demo, DemoWithoutConfig: true, Log: log})
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, ag.Close)
	dir := ag.DataDir

	// The reader: the demo's simulated reader, or the configured PC/SC
	// reader, waited for while none is attached (never the demo).
	var term reader.Terminal
	var deck *simcard.Deck
	if ag.Demo {
		r := simcard.NewReader("Simulated reader (motcua demo)")
		if cfg.Reader.SimulatedPace == "contactless" {
			r.SetPace(simcard.Contactless424)
		}
		term, deck = r, simcard.DemoDeck(r)
	} else {
		slot := agent.NewReaderSlot(cfg.Reader.Name, log)
		stack = append(stack, slot.Close)
		term = slot
	}

	cat, err := catalog.Load(cfg.Kiosk.CatalogDir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range cat.Errors {
		log.Error("service file skipped", "err", e.Error())
	}

	box, err := ag.OpenOutbox()
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, func() { box.Close() })

	delivery, err := ag.Deliver(ctx, ch.QueueOnly)
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, delivery.Stop)
	conn, provider := delivery.Conn, delivery.Describe

	var app *ui.App
	var hb *agent.Heartbeat
	var w *worker.Worker
	if conn != nil {
		w, err = worker.New(worker.Config{Store: box, Conn: conn, Logger: log, DemoSink: delivery.DemoSink, OnDrain: func(st worker.Stats, err error) {
			if app != nil {
				app.SyncObserved(st, err)
			}
			hb.Synced(st, err)
		}})
		if err != nil {
			return nil, nil, err
		}
	}

	ecfg := engine.Config{
		Mode: mode, Terminal: term, TrustInfo: ag.TrustInfo, Catalog: cat, Outbox: box, Provider: provider,
		AdminPIN: cfg.Kiosk.AdminPIN, Device: cfg.Device(), Idle: cfg.Kiosk.IdleTimeout.Duration,
		ReadOptions: agent.ReadOptions(cfg, ag.Trust), Log: log, Demo: deck != nil,
		Notary: engine.NotaryConfig{NotaryID: cfg.Kiosk.NotaryID, Office: cfg.Kiosk.Office, Dir: recordsDir(cfg, dir, "notary")},
		Clinic: engine.ClinicConfig{Staff: agent.ClinicStaff(cfg),
			Facility: cfg.Kiosk.Facility, Dir: recordsDir(cfg, dir, "clinic")},
	}
	if w != nil {
		ecfg.Worker = w
	}
	ecfg.Capture = captureConfig(cfg) // desk attachments, notary signing photos (capture.go)
	if ecfg.Table, err = agent.Communes(cfg); err != nil {
		return nil, nil, err
	}
	ucfg := ui.Config{LargeText: cfg.Kiosk.LargeText, HighContrast: cfg.Kiosk.HighContrast}
	if cfg.Kiosk.Language == "en" {
		ucfg.Lang = ui.English
	}
	if deck != nil {
		ucfg.Demo = deck
		if ecfg.AdminPIN == "" {
			// The demo's admin PIN, shown in the README. Only an explicit
			// demo has a default PIN; a configured app without
			// kiosk.admin_pin keeps its admin screen shut.
			ecfg.AdminPIN = DemoAdminPIN
		}
		if ecfg.Notary.NotaryID == "" {
			ecfg.Notary.NotaryID, ecfg.Notary.Office = "CCV-DEMO", "Văn phòng công chứng (demo)"
		}
	}
	g, err := agent.ClinicGateway(cfg)
	if err != nil {
		return nil, nil, err
	}
	if g != nil {
		ecfg.Clinic.Gateway = g
	}
	// One ESC/POS printer (kiosk.printer) for receipt slips and queue tickets.
	if ucfg.Printer, err = agent.Printer(cfg); err != nil {
		return nil, nil, err
	}
	if mode == engine.Clinic {
		// Repeat visits, statistics, the self check-in (clinic.go).
		stopClinic, err := clinicSetup(cfg, dir, deck, ucfg.Printer, &ecfg.Clinic)
		if err != nil {
			return nil, nil, err
		}
		stack = append(stack, stopClinic)
	}
	if pc := cfg.Kiosk.PrintCommand; pc != "" {
		ucfg.Print = func(png []byte) error { return printReceipt(pc, png) }
	}
	// The official QR's target.
	ucfg.Office = cfg.Kiosk.Office
	ecfg.Receipt = receipt.Config{StatusURL: cfg.Kiosk.StatusURL}
	if err := ecfg.Receipt.Check(); err != nil {
		return nil, nil, fmt.Errorf("config: kiosk.status_url: %w", err)
	}
	if mode == engine.Kiosk { // voice guidance (issue 19): only a kiosk speaks
		ucfg.Voice = startVoice(ctx, cfg, log, &stack)
	}
	// The office link (issue 19): help calls between kiosks and desks.
	link, err := agent.Office(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if link != nil {
		ecfg.Help = link.ForEngine()
	}
	if ucfg.Engine, err = engine.New(ecfg); err != nil {
		return nil, nil, err
	}
	// Dossiers an older agent queued get their owners' keyed tags, so a
	// card tap at the look-up finds them too (off the start-up path).
	ucfg.Engine.StartTaggingOlderDossiers()
	if link != nil {
		link.AttachEngine(ucfg.Engine)
		stopLink, err := agent.ServeOffice(ctx, cfg, link, log)
		if err != nil {
			return nil, nil, err
		}
		stack = append(stack, stopLink)
	}
	app, err = ui.New(fa, ucfg)
	if err != nil {
		return nil, nil, err
	}
	if (mode == engine.Kiosk || ecfg.Clinic.SelfService) && cfg.Kiosk.Fullscreen {
		app.Window().SetFullScreen(true)
	} else {
		app.Window().SetFullScreen(false)
		app.Window().Resize(deskWindow) // fitted to the screen once the driver is up
	}
	app.Start(ctx)
	stack = append(stack, app.Stop)
	hb, err = ag.StartHeartbeat(ctx, ucfg.Engine, func(f func(*outbox.Store) error) error { return f(box) })
	if err != nil {
		return nil, nil, err
	}
	stack = append(stack, hb.Stop)
	if err := hostAPI(ctx, cfg, ucfg.Engine, dir, log, &stack); err != nil {
		return nil, nil, err
	}
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
	log.Info("app started", "mode", mode.String(), "reader_name", term.Name(), "demo", ag.Demo, "data_dir", dir, "provider", provider)
	ok = true
	return app, cleanup, nil
}

// startVoice makes the kiosk's voice guide from [kiosk] voice, voice_volume,
// voice_name and voice_player, and fills its clip cache in the background
// (the first visit hears a cache hit). What is missing (espeak-ng, an audio
// player) makes it silent, and the admin screen says so; it never stops
// the app.
func startVoice(ctx context.Context, cfg *config.Config, log *slog.Logger, stack *[]func()) *voice.Guide {
	vc := voice.Config{Enabled: cfg.Kiosk.Voice, Volume: cfg.Kiosk.VoiceVolume, Mode: voice.Kiosk}
	if s, err := voice.NewEspeak(cfg.Kiosk.VoiceName, 0); err == nil {
		vc.Synth = s
	} else {
		log.Warn("voice: no speech synthesis; clips already cached still play", "err", err)
	}
	if pc := cfg.Kiosk.VoicePlayer; pc != "" {
		p, err := voice.ParsePlayer(pc)
		if err != nil {
			log.Warn("voice: kiosk.voice_player unusable; looking for a player on PATH", "err", err)
		} else {
			vc.Player = p
		}
	}
	g := voice.New(vc)
	if st := g.Status(); !st.Active {
		log.Info("voice guidance silent", "reason", st.Reason)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := g.Warm(wctx); err != nil && wctx.Err() == nil {
			log.Warn("voice: clips not cached", "err", err)
		}
	}()
	*stack = append(*stack, func() {
		cancel()
		<-done
		g.Close(time.Second)
	})
	return g
}

// DemoAdminPIN is the admin PIN of an explicit demo (README), as long as
// the configuration's rule asks (6 digits).
const DemoAdminPIN = "246810"

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

// hostAPI serves the local integration API on the app's engine when an
// application is paired (`motcua serve pair`): clinic software keeps
// working on a kiosk or desk that runs the app, and only one process owns
// the reader. With nothing paired no port is opened. The API shows the card
// on the reader (its card session), never the visit the screen keeps after
// the card left.
func hostAPI(ctx context.Context, cfg *config.Config, eng *engine.Engine, dir string, log *slog.Logger, stack *[]func()) error {
	pairs, err := localapi.OpenPairings(dir)
	if err != nil {
		return err
	}
	if apps, err := pairs.List(); err != nil || len(apps) == 0 {
		return err
	}
	srv, err := localapi.New(localapi.Config{Engine: eng, Pairings: pairs, Origins: cfg.API.Origins, Logger: log})
	if err != nil {
		return err
	}
	l, err := localapi.Listen(cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("local API: %w", err)
	}
	actx, cancel := context.WithCancel(ctx)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	runDone, serveDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(runDone); srv.Run(actx) }()
	go func() { defer close(serveDone); hs.Serve(l) }()
	log.Info("local API serving on the app's engine", "listen", l.Addr().String())
	*stack = append(*stack, func() {
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		hs.Shutdown(sctx)
		stop()
		cancel()
		<-runDone
		<-serveDone
	})
	return nil
}
