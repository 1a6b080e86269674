// Package ui is the Fyne front end of kiosk/engine: a full-screen kiosk or
// a desk window that citizens, officers, receptionists and notaries see.
//
// The engine runs the visit; the screens render its View and send its
// intents. Engine events arrive on the engine's goroutine and reach the
// widgets through fyne.Do; store reads (the outbox list, counts) and
// printing run on their own goroutines, so the UI goroutine never waits
// for I/O. The UI keeps no card data of its own.
package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
	"motcua/kiosk/voice"
	"motcua/reader/qr/scanner"
	"motcua/sync/worker"
)

// Mode is who the app is for (the engine's mode).
type Mode = engine.Mode

// Modes.
const (
	Kiosk  = engine.Kiosk
	Desk   = engine.Desk
	Clinic = engine.Clinic
	Notary = engine.Notary
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) { return engine.ParseMode(s) }

// Demo is the simulated reader's control panel: synthetic cards to put on
// and take off the reader, and their QR codes to "scan". Real readers have
// none.
type Demo interface {
	// Cards names the synthetic cards (a forged one among them).
	Cards() []string
	// Insert puts card i on the reader (taking off any other).
	Insert(i int) error
	// Remove takes the card off the reader.
	Remove()
	// QR is card i's QR payload.
	QR(i int) string
}

// Config is what the app shows and how.
type Config struct {
	// Engine runs the reader slot and the visit (required).
	Engine       *engine.Engine
	Lang         Lang
	LargeText    bool
	HighContrast bool
	// Demo is the simulated reader's panel (nil with a real reader).
	Demo Demo
	// Print sends a receipt image to a printer; nil hides the button.
	Print func(png []byte) error
	// Printer prints receipt slips on an ESC/POS printer (kiosk.printer);
	// it comes before Print. Office heads the slip (kiosk.office).
	Printer *printer.Printer
	Office  string

	// Voice speaks each kiosk step (issue 19, guide.go); nil is silent.
	Voice Speaker
}

// App is the running app.
type App struct {
	cfg  Config
	eng  *engine.Engine
	mode Mode
	fa   fyne.App
	win  fyne.Window
	look *look
	lang Lang

	kb       *keyboard
	body     *fyne.Container
	bar      *widget.Label
	progress *widget.ProgressBar
	steps    *widget.Label
	idle     dialog.Dialog
	idleStop chan struct{} // ends the countdown of the idle dialog
	tapStop  chan struct{} // ends the tap map's writer (see walkmap.go)
	page     int           // services page on show
	printMsg string        // after a print job
	kept     keptScroll    // form and review keep their scroll across redraws (form.go)
	notaryUI notaryUI      // notary: the signing photo's people and the e-document as typed (notary.go)
	// composeKeys: the physical keyboard composes Vietnamese (desk default);
	// padOnDesk: the on-screen keyboard comes up on a desk too.
	composeKeys, padOnDesk bool

	// tickStop ends the receipt's and look-up's countdowns (receipt.go);
	// scroll is the frame's scroll, back to the top on a new screen.
	tickStop chan struct{}
	scroll   *container.Scroll

	uiMu   sync.Mutex // serialises UI work (see do)
	mu     sync.Mutex // guards screen, for tests and benchmarks
	screen string
	last   engine.Step

	unsub func()
	wg    sync.WaitGroup

	// passport: the key step's passport mode and what was typed (issue 20).
	passport passportKey
	// The kiosk's guide (issue 19, guide.go): the step bar, the help
	// button and what was last said.
	stepBox   *fyne.Container
	helpBtn   *widget.Button
	helpUntil time.Time
	spoken    string
	stopped   chan struct{}   // closed by Stop: timers of the guide end
	anim      *fyne.Animation // the attract screen's picture (cardart.go)
	query     string          // the services search box (services.go)
	// kbHide: parts of the screen on show that step aside while the
	// keyboard is up (the services title and paging: results stay seen).
	kbHide []fyne.CanvasObject
	// Help over the office link (issue 19, help.go): the kiosk's call
	// dialog and what was said of it; the desk's banner of calls.
	helpDlg    dialog.Dialog
	helpMsg    *widget.Label
	helpSaid   string
	helpBanner *fyne.Container
}

// New builds the app's window on fa over cfg.Engine. Call Start to begin.
func New(fa fyne.App, cfg Config) (*App, error) {
	if cfg.Engine == nil {
		return nil, errors.New("ui: an engine is required")
	}
	a := &App{cfg: cfg, eng: cfg.Engine, mode: cfg.Engine.Mode(), fa: fa, lang: cfg.Lang, last: -1, composeKeys: true, stopped: make(chan struct{})}
	a.look = &look{scale: scaleFor(a.public(), cfg.LargeText), contrast: cfg.HighContrast}
	fa.Settings().SetTheme(a.look)
	a.win = fa.NewWindow(a.title())
	a.kb = newKeyboard(func() Lang { return a.lang })
	a.body = container.NewStack()
	a.bar = widget.NewLabel("")
	a.bar.Wrapping = fyne.TextWrapWord
	a.win.Canvas().SetOnTypedRune(a.typedRune)
	a.win.Canvas().SetOnTypedKey(a.typedKey)
	a.win.SetContent(a.frame())
	if a.mode == Kiosk {
		a.win.SetFullScreen(true)
	} else {
		a.win.Resize(fyne.NewSize(1280, 800))
	}
	a.render()
	return a, nil
}

// do runs f on the UI goroutine (fyne.Do), one at a time: the test
// driver runs fyne.Do on the caller's goroutine, so the lock keeps UI work
// serial there too (on the real driver it is never contended).
func (a *App) do(f func()) {
	fyne.Do(func() {
		a.uiMu.Lock()
		defer a.uiMu.Unlock()
		f()
	})
}

// goIO runs store reads and printing off the UI goroutine; Stop waits.
func (a *App) goIO(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// Window is the app's main window.
func (a *App) Window() fyne.Window { return a.win }

// Engine is the engine the app renders.
func (a *App) Engine() *engine.Engine { return a.eng }

// Screen names the screen on show (for tests and benchmarks).
func (a *App) Screen() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.screen
}

// Start follows the engine's events and starts the engine.
func (a *App) Start(ctx context.Context) {
	if a.unsub == nil {
		a.unsub = a.eng.Subscribe(func(e engine.Event) { a.do(func() { a.onEvent(e) }) })
		a.startTapMap()
	}
	a.eng.Start(ctx)
}

// Stop stops the engine (which wipes the visit) and the app's own work.
func (a *App) Stop() {
	a.eng.Stop()
	a.uiMu.Lock()
	select {
	case <-a.stopped:
	default:
		close(a.stopped)
	}
	if a.idleStop != nil {
		close(a.idleStop)
		a.idleStop = nil
	}
	if a.tapStop != nil {
		close(a.tapStop)
		a.tapStop = nil
	}
	if a.tickStop != nil {
		close(a.tickStop)
		a.tickStop = nil
	}
	a.uiMu.Unlock()
	if a.unsub != nil {
		a.unsub()
		a.unsub = nil
	}
	a.wg.Wait()
}

// SyncObserved takes a sync pass outcome (wire it to worker.Config.OnDrain).
func (a *App) SyncObserved(st worker.Stats, err error) { a.eng.SyncObserved(st, err) }

// onEvent redraws what an engine event changed (UI goroutine).
func (a *App) onEvent(e engine.Event) {
	switch e.Kind {
	case engine.CardProgress:
		if a.progress != nil && e.Progress.Total > 0 {
			a.progress.SetValue(float64(e.Progress.Done) / float64(e.Progress.Total))
			a.steps.SetText(a.stepText(e.Progress))
		}
	case engine.StepChanged, engine.Changed, engine.PartyAdded, engine.QRRefused, engine.KeyRefused, engine.SubmitFailed, engine.CardIdentified:
		a.render()
	case engine.StillThere:
		a.syncIdle(a.eng.View())
	case engine.HelpOutcome, engine.HelpAnswered, engine.HelpReceived, engine.HelpCleared: // help.go
		a.drawHelp(a.eng.View())
	default:
		a.drawBar(a.eng.View())
	}
}

// render draws the engine's current step.
func (a *App) render() {
	v := a.eng.View()
	a.drawBar(v)
	a.drawSteps(v) // the step bar and the voice (guide.go)
	a.drawHelp(v)  // help over the office link (help.go)
	a.speak(v)
	a.syncIdle(v)
	if v.Step != a.last && v.Step == engine.StepServices {
		a.page, a.query = 0, ""
	}
	a.last = v.Step
	switch v.Step {
	case engine.StepKey:
		a.showKey(v)
	case engine.StepReading:
		a.showReading(v)
	case engine.StepProblem:
		a.showProblem(v)
	case engine.StepIdentity:
		a.showIdentity(v)
	case engine.StepServices:
		a.showServices(v)
	case engine.StepForm:
		a.showForm(v)
	case engine.StepReview:
		a.showReview(v)
	case engine.StepReceipt:
		a.showReceipt(v)
	case engine.StepCheckingIn:
		a.showChecking()
	case engine.StepCheckIn:
		a.showCheckIn(v)
	case engine.StepNotary:
		a.showNotary(v)
	case engine.StepAdmin:
		a.showAdmin(v)
	case engine.StepLookup:
		a.showLookup(v)
	default:
		if !a.renderClinic(v) { // clinic_kiosk.go
			a.showAttract(v)
		}
	}
}

// frame is the window layout: the demo banner, the top bar (language,
// text size, contrast, outbox, admin), the screen, the keyboard, the demo
// panel and the status bar.
func (a *App) frame() fyne.CanvasObject {
	top := container.NewVBox()
	if a.isDemo() {
		top.Add(a.demoBanner())
	}
	top.Add(a.topBar())
	guide := a.guideBar() // kiosk: steps, "Nghe lại", help (guide.go)
	if guide != nil {
		top.Add(guide)
	}
	if b := a.helpCalls(); b != nil { // desk: the office's calls for help (help.go)
		top.Add(b)
	}
	bottom := container.NewVBox(a.kb.object())
	var panel fyne.CanvasObject
	if a.cfg.Demo != nil {
		panel = a.demoPanel()
		bottom.Add(panel)
	}
	a.kb.shown = func(up bool) { // the keyboard takes the room of the panel and the step bar
		for _, o := range append([]fyne.CanvasObject{panel, guide}, a.kbHide...) {
			switch {
			case o == nil:
			case up:
				o.Hide()
			default:
				o.Show()
			}
		}
	}
	if !a.public() {
		bottom.Add(a.bar)
	}
	// The screen scrolls inside the window: a screen taller than the window
	// (large text, a long form, the keyboard up) never makes it grow.
	// A finger dragging the page scrolls it too (touchscroll.go).
	a.scroll = touchVScroll(container.NewPadded(a.body))
	return container.NewBorder(top, bottom, nil, nil, a.scroll)
}

func (a *App) isDemo() bool { return a.cfg.Demo != nil || a.eng.Info().Demo }

// demoBanner says on every screen that this is a demonstration.
func (a *App) demoBanner() fyne.CanvasObject {
	return onColour(warnColour, T(a.lang, "demo.banner"))
}

func (a *App) topBar() fyne.CanvasObject {
	lang := widget.NewButton(T(a.lang, "lang"), func() {
		a.lang = 1 - a.lang
		a.win.SetTitle(a.title())
		a.win.SetContent(a.frame())
		a.render()
	})
	large := widget.NewButton(T(a.lang, "large"), func() { a.setLarge(!a.cfg.LargeText) })
	contrast := widget.NewButton(T(a.lang, "contrast"), func() { a.setContrast(!a.look.contrast) })
	title := widget.NewLabelWithStyle(a.title(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	right := container.NewHBox(lang, large, contrast)
	if a.mode == Desk {
		right.Add(widget.NewButton(T(a.lang, "desk.outbox"), a.showOutbox))
	}
	if !a.public() { // a desk PC has a keyboard: the on-screen one only when asked
		pad := widget.NewCheck(T(a.lang, "kb.ondesk"), func(on bool) {
			a.padOnDesk = on
			if !on && a.kb.target != nil {
				a.kb.detach()
			}
		})
		pad.Checked = a.padOnDesk
		right.Add(pad)
	}
	if !a.public() || a.cfg.Demo != nil || a.eng.Info().AdminPIN {
		right.Add(widget.NewButton(T(a.lang, "admin.title"), a.askPIN))
	}
	return container.NewBorder(nil, nil, nil, right, title) // the title takes what the buttons leave
}

func (a *App) setLarge(on bool) {
	a.cfg.LargeText = on
	a.look.scale = scaleFor(a.public(), on)
	a.fa.Settings().SetTheme(a.look)
}

func (a *App) setContrast(on bool) {
	a.look.contrast = on
	a.fa.Settings().SetTheme(a.look)
}

// show puts a screen up and records its name.
func (a *App) show(name string, content fyne.CanvasObject) {
	if a.kb.target != nil {
		a.kb.detach()
	}
	a.kbHide = nil
	if a.anim != nil { // the attract picture moves only while on show
		a.anim.Stop()
		a.anim = nil
	}
	if name != "reading" {
		a.progress, a.steps = nil, nil
	}
	a.body.Objects = []fyne.CanvasObject{content}
	a.body.Refresh()
	if a.scroll != nil && name != a.Screen() { // a new screen starts at its top
		a.scroll.ScrollToTop()
	}
	a.mu.Lock()
	a.screen = name
	a.mu.Unlock()
}

// syncIdle shows "still there?" while the engine asks, and hides it after.
func (a *App) syncIdle(v engine.View) {
	switch {
	case v.StillThere && a.idle == nil:
		yes := widget.NewButton(T(a.lang, "idle.yes"), nil)
		yes.Importance = widget.HighImportance
		// The countdown is on screen: the wipe is never a surprise.
		ends := time.Now().Add(a.eng.Grace())
		count := para(fmt.Sprintf(T(a.lang, "idle.closes"), int(a.eng.Grace().Seconds())))
		stop := make(chan struct{})
		a.idleStop = stop
		a.goIO(func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					left := max(0, int(time.Until(ends).Round(time.Second).Seconds()))
					a.do(func() { count.SetText(fmt.Sprintf(T(a.lang, "idle.closes"), left)) })
				}
			}
		})
		body := container.NewVBox(widget.NewLabel(T(a.lang, "idle.body")), count, yes)
		d := dialog.NewCustomWithoutButtons(T(a.lang, "idle.title"), body, a.win)
		yes.OnTapped = a.eng.StillHere
		a.idle = d
		d.Show()
		if a.cfg.Voice != nil && a.mode == Kiosk {
			a.cfg.Voice.Say(voice.StillThere)
		}
	case !v.StillThere && a.idle != nil:
		a.idle.Hide()
		a.idle = nil
		if a.idleStop != nil { // Stop may have ended the countdown already
			close(a.idleStop)
			a.idleStop = nil
		}
	}
}

// typedRune and typedKey hand key presses outside any field to the
// engine, which recognises a keyboard-wedge QR scanner's bursts.
func (a *App) typedRune(r rune) { a.eng.WedgeKey(scanner.Key{Rune: r, At: time.Now()}) }

func (a *App) typedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
		a.eng.WedgeKey(scanner.Key{Enter: true, At: time.Now()})
	}
}

// Scanned takes a QR code from any scanner (the engine decides what it is).
func (a *App) Scanned(payload string) { a.eng.Scanned(payload) }

// title is the window's and the top bar's title: the mode says what the
// machine is for (a clinic's reception is no public-service kiosk).
func (a *App) title() string {
	switch a.mode {
	case Desk:
		return T(a.lang, "app.title.desk")
	case Clinic:
		return T(a.lang, "app.title.clinic")
	case Notary:
		return T(a.lang, "app.title.notary")
	}
	return T(a.lang, "app.title")
}
