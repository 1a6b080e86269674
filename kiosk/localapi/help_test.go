package localapi

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/engine"
	"motcua/kiosk/office"
)

// TestHelpEventReachesWebSocket: "Gọi cán bộ hỗ trợ" at the kiosk reaches
// an events client (the desk of the office) as help.requested with the
// kiosk's name and the step, and with nothing of the card on the reader.
func TestHelpEventReachesWebSocket(t *testing.T) {
	e := newEnv(t)
	c := e.ws(e.plain)

	// A card is read first: the engine holds a person when help is called.
	e.sim.Insert(e.card())
	if resp, body := e.do("POST", "/v1/qr", e.plain, map[string]string{"payload": e.profile.QRPayload()}); resp.StatusCode != 200 {
		t.Fatalf("qr: %d %s", resp.StatusCode, body)
	}
	c.until(t, "card.read")

	call := e.eng.CallHelp()
	if call.Device != "test-desk" {
		t.Fatalf("call from %q", call.Device)
	}
	ev, raw := c.untilRaw(t, "help.requested")
	if ev.Help == nil || ev.Help.Kiosk != "test-desk" || ev.Help.Step != call.Step.String() ||
		ev.Help.VisitStep != call.Step.VisitStep() || ev.Help.VisitSteps != engine.VisitSteps || ev.Reader != "Simulated reader" {
		t.Fatalf("help event: %s", raw)
	}
	for _, personal := range []string{"001093047064", "047064", "Nguyễn", "Thử", `"card"`, "qr"} {
		if strings.Contains(string(raw), personal) {
			t.Fatalf("help event carries %q: %s", personal, raw)
		}
	}
}

// TestRemoteHelpReachesWebSocket: a call from another kiosk of the office
// arrives over the office link (real HTTP, the real kiosk/office) and
// reaches the desk software's events socket as help.requested, marked
// remote, with the kiosk's name, office and step; a forged call (another
// key) reaches nothing.
func TestRemoteHelpReachesWebSocket(t *testing.T) {
	e := newEnv(t)
	c := e.ws(e.plain)
	key, err := office.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	desk, err := office.New(office.Config{Name: "test-desk", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	desk.AttachEngine(e.eng)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); desk.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	forged := key
	forged[0] ^= 1
	for _, k := range []office.Key{forged, key} {
		kiosk, err := office.New(office.Config{Name: "kiosk-07", Office: "UBND phường Thử", Key: k, Peers: []string{ln.Addr().String()}})
		if err != nil {
			t.Fatal(err)
		}
		id := "00000000000000f1"
		if k == key {
			id = "00000000000000f2"
		}
		kiosk.SendHelp(context.Background(), office.Help{V: 1, ID: id, From: "kiosk-07", Office: "UBND phường Thử",
			Step: "services", VisitStep: 3, VisitSteps: engine.VisitSteps, At: time.Now()})
	}
	// The forged call went first: the first help.requested must be the genuine one.
	ev, p := c.untilRaw(t, "help.requested")
	if h := ev.Help; h == nil || h.CallID != "00000000000000f2" || !h.Remote || h.Kiosk != "kiosk-07" ||
		h.Office != "UBND phường Thử" || h.Step != "services" || h.VisitStep != 3 {
		t.Fatalf("remote help event (a forged call first?): %s", p)
	}
}

// answers is a kiosk's end of the office link in these tests: it keeps
// the answers it is sent.
type answers chan office.Answer

func (a answers) ReceiveHelp(office.Help)       {}
func (a answers) ReceiveAnswer(x office.Answer) { a <- x }

// serveOfficeLink serves l on a loopback port until the test ends.
func serveOfficeLink(t *testing.T, l *office.Link, ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestDeskSoftwareAnswersHelp: desk software on `motcua serve` lists the
// office's open calls (GET /v1/help) and answers one (POST
// /v1/help/answer): the answer reaches the calling kiosk over the office
// link, help.answered reaches the events socket, the call leaves the
// list; answering it again is 404, and without an office link 409.
func TestDeskSoftwareAnswersHelp(t *testing.T) {
	key, err := office.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	lk, ld := listen(t), listen(t)
	got := make(answers, 2)
	kiosk, err := office.New(office.Config{Name: "kiosk-07", Key: key, Peers: []string{ld.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	kiosk.Attach(got)
	serveOfficeLink(t, kiosk, lk)
	desk, err := office.New(office.Config{Name: "test-desk", Key: key, Peers: []string{lk.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{help: desk.ForEngine()})
	desk.AttachEngine(e.eng)
	serveOfficeLink(t, desk, ld)
	c := e.ws(e.plain)

	const id = "00000000000000c1"
	if d, err := kiosk.SendHelp(context.Background(), office.Help{V: 1, ID: id, From: "kiosk-07", Step: "form", VisitStep: 4,
		VisitSteps: engine.VisitSteps, At: time.Now()}); err != nil || d.Taken != 1 {
		t.Fatalf("call: %+v %v", d, err)
	}
	resp, body := e.do("GET", "/v1/help", e.plain, nil)
	var open HelpCalls
	if resp.StatusCode != 200 || json.Unmarshal(body, &open) != nil || len(open.Calls) != 1 || open.Calls[0].CallID != id ||
		open.Calls[0].Kiosk != "kiosk-07" || open.Calls[0].VisitStep != 4 {
		t.Fatalf("GET /v1/help: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/v1/help/answer", e.plain, map[string]string{"call_id": id}); resp.StatusCode != 200 ||
		!strings.Contains(string(body), `"desk": "test-desk"`) {
		t.Fatalf("answer: %d %s", resp.StatusCode, body)
	}
	select {
	case a := <-got:
		if a.ID != id || a.From != "test-desk" || a.Answer != office.AnswerComing {
			t.Fatalf("the kiosk got %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the answer did not reach the kiosk")
	}
	for range 20 {
		op, p, err := c.next(10 * time.Second)
		if err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		var ev Event
		if op != opText || json.Unmarshal(p, &ev) != nil || ev.Type != "help.answered" {
			continue
		}
		if ev.Help == nil || ev.Help.CallID != id || ev.Help.Desk != "test-desk" || ev.Help.Kiosk != "kiosk-07" {
			t.Fatalf("help.answered: %s", p)
		}
		break
	}
	if resp, body := e.do("GET", "/v1/help", e.plain, nil); !strings.Contains(string(body), `"calls": []`) {
		t.Fatalf("the answered call stays listed: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do("POST", "/v1/help/answer", e.plain, map[string]string{"call_id": id}); resp.StatusCode != 404 {
		t.Fatalf("answering twice: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/v1/help/answer", "", map[string]string{"call_id": id}); resp.StatusCode != 401 {
		t.Fatalf("unpaired answer: %d", resp.StatusCode)
	}
	plain := newEnv(t)
	if resp, _ := plain.do("POST", "/v1/help/answer", plain.plain, map[string]string{"call_id": id}); resp.StatusCode != 409 {
		t.Fatalf("answer without an office link: %d", resp.StatusCode)
	}
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
