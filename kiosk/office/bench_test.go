package office

import (
	"context"
	"fmt"
	"testing"
	"time"

	"motcua/kiosk/engine"
)

// The figures of help over the office link: a kiosk's tap (CallHelp)
// until the desk's engine publishes the call (HelpReceived), against the
// bare signed POST round trip on loopback it rides on, in the same run:
//
//	go test ./kiosk/office/ -run '^$' -bench 'Help|SignedPost' -benchtime 2000x
//
// The links share a clock that moves a second per message, so the nonce
// cache forgets as it would over a working day and never fills.

// ticking is a clock a second further on each call.
type ticking struct{ c clock }

func (k *ticking) Now() time.Time { k.c.Add(time.Second); return k.c.Now() }

// BenchmarkSignedPostBaseline: one signed help message to one peer and
// its 204, through the real link on 127.0.0.1 (no engine).
func BenchmarkSignedPostBaseline(b *testing.B) {
	clk := &ticking{clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}}
	desk := serveLink(b, Config{Name: "quay-1", Now: clk.Now, Rate: 1e6, Burst: 1e6})
	kiosk, err := New(Config{Name: "kiosk-01", Key: testKey, Peers: []string{desk.addr}, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		h := goodHelp(clk.Now())
		h.ID = fmt.Sprintf("%016x", i+1)
		if d, err := kiosk.SendHelp(context.Background(), h); err != nil || d.Taken != 1 {
			b.Fatalf("%+v %v", d, err)
		}
	}
}

// BenchmarkHelpTapToDesk: the kiosk engine's CallHelp until the desk
// engine's HelpReceived event reaches a subscriber.
func BenchmarkHelpTapToDesk(b *testing.B) {
	clk := &ticking{clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}}
	lk, ld := listenLocal(b), listenLocal(b)
	kiosk := newMachineAt(b, clk.Now, engine.Kiosk, "kiosk-01", testKey, lk, ld.Addr().String())
	desk := newMachineAt(b, clk.Now, engine.Desk, "quay-1", testKey, ld, lk.Addr().String())
	got := make(chan string, 1)
	stop := desk.eng.Subscribe(func(ev engine.Event) {
		if ev.Kind == engine.HelpReceived {
			got <- ev.Help.ID
		}
	})
	defer stop()
	b.ResetTimer()
	for range b.N {
		id := kiosk.eng.CallHelp().ID
		select {
		case g := <-got:
			if g != id {
				b.Fatalf("got call %s, want %s", g, id)
			}
		case <-time.After(10 * time.Second):
			b.Fatal("the call did not reach the desk")
		}
	}
}
