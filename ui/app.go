// Package ui is the Fyne app citizens, officers, receptionists and notaries
// see: a full-screen kiosk or a desk window, from card tap to receipt.
//
// Card events arrive from kiosk/cardloop on its goroutine and reach the
// widgets through fyne.Do; saving, syncing, look-ups and file writes run on
// their own goroutines, so the UI goroutine never waits for I/O. All card
// data lives in the visit's kiosk/session and is wiped with it.
package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/address"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/catalog"
	"motcua/kiosk/clinic"
	"motcua/kiosk/notary"
	"motcua/kiosk/session"
	"motcua/reader"
	"motcua/reader/cccd"
	"motcua/reader/qr"
	"motcua/reader/qr/scanner"
	"motcua/sync/outbox"
	"motcua/sync/worker"
)

// Mode is who the app is for.
type Mode int

// Modes. They share one engine and differ in what follows a card read.
const (
	Kiosk  Mode = iota // citizens on their own: large, few choices per screen
	Desk               // an officer: details, edits, second parties, the outbox
	Clinic             // a receptionist: health-insurance check-in
	Notary             // a notary: identity verification record
)

var modeNames = [...]string{"kiosk", "desk", "clinic", "notary"}

// String names the mode as the configuration does.
func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q (kiosk, desk, clinic or notary)", s)
}

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

// ClinicConfig is what clinic mode needs for health-insurance check-in.
type ClinicConfig struct {
	Gateway  clinic.Gateway
	Staff    clinic.Staff
	Facility string
	// Dir is where check-in records are written for the clinic's system
	// ("" keeps them on screen only).
	Dir string
}

// NotaryConfig is what notary mode needs for verification records.
type NotaryConfig struct {
	NotaryID, Office string
	// Dir is where records are saved (JSON and a printable PNG).
	Dir string
}

// Config is everything the app runs on.
type Config struct {
	Mode        Mode
	Terminal    reader.Terminal
	ReadOptions reader.Options
	// TrustInfo describes the trust store for the admin screen.
	TrustInfo string
	Catalog   *catalog.Catalog
	Table     *address.Table // may be nil
	Outbox    *outbox.Store
	// Worker syncs the outbox; nil means queue only.
	Worker *worker.Worker
	// Provider describes where dossiers go (admin screen).
	Provider string
	Demo     Demo // nil with a real reader
	// AdminPIN opens the admin screen; "" keeps it shut.
	AdminPIN string
	Device   string
	// Idle and Grace: "Still there?" after Idle, wipe Grace later.
	Idle, Grace  time.Duration
	Lang         Lang
	LargeText    bool
	HighContrast bool
	Clinic       ClinicConfig
	Notary       NotaryConfig
	// Print sends a receipt image to a printer; nil hides the button.
	Print func(png []byte) error
	Now   func() time.Time
}

// App is the running app.
type App struct {
	cfg  Config
	fa   fyne.App
	win  fyne.Window
	look *look
	lang Lang

	sess *session.Session
	keys *cardloop.KeyBox
	kb   *keyboard
	body *fyne.Container
	bar  *statusBar

	// Card state as the screens see it (UI goroutine only).
	present   bool
	reading   bool
	lastRead  *cccd.ReadResult // owned by the session, which wipes it
	qrOnly    *qr.Payload      // a QR scanned with no card on the reader
	role      string           // the party the next card read is for
	parties   []notary.Party   // notary mode: parties already checked for this act
	partiesAt time.Time        // when the last party was kept (idle wipe)
	progress  *widget.ProgressBar
	steps     *widget.Label
	message   string // one-line notice on the next screen
	idle      dialog.Dialog
	wedge     scanner.Wedge

	uiMu   sync.Mutex // serialises UI work (see do)
	mu     sync.Mutex // guards screen, for tests and benchmarks
	screen string
	shown  chan string // receives each screen name (tests), may be nil

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds the app's window on fa. Call Start to begin watching the reader.
func New(fa fyne.App, cfg Config) (*App, error) {
	if cfg.Terminal == nil || cfg.Catalog == nil || cfg.Outbox == nil {
		return nil, errors.New("ui: a reader terminal, a catalogue and an outbox are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Device == "" {
		cfg.Device = "motcua"
	}
	a := &App{cfg: cfg, fa: fa, lang: cfg.Lang, keys: cardloop.NewKeyBox()}
	a.look = &look{scale: scaleFor(cfg.Mode == Kiosk, cfg.LargeText), contrast: cfg.HighContrast}
	fa.Settings().SetTheme(a.look)
	a.sess = session.New(session.Config{Catalog: cfg.Catalog, Table: cfg.Table, Device: cfg.Device,
		Idle: cfg.Idle, Grace: cfg.Grace, Now: cfg.Now})
	a.win = fa.NewWindow(T(a.lang, "app.title"))
	a.kb = newKeyboard(func() Lang { return a.lang })
	a.body = container.NewStack()
	a.bar = newStatusBar(a)
	a.win.Canvas().SetOnTypedRune(a.typedRune)
	a.win.Canvas().SetOnTypedKey(a.typedKey)
	a.win.SetContent(a.frame())
	if cfg.Mode == Kiosk {
		a.win.SetFullScreen(true)
	} else {
		a.win.Resize(fyne.NewSize(1280, 800))
	}
	a.showAttract()
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

// goIO runs I/O (saving, look-ups, listing) off the UI goroutine; Stop
// waits for it.
func (a *App) goIO(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// Window is the app's main window.
func (a *App) Window() fyne.Window { return a.win }

// Screen names the screen on show (for tests and benchmarks).
func (a *App) Screen() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.screen
}

// Start runs the card loop, the idle timer and the sync status until Stop.
func (a *App) Start(ctx context.Context) {
	ctx, a.cancel = context.WithCancel(ctx)
	loop := &cardloop.Loop{Terminal: a.cfg.Terminal, Keys: a.keys, Options: a.cfg.ReadOptions,
		OnEvent: func(e cardloop.Event) { a.do(func() { a.onCard(e) }) }}
	a.wg.Add(2)
	go func() { defer a.wg.Done(); loop.Run(ctx) }()
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.do(a.tick)
			}
		}
	}()
	a.bar.start(ctx, &a.wg)
}

// Stop ends the card loop and timers and wipes the visit.
func (a *App) Stop() {
	if a.cancel != nil {
		a.cancel()
		a.wg.Wait()
		a.cancel = nil
	}
	a.sess.Cancel()
}

// frame is the window layout: the top bar (language, text size, contrast,
// cancel), the screen, the keyboard, the demo panel and the status bar.
func (a *App) frame() fyne.CanvasObject {
	top := a.topBar()
	bottom := container.NewVBox(a.kb.object())
	if a.cfg.Demo != nil {
		bottom.Add(a.demoPanel())
	}
	if a.cfg.Mode != Kiosk {
		bottom.Add(a.bar.object())
	}
	return container.NewBorder(top, bottom, nil, nil, container.NewPadded(a.body))
}

func (a *App) topBar() fyne.CanvasObject {
	lang := widget.NewButton(T(a.lang, "lang"), func() {
		a.lang = 1 - a.lang
		a.win.SetTitle(T(a.lang, "app.title"))
		a.win.SetContent(a.frame())
		a.rerender()
	})
	large := widget.NewButton(T(a.lang, "large"), func() {
		a.cfg.LargeText = !a.cfg.LargeText
		a.look.scale = scaleFor(a.cfg.Mode == Kiosk, a.cfg.LargeText)
		a.fa.Settings().SetTheme(a.look)
	})
	contrast := widget.NewButton(T(a.lang, "contrast"), func() {
		a.look.contrast = !a.look.contrast
		a.fa.Settings().SetTheme(a.look)
	})
	title := widget.NewLabelWithStyle(T(a.lang, "app.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	right := container.NewHBox(lang, large, contrast)
	if a.cfg.Mode == Desk {
		right.Add(widget.NewButton(T(a.lang, "desk.outbox"), a.showOutbox))
	}
	if a.cfg.Mode != Kiosk || a.cfg.Demo != nil || a.cfg.AdminPIN != "" {
		right.Add(widget.NewButton(T(a.lang, "admin.title"), a.askPIN))
	}
	return container.NewBorder(nil, nil, title, right)
}

// show puts a screen up and records its name.
func (a *App) show(name string, content fyne.CanvasObject) {
	if a.kb.target != nil {
		a.kb.detach()
	}
	a.body.Objects = []fyne.CanvasObject{content}
	a.body.Refresh()
	a.mu.Lock()
	a.screen = name
	ch := a.shown
	a.mu.Unlock()
	if ch != nil {
		select {
		case ch <- name:
		default:
		}
	}
}

// rerender draws the current step again (after a language change).
func (a *App) rerender() {
	switch a.sess.State() {
	case session.WaitingForCard:
		if a.Screen() == "key" {
			a.showKey("")
			return
		}
		a.showAttract()
	case session.Identified:
		a.showIdentity()
	case session.ServiceChosen, session.Filling:
		a.showForm(nil)
	case session.Reviewing:
		a.showReview("")
	case session.Submitted:
		a.showReceipt(a.sess.Receipt())
	}
}

// cancelVisit wipes everything and starts again.
func (a *App) cancelVisit() {
	a.dropParties()
	a.sess.Cancel()
	a.keys.Clear()
	a.lastRead, a.qrOnly, a.role = nil, nil, ""
	a.message = T(a.lang, "cancel.done")
	a.showAttract()
}

// onCard handles a card loop event on the UI goroutine.
func (a *App) onCard(e cardloop.Event) {
	switch e.Type {
	case cardloop.Inserted:
		a.present = true
		a.bar.setCard(true)
		if e.NeedsKey {
			a.showKey("")
		}
	case cardloop.Reading:
		a.reading = true
		a.showReading()
	case cardloop.Progress:
		if a.progress != nil {
			a.progress.SetValue(float64(e.Done) / float64(e.Total))
			a.steps.SetText(a.stepText(e))
		}
	case cardloop.Read:
		a.reading = false
		a.cardRead(e.Result)
	case cardloop.Failed:
		a.reading = false
		if e.NeedsKey {
			a.showKey(T(a.lang, "key.wrong"))
			return
		}
		a.showProblem(T(a.lang, "read.failed"), e.Reason, T(a.lang, "read.again"))
	case cardloop.Removed:
		a.present = false
		a.bar.setCard(false)
		if a.reading {
			a.reading = false
			a.message = T(a.lang, "read.pulled")
		}
		a.cardRemoved()
	case cardloop.ReaderGone:
		a.bar.setReaderGone()
	}
}

// cardRead files a chip read in the visit and moves on.
func (a *App) cardRead(res *cccd.ReadResult) {
	switch a.sess.State() {
	case session.WaitingForCard:
		if err := a.sess.CardRead(res, ""); err != nil {
			res.Wipe()
			a.showProblem(err.Error(), "", "")
			return
		}
		a.lastRead, a.qrOnly = res, nil
		a.showIdentity()
	case session.Filling, session.ServiceChosen:
		role := a.role
		if role == "" {
			role = a.missingCardParty()
		}
		if err := a.sess.CardRead(res, role); err != nil {
			res.Wipe()
			a.showForm([]string{err.Error()})
			return
		}
		a.role = ""
		a.showForm(nil)
	default:
		res.Wipe() // a card read at review or receipt is not for this visit
	}
}

// cardRemoved ends what needs the card: a visit after its receipt, a
// check-in or a notary check; a visit still being filled keeps its data
// (the next party's card comes next).
func (a *App) cardRemoved() {
	st := a.sess.State()
	switch {
	case st == session.Submitted:
		a.sess.CardRemoved()
		a.lastRead = nil
		a.showAttract()
	case (a.cfg.Mode == Clinic || a.cfg.Mode == Notary) && st != session.WaitingForCard:
		a.sess.Cancel()
		a.lastRead = nil
		a.showAttract()
	case st == session.WaitingForCard:
		a.showAttract()
	case st == session.Filling || st == session.ServiceChosen:
		a.showForm(nil)
	}
}

// tick drives the idle timer once a second.
func (a *App) tick() {
	for _, r := range a.wedge.Flush(a.cfg.Now()) {
		a.wedgeRun(r)
	}
	// Parties kept for a notarial act wait for the next card only so long.
	if len(a.parties) > 0 && a.sess.State() == session.WaitingForCard &&
		a.cfg.Now().Sub(a.partiesAt) > 2*a.sess.IdleTimeout() {
		a.dropParties()
		a.showAttract()
	}
	switch a.sess.Tick() {
	case session.StillThere:
		if a.idle == nil {
			a.askStillThere()
		}
	case session.WipedIdle:
		if a.idle != nil {
			a.idle.Hide()
			a.idle = nil
		}
		a.keys.Clear()
		a.dropParties()
		a.lastRead, a.qrOnly, a.role = nil, nil, ""
		a.showAttract()
	}
}

func (a *App) askStillThere() {
	yes := widget.NewButton(T(a.lang, "idle.yes"), nil)
	yes.Importance = widget.HighImportance
	body := container.NewVBox(widget.NewLabel(T(a.lang, "idle.body")), yes)
	d := dialog.NewCustomWithoutButtons(T(a.lang, "idle.title"), body, a.win)
	yes.OnTapped = func() {
		a.sess.StillHere()
		d.Hide()
		a.idle = nil
	}
	a.idle = d
	d.Show()
}

// typedRune and typedKey listen for keyboard-wedge QR scanners when no
// field has focus.
func (a *App) typedRune(r rune) {
	for _, run := range a.wedge.Feed(scanner.Key{Rune: r, At: time.Now()}) {
		a.wedgeRun(run)
	}
}

func (a *App) typedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
		for _, run := range a.wedge.Feed(scanner.Key{Enter: true, At: time.Now()}) {
			a.wedgeRun(run)
		}
	}
}

func (a *App) wedgeRun(r scanner.Run) {
	if r.Origin == scanner.Scanned {
		a.Scanned(r.Text)
	}
}

// Scanned takes a QR code from any scanner: a card's QR gives the keys to
// its chip; anything else is explained.
func (a *App) Scanned(payload string) {
	p, err := qr.Parse(payload)
	if err != nil {
		a.message = qrProblem(a.lang, err)
		if a.Screen() == "key" {
			a.showKey(a.message)
			return
		}
		a.rerender()
		return
	}
	keys, err := reader.KeysFromCitizen(p.IDNumber, p.BirthDate(), p.IssueDate())
	if err != nil {
		a.message = err.Error()
		a.rerender()
		return
	}
	a.keys.Put(keys, p)
	if !a.present && a.sess.State() == session.WaitingForCard {
		a.qrOnly = p
		a.message = T(a.lang, "key.qrfirst")
		a.showAttract()
	}
}

// qrProblem says in plain words what was scanned instead of a card's QR.
func qrProblem(l Lang, err error) string {
	var nc *qr.NotCardError
	if errors.As(err, &nc) {
		if l == Vietnamese {
			return "Đây không phải mã QR của thẻ căn cước (" + nc.Kind.Describe() + ")."
		}
		return "This is not an ID card's QR code (" + nc.Kind.Describe() + ")."
	}
	if l == Vietnamese {
		return "Không đọc được mã QR này. Xin quét lại mã trên thẻ."
	}
	return "This QR code could not be used. Please scan the code on the card again."
}

// typedKeyFor turns digits typed by the citizen into chip keys.
func typedKeyFor(s string) ([]reader.Key, bool) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 6:
		k, err := reader.KeyFromCAN(s)
		return []reader.Key{k}, err == nil
	case 12:
		k, err := reader.KeyFromID(s)
		return []reader.Key{k}, err == nil
	}
	return nil, false
}

// missingCardParty is the card party of the chosen service that still
// has nobody, so a second card goes to the right person.
func (a *App) missingCardParty() string {
	f := a.sess.Form()
	if f == nil {
		return ""
	}
	for _, p := range f.Service.Parties {
		if p.FromCard && len(f.Persons[p.Role]) < max(p.Min, 1) {
			return p.Role
		}
	}
	return ""
}
