package ui

import (
	"image/color"
	"sync"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/canvas"

	"motcua/hwtest/simcard"
	"motcua/kiosk/engine"
	"motcua/reader"
)

// holdAtEarly is a reader that holds the chip read once the engine shows
// an early identity, until the test opens it.
type holdAtEarly struct {
	reader.Terminal
	eng     atomic.Pointer[engine.Engine]
	held    chan struct{}
	release chan struct{}
	once    sync.Once
	opened  sync.Once
}

type holdConn struct {
	reader.Conn
	h *holdAtEarly
}

func (h *holdAtEarly) Connect() (reader.Conn, error) {
	c, err := h.Terminal.Connect()
	if err != nil {
		return nil, err
	}
	return &holdConn{Conn: c, h: h}, nil
}

func (c *holdConn) Transmit(apdu []byte) ([]byte, error) {
	if e := c.h.eng.Load(); e != nil && e.View().Checking {
		c.h.once.Do(func() { close(c.h.held) })
		<-c.h.release
	}
	return c.Conn.Transmit(apdu)
}

func (h *holdAtEarly) open() { h.opened.Do(func() { close(h.release) }) }

// heldRig is a rig whose first read stops at its early identity.
func heldRig(t *testing.T, mode Mode) (*rig, *holdAtEarly) {
	h := &holdAtEarly{held: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, mode, func(c *engine.Config) {
		h.Terminal = c.Terminal
		c.Terminal = h
	})
	h.eng.Store(r.app.Engine())
	t.Cleanup(h.open) // before the rig stops (cleanups run last first)
	return r, h
}

// green reports a rectangle on screen in the "verified" colour.
func (r *rig) green() bool {
	found := false
	r.ui(func() {
		for _, o := range r.objects() {
			if rect, ok := o.(*canvas.Rectangle); ok && rect.Visible() && sameColour(rect.FillColor, okColour) {
				found = true
			}
		}
	})
	return found
}

func sameColour(a, b color.Color) bool {
	if a == nil || b == nil {
		return false
	}
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// TestIdentityWhileChecking: the identity is on screen as soon as the chip
// gave DG13 and DG1, with the "checking" badge, nothing green and nothing
// to go on with (Cancel only); it fits every window and text size and is
// all Vietnamese; the verdict then brings the usual identity screen: green
// and Continue for a genuine card, red for a forged one.
func TestIdentityWhileChecking(t *testing.T) {
	for _, tc := range []struct {
		mode  Mode
		card  int
		badge string
	}{
		{Kiosk, cardGenuine, "badge.verified"},
		{Kiosk, cardClone, "badge.clone"},
		{Desk, cardAltered, "badge.failed"},
	} {
		t.Run(tc.mode.String()+"/"+tc.badge, func(t *testing.T) {
			r, h := heldRig(t, tc.mode)
			r.wait("attract")
			r.app.Scanned(r.deck.QR(tc.card))
			r.insert(tc.card)
			<-h.held
			r.wait("identity-checking")
			r.see(w("badge.checking"))
			r.see(w("id.name"))
			r.see(dmy(simcard.ReferenceProfile().Identity.DateOfBirth)) // the card's own data, not the demo panel's label
			if r.green() || r.sees(w("badge.verified")) {
				t.Fatal("something green while the card is being checked")
			}
			if r.canTap(w("id.continue")) || r.canTap(w("clinic.check")) || !r.canTap(w("cancel")) {
				t.Fatalf("while checking only Cancel may be tapped: %v", r.texts())
			}
			if e := r.english(); len(e) > 0 {
				t.Errorf("checking screen shows English: %q", e)
			}
			r.fits(t, "identity while checking")
			h.open()
			r.wait("identity")
			r.see(w(tc.badge))
			if tc.card != cardGenuine && r.green() {
				t.Fatal("a forged card shows green after its verdict")
			}
			if tc.card == cardGenuine {
				r.tap(w("id.continue"))
				r.wait("services")
			}
		})
	}
}

// TestIdentityWhileCheckingPulled: the card pulled while its identity is
// on show takes the identity with it.
func TestIdentityWhileCheckingPulled(t *testing.T) {
	r, h := heldRig(t, Kiosk)
	r.wait("attract")
	r.app.Scanned(r.deck.QR(cardGenuine))
	r.insert(cardGenuine)
	<-h.held
	r.wait("identity-checking")
	r.deck.Remove()
	h.open()
	r.wait("attract")
	r.see(w("read.pulled"))
	if r.sees(w("id.name")) || r.sees(w("badge.checking")) { // (the demo panel names its cards)
		t.Fatalf("the identity stayed on screen after the card left: %v", r.texts())
	}
}
