package engine

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/prefill"
	"motcua/reader"
	"motcua/reader/cccd"
)

// gate is a reader that holds the chip read where the test wants it: once
// the engine shows an early identity, the next exchange with the card
// waits until the test opens the gate. The read then goes on (or meets a
// removed card).
type gate struct {
	reader.Terminal
	eng     atomic.Pointer[Engine]
	held    chan struct{}
	release chan struct{}
	once    sync.Once
}

type gateConn struct {
	reader.Conn
	g *gate
}

func (g *gate) Connect() (reader.Conn, error) {
	c, err := g.Terminal.Connect()
	if err != nil {
		return nil, err
	}
	return &gateConn{Conn: c, g: g}, nil
}

func (c *gateConn) Transmit(apdu []byte) ([]byte, error) {
	if e := c.g.eng.Load(); e != nil && e.View().Checking {
		c.g.once.Do(func() { close(c.g.held) })
		<-c.g.release
	}
	return c.Conn.Transmit(apdu)
}

// gatedRig is a rig whose reads stop at the early identity.
func gatedRig(t *testing.T, mode Mode) (*rig, *gate) {
	g := &gate{held: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, mode, func(c *Config) {
		g.Terminal = c.Terminal
		c.Terminal = g
	})
	g.eng.Store(r.e)
	t.Cleanup(g.open)
	return r, g
}

func (g *gate) open() {
	select {
	case <-g.release:
	default:
		close(g.release)
	}
}

// checkingView puts card i down with its QR scanned first and returns the
// view once the read is held at its early identity.
func checkingView(t *testing.T, r *rig, g *gate, i int) View {
	t.Helper()
	r.e.Scanned(r.deck.QR(i))
	r.insert(i)
	<-g.held
	return r.e.View()
}

// assertNothingGoesOn checks a view held at the early identity: the
// identity is there, unverified, and nothing of it can be continued or
// submitted.
func assertNothingGoesOn(t *testing.T, r *rig, v View) {
	t.Helper()
	if !v.Checking || v.Early == nil || v.Early.Identity.IDNumber != simcard.ReferenceProfile().Identity.IDNumber {
		t.Fatalf("no early identity while checking: checking %v early %v", v.Checking, v.Early != nil)
	}
	if v.Step != StepReading || v.Person != nil || v.Early.Verification != nil || v.Early.Provenance != prefill.ChipUnverified {
		t.Fatalf("early identity is more than unverified: step %s person %v provenance %s", v.Step, v.Person != nil, v.Early.Provenance)
	}
	r.e.Continue()
	r.e.Submit(r.e.View().AllAgree()...)
	r.e.Review()
	if err := r.e.ChooseService("1.000466"); !errors.Is(err, ErrChecking) {
		t.Fatalf("a service was chosen while the card was being checked: %v", err)
	}
	if v := r.e.View(); v.Step != StepReading || !v.Checking || v.Person != nil || v.Receipt != "" {
		t.Fatalf("an intent went on while checking: step %s person %v", v.Step, v.Person != nil)
	}
	if n := r.count(Submitted); n != 0 {
		t.Fatal("submitted while checking")
	}
}

// A genuine card: identity early, nothing continuable, then the verdict
// replaces it and the visit goes on as before.
func TestEarlyIdentityThenVerdict(t *testing.T) {
	r, g := gatedRig(t, Kiosk)
	v := checkingView(t, r, g, cardGenuine)
	assertNothingGoesOn(t, r, v)
	g.open()
	v = r.step(StepIdentity)
	if v.Checking || v.Early != nil || v.Person == nil || v.Person.Provenance != prefill.ChipVerified || v.PhotoState != PhotoShown {
		t.Fatalf("after the verdict: checking %v early %v person %+v photo %v", v.Checking, v.Early != nil, v.Person, v.PhotoState)
	}
	r.e.Continue()
	r.step(StepServices)
}

// Forged cards show their identity early exactly as a genuine one, never
// more: not verified, nothing continuable; their verdict is red.
func TestEarlyIdentityOfForgedCard(t *testing.T) {
	for _, card := range []int{cardAltered, cardClone} {
		r, g := gatedRig(t, Kiosk)
		v := checkingView(t, r, g, card)
		assertNothingGoesOn(t, r, v)
		g.open()
		v = r.step(StepIdentity)
		ver := v.Person.Verification
		if v.Checking || ver == nil || ver.Verified() || (ver.Passive != cccd.PassiveFailed && ver.ChipAuth != cccd.ChipAuthFailed) {
			t.Fatalf("card %d: verdict %+v", card, ver)
		}
	}
}

// A card pulled while its identity is on show: the early identity is
// wiped with the read and the visit is back at the start.
func TestEarlyIdentityWipedOnRemoval(t *testing.T) {
	r, g := gatedRig(t, Kiosk)
	checkingView(t, r, g, cardGenuine)
	r.deck.Remove()
	g.open()
	v := r.until("pulled", func(v View) bool { return v.Step == StepAttract && v.Notice == NoticePulled })
	if v.Checking || v.Early != nil || v.Person != nil || v.Photo != nil {
		t.Fatalf("early identity outlived the card: checking %v early %v", v.Checking, v.Early != nil)
	}
	r.e.mu.Lock()
	left := r.e.early
	r.e.mu.Unlock()
	if left != nil {
		t.Fatal("early identity kept inside the engine after the card left")
	}
}

// Cancel while checking wipes the early identity too.
func TestEarlyIdentityWipedOnCancel(t *testing.T) {
	r, g := gatedRig(t, Kiosk)
	checkingView(t, r, g, cardGenuine)
	r.e.Cancel()
	if v := r.e.View(); v.Checking || v.Early != nil {
		t.Fatal("early identity shown after cancel")
	}
	r.e.mu.Lock()
	left := r.e.early
	r.e.mu.Unlock()
	if left != nil {
		t.Fatal("early identity kept after cancel")
	}
}

// The photo streams in: a second early report carries it, it is shown
// while checking, and the verdict reuses the decoded image.
func TestEarlyPhotoThenVerdict(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	p := simcard.ReferenceProfile()
	face := simcard.SyntheticFace(p.FaceSeed)
	r.e.onCard(cardloop.Event{Type: cardloop.Inserted})
	r.e.onCard(cardloop.Event{Type: cardloop.Reading})
	r.e.onCard(cardloop.Event{Type: cardloop.Identified, Early: &reader.Early{Identity: p.Identity}})
	if v := r.e.View(); !v.Checking || v.PhotoState != PhotoNone {
		t.Fatalf("identity without photo: checking %v photo %v", v.Checking, v.PhotoState)
	}
	r.e.onCard(cardloop.Event{Type: cardloop.Identified, Early: &reader.Early{Identity: p.Identity, Photo: append([]byte(nil), face...)}})
	v := r.e.View()
	if !v.Checking || v.PhotoState != PhotoShown || v.Photo == nil {
		t.Fatalf("photo not streamed in: %v", v.PhotoState)
	}
	shown := v.Photo
	res := &cccd.ReadResult{Identity: p.Identity, Access: "pace", Photo: append([]byte(nil), face...),
		Verification: &cccd.Verification{Passive: cccd.PassiveFailed, PassiveReason: "test", ChipAuth: cccd.ChipAuthPassed}}
	r.e.onCard(cardloop.Event{Type: cardloop.Read, Result: res})
	v = r.step(StepIdentity)
	if v.Checking || v.Photo != shown || v.Person.Verification.Verified() {
		t.Fatalf("verdict: checking %v same photo %v", v.Checking, v.Photo == shown)
	}
}

// An early report for a card that is not the visit's first (a second
// party while a form is filled) shows nothing early.
func TestEarlyIgnoredOutsideAFirstRead(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	p := simcard.ReferenceProfile()
	r.e.onCard(cardloop.Event{Type: cardloop.Identified, Early: &reader.Early{Identity: p.Identity}})
	if v := r.e.View(); v.Checking || v.Early != nil {
		t.Fatal("early identity shown with no read under way")
	}
}
