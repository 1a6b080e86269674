package hwtest

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/hwtest/vpcd"
	"motcua/reader"
	"motcua/reader/pcsc"
)

// vpcdReader is the PC/SC name of vpcd's first virtual reader.
const vpcdReader = "Virtual PCD 00 00"

// pcscStack is the real PC/SC harness: pcscd + vpcd, the virtual card
// connecting to vpcd as a TCP client.
type pcscStack struct {
	ctx *pcsc.Context
}

func (pcscStack) InProcess() bool { return false }

// pcscHarness returns the real PC/SC harness, or nil when this machine has
// no PC/SC stack. Under the project's test script (MOTCUA_PCSC=1) a missing
// stack is a failure, not a skip.
func pcscHarness(t testing.TB) harness {
	required := os.Getenv("MOTCUA_PCSC") == "1"
	missing := func(why string, a ...any) harness {
		if required {
			t.Fatalf("MOTCUA_PCSC=1 but the PC/SC stack is not usable: "+why, a...)
		}
		t.Logf("PC/SC stack not available, running in-process only: "+why, a...)
		return nil
	}
	ctx, err := pcsc.Open()
	if err != nil {
		return missing("%v", err)
	}
	t.Cleanup(func() { ctx.Close() })
	names, err := ctx.Readers()
	if err != nil {
		return missing("%v", err)
	}
	if !slices.Contains(names, vpcdReader) {
		return missing("no %q among readers %q (is vsmartcard-vpcd installed?)", vpcdReader, names)
	}
	return pcscStack{ctx: ctx}
}

// Insert serves the card to vpcd and connects to it through pcscd. The
// returned function pulls the card and waits until pcscd has seen it go.
func (p pcscStack) Insert(t testing.TB, card *simcard.Card) (reader.Conn, func()) {
	t.Helper()
	term := p.ctx.Terminal(vpcdReader)
	waitPresence(t, term, false) // a card from an earlier test must be gone
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vpcd.Serve(ctx, vpcd.DefaultAddr, card) }()
	var conn reader.Conn
	remove := func() {
		if conn != nil {
			conn.Close()
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("vpcd card: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("vpcd card did not stop")
		}
		waitPresence(t, term, false)
	}
	waitPresence(t, term, true)
	c, err := term.Connect()
	if err != nil {
		remove()
		t.Fatal(err)
	}
	conn = c
	return c, remove
}

// waitPresence waits (at most 10 s) until pcscd reports the wanted state.
func waitPresence(t testing.TB, term *pcsc.Terminal, present bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p := range term.Watch(ctx) {
		if p == present {
			return
		}
	}
	t.Fatalf("reader %q never became present=%v", term.Name(), present)
}
