package office

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/sync/outbox"
)

// machine is one engine of the office with its end of the link, serving
// on 127.0.0.1.
type machine struct {
	eng  *engine.Engine
	link *Link
	addr string

	mu     sync.Mutex
	events []engine.Event
}

// listenLocal reserves a loopback port for a machine (peers must know
// each other's addresses before the links are made).
func listenLocal(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// newMachine makes an engine of mode named name, linked to peers with
// key, serving on ln.
func newMachine(t testing.TB, mode engine.Mode, name string, key Key, ln net.Listener, peers ...string) *machine {
	return newMachineAt(t, nil, mode, name, key, ln, peers...)
}

// newMachineAt is newMachine whose link runs on the clock now (nil: the
// system's).
func newMachineAt(t testing.TB, now func() time.Time, mode engine.Mode, name string, key Key, ln net.Listener, peers ...string) *machine {
	t.Helper()
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox"), outbox.Options{Device: name})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	link, err := New(Config{Name: name, Office: "UBND xã Thử", Key: key, Peers: peers, Burst: 1000, Rate: 1000, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Mode: mode, Terminal: simcard.NewReader("Simulated reader (office test)"),
		Catalog: cat, Outbox: box, Device: name, Help: link.ForEngine(), Idle: time.Minute, Grace: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	link.AttachEngine(eng)
	m := &machine{eng: eng, link: link, addr: ln.Addr().String()}
	unsub := eng.Subscribe(func(ev engine.Event) { m.mu.Lock(); m.events = append(m.events, ev); m.mu.Unlock() })
	ctx, cancel := context.WithCancel(context.Background())
	eng.Start(ctx)
	done := make(chan struct{})
	go func() { defer close(done); link.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; eng.Stop(); unsub(); box.Close() })
	return m
}

// event waits for the first event of kind k (bounded).
func (m *machine) event(t testing.TB, k engine.Kind) engine.Event {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		m.mu.Lock()
		for _, ev := range m.events {
			if ev.Kind == k {
				m.mu.Unlock()
				return ev
			}
		}
		m.mu.Unlock()
	}
	t.Fatalf("%s: no %s event", m.eng.Device(), k)
	return engine.Event{}
}

// TestHelpAcrossTheOffice: the kiosk's "Gọi cán bộ hỗ trợ" travels by real
// HTTP to both desks of the office, which list it with the kiosk's name
// and step; one desk's "Tôi đến ngay" makes the kiosk say an officer is
// coming and clears the call at the other desk too.
func TestHelpAcrossTheOffice(t *testing.T) {
	lk, l1, l2 := listenLocal(t), listenLocal(t), listenLocal(t)
	kiosk := newMachine(t, engine.Kiosk, "kiosk-01", testKey, lk, l1.Addr().String(), l2.Addr().String())
	desk1 := newMachine(t, engine.Desk, "quay-1", testKey, l1, lk.Addr().String(), l2.Addr().String())
	desk2 := newMachine(t, engine.Desk, "quay-2", testKey, l2, lk.Addr().String(), l1.Addr().String())

	call := kiosk.eng.CallHelp()
	out := kiosk.event(t, engine.HelpOutcome)
	if out.N != 2 || out.Help.Desks != 2 {
		t.Fatalf("outcome %+v", out.Help)
	}
	if v := kiosk.eng.View(); v.Help == nil || v.Help.State != engine.HelpSent || v.Help.Desks != 2 {
		t.Fatalf("kiosk view %+v", v.Help)
	}
	for _, d := range []*machine{desk1, desk2} {
		ev := d.event(t, engine.HelpReceived)
		if h := ev.Help; h.ID != call.ID || h.Kiosk != "kiosk-01" || h.Office != "UBND xã Thử" || h.Step != "attract" || h.Visit != 1 || !h.Remote {
			t.Fatalf("%s got %+v", d.eng.Device(), h)
		}
		if v := d.eng.View(); len(v.HelpCalls) != 1 || v.HelpCalls[0].ID != call.ID {
			t.Fatalf("%s lists %+v", d.eng.Device(), v.HelpCalls)
		}
	}
	if err := desk1.eng.AnswerHelp(call.ID); err != nil {
		t.Fatal(err)
	}
	if ev := kiosk.event(t, engine.HelpAnswered); ev.Help.Desk != "quay-1" {
		t.Fatalf("answered by %q", ev.Help.Desk)
	}
	if v := kiosk.eng.View(); v.Help.State != engine.HelpComing || v.Help.Desk != "quay-1" {
		t.Fatalf("kiosk view %+v", v.Help)
	}
	if ev := desk2.event(t, engine.HelpCleared); ev.Help.ID != call.ID || ev.Help.Desk != "quay-1" {
		t.Fatalf("desk 2 cleared %+v", ev.Help)
	}
	if len(desk1.eng.View().HelpCalls)+len(desk2.eng.View().HelpCalls) != 0 {
		t.Fatal("the answered call stays on a desk")
	}
	if err := desk2.eng.AnswerHelp(call.ID); err != engine.ErrNoSuchCall {
		t.Fatalf("answering twice: %v", err)
	}
}

// TestHelpNoDeskReachable: with every desk down (or of another office),
// the kiosk says no desk could be reached, so the person goes to the
// counter; nothing reached the other office's desk.
func TestHelpNoDeskReachable(t *testing.T) {
	lk, lx, dead := listenLocal(t), listenLocal(t), listenLocal(t)
	deadAddr := dead.Addr().String()
	dead.Close()
	other := testKey
	other[31] ^= 0x80
	kiosk := newMachine(t, engine.Kiosk, "kiosk-01", testKey, lk, deadAddr, lx.Addr().String())
	stranger := newMachine(t, engine.Desk, "quay-x", other, lx, lk.Addr().String())
	kiosk.eng.CallHelp()
	if out := kiosk.event(t, engine.HelpOutcome); out.N != 0 {
		t.Fatalf("outcome %d desks", out.N)
	}
	if v := kiosk.eng.View(); v.Help.State != engine.HelpUnreached {
		t.Fatalf("kiosk view %+v", v.Help)
	}
	if n := len(stranger.eng.View().HelpCalls); n != 0 {
		t.Fatalf("another office's desk shows %d calls", n)
	}
	// A forged answer (another office's key) does not make the kiosk say
	// an officer is coming.
	if err := stranger.eng.AnswerHelp("0000000000000001"); err != engine.ErrNoSuchCall {
		t.Fatal(err)
	}
	forger, err := New(Config{Name: "quay-x", Key: other, Peers: []string{lk.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := forger.SendAnswer(context.Background(), Answer{V: 1, ID: kiosk.eng.View().Help.ID, From: "quay-x", Answer: AnswerComing, At: time.Now()})
	if d.Taken != 0 || kiosk.eng.View().Help.State != engine.HelpUnreached {
		t.Fatalf("a forged answer was taken: %+v", d)
	}
}

// TestHostileCallsShowNothing: at a desk's engine, forged, tampered,
// stale, replayed, oversized, unknown and flooding messages are refused
// and nothing is shown; the genuine call that follows is.
func TestHostileCallsShowNothing(t *testing.T) {
	ld := listenLocal(t)
	desk := newMachine(t, engine.Desk, "quay-1", testKey, ld)
	// The flood limit of a real desk (newMachine lifts it for the other tests).
	desk.link.limit = newLimiter(DefaultRate, DefaultBurst, maxPeerBuckets)
	now := time.Now()
	good := mustJSON(t, goodHelp(now))
	wrong := testKey
	wrong[9] ^= 4
	post := func(path string, key Key, ts time.Time, body []byte, mangle func(*http.Request)) int {
		return rawPost(t, desk.addr, path, key, ts, body, mangle)
	}
	codes := []int{
		post("/office/v1/help", wrong, now, good, nil),
		post("/office/v1/help", testKey, now, good, func(r *http.Request) {
			b := bytes.Replace(good, []byte(`"identity"`), []byte(`"review"`), 1)
			r.Body, r.ContentLength = nopCloser{bytes.NewReader(b)}, int64(len(b))
		}),
		post("/office/v1/help", testKey, now.Add(-10*time.Minute), good, nil),
		post("/office/v1/help", testKey, now, bytes.Repeat([]byte("x"), 64<<10), nil),
		post("/office/v1/reboot", testKey, now, good, nil),
	}
	want := []int{401, 401, 401, 413, 404}
	for i := range want {
		if codes[i] != want[i] {
			t.Errorf("hostile message %d: %d, want %d", i, codes[i], want[i])
		}
	}
	// Flood: the burst is spent by the refusals above and these.
	flood := 0
	for range 2 * DefaultBurst {
		if post("/office/v1/help", wrong, now, good, nil) == http.StatusTooManyRequests {
			flood++
		}
	}
	if flood == 0 {
		t.Fatal("a flood was never rate-limited")
	}
	if n := len(desk.eng.View().HelpCalls); n != 0 {
		t.Fatalf("the desk shows %d calls from hostile messages", n)
	}
	desk.link.limit = newLimiter(1000, 1000, maxPeerBuckets) // the flood's bucket aside
	var replay *http.Request
	if got := post("/office/v1/help", testKey, now, good, func(r *http.Request) { replay = r.Clone(context.Background()) }); got != 204 {
		t.Fatalf("genuine call: %d", got)
	}
	replay.Body, replay.ContentLength, replay.RequestURI = nopCloser{bytes.NewReader(good)}, int64(len(good)), ""
	resp, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay: %d", resp.StatusCode)
	}
	if v := desk.eng.View(); len(v.HelpCalls) != 1 || v.HelpCalls[0].Kiosk != "kiosk-01" {
		t.Fatalf("desk shows %+v", v.HelpCalls)
	}
}
