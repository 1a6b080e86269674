package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// addRow puts a labelled value on a form layout (label bold on the right of
// its column, the value wrapping): the summary rows of the identity
// details, the receipt, the look-up, a service's detail and the admin
// screen. An empty value adds nothing, so absent facts leave no blank row.
func addRow(rows *fyne.Container, label, value string) {
	if value == "" {
		return
	}
	rows.Add(widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	l := widget.NewLabel(value)
	l.Wrapping = fyne.TextWrapWord
	rows.Add(l)
}
