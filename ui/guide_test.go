package ui

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/hwtest/simcard"
	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/voice"
	"motcua/reader"
	"motcua/sync/outbox"
)

// choose picks a service on the services screen: at a kiosk the tile
// opens the detail first, where "Chọn thủ tục này" chooses it.
func (r *rig) choose(name string) {
	r.t.Helper()
	r.tap(name)
	if r.app.mode == Kiosk {
		r.wait("services.detail")
		r.tap(w("detail.choose"))
	}
}

// memPlayer is the audio device of the tests: it takes each clip the
// guide plays (a WAV) and keeps it.
type memPlayer struct {
	mu    sync.Mutex
	clips [][]byte
	first chan struct{} // gets a value as each clip's first bytes arrive
}

func newMemPlayer() *memPlayer { return &memPlayer{first: make(chan struct{}, 64)} }

func (p *memPlayer) Name() string { return "memory" }

func (p *memPlayer) Play(ctx context.Context, wav io.Reader) error {
	var b bytes.Buffer
	buf := make([]byte, 4096)
	signalled := false
	for {
		n, err := wav.Read(buf)
		if n > 0 && !signalled {
			signalled = true
			select {
			case p.first <- struct{}{}:
			default:
			}
		}
		b.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	p.mu.Lock()
	p.clips = append(p.clips, b.Bytes())
	p.mu.Unlock()
	return nil
}

func (p *memPlayer) count() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.clips) }

// needEspeak skips a test that synthesises speech without espeak-ng.
func needEspeak(t testing.TB) voice.Synth {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (scripts/packages.txt lists it)")
	}
	s, err := voice.NewEspeak("vi", 0)
	if err != nil {
		t.Skip(err)
	}
	return s
}

// newGuideRig is newRig with the app's own configuration (the voice), and
// the commune table of the address tests.
func newGuideRig(t testing.TB, mode Mode, ucfg Config, tweak func(*engine.Config)) *rig {
	t.Helper()
	fa := test.NewTempApp(t)
	rd := simcard.NewReader("Simulated reader (test)")
	deck := simcard.DemoDeck(rd)
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"), outbox.Options{Device: "test-kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	table, err := address.LoadTable(filepath.Join("..", "kiosk", "address", "testdata", "units-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	cfg := engine.Config{Mode: mode, Terminal: rd, Catalog: cat, Outbox: box, Device: "test-kiosk", Demo: true,
		AdminPIN: "246813", Idle: 90 * time.Second, Grace: 30 * time.Second, Now: clk.Now, Table: table,
		ReadOptions: reader.Options{Trust: testTrust(t)}}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ucfg.Engine, ucfg.Demo = eng, deck
	a, err := New(fa, ucfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Start(context.Background())
	t.Cleanup(func() {
		a.Stop()
		box.Close()
	})
	return &rig{t: t, app: a, deck: deck, reader: rd, box: box, clock: clk}
}

// stepBar is the step bar's text, read on the UI goroutine.
func (r *rig) stepBar() string {
	var s string
	r.ui(func() { s = r.app.StepBar() })
	return s
}

// TestStepBarOnEveryKioskStep: "Bước n/5" follows the visit on every
// kiosk screen (and the help button is there); a desk has neither.
func TestStepBarOnEveryKioskStep(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	want := func(n int) {
		t.Helper()
		if got := r.stepBar(); !strings.HasPrefix(got, strings.Replace(strings.Replace(w("step.of"), "%d", string(rune('0'+n)), 1), "%d", "5", 1)) {
			t.Fatalf("on %s the step bar says %q, want step %d", r.app.Screen(), got, n)
		}
		if !r.canTap(w("help.call")) {
			t.Fatalf("no help button on %s", r.app.Screen())
		}
	}
	want(1)
	r.insert(cardGenuine)
	r.wait("key")
	want(1)
	r.app.Scanned(r.deck.QR(cardGenuine))
	r.wait("identity")
	want(2)
	r.tap(w("id.continue"))
	r.wait("services")
	want(3)
	r.tap("Xác nhận số Chứng minh nhân dân")
	r.wait("services.detail")
	want(3)
	r.tap(w("detail.choose"))
	r.wait("form")
	want(4)

	d := newRig(t, Desk, nil)
	d.wait("attract")
	if got := d.stepBar(); got != "" || d.canTap(w("help.call")) {
		t.Fatalf("a desk shows the kiosk's guide: %q", got)
	}
}

// TestHelpButtonRaisesEvent: "Gọi cán bộ hỗ trợ" raises HelpCalled with
// the step (no personal data in it), says so, and rests.
func TestHelpButtonRaisesEvent(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	got := make(chan engine.Event, 8)
	stop := r.app.eng.Subscribe(func(e engine.Event) {
		if e.Kind == engine.HelpCalled {
			got <- e
		}
	})
	defer stop()
	r.readCard(cardGenuine)
	r.tap(w("help.call"))
	select {
	case e := <-got:
		if e.Step != engine.StepIdentity || e.N != 2 || e.Read != nil || e.QR != nil {
			t.Fatalf("help event %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no HelpCalled event")
	}
	r.see(w("help.wait"))
	if r.canTap(w("help.call")) || !r.sees("["+w("help.called")) {
		t.Fatalf("the help button did not rest: %v", r.texts())
	}
}

// TestVoiceSpeaksEachStep: each kiosk step asks the guide for its
// sentence once, "Nghe lại" says it again, the idle prompt is spoken,
// and a desk says nothing. Clips reach the (memory) audio device.
func TestVoiceSpeaksEachStep(t *testing.T) {
	synth := needEspeak(t)
	player := newMemPlayer()
	g := voice.New(voice.Config{Enabled: true, Volume: 60, Mode: voice.Kiosk, CacheDir: t.TempDir(), Synth: synth, Player: player})
	defer g.Close(5 * time.Second)
	r := newGuideRig(t, Kiosk, Config{Voice: g}, nil)
	said := func(m voice.Message) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for g.Status().Last != m && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		if last := g.Status().Last; last != m {
			t.Fatalf("on %s the guide last said %s, want %s", r.app.Screen(), last, m)
		}
	}
	r.wait("attract")
	said(voice.PlaceCard)
	r.insert(cardGenuine)
	r.wait("key")
	said(voice.ScanQR)
	r.app.Scanned(r.deck.QR(cardGenuine))
	r.wait("identity")
	said(voice.ThisIsYou)
	r.tap(w("id.continue"))
	r.wait("services")
	said(voice.ChooseService)
	r.choose("Xác nhận số Chứng minh nhân dân")
	r.wait("form")
	said(voice.FillForm)
	// The clip plays in the background and reaches the device.
	deadline := time.Now().Add(30 * time.Second)
	for player.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if player.count() == 0 {
		t.Fatalf("no clip reached the player: %+v", g.Status())
	}
	before := player.count()
	r.tap(w("voice.repeat"))
	for player.count() == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if player.count() == before || g.Status().Last != voice.FillForm {
		t.Fatalf("Nghe lại did not say the step again: %d clips, last %s", player.count(), g.Status().Last)
	}
	// Idle: "Bạn còn ở đó không?" with the countdown on screen.
	r.clock.Add(95 * time.Second)
	r.app.eng.Tick()
	r.see(strings.SplitN(w("idle.closes"), "%", 2)[0])
	said(voice.StillThere)

	// A desk never speaks.
	dg := voice.New(voice.Config{Enabled: true, Volume: 60, Mode: voice.Kiosk, CacheDir: t.TempDir(), Synth: synth, Player: newMemPlayer()})
	defer dg.Close(5 * time.Second)
	d := newGuideRig(t, Desk, Config{Voice: dg}, nil)
	d.readCard(cardGenuine)
	if last := dg.Status().Last; last != 0 {
		t.Fatalf("a desk said %s", last)
	}
}

// TestSpokenTextHasNoPersonalData: every sentence the kiosk can say is
// fixed, and none holds a name, number or place of the demo deck.
func TestSpokenTextHasNoPersonalData(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	p := r.app.eng.View().Person
	id := p.Identity
	for _, m := range voice.Messages() {
		text := m.Text()
		for _, personal := range []string{id.FullName, id.IDNumber, id.IDNumber[len(id.IDNumber)-6:], id.DateOfBirth, id.PlaceOfResidence} {
			if personal != "" && strings.Contains(text, personal) {
				t.Fatalf("%s says %q", m, personal)
			}
		}
		if strings.ContainsAny(text, "0123456789") {
			t.Fatalf("%s has digits: %q", m, text)
		}
	}
	// Every step the kiosk shows has its sentence.
	for _, st := range []engine.Step{engine.StepAttract, engine.StepKey, engine.StepReading, engine.StepIdentity,
		engine.StepServices, engine.StepForm, engine.StepReview, engine.StepReceipt} {
		if messageFor(engine.View{Step: st}) == 0 {
			t.Fatalf("step %s says nothing", st)
		}
	}
}

// TestSearchFindsEveryServiceOnScreen: typing a service's name without
// diacritics in the search box shows its tile on the first page.
func TestSearchFindsEveryServiceOnScreen(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	fs := r.fields()
	if len(fs) != 1 {
		t.Fatalf("%d fields on services, want the search box", len(fs))
	}
	box := fs[0]
	for _, s := range r.app.eng.Services() {
		q := catalog.Fold(s.NameVI)
		r.ui(func() { box.SetText(q) })
		shown := false
		for _, txt := range r.texts() {
			// Tiles wrap long names; texts() joins the lines with spaces.
			shown = shown || strings.Contains(strings.Join(strings.Fields(txt), " "), s.NameVI)
		}
		if !shown {
			t.Errorf("%q does not show %s (%s): %v", q, s.Code, s.NameVI, r.texts())
		}
	}
	r.ui(func() { box.SetText("tam tru") })
	if !r.sees("Đăng ký tạm trú") {
		t.Fatalf(`"tam tru" does not show "Đăng ký tạm trú": %v`, r.texts())
	}
	r.ui(func() { box.SetText("zzqx") })
	r.see(w("services.none"))
}

// TestTileDetailBeforeChoosing: at a kiosk a tile shows the procedure
// (fees, time, papers, delivery) and the papers never asked for, then
// chooses; "Xem thủ tục khác" goes back with the search kept.
func TestTileDetailBeforeChoosing(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	box := r.fields()[0]
	r.ui(func() { box.SetText("tam tru") })
	r.tap("Đăng ký tạm trú")
	r.wait("services.detail")
	svc, ok := r.app.eng.Catalog().Service("1.004194")
	if !ok {
		t.Fatal("no 1.004194")
	}
	for _, want := range []string{w("detail.fees"), w("detail.time"), w("detail.papers"), w("detail.delivery"),
		catalog.Deliveries[svc.Procedure.Delivery[0]].VI, svc.Procedure.ProcessingVI} {
		if !r.sees(want) {
			t.Errorf("detail lacks %q: %v", want, r.texts())
		}
	}
	for _, at := range svc.Attachments {
		if at.Replaced() && !r.sees(at.LabelVI) {
			t.Errorf("a paper the state holds is not listed as not needed: %s", at.LabelVI)
		}
	}
	if r.app.eng.View().Service != nil {
		t.Fatal("the detail chose the service")
	}
	r.tap(w("detail.back"))
	r.wait("services")
	if got := r.fields()[0].Text; got != "tam tru" {
		t.Fatalf("the search was lost: %q", got)
	}
	r.choose("Đăng ký tạm trú")
	r.wait("form")
	if v := r.app.eng.View(); v.Service == nil || v.Service.Code != "1.004194" {
		t.Fatalf("chose %v", v.Service)
	}
}

// TestPagingButtonsKeepTheirPlace: "Trở lại" and "Xem thêm" are in the
// same place on every page, the unusable one greyed.
func TestPagingButtonsKeepTheirPlace(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.ui(func() { r.app.win.Resize(fyne.NewSize(1280, 800)) })
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	pos := func() (fyne.Position, fyne.Position) {
		var p, m fyne.Position
		r.ui(func() {
			d := fyne.CurrentApp().Driver()
			for _, o := range r.objects() {
				switch {
				case isButton(o, w("services.prev")):
					p = d.AbsolutePositionForObject(o)
				case isButton(o, w("services.more")):
					m = d.AbsolutePositionForObject(o)
				}
			}
		})
		return p, m
	}
	p0, m0 := pos()
	if r.canTap(w("services.prev")) {
		t.Fatal("Trở lại usable on the first page")
	}
	for r.canTap(w("services.more")) {
		r.tap(w("services.more"))
		if p, m := pos(); p != p0 || m != m0 {
			t.Fatalf("paging buttons moved: %v %v, were %v %v", p, m, p0, m0)
		}
	}
	if !r.canTap(w("services.prev")) {
		t.Fatal("Trở lại not usable on the last page")
	}
}

// TestMarkKeysOnScreen: the keyboard has the tone and letter-mark keys
// next to Telex/VNI; a letter, then its marks, types the Vietnamese letter.
func TestMarkKeysOnScreen(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	box := r.fields()[0]
	r.ui(func() { r.app.kb.attach(box) })
	for _, k := range markKeys {
		if !r.canTap(k.label) {
			t.Fatalf("no %q key: %v", k.label, r.texts())
		}
	}
	typeKeys := func(keys ...string) {
		for _, k := range keys {
			if len([]rune(k)) == 1 {
				r.tapFirst(k)
			} else {
				r.tap(k)
			}
		}
	}
	typeKeys("t", "a", "m", "ạ", w("kb.space"), "t", "r", "u", "á")
	if got := box.Text; got != "tạm trú" {
		t.Fatalf("typed %q", got)
	}
	r.ui(func() { box.SetText("") })
	typeKeys("d", "đ", "a", "n", "g", "à")
	if got := box.Text; got != "đàng" {
		t.Fatalf("typed %q", got)
	}
	r.ui(func() { box.SetText("") })
	typeKeys("n", "g", "u", "o", "ơ", "i", "à")
	if got := box.Text; got != "người" {
		t.Fatalf("typed %q", got)
	}
	r.ui(func() { box.SetText("") })
	typeKeys("v", "i", "e", "â", "t", "ạ")
	if got := box.Text; got != "việt" {
		t.Fatalf("typed %q", got)
	}
}

// TestDragOnFieldDoesNotOpenKeyboard: a press that moves (a finger
// scrolling the form) leaves the keyboard down, even when Fyne's entry
// asks for the focus during and after the drag; a tap brings it up.
func TestDragOnFieldDoesNotOpenKeyboard(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	r.choose("Xác nhận số Chứng minh nhân dân")
	r.wait("form")
	f := r.fields()[0]
	at := func(x, y float32) *desktop.MouseEvent {
		m := &desktop.MouseEvent{Button: desktop.MouseButtonPrimary}
		m.AbsolutePosition = fyne.NewPos(x, y)
		return m
	}
	r.ui(func() {
		f.MouseDown(at(100, 300))
		f.MouseMoved(at(100, 280))
		r.app.win.Canvas().Focus(f) // Fyne's entry asks for the focus as its drag starts
		f.MouseMoved(at(100, 200))
		f.MouseUp(at(100, 200))
		r.app.win.Canvas().Focus(f) // and again as it ends
	})
	if r.app.kb.target != nil {
		t.Fatal("a drag on a field brought the keyboard up")
	}
	r.ui(func() {
		f.MouseDown(at(100, 300))
		f.MouseUp(at(102, 301))
	})
	if r.app.kb.target != f {
		t.Fatal("a tap on the field did not bring the keyboard up")
	}
}

// TestCommunePicker: the address is entered by picking the province,
// then the commune, each found by typing without diacritics; what was
// typed before (the street) stays.
func TestCommunePicker(t *testing.T) {
	r := newGuideRig(t, Kiosk, Config{}, nil)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	box := r.fields()[0]
	r.ui(func() { box.SetText("tam tru") })
	r.choose("Đăng ký tạm trú")
	r.wait("form")
	set := false
	for _, val := range r.app.eng.View().Values { // the street is typed first
		if val.Field.Type == "address" && !val.Locked && !set {
			if err := r.app.eng.SetField(val.Party, val.Field.ID, val.Index, "Số 5 ngõ 10 Phố Huế"); err != nil {
				t.Fatal(err)
			}
			set = true
		}
	}
	if !set {
		t.Fatal("the form asks no address")
	}
	r.ui(func() { r.app.render() })
	r.wait("form")
	r.tap(w("commune.pick"))
	r.wait("commune")
	r.see("Thành phố Hà Nội")
	search := r.fields()[0]
	r.ui(func() { search.SetText("ha noi") })
	r.tap("Thành phố Hà Nội")
	r.wait("commune")
	r.see(w("commune.commune"))
	search = r.fields()[0]
	r.ui(func() { search.SetText("ba dinh") })
	if r.sees("Phường Hoàn Kiếm") {
		t.Fatal("the search does not narrow the communes")
	}
	r.tap("Phường Ba Đình")
	r.wait("form")
	v := r.app.eng.View()
	found := false
	for _, val := range v.Values {
		if val.Field.Type == "address" && strings.HasSuffix(val.Text, "Phường Ba Đình, Thành phố Hà Nội") {
			found = true
			if !strings.HasPrefix(val.Text, "Số 5 ngõ 10 Phố Huế") {
				t.Fatalf("the street was lost: %q", val.Text)
			}
		}
	}
	if !found {
		t.Fatalf("no address ends with the pick: %+v", v.Values)
	}
}

// TestGuideScreensFitAndSpeakVietnamese: the new screens (search with the
// keyboard, the tile detail, the commune lists, the admin's voice row)
// fit every variant and show no English in the Vietnamese UI.
func TestGuideScreensFitAndSpeakVietnamese(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the screens 8 ways")
	}
	g := voice.New(voice.Config{Enabled: true, Volume: 60, Mode: voice.Kiosk, CacheDir: t.TempDir(), Player: newMemPlayer()})
	defer g.Close(5 * time.Second)
	r := newGuideRig(t, Kiosk, Config{Voice: g}, nil)
	check := func(what string, redraw func()) {
		t.Helper()
		if e := r.english(); len(e) > 0 {
			t.Errorf("%s shows English: %q", what, e)
		}
		for _, e := range r.overflows(redraw) {
			t.Errorf("%s in %s", what, e)
		}
	}
	r.wait("attract")
	check("attract with the card picture", r.app.render)
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	box := r.fields()[0]
	r.ui(func() { box.SetText("dang ky"); r.app.kb.attach(box) })
	check("services searching with the keyboard", func() { r.app.showServices(r.app.eng.View()) })
	r.ui(func() { r.app.kb.detach() })
	svc, _ := r.app.eng.Catalog().Service("1.004194")
	r.ui(func() { r.app.showServiceDetail(svc) })
	check("services.detail", func() { r.app.showServiceDetail(svc) })
	r.tap(w("detail.choose"))
	r.wait("form")
	if fs := r.fields(); len(fs) > 0 {
		r.ui(func() { r.app.kb.attach(fs[len(fs)-1]) })
		check("form with the mark keys", r.app.render)
		r.ui(func() { r.app.kb.detach() })
	}
	done := func(address.Unit) {}
	r.ui(func() { r.app.pickProvince(done) })
	check("commune: provinces", func() { r.app.pickProvince(done) })
	hn := address.Unit{ProvinceCode: "01", ProvinceName: "Thành phố Hà Nội"}
	r.ui(func() { r.app.pickCommune(hn, done) })
	check("commune: communes", func() { r.app.pickCommune(hn, done) })
	r.ui(func() { r.app.eng.Cancel() })
	r.wait("attract")
	r.deck.Remove()
	r.ui(func() { r.app.eng.OpenAdmin("246813") })
	r.wait("admin")
	r.see(w("voice.on"))
	check("admin with the voice settings", r.app.render)
	r.ui(func() { r.app.lang = English })
	r.ui(func() { r.app.render() })
	r.see("Spoken guidance")
}

// isButton reports whether o is a button labelled label.
func isButton(o fyne.CanvasObject, label string) bool {
	b, ok := o.(*widget.Button)
	return ok && b.Text == label
}
