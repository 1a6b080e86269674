package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// dragPad lies under a screen's content, inside its scroll container, and
// scrolls it when a finger drags the page. Fyne's desktop drivers scroll
// only by the wheel and the scroll bar (a drag scrolls on mobile only),
// but a kiosk's touch screen reaches the app as a mouse, and an elderly
// citizen drags the page, never a thin bar at the edge. The pad is the
// deepest draggable under any button or label, so a drag that starts on
// one scrolls too; a tap stays a tap (the driver sends no tap after a
// drag). Entries and sliders are draggable themselves and keep their drags.
type dragPad struct {
	widget.BaseWidget
	scroll *container.Scroll
}

// touchVScroll is container.NewVScroll with a dragPad under the content:
// every vertical scroll of the app scrolls by touch.
func touchVScroll(content fyne.CanvasObject) *container.Scroll {
	p := &dragPad{}
	p.ExtendBaseWidget(p)
	p.scroll = container.NewVScroll(container.NewStack(p, content))
	return p.scroll
}

// CreateRenderer draws nothing: the pad only takes drags.
func (p *dragPad) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// Dragged moves the page with the finger, within its ends.
func (p *dragPad) Dragged(e *fyne.DragEvent) {
	s := p.scroll
	if s == nil || s.Content == nil {
		return
	}
	maxY := s.Content.Size().Height - s.Size().Height
	y := min(max(s.Offset.Y-e.Dragged.DY, 0), max(maxY, 0))
	if y != s.Offset.Y {
		s.ScrollToOffset(fyne.NewPos(s.Offset.X, y))
	}
}

// DragEnd ends a drag; the page stays where the finger left it.
func (p *dragPad) DragEnd() {}
