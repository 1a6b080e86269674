package ui

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/kiosk/engine"
	"motcua/kiosk/office"
)

// helpPeer is the other end of the office link in the UI tests: a real
// kiosk/office link on 127.0.0.1 that keeps what it is sent.
type helpPeer struct {
	link *office.Link
	addr string
	mu   sync.Mutex
	help []office.Help
}

func (p *helpPeer) ReceiveHelp(h office.Help)   { p.mu.Lock(); p.help = append(p.help, h); p.mu.Unlock() }
func (p *helpPeer) ReceiveAnswer(office.Answer) {}
func (p *helpPeer) calls() []office.Help {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]office.Help(nil), p.help...)
}

var uiOfficeKey = office.Key{9, 8, 7, 6, 5, 4, 3, 2, 1}

// serveOffice serves l on ln until the test ends.
func serveOffice(t *testing.T, l *office.Link, ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
}

// linkedRig is a rig of mode whose engine is on the office link with one
// peer, the returned helpPeer (named peerName).
func linkedRig(t *testing.T, mode Mode, name, peerName string) (*rig, *helpPeer) {
	lr, lp := listen(t), listen(t)
	peer := &helpPeer{addr: lp.Addr().String()}
	var err error
	if peer.link, err = office.New(office.Config{Name: peerName, Key: uiOfficeKey, Peers: []string{lr.Addr().String()}}); err != nil {
		t.Fatal(err)
	}
	peer.link.Attach(peer)
	serveOffice(t, peer.link, lp)
	link, err := office.New(office.Config{Name: name, Office: "UBND xã Thử", Key: uiOfficeKey, Peers: []string{peer.addr}})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, mode, func(c *engine.Config) { c.Help, c.Device = link.ForEngine(), name })
	link.AttachEngine(r.app.eng)
	serveOffice(t, link, lr)
	return r, peer
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestKioskHelpStates: the kiosk's help button and dialog say what became
// of the call: sent to the desk, then "Cán bộ đang đến" with the desk's
// name when the desk answers over the link; and, with no desk reachable,
// to go to the counter.
func TestKioskHelpStates(t *testing.T) {
	r, desk := linkedRig(t, Kiosk, "kiosk-01", "quay-1")
	r.wait("attract")
	r.tap(w("help.call"))
	r.waitFor(func() bool { return len(desk.calls()) == 1 })
	if h := desk.calls()[0]; h.From != "kiosk-01" || h.Step != "attract" || h.VisitStep != 1 {
		t.Fatalf("the desk got %+v", h)
	}
	r.waitFor(func() bool { return r.sees(strings.Replace(w("help.sentbtn"), "%d", "1", 1)) })
	r.see(strings.Replace(w("help.sent"), "%d", "1", 1))
	if _, err := desk.link.SendAnswer(context.Background(), office.Answer{V: 1, ID: desk.calls()[0].ID, From: "quay-1",
		Answer: office.AnswerComing, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r.waitFor(func() bool { return r.sees(strings.Replace(w("help.coming"), "%s", "quay-1", 1)) })
	r.see(w("help.comingbtn"))
	if en := r.english(); len(en) > 0 {
		t.Fatalf("English on the Vietnamese kiosk: %q", en)
	}
	r.fits(t, "kiosk: an officer is coming")

	// No desk: the kiosk says to go to the counter.
	lone, err := office.New(office.Config{Name: "kiosk-02", Key: uiOfficeKey, Peers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, Kiosk, func(c *engine.Config) { c.Help = lone.ForEngine() })
	r2.wait("attract")
	r2.tap(w("help.call"))
	r2.waitFor(func() bool { return r2.sees(w("help.nodesk")) })
	r2.see(w("help.nodeskbtn"))
	r2.fits(t, "kiosk: no desk reachable")
}

// TestDeskHelpBanner: calls from the office's kiosks stack on the desk's
// banner above the screen, with the kiosk's name and step; "Tôi đến ngay"
// sends the answer over the link and clears the call. The banner fits
// 1280x800 and 1024x768 with large text.
func TestDeskHelpBanner(t *testing.T) {
	r, kiosk := linkedRig(t, Desk, "quay-1", "kiosk-01")
	r.wait("attract")
	answers := make(chan office.Answer, 4)
	kiosk.link.Attach(answerSink(answers))
	for i, h := range []office.Help{
		{V: 1, ID: "00000000000000a1", From: "kiosk-01", Step: "services", VisitStep: 3, VisitSteps: 5, At: time.Now()},
		{V: 1, ID: "00000000000000a2", From: "kiosk-02", Step: "admin", VisitStep: 0, VisitSteps: 5, At: time.Now()},
	} {
		if d, err := kiosk.link.SendHelp(context.Background(), h); err != nil || d.Taken != 1 {
			t.Fatalf("call %d: %+v %v", i, d, err)
		}
	}
	r.waitFor(func() bool { return len(r.app.HelpBanner()) == 2 })
	b := r.app.HelpBanner()
	if !strings.Contains(b[0], "kiosk-01") || !strings.Contains(b[0], "Bước 3/5") || !strings.Contains(b[0], T(Vietnamese, "step.service")) ||
		!strings.Contains(b[1], "kiosk-02") {
		t.Fatalf("banner %q", b)
	}
	if en := r.english(); len(en) > 0 {
		t.Fatalf("English on the Vietnamese desk: %q", en)
	}
	r.fits(t, "desk with two calls for help")
	r.tapFirst(w("help.desk.go"))
	select {
	case a := <-answers:
		if a.ID != "00000000000000a1" || a.From != "quay-1" || a.Answer != office.AnswerComing {
			t.Fatalf("answer %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer reached the kiosk")
	}
	r.waitFor(func() bool { b := r.app.HelpBanner(); return len(b) == 1 && strings.Contains(b[0], "kiosk-02") })
}

type answerSink chan office.Answer

func (s answerSink) ReceiveHelp(office.Help)       {}
func (s answerSink) ReceiveAnswer(a office.Answer) { s <- a }
