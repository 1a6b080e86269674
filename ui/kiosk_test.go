package ui

import (
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
)

// TestKioskRedBadgeSeeOfficer: at a kiosk a card that failed its checks
// reads plain words, "Xin mời gặp cán bộ" is the one action (no way to go
// on), and it ends the visit.
func TestKioskRedBadgeSeeOfficer(t *testing.T) {
	for _, card := range []int{cardAltered, cardClone} {
		r := newRig(t, Kiosk, nil)
		r.readCard(card)
		r.see(w("badge.seeofficer"))
		if r.canTap(w("id.continue")) {
			t.Fatalf("card %d: a forged card can go on at a kiosk: %v", card, r.texts())
		}
		r.tapFirst(w("id.seeofficer"))
		r.wait("attract")
		if r.app.eng.View().Person != nil {
			t.Fatal("the visit was not wiped")
		}
	}
}

// TestKioskMasksID: the kiosk's identity screen shows the ID as 3+3.
func TestKioskMasksID(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	id := simcard.ReferenceProfile().Identity.IDNumber
	if r.sees(id) || !r.sees(cccd.MaskID(id)) {
		t.Fatalf("ID not masked 3+3: %v", r.texts())
	}
}

// TestIdleCountdownShown: "still there?" shows the seconds left.
func TestIdleCountdownShown(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.readCard(cardGenuine)
	r.clock.Add(91 * time.Second)
	r.app.eng.Tick()
	r.see(strings.Split(w("idle.closes"), "%d")[0])
	r.see("30")
}
