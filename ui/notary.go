package ui

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/kiosk/notary"
)

// notaryUI is what the notary screen keeps between redraws that the
// engine does not hold yet: who the next signing photo shows (ticked),
// and the electronic document's fields as typed. No card data.
type notaryUI struct {
	act        uint64 // the act this is for (engine.NotaryView.Act)
	shows      map[string]bool
	eQR, eLink string
	typed      bool // the e-document fields were typed since they were put in the record
	// scroll is the scroller of the notary and capture screens on show: a
	// redraw (a photo taken, a page scanned) keeps the place, instead of
	// jumping back to the top.
	scroll map[string]*container.Scroll
	bad    bool // the engine refused them
}

// showNotary is what a notary sees after a read: the chip photo large, the
// verdicts in full, the parties already checked for this act, the role of
// this person, the act number to file the record under, the photos of the
// signing and the electronic notarial document.
func (a *App) showNotary(v engine.View) {
	if v.Person == nil {
		a.showAttract(v)
		return
	}
	nv := v.Notary
	if nv == nil {
		nv = &engine.NotaryView{}
	}
	if a.notaryUI.act != nv.Act { // another act: nothing typed or ticked for the last one stays
		a.notaryUI = notaryUI{act: nv.Act}
	}
	act := newField(false)
	act.onFocus = a.focus
	act.compose = a.composer()
	act.label = T(a.lang, "notary.act")
	act.SetPlaceHolder(T(a.lang, "notary.act"))
	// The act number is the act's, not the party's: typed once, the engine
	// keeps it for every party's card and drops it with the act.
	act.SetText(nv.ActRef)
	act.OnChanged = func(s string) { a.eng.SetActRef(s) }
	parts := []fyne.CanvasObject{big(T(a.lang, "notary.title"))}
	for _, q := range v.Parties {
		// The summary is "Vietnamese / English": the screen's language only.
		sum := strings.SplitN(q.Summary, " / ", 2)
		parts = append(parts, widget.NewLabel(fmt.Sprintf("%s: %s — %s", q.Role, q.FullName, sum[min(int(a.lang), len(sum)-1)])))
	}
	who := nv.Role // "Bên 2", or a witness or interpreter
	if who == "" {
		who = fmt.Sprintf("%s %d", T(a.lang, "notary.party"), len(v.Parties)+1)
	}
	if v.RecordFile != "" { // filed: the parties are in the record, not "the next party"
		who = T(a.lang, "notary.saved")
	}
	parts = append(parts, para(who),
		a.identityCard(v), a.details(v))
	if v.RecordFile == "" {
		parts = append(parts, a.notaryRolePicker(nv), act)
	}
	parts = append(parts, a.signingPhotos(v, nv))
	if v.RecordFile == "" {
		parts = append(parts, a.eDocument(nv))
	}
	notice := a.noticeText(v)
	if v.Notice == engine.NoticeError { // the record's refusal, in the screen's language
		notice = a.photoProblem(v.Detail)
	}
	parts = append(parts, para(notice))
	save := widget.NewButton(T(a.lang, "notary.save"), func() { a.eng.SaveNotary("") })
	save.Importance = widget.HighImportance
	if v.Busy {
		save.Disable()
	}
	another := action(T(a.lang, "notary.another"), false, func() { a.eng.AnotherParty() })
	buttons := container.NewHBox(container.NewGridWrap(fyne.NewSize(320, 72), save), another, a.cancelButton())
	if v.RecordFile != "" { // saved: print or open the record; saving again does nothing
		save.Disable()
		png := strings.TrimSuffix(v.RecordFile, ".json") + ".png"
		buttons = container.NewHBox(a.openButton(png))
		if a.cfg.Print != nil {
			buttons.Add(action(T(a.lang, "notary.print"), false, func() {
				a.goIO(func() {
					b, err := os.ReadFile(png)
					if err == nil {
						err = a.cfg.Print(b)
					}
					a.do(func() {
						a.printMsg = T(a.lang, "receipt.printed")
						if err != nil {
							a.printMsg = T(a.lang, "print.failed")
						}
						a.render()
					})
				})
			}))
		}
		buttons.Add(action(T(a.lang, "notary.done"), true, a.eng.Done))
	}
	if a.printMsg != "" {
		parts = append(parts, para(a.printMsg))
		a.printMsg = ""
	}
	a.show("notary", container.NewBorder(nil, container.NewCenter(buttons), nil, nil,
		a.keptScroll("notary", container.NewVBox(parts...))))
}

// keptScroll scrolls content, at the place the same screen's scroller
// was before this redraw.
func (a *App) keptScroll(screen string, content fyne.CanvasObject) *container.Scroll {
	sc := touchVScroll(content)
	if a.notaryUI.scroll == nil {
		a.notaryUI.scroll = map[string]*container.Scroll{}
	}
	if old := a.notaryUI.scroll[screen]; old != nil && a.Screen() == screen {
		sc.Offset = old.Offset
	}
	a.notaryUI.scroll[screen] = sc
	return sc
}

// notaryRolePicker names the role of the card on the reader: a party of the
// act ("Bên N"), a witness or an interpreter (roles of the record, in
// Vietnamese whatever the screen's language).
func (a *App) notaryRolePicker(nv *engine.NotaryView) fyne.CanvasObject {
	party := T(a.lang, "notary.role.party")
	opts := []string{party, notary.RoleWitness, notary.RoleInterpreter}
	sel := widget.NewSelect(opts, nil)
	sel.Selected = party
	if nv.Role == notary.RoleWitness || nv.Role == notary.RoleInterpreter {
		sel.Selected = nv.Role
	}
	sel.OnChanged = func(s string) {
		if s == party {
			s = ""
		}
		a.eng.SetPartyRole(s)
	}
	return container.NewBorder(nil, nil, widget.NewLabelWithStyle(T(a.lang, "notary.role"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, sel)
}

// signingPhotos lists the photos of the signing with who each shows and
// the start of its SHA-256, and takes the next one: tick who is in it.
func (a *App) signingPhotos(v engine.View, nv *engine.NotaryView) fyne.CanvasObject {
	box := container.NewVBox()
	saved := v.RecordFile != ""
	if len(nv.Photos) == 0 {
		box.Add(wrapped(T(a.lang, "notary.photo.none"), widget.WarningImportance))
	}
	var tiles []fyne.CanvasObject
	for i, p := range nv.Photos {
		var img fyne.CanvasObject = widget.NewIcon(theme.BrokenImageIcon())
		if p.Thumb != nil {
			ci := canvas.NewImageFromImage(p.Thumb)
			ci.FillMode = canvas.ImageFillContain
			ci.SetMinSize(fyne.NewSize(240, 160))
			img = ci
		}
		who := widget.NewLabel(strings.Join(p.Shows, ", "))
		who.Truncation = fyne.TextTruncateEllipsis
		tile := container.NewVBox(img,
			widget.NewLabelWithStyle(fmt.Sprintf(T(a.lang, "notary.photo.n"), i+1), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			widget.NewLabelWithStyle("SHA-256 "+p.SHA256[:12]+"…", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}),
			who)
		if !saved {
			i := i
			del := widget.NewButtonWithIcon(T(a.lang, "notary.photo.del"), theme.DeleteIcon(), func() { a.eng.RemoveSigningPhoto(i) })
			tile.Add(del)
		}
		tiles = append(tiles, tile)
	}
	if len(tiles) > 0 {
		size := fyne.NewSize(280, 0) // every tile as large as the largest needs
		for _, t := range tiles {
			m := t.MinSize()
			size = fyne.NewSize(max(size.Width, m.Width), max(size.Height, m.Height))
		}
		box.Add(container.NewGridWrap(size, tiles...))
	}
	if len(nv.Photos) > 0 && len(nv.Missing) > 0 {
		box.Add(wrapped(fmt.Sprintf(T(a.lang, "notary.photo.miss"), strings.Join(nv.Missing, ", ")), widget.WarningImportance))
	}
	if saved {
		return widget.NewCard(T(a.lang, "notary.photos"), "", box)
	}
	if nv.PhotoErr != "" {
		box.Add(wrapped(a.photoProblem(nv.PhotoErr), widget.DangerImportance))
	}
	if !nv.CanPhoto {
		box.Add(wrapped(T(a.lang, "notary.photo.nocam"), widget.WarningImportance))
	}
	// Who the next photo shows: the notary and the act's roles, ticked by
	// default so that one photo of everyone is one tap.
	if a.notaryUI.shows == nil {
		a.notaryUI.shows = map[string]bool{}
	}
	people := append([]string{notary.ShowsNotary}, nv.Roles...)
	checks := container.NewHBox(widget.NewLabel(T(a.lang, "notary.photo.who")))
	for _, p := range people {
		p := p
		on, seen := a.notaryUI.shows[p]
		if !seen {
			on = true
			a.notaryUI.shows[p] = true
		}
		c := widget.NewCheck(p, func(b bool) { a.notaryUI.shows[p] = b })
		c.Checked = on
		checks.Add(c)
	}
	take := widget.NewButtonWithIcon(T(a.lang, "notary.photo.take"), theme.MediaPhotoIcon(), func() {
		var shows []string
		for _, p := range people {
			if a.notaryUI.shows[p] {
				shows = append(shows, p)
			}
		}
		a.eng.TakeSigningPhoto(shows)
	})
	take.Importance = widget.HighImportance
	if nv.PhotoBusy || !nv.CanPhoto || v.Busy {
		take.Disable()
	}
	box.Add(container.NewHScroll(checks))
	row := container.NewHBox(take)
	if nv.PhotoBusy {
		row.Add(widget.NewLabel(T(a.lang, "notary.photo.busy")))
	}
	box.Add(row)
	return widget.NewCard(T(a.lang, "notary.photos"), "", box)
}

// photoPhrases put kiosk/notary's refusals of a photo into words.
var photoPhrases = []struct{ has, key string }{
	{"must show the notary", "notary.ph.notary"},
	{"at least one signer", "notary.ph.signer"},
	{"not a party", "notary.ph.signer"},
	{"identifiable", "notary.ph.small"},
	{"not a JPEG", "notary.ph.bad"},
	{"does not decode", "notary.ph.bad"},
	{"at most", "notary.ph.many"},
	{"no photo in", "notary.ph.wait"},
	{"camera", "notary.ph.cam"},
	{"too large", "notary.ph.big"},
	{"limit", "notary.ph.big"},
	{"no camera and no photo folder", "notary.photo.nocam"},
}

func (a *App) photoProblem(err string) string {
	for _, p := range photoPhrases {
		if strings.Contains(err, p.has) {
			return T(a.lang, p.key)
		}
	}
	if a.lang == English {
		return err
	}
	return "(" + T(a.lang, "reason.other") + ")"
}

// eDocument takes the electronic notarial document's QR content and link
// into the record.
func (a *App) eDocument(nv *engine.NotaryView) fyne.CanvasObject {
	st := &a.notaryUI
	if !st.typed {
		st.eQR, st.eLink = nv.EDocQR, nv.EDocLink
	}
	mk := func(label, text string, set func(string)) *field {
		f := newField(false)
		f.onFocus = a.focus
		f.label = label
		f.SetPlaceHolder(label)
		f.SetText(text)
		f.OnChanged = func(s string) { set(s); st.typed = true }
		return f
	}
	qr := mk(T(a.lang, "notary.edoc.qr"), st.eQR, func(s string) { st.eQR = s })
	link := mk(T(a.lang, "notary.edoc.link"), st.eLink, func(s string) { st.eLink = s })
	set := widget.NewButton(T(a.lang, "notary.edoc.set"), func() {
		st.bad = a.eng.SetElectronicDocument(st.eQR, st.eLink) != nil
		if !st.bad {
			st.typed = false
		}
		a.render()
	})
	box := container.NewVBox(qr, link, container.NewHBox(set))
	if st.bad {
		box.Add(wrapped(T(a.lang, "notary.edoc.bad"), widget.DangerImportance))
	} else if nv.EDocQR != "" || nv.EDocLink != "" {
		box.Add(wrapped("✓ "+T(a.lang, "notary.edoc.in"), widget.SuccessImportance))
	}
	return widget.NewCard(T(a.lang, "notary.edoc"), "", box)
}

// openButton opens a record the engine wrote (the printable page) with
// the desktop's viewer, from which it can be printed.
func (a *App) openButton(path string) fyne.CanvasObject {
	return action(T(a.lang, "record.open"), false, func() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return
		}
		a.fa.OpenURL(&url.URL{Scheme: "file", Path: abs})
	})
}
