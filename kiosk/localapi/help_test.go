package localapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/engine"
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
