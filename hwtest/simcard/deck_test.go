package simcard

import (
	"errors"
	"testing"
)

func TestDeck(t *testing.T) {
	r := NewReader("sim")
	d := DemoDeck(r)
	if len(d.Cards()) < 4 {
		t.Fatalf("demo deck has %d cards", len(d.Cards()))
	}
	if err := d.Insert(0); err != nil {
		t.Fatal(err)
	}
	if err := d.Insert(1); !errors.Is(err, ErrSlotBusy) {
		t.Fatalf("a second card on a busy slot: %v", err)
	}
	d.Remove()
	if r.Present() {
		t.Fatal("card still present after Remove")
	}
	if err := d.Insert(len(d.Cards())); err == nil {
		t.Fatal("inserted a card that is not in the deck")
	}
	if d.QR(0) == "" || d.QR(0) == d.QR(1) || d.QR(99) != "" {
		t.Fatal("QR payloads wrong")
	}
}
