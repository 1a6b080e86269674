package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestDragScrollsThePage: at a desk at 1024x768 with large text the
// list of services is taller than its room; a finger dragging up from a tile
// scrolls the list (the driver's drag, as a touch screen sends it to a
// desktop app) without opening the tile, dragging down brings it back,
// and it never scrolls past its ends.
func TestDragScrollsThePage(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.ui(func() {
		r.app.setLarge(true)
		r.app.win.Resize(fyne.NewSize(1024, 768))
	})
	r.readCard(cardGenuine)
	r.tap(w("id.continue"))
	r.wait("services")
	var tile *widget.Button
	var start fyne.Position
	at := func() fyne.Position { return fyne.CurrentApp().Driver().AbsolutePositionForObject(tile) }
	r.ui(func() {
		for _, o := range r.objects() {
			if b, ok := o.(*widget.Button); ok && b.Visible() && tile == nil {
				if p := fyne.CurrentApp().Driver().AbsolutePositionForObject(b); p.Y > 300 && p.Y < 500 {
					tile = b // a tile in the list, not a bar's button
				}
			}
		}
		if tile == nil {
			for _, o := range r.objects() {
				if b, ok := o.(*widget.Button); ok && b.Visible() {
					t.Logf("%q at %v size %v", b.Text, fyne.CurrentApp().Driver().AbsolutePositionForObject(b), b.Size())
				}
			}
			t.Fatal("no tile in the list")
		}
		start = at()
		test.Drag(r.app.win.Canvas(), start.Add(fyne.NewPos(tile.Size().Width/2, tile.Size().Height/2)), 0, -250)
	})
	if r.app.Screen() != "services" {
		t.Fatalf("a drag opened %q", r.app.Screen())
	}
	var moved float32
	r.ui(func() { moved = start.Y - at().Y })
	if moved < 200 || moved > 250 {
		t.Fatalf("dragging up 250 px moved the tile %.0f px", moved)
	}
	r.ui(func() { test.Drag(r.app.win.Canvas(), fyne.NewPos(start.X+5, 400), 0, 10_000) })
	r.ui(func() { moved = start.Y - at().Y })
	if moved != 0 {
		t.Fatalf("dragging far down left the list %.0f px from its top", moved)
	}
	var end float32
	r.ui(func() {
		test.Drag(r.app.win.Canvas(), fyne.NewPos(start.X+5, 400), 0, -100_000)
		end = at().Y
		test.Drag(r.app.win.Canvas(), fyne.NewPos(start.X+5, 400), 0, -300)
	})
	r.ui(func() {
		if at().Y != end {
			t.Fatalf("the list scrolled past its end: %.0f then %.0f", end, at().Y)
		}
	})
	r.tap(tile.Text) // a tap is still a tap
	r.wait("form")
}
