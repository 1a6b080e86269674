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

// The desk's capture screens: the attachments the service asks for, on the
// form after the card values (captureSection), and the pages of one
// attachment being scanned or photographed (showCapture). The engine holds
// the pages and runs the scanner off the UI goroutine; these screens only
// render its view and send its intents.

// attLabel is an attachment's name in the current language.
func (a *App) attLabel(at catalog.Attachment) string {
	if a.lang == English && at.LabelEN != "" {
		return at.LabelEN
	}
	return at.LabelVI
}

// kb is a byte count as people read it.
func kb(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

// captureSection lists the attachments of the chosen service on the desk
// form: each asked one with what was captured and a button to capture it,
// and each one the state already holds with the reason it is not asked.
func (a *App) captureSection(v engine.View) fyne.CanvasObject {
	c := v.Capture
	if c == nil {
		return layout.NewSpacer()
	}
	box := container.NewVBox()
	if c.Source == "" && len(c.Items) > 0 {
		box.Add(wrapped(T(a.lang, "cap.nosource"), widget.WarningImportance))
	}
	for _, it := range c.Items {
		name := a.attLabel(it.Attachment)
		if it.Attachment.Required {
			name += " *"
		}
		title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Wrapping = fyne.TextWrapWord
		state := T(a.lang, "cap.none")
		switch {
		case it.PDF:
			state = a.scannerPDF(it.Bytes, it.Pages)
		case it.Pages > 0:
			state = fmt.Sprintf(T(a.lang, "cap.count"), it.Pages, kb(it.Bytes))
		}
		imp := widget.MediumImportance
		if it.Pages == 0 && !it.PDF && it.Attachment.Required {
			imp = widget.WarningImportance
		}
		id := it.Attachment.ID
		btn := widget.NewButtonWithIcon(T(a.lang, "cap.open"), theme.DocumentIcon(), func() { a.eng.OpenCapture(id) })
		if c.Source == "" {
			btn.Disable()
		}
		box.Add(container.NewBorder(nil, nil, nil, btn, container.NewVBox(title, wrapped(state, imp))))
	}
	for _, at := range c.NotAsked {
		reason := at.ReasonVI
		if a.lang == English && at.ReasonEN != "" {
			reason = at.ReasonEN
		}
		if reason == "" {
			reason = T(a.lang, "cap.replaced")
		}
		box.Add(wrapped(a.attLabel(at)+" — "+reason, widget.LowImportance))
	}
	return widget.NewCard(T(a.lang, "cap.title"), "", box)
}

// wrapped is a left-aligned wrapping label of some importance.
func wrapped(text string, imp widget.Importance) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	return l
}

// showCapture shows the attachment being captured, when one is open: the
// capture button of the configured source, the pages as thumbnails with
// their size, each with move up/down, retake and delete, the page count
// and total size, and what went wrong with the last page. It reports
// whether it drew the screen.
func (a *App) showCapture(v engine.View) bool {
	c := v.Capture
	if c == nil || c.Open == "" || v.Step != engine.StepForm {
		return false
	}
	var item engine.CaptureItem
	for _, it := range c.Items {
		if it.Attachment.ID == c.Open {
			item = it
		}
	}
	var parts []fyne.CanvasObject
	switch {
	case c.PDF > 0:
		parts = append(parts, wrapped(a.scannerPDF(int64(c.PDF), c.PDFPages)+" — "+c.PDFName, widget.MediumImportance))
	case len(c.Pages) > 0:
		parts = append(parts, wrapped(fmt.Sprintf(T(a.lang, "cap.count"), len(c.Pages), kb(item.Bytes)), widget.MediumImportance))
	default:
		parts = append(parts, wrapped(T(a.lang, "cap.empty."+c.Source), widget.MediumImportance))
	}
	if c.Busy {
		parts = append(parts, wrapped(T(a.lang, "cap.busy"), widget.MediumImportance), widget.NewProgressBarInfinite())
	}
	if msg := a.captureProblem(c); msg != "" {
		parts = append(parts, wrapped(msg, widget.DangerImportance))
	}
	var tiles []fyne.CanvasObject
	if c.PDF > 0 {
		del := widget.NewButtonWithIcon(T(a.lang, "cap.delete"), theme.DeleteIcon(), func() { a.eng.DeletePage(0) })
		tiles = append(tiles, container.NewVBox(container.NewCenter(widget.NewIcon(theme.FileApplicationIcon())), widget.NewLabel("PDF"), del))
	}
	for i, p := range c.Pages {
		tiles = append(tiles, a.pageTile(i, len(c.Pages), p, c.Busy))
	}
	if len(tiles) > 0 {
		// Every tile as large as the largest needs (text size changes it).
		size := fyne.NewSize(220, 0)
		for _, t := range tiles {
			m := t.MinSize()
			size = fyne.NewSize(max(size.Width, m.Width), max(size.Height, m.Height))
		}
		parts = append(parts, container.NewGridWrap(size, tiles...))
	}
	label := T(a.lang, "cap.take."+c.Source)
	take := widget.NewButtonWithIcon(label, theme.ContentAddIcon(), a.eng.CapturePage)
	take.Importance = widget.HighImportance
	if c.Busy || c.PDF > 0 {
		take.Disable()
	}
	doneBtn := widget.NewButton(T(a.lang, "cap.done"), a.eng.CloseCapture)
	if c.Busy { // the page on its way belongs to this attachment
		doneBtn.Disable()
	}
	done := container.NewGridWrap(fyne.NewSize(320, 72), doneBtn)
	buttons := container.NewCenter(container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), take), done))
	// The attachment's name is the heading: the screen is about it alone.
	a.show("capture", container.NewBorder(big(a.attLabel(item.Attachment)), buttons, nil, nil,
		a.keptScroll("capture", container.NewVBox(parts...))))
	return true
}

// pageTile is one page: its thumbnail, number and size, and its actions.
func (a *App) pageTile(i, n int, p engine.CapturedPage, busy bool) fyne.CanvasObject {
	var img fyne.CanvasObject = container.NewGridWrap(fyne.NewSize(150, 160), widget.NewIcon(theme.BrokenImageIcon()))
	if p.Thumb != nil {
		ci := canvas.NewImageFromImage(p.Thumb)
		ci.FillMode = canvas.ImageFillContain
		b := p.Thumb.Bounds()
		k := min(150/float32(max(b.Dx(), 1)), 160/float32(max(b.Dy(), 1)))
		ci.SetMinSize(fyne.NewSize(float32(b.Dx())*k, float32(b.Dy())*k))
		// The paper's edge: a scan's white margin would vanish on the
		// screen's white.
		edge := canvas.NewRectangle(color.Transparent)
		edge.StrokeColor, edge.StrokeWidth = color.Gray{Y: 0x99}, 1
		img = container.NewStack(ci, edge)
	}
	info := widget.NewLabelWithStyle(fmt.Sprintf(T(a.lang, "cap.page"), i+1, kb(int64(p.Bytes))), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { a.eng.MovePage(i, i-1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { a.eng.MovePage(i, i+1) })
	retake := widget.NewButtonWithIcon(T(a.lang, "cap.retake"), theme.ViewRefreshIcon(), func() { a.eng.RetakePage(i) })
	del := widget.NewButtonWithIcon(T(a.lang, "cap.delete"), theme.DeleteIcon(), func() { a.eng.DeletePage(i) })
	del.Importance = widget.DangerImportance
	if i == 0 || busy {
		up.Disable()
	}
	if i == n-1 || busy {
		down.Disable()
	}
	if busy {
		retake.Disable()
		del.Disable()
	}
	return container.NewVBox(container.NewCenter(img), info, container.NewGridWithColumns(2, up, down),
		container.NewGridWithColumns(2, retake, del))
}

// captureProblem puts the last capture's problem into words; the
// engine's detail (which limit, the scanner's own message) follows on a
// desk, where an officer can act on it.
func (a *App) captureProblem(c *engine.CaptureView) string {
	key := ""
	switch c.Problem {
	case engine.CaptureOK:
		return ""
	case engine.CaptureUnreadable:
		key = "cap.unreadable"
	case engine.CaptureTooLarge:
		key = "cap.toolarge"
	case engine.CaptureNoSource:
		key = "cap.nosourcenow"
	case engine.CaptureLimit:
		key = "cap.limit"
	default:
		key = "cap.failed"
	}
	msg := T(a.lang, key)
	// The detail (which limit, the scanner's own words) is in English:
	// shown as it is to an officer reading English; the Vietnamese
	// message above says what to do.
	if d := strings.TrimSpace(c.Detail); d != "" && a.lang == English && c.Problem != engine.CaptureLimit {
		msg += "\n(" + clipText(d, 200) + ")"
	}
	return msg
}

// clipText shortens s to n runes.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// captureSummary lists on review what will go with the dossier: each
// attachment captured, with its pages and size, and each required one
// that was not.
func (a *App) captureSummary(v engine.View) fyne.CanvasObject {
	c := v.Capture
	if c == nil || len(c.Items) == 0 {
		return layout.NewSpacer()
	}
	box := container.NewVBox(a.headingText(T(a.lang, "cap.title")))
	for _, it := range c.Items {
		switch {
		case it.PDF:
			box.Add(wrapped(a.attLabel(it.Attachment)+": "+a.scannerPDF(it.Bytes, it.Pages), widget.MediumImportance))
		case it.Pages > 0:
			box.Add(wrapped(a.attLabel(it.Attachment)+": "+fmt.Sprintf(T(a.lang, "cap.count"), it.Pages, kb(it.Bytes)), widget.MediumImportance))
		case it.Attachment.Required:
			box.Add(wrapped(a.attLabel(it.Attachment)+": "+T(a.lang, "cap.none"), widget.WarningImportance))
		}
	}
	return box
}

// headingText is a bold sub-heading.
func (a *App) headingText(text string) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// scannerPDF describes a scanner's own PDF: its pages when its page tree
// could be read, its size.
func (a *App) scannerPDF(size int64, pages int) string {
	if pages > 0 {
		return fmt.Sprintf(T(a.lang, "cap.pdfpages"), pages, kb(size))
	}
	return fmt.Sprintf(T(a.lang, "cap.pdf"), kb(size))
}
