package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
)

// showServices shows large tiles with a pictogram, a few per page (kiosk)
// or all (desk), under a search box over the services ("tam tru" finds
// "Đăng ký tạm trú"). A tile opens the service's detail (fees, time,
// papers, how the result comes back); the detail chooses it.
func (a *App) showServices(v engine.View) {
	search := newField(false)
	search.label = T(a.lang, "services.search")
	search.SetPlaceHolder(T(a.lang, "services.search"))
	search.SetText(a.query)
	search.onFocus = a.focus
	search.compose = a.composer()
	tiles := container.NewStack()
	nav := container.NewHBox()
	redraw := func() { a.drawTiles(tiles, nav) }
	search.OnChanged = func(s string) {
		if s != a.query {
			a.query, a.page = s, 0
			redraw()
		}
	}
	redraw()
	icon := widget.NewIcon(theme.SearchIcon())
	title, navRow := big(T(a.lang, "services.title")), container.NewCenter(nav)
	head := container.NewVBox(title,
		container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(48, 48), icon), nil, search), a.notice(v))
	// A kiosk's page of four tiles is never squeezed into a scroller of its
	// own (large text on a small screen left it a sliver): the screen
	// scrolls as a whole. A desk lists every service in a scroller.
	var middle fyne.CanvasObject = tiles
	if a.mode != Kiosk {
		middle = touchVScroll(tiles)
	}
	a.show("services", container.NewBorder(head, navRow, nil, nil, middle))
	a.kbHide = []fyne.CanvasObject{title, navRow} // typing a search: the results keep the room
}

// shownServices is what the tiles list: the search's hits, best first, or
// every service when the box is empty.
func (a *App) shownServices() []*catalog.Service {
	if strings.TrimSpace(a.query) == "" {
		return a.eng.Services()
	}
	var out []*catalog.Service
	for _, h := range a.eng.Catalog().Search(a.query, 0) {
		out = append(out, h.Service)
	}
	return out
}

// drawTiles fills the tiles and the paging row for the query and page.
func (a *App) drawTiles(tiles, nav *fyne.Container) {
	services := a.shownServices()
	per := 4
	if a.mode != Kiosk {
		per = max(1, len(services))
	}
	page := a.page
	from := min(page*per, len(services))
	to := min(from+per, len(services))
	grid := container.NewGridWrap(fyne.NewSize(460, 110))
	width := 44          // characters per line of a tile
	if a.mode == Kiosk { // four large tiles filling the screen
		grid = container.NewGridWithColumns(2)
		width = 24 // room for the pictogram on the left
	}
	if a.cfg.LargeText {
		width = width * 3 / 4
	}
	// Every tile is as tall as the longest name of the catalogue needs,
	// and a short last page is filled with blanks: the paging buttons under
	// the tiles stay where they are from page to page and search to search.
	lines := 1
	for _, s := range a.eng.Services() {
		lines = max(lines, strings.Count(wrapWords(a.serviceName(s), width), "\n")+1)
	}
	lineH := fyne.MeasureText("Ág", theme.TextSize(), fyne.TextStyle{Bold: true}).Height
	tall := max(float32(lines)*lineH, pictoSize) + 4*theme.Padding()
	for _, s := range services[from:to] {
		grid.Add(a.tile(s, width, tall))
	}
	for i := to - from; a.mode == Kiosk && i > 0 && i < per; i++ {
		blank := canvas.NewRectangle(color.Transparent)
		blank.SetMinSize(fyne.NewSize(1, tall))
		grid.Add(blank)
	}
	tiles.Objects = []fyne.CanvasObject{grid}
	if len(services) == 0 {
		tiles.Objects = []fyne.CanvasObject{para(T(a.lang, "services.none"))}
	}
	tiles.Refresh()
	turn := func(p int) func() {
		return func() { a.page = p; a.drawTiles(tiles, nav) }
	}
	// The paging buttons keep their places on every page and for every
	// search (a finger that tapped "more" finds it again); the one that
	// cannot be used is greyed.
	nav.Objects = nil
	if a.mode == Kiosk || per < len(services) {
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
	nav.Refresh()
}

// tile is one service: a large button with its name and, on its left,
// the group's pictogram. At a kiosk it opens the detail first; an
// officer's desk chooses at once.
func (a *App) tile(s *catalog.Service, width int, height float32) fyne.CanvasObject {
	// Buttons do not wrap: long names are broken into lines here, so a
	// tile never makes the window wider. One language per screen.
	code := s.Code
	tapped := func() { a.eng.ChooseService(code) }
	if a.mode == Kiosk {
		tapped = func() { a.showServiceDetail(s) }
	}
	b := widget.NewButton(wrapWords(a.serviceName(s), width), tapped)
	b.Alignment = widget.ButtonAlignCenter
	if a.mode != Kiosk {
		return b
	}
	// The pictogram sits over the button's left end, where the centred
	// name leaves room; taps on it reach the button.
	tall := canvas.NewRectangle(color.Transparent) // all tiles alike (drawTiles)
	tall.SetMinSize(fyne.NewSize(1, height))
	return container.NewStack(tall, b, container.NewHBox(container.NewCenter(container.NewPadded(pictogram(groupOf(s))))))
}

// showServiceDetail is what a citizen looks for before filing: fees,
// processing time, the papers to bring (and those the state already
// holds), how the result comes back; then choose it, or go back.
func (a *App) showServiceDetail(s *catalog.Service) {
	rows := container.New(layout.NewFormLayout())
	add := func(key, val string) { addRow(rows, T(a.lang, key), val) }
	p := s.Procedure
	add("detail.fees", a.procFees(p))
	add("detail.time", a.processingText(p))
	add("detail.papers", a.papersText(s, false))
	add("detail.notasked", a.papersText(s, true))
	add("detail.delivery", bullets(procDelivery(p, a.lang)))
	code := s.Code
	choose := action(T(a.lang, "detail.choose"), true, func() { a.eng.ChooseService(code) })
	back := action(T(a.lang, "detail.back"), false, func() { a.showServices(a.eng.View()) })
	head := container.NewBorder(nil, nil, pictogram(groupOf(s)), nil, big(a.serviceName(s)))
	// The choice stays in view under the facts, which scroll (1024x768,
	// large text).
	a.show("services.detail", container.NewBorder(head, container.NewCenter(container.NewHBox(choose, back, a.cancelButton())), nil, nil,
		touchVScroll(rows)))
}

// processingText is the procedure's time limit in words (or its days).
func (a *App) processingText(p catalog.Procedure) string {
	if a.lang == English && p.ProcessingEN != "" {
		return p.ProcessingEN
	}
	if p.ProcessingVI != "" && a.lang == Vietnamese {
		return p.ProcessingVI
	}
	if p.ProcessingDays > 0 {
		return fmt.Sprintf(T(a.lang, "detail.days"), p.ProcessingDays)
	}
	return ""
}

// papersText lists the papers to bring, or (replaced) those the state
// already holds, which are never asked for (Chỉ thị 24/CT-TTg).
func (a *App) papersText(s *catalog.Service, replaced bool) string {
	var lines []string
	for _, at := range s.Attachments {
		if at.Replaced() != replaced {
			continue
		}
		label := at.LabelVI
		if a.lang == English && at.LabelEN != "" {
			label = at.LabelEN
		}
		if !replaced && !at.Required {
			label += " (" + T(a.lang, "detail.ifany") + ")"
		}
		lines = append(lines, "• "+label)
	}
	if len(lines) == 0 && !replaced {
		return T(a.lang, "detail.nopapers")
	}
	return strings.Join(lines, "\n")
}

// bullets puts each item on a bulleted line of its own.
func bullets(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return "• " + strings.Join(items, "\n• ")
}
