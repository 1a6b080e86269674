package pcsc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"motcua/hwtest/vpcd"
	"motcua/reader/iso7816"
)

// These tests run through the real stack: pcscd with the vpcd driver, and a
// test card connected to vpcd as a TCP client. They use vpcd's second
// reader ("Virtual PCD 00 01", port 35964) so that they never meet the
// hwtest conformance suite, which uses the first.
const (
	testReader = vpcd.SecondName
	testAddr   = vpcd.SecondAddr
)

// pcscSocket is where pcsc-lite's client library finds pcscd.
const pcscSocket = "/run/pcscd/pcscd.comm"

// openStack returns a PC/SC context on a machine with pcscd and vpcd. It
// skips when they are absent, unless MOTCUA_PCSC=1 (set by scripts/test.sh,
// which starts pcscd): then a missing stack fails the test.
func openStack(tb testing.TB) *Context {
	tb.Helper()
	required := os.Getenv("MOTCUA_PCSC") == "1"
	missing := func(format string, a ...any) {
		tb.Helper()
		if required {
			tb.Fatalf("MOTCUA_PCSC=1 but the PC/SC stack is not usable: "+format, a...)
		}
		tb.Skipf("PC/SC stack not available: "+format, a...)
	}
	if runtime.GOOS != "linux" {
		missing("pcscd+vpcd tests run on Linux only")
	}
	if _, err := os.Stat(pcscSocket); err != nil {
		missing("%v (is pcscd running?)", err)
	}
	c, err := Open()
	if err != nil {
		missing("%v", err)
	}
	tb.Cleanup(func() { c.Close() })
	names, err := c.Readers()
	if err != nil {
		missing("%v", err)
	}
	for _, want := range []string{vpcd.DefaultName, testReader} {
		if !slices.Contains(names, want) {
			missing("no %q among readers %q (is vsmartcard-vpcd installed?)", want, names)
		}
	}
	return c
}

// testCard is a small ISO 7816-4 card: SELECT by AID, READ BINARY of one
// transparent file (short and extended Le), and a proprietary ECHO
// (CLA 80, INS 10) that returns its data field, for extended Lc. It counts
// power-ons and resets, and can leave in the middle of a command.
type testCard struct {
	mu       sync.Mutex
	selected bool
	resets   int
	pullNext bool // the next command gets no answer: the card "leaves"
	file     []byte
}

var (
	testAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01} // ICAO eMRTD application
	testATR = []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x77, 0x81, 0x81, 0x00, 0x6E}
)

func newTestCard() *testCard {
	f := make([]byte, 3000)
	for i := range f {
		f[i] = byte(i*7 + i>>8)
	}
	return &testCard{file: f}
}

func (c *testCard) ATR() []byte { return testATR }
func (c *testCard) PowerOn()    { c.Reset() }
func (c *testCard) PowerOff()   { c.Reset() }
func (c *testCard) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.selected = false
	c.resets++
}

func (c *testCard) resetCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets
}

var errPulled = errors.New("test card pulled mid-command")

func (c *testCard) Transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pullNext {
		c.pullNext = false
		return nil, errPulled
	}
	sw := func(sw uint16) ([]byte, error) { return iso7816.Response{SW: sw}.Bytes(), nil }
	cmd, _, err := iso7816.ParseCommand(apdu)
	if err != nil {
		return sw(0x6700)
	}
	switch {
	case cmd.Cla == 0x00 && cmd.Ins == 0xA4:
		if cmd.P1 != 0x04 {
			return sw(0x6A86)
		}
		c.selected = bytes.Equal(cmd.Data, testAID)
		if !c.selected {
			return sw(0x6A82)
		}
		return sw(0x9000)
	case cmd.Cla == 0x00 && cmd.Ins == 0xB0:
		if !c.selected {
			return sw(0x6986)
		}
		off := int(cmd.P1)<<8 | int(cmd.P2)
		if cmd.P1&0x80 != 0 || off > len(c.file) {
			return sw(0x6B00)
		}
		n := min(cmd.Ne, len(c.file)-off)
		st := uint16(0x9000)
		if n < cmd.Ne && cmd.Ne != iso7816.MaxShortNe && cmd.Ne != iso7816.MaxExtendedNe {
			st = 0x6282
		}
		return iso7816.Response{Data: c.file[off : off+n], SW: st}.Bytes(), nil
	case cmd.Cla == 0x80 && cmd.Ins == 0x10:
		return iso7816.Response{Data: cmd.Data, SW: 0x9000}.Bytes(), nil
	}
	return sw(0x6D00)
}

func (c *testCard) pullOnNextCommand() {
	c.mu.Lock()
	c.pullNext = true
	c.mu.Unlock()
}

// eventLog follows Watch for one reader.
type eventLog struct {
	ch     chan Event
	cancel context.CancelFunc
	done   chan error
}

// watchReader runs Watch on a channel of buf events until the test ends.
func watchReader(tb testing.TB, c *Context, buf int) *eventLog {
	ctx, cancel := context.WithCancel(context.Background())
	l := &eventLog{ch: make(chan Event, buf), cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- c.Watch(ctx, l.ch) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-l.done:
			if err != nil {
				tb.Errorf("Watch: %v", err)
			}
		case <-time.After(5 * time.Second):
			tb.Error("Watch did not return after cancel")
		}
	})
	return l
}

// next waits (at most 10 s) for the next event on the test reader with the
// wanted kind, failing on another kind for that reader.
func (l *eventLog) next(tb testing.TB, want EventKind) Event {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-l.ch:
			if e.Reader != testReader {
				continue
			}
			if e.Kind != want {
				tb.Fatalf("event %v on %q, want %v", e.Kind, e.Reader, want)
			}
			return e
		case err := <-l.done:
			tb.Fatalf("Watch ended: %v", err)
		case <-deadline:
			tb.Fatalf("no %v event on %q within 10 s", want, testReader)
		}
	}
}

// waitEmpty waits until pcscd reports no card in the test reader.
func waitEmpty(tb testing.TB, c *Context) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p := range c.Terminal(testReader).Watch(ctx) {
		if !p {
			return
		}
	}
	tb.Fatalf("%q still holds a card after 10 s (another program's virtual card?)", testReader)
}

// insert puts card into the test reader and waits until an exclusive
// connection succeeds.
func mustTransmit(tb testing.TB, k *Card, cmd iso7816.Command, extended bool) iso7816.Response {
	tb.Helper()
	r, err := iso7816.Exchange(k, cmd, extended)
	if err != nil {
		tb.Fatalf("%02X %02X: %v", cmd.Cla, cmd.Ins, err)
	}
	return r
}

func TestVPCDStack(t *testing.T) {
	c := openStack(t)
	waitEmpty(t, c)
	events := watchReader(t, c, 64)
	if e := events.next(t, ReaderAdded); e.Reader != testReader {
		t.Fatal(e)
	}

	card := newTestCard()
	slot := vpcd.NewSlot(testAddr, vpcd.Options{})
	t.Cleanup(func() { slot.Remove() })
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	if err := slot.Insert(card); !errors.Is(err, vpcd.ErrOccupied) {
		t.Fatalf("second insert: %v, want ErrOccupied", err)
	}
	if e := events.next(t, CardInserted); !bytes.Equal(e.ATR, testATR) || e.Mute {
		t.Fatalf("inserted: ATR %X mute %v, want %X", e.ATR, e.Mute, testATR)
	}

	k, err := c.Connect(testReader, true)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !bytes.Equal(k.ATR(), testATR) {
		t.Fatalf("ATR %X, want %X", k.ATR(), testATR)
	}
	if sup, ok := k.SupportsExtended(); ok {
		t.Logf("the vpcd driver says extended APDUs: %v", sup)
	} else {
		t.Logf("the vpcd driver does not say whether it passes extended APDUs")
	}

	// Exclusive means exclusive: a second program is refused.
	other, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if k2, err := other.Connect(testReader, false); !errors.Is(err, ErrSharing) {
		if k2 != nil {
			k2.Close()
		}
		t.Fatalf("shared connect while held exclusively: %v, want ErrSharing", err)
	}

	// ISO 7816 through pcscd.
	if r := mustTransmit(t, k, iso7816.Command{Ins: 0xB0, Ne: 16}, false); r.Err() == nil {
		t.Fatal("READ BINARY before SELECT succeeded")
	}
	if r := mustTransmit(t, k, iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: []byte{1, 2, 3}}, false); !errors.Is(r.Err(), iso7816.ErrFileNotFound) {
		t.Fatalf("SELECT of an unknown AID: %v", r.Err())
	}
	if r := mustTransmit(t, k, iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: testAID}, false); r.Err() != nil {
		t.Fatalf("SELECT: %v", r.Err())
	}
	r := mustTransmit(t, k, iso7816.Command{Ins: 0xB0, P1: 0x00, P2: 0x10, Ne: 200}, false)
	if r.Err() != nil || !bytes.Equal(r.Data, card.file[0x10:0x10+200]) {
		t.Fatalf("READ BINARY: %v, %d bytes", r.Err(), len(r.Data))
	}
	r = mustTransmit(t, k, iso7816.Command{Ins: 0xB0, Ne: iso7816.MaxShortNe}, false)
	if r.Err() != nil || len(r.Data) != 256 {
		t.Fatalf("READ BINARY Le=00: %v, %d bytes", r.Err(), len(r.Data))
	}

	// Extended length through pcscd+vpcd: both directions.
	r = mustTransmit(t, k, iso7816.Command{Ins: 0xB0, P1: 0x01, Ne: iso7816.MaxExtendedNe}, true)
	if r.Err() != nil || !bytes.Equal(r.Data, card.file[0x100:]) {
		t.Fatalf("extended READ BINARY (Le=0000): %v, %d bytes, want %d", r.Err(), len(r.Data), len(card.file)-0x100)
	}
	t.Logf("extended READ BINARY, Le=0000: %d bytes came back through pcscd+vpcd", len(r.Data))
	big := card.file[:1500]
	r = mustTransmit(t, k, iso7816.Command{Cla: 0x80, Ins: 0x10, Data: big, Ne: iso7816.MaxExtendedNe}, true)
	if r.Err() != nil || !bytes.Equal(r.Data, big) {
		t.Fatalf("extended ECHO of %d bytes: %v, %d bytes back", len(big), r.Err(), len(r.Data))
	}
	t.Logf("extended command with Lc=%d: echoed whole through pcscd+vpcd", len(big))

	// Reset: the card sees it and answers again.
	before := card.resetCount()
	if err := k.Reconnect(true); err != nil {
		t.Fatal(err)
	}
	if card.resetCount() <= before {
		t.Fatal("Reconnect(true) did not reset the card")
	}
	if r := mustTransmit(t, k, iso7816.Command{Ins: 0xB0, Ne: 1}, false); r.Err() == nil {
		t.Fatal("the selection survived a reset")
	}

	// Pull the card: the session gets a clean error, the watcher an event.
	if err := slot.Remove(); err != nil {
		t.Fatal(err)
	}
	events.next(t, CardRemoved)
	if _, err := k.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, 0x01, 0xA0}); !errors.Is(err, iso7816.ErrCardRemoved) {
		t.Fatalf("transmit after pull: %v, want ErrCardRemoved", err)
	} else {
		t.Logf("transmit after the card left: %v", err)
	}
	// pcsc-lite keeps the reader exclusive to the old handle until it is
	// closed or reconnected, card or no card.
	if _, err := other.Connect(testReader, false); !errors.Is(err, ErrSharing) {
		t.Fatalf("connect while the old handle still holds the empty reader: %v, want ErrSharing", err)
	}

	// Re-insert: the old handle reconnects (or a new connection opens).
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	events.next(t, CardInserted)
	if err := k.Reconnect(false); err != nil {
		t.Logf("old handle after re-insert: %v; connecting afresh", err)
		k.Close()
		if k, err = c.Connect(testReader, true); err != nil {
			t.Fatal(err)
		}
		defer k.Close()
	} else {
		t.Log("the old handle reconnected after re-insert")
	}
	if r := mustTransmit(t, k, iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: testAID}, false); r.Err() != nil {
		t.Fatalf("SELECT after re-insert: %v", r.Err())
	}

	// Pulled in the middle of a command: vpcd answers nothing.
	card.pullOnNextCommand()
	_, err = k.Transmit([]byte{0x00, 0xB0, 0x00, 0x00, 0x10})
	if err == nil {
		t.Fatal("a card that left mid-command answered")
	}
	if !errors.Is(err, iso7816.ErrShortResponse) && !errors.Is(err, iso7816.ErrCardRemoved) {
		t.Fatalf("pulled mid-command: %v, want ErrShortResponse or ErrCardRemoved", err)
	}
	t.Logf("transmit when the card leaves mid-command: %v", err)
	events.next(t, CardRemoved)
	if err := slot.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil && !errors.Is(err, iso7816.ErrCardRemoved) {
		t.Fatalf("close after the card left: %v", err)
	}
	if _, err := c.Connect(testReader, true); !errors.Is(err, ErrNoCard) {
		t.Fatalf("connect to the empty reader: %v, want ErrNoCard", err)
	}
}

// A reset by another program reaches a shared session as ErrCardReset;
// Reconnect(false) resumes it.
func TestVPCDResetByOther(t *testing.T) {
	c := openStack(t)
	waitEmpty(t, c)
	card := newTestCard()
	slot := vpcd.NewSlot(testAddr, vpcd.Options{})
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	defer func() {
		slot.Remove()
		waitEmpty(t, c)
	}()
	a := connectWhenPresent(t, c, false)
	defer a.Close()
	other, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	b, err := other.Connect(testReader, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Reconnect(true); err != nil {
		t.Fatal(err)
	}
	_, err = a.Transmit([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(testAID))})
	if !errors.Is(err, ErrCardReset) || !errors.Is(err, iso7816.ErrTransient) {
		t.Fatalf("transmit after another program's reset: %v, want ErrCardReset", err)
	}
	if err := a.Reconnect(false); err != nil {
		t.Fatal(err)
	}
	if r := mustTransmit(t, a, iso7816.Command{Ins: 0xA4, P1: 0x04, P2: 0x0C, Data: testAID}, false); r.Err() != nil {
		t.Fatal(r.Err())
	}
}

// connectWhenPresent waits for the card in the test reader and connects.
func connectWhenPresent(tb testing.TB, c *Context, exclusive bool) *Card {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p := range c.Terminal(testReader).Watch(ctx) {
		if p {
			k, err := c.Connect(testReader, exclusive)
			if err != nil {
				tb.Fatal(err)
			}
			return k
		}
	}
	tb.Fatalf("no card in %q within 10 s", testReader)
	return nil
}

// A physical reader with a card, if any: connect shared, read the ATR and
// what the driver says about extended length. Skips without one.
func TestPhysicalReader(t *testing.T) {
	c, err := Open()
	if err != nil {
		t.Skipf("no PC/SC service: %v", err)
	}
	defer c.Close()
	names, err := c.Readers()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == vpcd.DefaultName || n == vpcd.SecondName {
			continue
		}
		k, err := c.Connect(n, false)
		if errors.Is(err, ErrNoCard) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		sup, ok := k.SupportsExtended()
		t.Logf("%s: ATR %X, extended length %v (driver says: %v)", n, k.ATR(), sup, ok)
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Skip("no physical reader with a card")
}

// waitPresent waits until pcscd reports the wanted presence in the test
// reader, seen through a watcher of its own.
func waitPresent(tb testing.TB, c *Context, present bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p := range c.Terminal(testReader).Watch(ctx) {
		if p == present {
			return
		}
	}
	tb.Fatalf("%q never became present=%v", testReader, present)
}

// A card pulled and put back between two looks is still reported (removed,
// then inserted): pcsc-lite counts every insertion and removal in the
// upper 16 bits of the reader state, and Watch feeds that word back. Here
// the look before the swap is taken by hand, so the test does not depend
// on when the watcher goroutine happens to run.
func TestVPCDSwapSeen(t *testing.T) {
	c := openStack(t)
	waitEmpty(t, c)
	card := newTestCard()
	slot := vpcd.NewSlot(testAddr, vpcd.Options{})
	defer func() {
		slot.Remove()
		waitEmpty(t, c)
	}()
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	waitPresent(t, c, true)
	before := lookAt(t, testReader, scard.StateUnaware)
	var tr cardTracker
	if _, in := tr.step(before); !in {
		t.Fatalf("state %08X: no card", uint32(before))
	}

	if err := slot.Remove(); err != nil {
		t.Fatal(err)
	}
	waitPresent(t, c, false)
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	waitPresent(t, c, true)

	after := lookAt(t, testReader, before&^scard.StateChanged)
	if after&scard.StateChanged == 0 {
		t.Fatalf("no change reported after a swap: %08X -> %08X", uint32(before), uint32(after))
	}
	removed, inserted := tr.step(after)
	if !removed || !inserted {
		t.Fatalf("swap %08X -> %08X read as removed=%v inserted=%v", uint32(before), uint32(after), removed, inserted)
	}
}

// lookAt returns the reader's event state as GetStatusChange reports it
// against current.
func lookAt(tb testing.TB, reader string, current scard.StateFlag) scard.StateFlag {
	tb.Helper()
	ctx, err := scard.EstablishContext()
	if err != nil {
		tb.Fatal(err)
	}
	defer ctx.Release()
	rs := []scard.ReaderState{{Reader: reader, CurrentState: current}}
	if err := ctx.GetStatusChange(rs, 2*time.Second); err != nil {
		tb.Fatalf("GetStatusChange: %v", err)
	}
	return rs[0].EventState
}

// A reader that does not exist: Connect says ErrNoReader, its watcher
// closes at once.
func TestVPCDMissingReader(t *testing.T) {
	c := openStack(t)
	const name = "No Such Reader 99 99"
	if _, err := c.Connect(name, true); !errors.Is(err, ErrNoReader) {
		t.Fatalf("connect: %v, want ErrNoReader", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for p := range c.Terminal(name).Watch(ctx) {
		t.Fatalf("watcher of a missing reader reported presence %v", p)
	}
	if ctx.Err() != nil {
		t.Fatal("watcher of a missing reader stayed open")
	}
}
