package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// The attract screen's picture (issue 19): where the card goes and where
// its QR is, on both card generations, drawn with canvas shapes (no image
// files): the CCCD gắn chip (2021) with its QR on the front, the thẻ căn
// cước (from 7/2024) with its QR on the back (REFERENCE.md section 1).
// Each card glides down onto the reader and back while its QR blinks.

const (
	artCardW, artCardH = 170, 107 // ID-1 proportions (85.6 x 54 mm)
	artPanelW          = 230
	artPanelH          = 170
	artDrop            = 40 // how far the card glides onto the reader
)

var (
	cardFace   = color.NRGBA{R: 0xe8, G: 0xf0, B: 0xfa, A: 0xff}
	cardEdge   = color.NRGBA{R: 0x3a, G: 0x5a, B: 0x8c, A: 0xff}
	readerBody = color.NRGBA{R: 0x33, G: 0x36, B: 0x3d, A: 0xff}
	inkGrey    = color.NRGBA{R: 0x8a, G: 0x93, B: 0xa3, A: 0xff}
	qrHalo     = color.NRGBA{R: 0xf2, G: 0xa9, B: 0x00, A: 0xff}
)

// cardArt is one card over the reader, its parts moved by the animation.
type cardArt struct {
	parts []fyne.CanvasObject // moved with the card
	base  []fyne.Position     // their positions with the card up
	halo  *canvas.Rectangle   // around the QR: blinks
}

// newCardArt draws a card; front says whether its QR is on the face
// shown (2021) or on the back (2024).
func newCardArt(front bool) (*cardArt, fyne.CanvasObject) {
	a := &cardArt{}
	objs := []fyne.CanvasObject{}
	// The reader: a dark pad with the contactless waves.
	pad := canvas.NewRectangle(readerBody)
	pad.CornerRadius = 10
	pad.Resize(fyne.NewSize(artCardW+30, 44))
	pad.Move(fyne.NewPos((artPanelW-artCardW-30)/2, artDrop+artCardH-20))
	objs = append(objs, pad)
	for i, w := range []float32{18, 30, 42} {
		arc := canvas.NewCircle(color.Transparent)
		arc.StrokeColor, arc.StrokeWidth = color.NRGBA{R: 0x9f, G: 0xd3, B: 0xff, A: 0xff}, 2
		arc.Resize(fyne.NewSize(w, w/2))
		arc.Move(fyne.NewPos(artPanelW/2-w/2, artDrop+artCardH+2-float32(i)*0))
		objs = append(objs, arc)
	}
	x0 := float32(artPanelW-artCardW) / 2
	add := func(o fyne.CanvasObject, pos fyne.Position, size fyne.Size) {
		o.Resize(size)
		o.Move(pos)
		a.parts, a.base = append(a.parts, o), append(a.base, pos)
		objs = append(objs, o)
	}
	body := canvas.NewRectangle(cardFace)
	body.CornerRadius, body.StrokeColor, body.StrokeWidth = 8, cardEdge, 2
	add(body, fyne.NewPos(x0, 0), fyne.NewSize(artCardW, artCardH))
	if front { // the 2021 face: emblem, photo, lines of text
		emblem := canvas.NewCircle(color.NRGBA{R: 0xc8, G: 0x1e, B: 0x1e, A: 0xff})
		add(emblem, fyne.NewPos(x0+10, 8), fyne.NewSize(18, 18))
		photo := canvas.NewRectangle(inkGrey)
		add(photo, fyne.NewPos(x0+10, 36), fyne.NewSize(36, 48))
	}
	for i := range 4 {
		line := canvas.NewRectangle(inkGrey)
		w := float32(artCardW - 110)
		if !front {
			w = artCardW - 70
		}
		add(line, fyne.NewPos(x0+56-boolf(!front)*44, 40+float32(i)*13), fyne.NewSize(w-float32(i%2)*14, 5))
	}
	// The QR at the top right, with its three finder squares.
	qx, qy := x0+artCardW-44, float32(6)
	a.halo = canvas.NewRectangle(color.Transparent)
	a.halo.StrokeColor, a.halo.StrokeWidth, a.halo.CornerRadius = qrHalo, 4, 4
	add(a.halo, fyne.NewPos(qx-5, qy-5), fyne.NewSize(44, 44))
	add(canvas.NewRectangle(color.White), fyne.NewPos(qx, qy), fyne.NewSize(34, 34))
	for _, p := range []fyne.Position{{X: 2, Y: 2}, {X: 22, Y: 2}, {X: 2, Y: 22}} {
		add(canvas.NewRectangle(color.Black), fyne.NewPos(qx+p.X, qy+p.Y), fyne.NewSize(10, 10))
	}
	for _, p := range []fyne.Position{{X: 16, Y: 16}, {X: 24, Y: 24}, {X: 16, Y: 26}, {X: 26, Y: 16}} {
		add(canvas.NewRectangle(color.Black), fyne.NewPos(qx+p.X, qy+p.Y), fyne.NewSize(5, 5))
	}
	c := container.NewWithoutLayout(objs...)
	return a, container.NewGridWrap(fyne.NewSize(artPanelW, artPanelH), c)
}

func boolf(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// at places the card for animation progress p (0: up, 1: on the reader)
// and the QR's halo (seen in the first half, as the card is shown).
func (a *cardArt) at(p float32) {
	for i, o := range a.parts {
		o.Move(a.base[i].AddXY(0, p*artDrop))
	}
	if p < 0.5 {
		a.halo.StrokeColor = qrHalo
	} else {
		a.halo.StrokeColor = color.Transparent
	}
	canvas.Refresh(a.halo)
}

// cardPicture is both cards with their captions and the animation that
// moves them (started here; the app stops it when the screen changes).
func (a *App) cardPicture() (fyne.CanvasObject, *fyne.Animation) {
	old, oldObj := newCardArt(true)
	now, nowObj := newCardArt(false)
	// Captions without a label's padding: the picture stays short enough
	// for the sentences under it.
	caption := func(title, qr string) fyne.CanvasObject {
		t := canvas.NewText(title, theme.Color(theme.ColorNameForeground))
		t.TextStyle.Bold, t.Alignment = true, fyne.TextAlignCenter
		q := canvas.NewText(qr, theme.Color(theme.ColorNameWarning))
		q.Alignment = fyne.TextAlignCenter
		return container.NewVBox(t, q)
	}
	anim := fyne.NewAnimation(2200*time.Millisecond, func(p float32) {
		old.at(p)
		now.at(p)
		canvas.Refresh(oldObj)
		canvas.Refresh(nowObj)
	})
	anim.AutoReverse = true
	anim.RepeatCount = fyne.AnimationRepeatForever
	anim.Curve = fyne.AnimationEaseInOut
	gap := canvas.NewRectangle(color.Transparent)
	gap.SetMinSize(fyne.NewSize(40, 1))
	pic := container.NewHBox(
		container.NewVBox(caption(T(a.lang, "art.card2021"), T(a.lang, "art.qrfront")), container.NewCenter(oldObj)),
		gap,
		container.NewVBox(caption(T(a.lang, "art.card2024"), T(a.lang, "art.qrback")), container.NewCenter(nowObj)))
	return container.NewCenter(pic), anim
}
