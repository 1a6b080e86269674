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
	var raw []byte
	for range 20 {
		op, p, err := c.next(10 * time.Second)
		if err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		if op != opText {
			continue
		}
		var ev Event
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Fatalf("event %q: %v", p, err)
		}
		if ev.Type == "help.requested" {
			raw = p
			if ev.Help == nil || ev.Help.Kiosk != "test-desk" || ev.Help.Step != call.Step.String() ||
				ev.Help.VisitStep != call.Step.VisitStep() || ev.Help.VisitSteps != engine.VisitSteps || ev.Reader != "Simulated reader" {
				t.Fatalf("help event: %s", p)
			}
			break
		}
	}
	if raw == nil {
		t.Fatal("no help.requested event")
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
	for range 20 {
		op, p, err := c.next(10 * time.Second)
		if err != nil {
			t.Fatalf("websocket read: %v", err)
		}
		if op != opText {
			continue
		}
		var ev Event
		if err := json.Unmarshal(p, &ev); err != nil {
			t.Fatalf("event %q: %v", p, err)
		}
		if ev.Type != "help.requested" {
			continue
		}
		if h := ev.Help; h == nil || h.CallID != "00000000000000f2" || !h.Remote || h.Kiosk != "kiosk-07" ||
			h.Office != "UBND phường Thử" || h.Step != "services" || h.VisitStep != 3 {
			t.Fatalf("remote help event (a forged call first?): %s", p)
		}
		return
	}
	t.Fatal("no remote help.requested event")
}
