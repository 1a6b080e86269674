package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
)

// The commune picker (issue 19): an address is entered by picking the
// province, then the commune, from the administrative list (today's 34
// provinces; the communes of the operator's table, kiosk/address), each
// list searchable without diacritics ("ba dinh" finds "Phường Ba Đình").
// The person types only the house number and street. Without a commune
// table the picker offers the provinces and the commune is typed.

// pickerMax is how many communes a page shows before asking to type more
// of the name (a province has up to a few hundred).
const pickerMax = 24

// communeButton is the address field's "choose from the list" button.
func (a *App) communeButton(v *prefill.Value) fyne.CanvasObject {
	party, id, idx := v.Party, v.Field.ID, v.Index
	b := widget.NewButtonWithIcon(T(a.lang, "commune.pick"), nil, func() {
		a.pickProvince(func(u address.Unit) {
			text := ""
			for _, val := range a.eng.View().Values { // what was typed since the form was drawn
				if val.Party == party && val.Field.ID == id && val.Index == idx {
					text = val.Text
				}
			}
			a.eng.SetField(party, id, idx, withCommune(text, u))
			a.render()
		})
	})
	b.Importance = widget.HighImportance
	return container.NewHBox(b)
}

// withCommune puts the picked commune and province after the street part
// of the text (replacing a province or commune already at its end).
func withCommune(text string, u address.Unit) string {
	parts := strings.Split(text, ",")
	var keep []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if f := catalog.Fold(p); f == catalog.Fold(u.CommuneName) || f == catalog.Fold(u.ProvinceName) || isUnitPart(p) {
			continue
		}
		keep = append(keep, p)
	}
	if u.CommuneName != "" {
		keep = append(keep, u.CommuneName)
	}
	return strings.Join(append(keep, u.ProvinceName), ", ")
}

// isUnitPart reports whether an address part names an administrative unit
// (it is replaced by the pick) rather than the street.
func isUnitPart(p string) bool {
	f := catalog.Fold(p)
	if _, ok := address.LookupNewProvince(p); ok {
		return true
	}
	if _, ok := address.LookupOldProvince(p); ok {
		return true
	}
	for _, w := range []string{"xa ", "phuong ", "thi tran ", "dac khu ", "quan ", "huyen ", "thi xa ", "tinh ", "thanh pho "} {
		if strings.HasPrefix(f, w) {
			return true
		}
	}
	return false
}

// pickProvince shows today's provinces, searchable; a pick goes on to the
// communes (or ends there without a commune table).
func (a *App) pickProvince(done func(address.Unit)) {
	provinces := address.AllNewProvinces()
	a.pickList("commune.province", func(q string) []pickItem {
		var out []pickItem
		for _, p := range provinces {
			if q == "" || strings.Contains(" "+catalog.Fold(p.Name)+" ", " "+q) {
				out = append(out, pickItem{label: p.Name, pick: func() {
					u := address.Unit{ProvinceCode: p.Code, ProvinceName: p.Name}
					if len(a.eng.Addresses().Communes(p.Code)) == 0 {
						done(u) // no table: the commune is typed in the field
						return
					}
					a.pickCommune(u, done)
				}})
			}
		}
		return out
	}, nil)
}

// pickCommune shows the communes of the province, searchable.
func (a *App) pickCommune(p address.Unit, done func(address.Unit)) {
	communes := a.eng.Addresses().Communes(p.ProvinceCode)
	a.pickList("commune.commune", func(q string) []pickItem {
		var out []pickItem
		for _, c := range communes {
			if q == "" || strings.Contains(" "+catalog.Fold(c.CommuneName)+" ", " "+q) {
				out = append(out, pickItem{label: c.CommuneName, pick: func() { done(c) }})
			}
		}
		return out
	}, func() { a.pickProvince(done) })
}

// pickItem is one choice of a picker list.
type pickItem struct {
	label string
	pick  func()
}

// pickList is the picker's screen: a title, a search box, the matching
// choices as large buttons (at most pickerMax), and back or cancel.
func (a *App) pickList(title string, match func(q string) []pickItem, back func()) {
	search := newField(false)
	search.label = T(a.lang, "commune.search")
	search.SetPlaceHolder(T(a.lang, "commune.search"))
	search.onFocus = a.focus
	search.compose = a.composer()
	list := container.NewStack()
	// Commune names run long ("Phường Văn Miếu - Quốc Tử Giám"): fewer
	// columns for them, and one with large text.
	cols := 3
	switch {
	case title == "commune.commune" && a.cfg.LargeText:
		cols = 1
	case title == "commune.commune" || a.cfg.LargeText:
		cols = 2
	}
	fill := func(q string) {
		items := match(catalog.Fold(q))
		grid := container.NewGridWithColumns(cols)
		for i, it := range items {
			if i == pickerMax {
				break
			}
			grid.Add(widget.NewButton(it.label, it.pick))
		}
		objs := []fyne.CanvasObject{grid}
		switch {
		case len(items) == 0:
			objs = []fyne.CanvasObject{para(T(a.lang, "commune.none"))}
		case len(items) > pickerMax:
			objs = []fyne.CanvasObject{container.NewVBox(grid, para(T(a.lang, "commune.more")))}
		}
		list.Objects = objs
		list.Refresh()
	}
	search.OnChanged = fill
	fill("")
	buttons := container.NewHBox()
	if back != nil {
		buttons.Add(action(T(a.lang, "commune.back"), false, back))
	}
	buttons.Add(action(T(a.lang, "cancel.pick"), false, a.render))
	head := container.NewVBox(big(T(a.lang, title)), search)
	a.show("commune", container.NewVBox(head, list, container.NewCenter(buttons))) // the screen scrolls as a whole
}
