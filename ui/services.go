package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
)

// showServices shows large tiles, a few per page (kiosk) or all (desk).
func (a *App) showServices(v engine.View) {
	services := a.eng.Services()
	per := 4
	if a.mode != Kiosk {
		per = len(services)
	}
	page := a.page
	from := min(page*per, len(services))
	to := min(from+per, len(services))
	tiles := container.NewGridWrap(fyne.NewSize(460, 110))
	width := 44          // characters per line of a tile
	if a.mode == Kiosk { // four large tiles filling the screen
		tiles = container.NewGridWithColumns(2)
		width = 30
	}
	if a.cfg.LargeText {
		width = width * 3 / 4
	}
	for _, s := range services[from:to] {
		code := s.Code
		// Buttons do not wrap: long names are broken into lines here, so a
		// tile never makes the window wider. One language per screen.
		b := widget.NewButton(wrapWords(a.serviceName(s), width), func() { a.eng.ChooseService(code) })
		b.Alignment = widget.ButtonAlignCenter
		tiles.Add(b)
	}
	turn := func(p int) func() { return func() { a.page = p; a.showServices(a.eng.View()) } }
	// The paging buttons keep their places on every page (a finger that
	// tapped "more" finds it again); the one that cannot be used is greyed.
	nav := container.NewHBox()
	if per < len(services) {
		prev := widget.NewButton(T(a.lang, "services.prev"), turn(page-1))
		more := widget.NewButton(T(a.lang, "services.more"), turn(page+1))
		if page == 0 {
			prev.Disable()
		}
		if to >= len(services) {
			more.Disable()
		}
		nav.Add(container.NewGridWrap(fyne.NewSize(320, 72), prev))
		nav.Add(container.NewGridWrap(fyne.NewSize(320, 72), more))
	}
	nav.Add(a.cancelButton())
	a.show("services", container.NewBorder(container.NewVBox(big(T(a.lang, "services.title")), a.notice(v)),
		container.NewCenter(nav), nil, nil, container.NewVScroll(tiles)))
}
