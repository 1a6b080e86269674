package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/unicode/norm"

	"motcua/kiosk/catalog"
	"motcua/ui/vnkey"
)

// field is a text entry that tells the on-screen keyboard when it is
// touched, so the keyboard types into the field the citizen chose.
type field struct {
	widget.Entry
	digits bool           // phone numbers, ID numbers: the digits pad
	plain  bool           // typed as is, capitals, no Telex (a passport number)
	label  string         // what the field is, shown above the keyboard
	spec   *catalog.Field // the form field it edits (nil: the key or PIN box)
	// compose composes the physical keyboard's keys (nil: typed as is);
	// composed is the text it last produced.
	compose  *vnkey.Editor
	composed string
	onFocus  func(*field)
	wrapped  bool // OnChanged already keeps the keyboard in step
	// pressed and moved follow a press on the field: a finger that moves
	// is scrolling the form, and only a tap without movement focuses.
	pressed, moved bool
	pressAt        fyne.Position
	dragged        bool // a press just ended after moving: no focus from it
}

func newField(digits bool) *field {
	f := &field{digits: digits}
	f.ExtendBaseWidget(f)
	return f
}

// FocusGained attaches the keyboard, unless the focus comes during a
// press or from the end of a drag (Fyne's entry asks for it then): a
// finger that scrolls the form has not chosen the field.
func (f *field) FocusGained() {
	f.Entry.FocusGained()
	if f.pressed || f.dragged { // a press decides at its release (MouseUp)
		f.dragged = false
		return
	}
	if f.onFocus != nil {
		f.onFocus(f)
	}
}

// dragSlop is how far a finger may slide and still tap (pixels).
const dragSlop = 8

// MouseDown only notes the press: focusing here would bring the keyboard
// up under a finger that is about to drag the form.
func (f *field) MouseDown(m *desktop.MouseEvent) {
	f.pressed, f.moved, f.dragged = true, false, false
	f.pressAt = m.AbsolutePosition
}

// MouseMoved notes a finger that slid past dragSlop while pressing: it
// is scrolling or dragging, not choosing the field.
func (f *field) MouseMoved(m *desktop.MouseEvent) {
	if !f.pressed {
		return
	}
	if m.Button == 0 { // the release happened elsewhere
		f.pressed, f.moved = false, false
		return
	}
	if far(m.AbsolutePosition, f.pressAt) {
		f.moved = true
	}
}

// MouseIn and MouseOut make the field hoverable, so that it is told of
// the finger's movement (MouseMoved); they change nothing.
func (f *field) MouseIn(*desktop.MouseEvent) {}

// MouseOut: see MouseIn.
func (f *field) MouseOut() {}

func far(a, b fyne.Position) bool {
	d := a.Subtract(b)
	return d.X*d.X+d.Y*d.Y > dragSlop*dragSlop
}

// MouseUp focuses (and places the cursor) only after a press that did not
// move: a tap.
func (f *field) MouseUp(m *desktop.MouseEvent) {
	tap := f.pressed && !f.moved && !far(m.AbsolutePosition, f.pressAt)
	f.dragged = f.pressed && !tap // the drag's end asks for the focus next
	f.pressed, f.moved = false, false
	if tap {
		focused := false
		if c := fyne.CurrentApp().Driver().CanvasForObject(f); c != nil {
			focused = c.Focused() == f
		}
		f.Entry.MouseDown(m)
		f.Entry.MouseUp(m)
		if focused && f.onFocus != nil { // focused by a drag before: the keyboard comes now
			f.onFocus(f)
		}
	}
}

// keyboard is the on-screen keyboard: Fyne has no input-method support,
// so Vietnamese is composed here with Telex (or VNI) from plain keys, and
// digits get a large pad. What it types is NFC-normalised.
type keyboard struct {
	lang    func() Lang
	editor  vnkey.Editor
	target  *field
	typing  bool // the keyboard itself is setting the target's text
	method  *widget.Button
	letters fyne.CanvasObject
	digits  fyne.CanvasObject
	box     *fyne.Container
	preview *widget.Label // the field being typed into, always in view
	upper   bool          // the next letter is a capital
	// shown is told when the keyboard comes up or goes (the frame makes
	// room for it: the demo panel steps aside).
	shown func(up bool)
}

func newKeyboard(lang func() Lang) *keyboard {
	k := &keyboard{lang: lang}
	k.letters = k.letterRows()
	k.digits = k.digitPad()
	k.preview = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	k.preview.Wrapping = fyne.TextWrapWord
	k.box = container.NewStack()
	k.box.Hide()
	return k
}

// object is the keyboard's place in a screen.
func (k *keyboard) object() fyne.CanvasObject { return k.box }

// attach makes f the keyboard's target and shows the right layout.
func (k *keyboard) attach(f *field) {
	if k.target != f {
		k.target = f
		k.editor.SetText(f.Text)
	}
	if !f.wrapped {
		f.OnChanged, f.wrapped = k.changedBy(f, f.OnChanged), true
	}
	keys := k.letters
	if f.digits {
		keys = k.digits
	}
	k.box.Objects = []fyne.CanvasObject{container.NewBorder(k.preview, nil, nil, nil, keys)}
	k.updatePreview()
	k.box.Show()
	k.box.Refresh()
	if k.shown != nil {
		k.shown(true)
	}
}

// changedBy keeps the composer in step with a physical keyboard: when the
// text changes and the keyboard did not do it, start again from the text.
func (k *keyboard) changedBy(f *field, next func(string)) func(string) {
	wrapped := func(s string) {
		if !k.typing && k.target == f {
			k.editor.SetText(s)
			k.updatePreview()
		}
		if next != nil {
			next(s)
		}
	}
	return wrapped
}

// detach hides the keyboard.
func (k *keyboard) detach() {
	k.target = nil
	k.editor.Clear()
	k.box.Hide()
	if k.shown != nil {
		k.shown(false)
	}
}

// press types one key into the target.
func (k *keyboard) press(r rune) {
	if k.target == nil {
		return
	}
	if k.target.digits && (r < '0' || r > '9') && r != '+' {
		return
	}
	if k.upper && unicode.IsLetter(r) {
		r, k.upper = unicode.ToUpper(r), false
	}
	if k.target.plain { // no composition: "AA" stays "AA", "W" stays "W"
		k.editor.SetText(k.target.Text + string(unicode.ToUpper(r)))
		k.show()
		return
	}
	k.editor.Type(r)
	k.show()
}

func (k *keyboard) backspace() {
	if k.target == nil {
		return
	}
	k.editor.Backspace()
	k.show()
}

func (k *keyboard) show() {
	k.typing = true
	text := norm.NFC.String(k.editor.Text())
	k.target.SetText(text)
	k.target.CursorColumn = len([]rune(text))
	k.target.Refresh()
	k.typing = false
	k.updatePreview()
}

// updatePreview shows the field's name and text above the keys: the
// keyboard covers half the screen, often the field itself.
func (k *keyboard) updatePreview() {
	if k.target == nil {
		return
	}
	text := k.target.Text
	if k.target.Password {
		text = strings.Repeat("•", len([]rune(text)))
	}
	if k.target.label != "" {
		text = k.target.label + ": " + text
	}
	k.preview.SetText(text + "▏")
}

func (k *keyboard) toggleMethod() {
	if k.editor.Method == vnkey.Telex {
		k.editor.Method = vnkey.VNI
		k.method.SetText("VNI")
	} else {
		k.editor.Method = vnkey.Telex
		k.method.SetText("Telex")
	}
	if k.target != nil {
		k.editor.SetText(k.target.Text)
	}
}

func (k *keyboard) key(label string, r rune) *widget.Button {
	return widget.NewButton(label, func() { k.press(r) })
}

func (k *keyboard) letterRows() fyne.CanvasObject {
	rows := []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"}
	var lines []fyne.CanvasObject
	for i, row := range rows {
		var keys []fyne.CanvasObject
		for _, r := range row {
			keys = append(keys, k.key(string(r), r))
		}
		if i == 3 { // shift starts the last row: the space bar's row holds the mark keys
			keys = append([]fyne.CanvasObject{widget.NewButton("⇧", k.shiftNext)}, keys...)
			keys = append(keys, k.key(",", ','), k.key(".", '.'), k.key("/", '/'))
		}
		lines = append(lines, container.NewGridWithColumns(len(keys), keys...))
	}
	k.method = widget.NewButton("Telex", k.toggleMethod)
	space := widget.NewButton(T(k.lang(), "kb.space"), func() { k.press(' ') })
	back := widget.NewButton("⌫", k.backspace)
	done := widget.NewButton(T(k.lang(), "kb.done"), k.detach)
	done.Importance = widget.HighImportance
	lines = append(lines, container.NewBorder(nil, nil, k.method, container.NewHBox(k.markRow(), back, done), space))
	return container.NewVBox(lines...)
}

// markKeys are the keys for people who know neither Telex nor VNI: the
// five tones (sắc huyền hỏi ngã nặng, shown on an a) and the letter marks
// (â for â ê ô, ă, ơ for ơ ư, đ), pressed after the letter: "e", "â",
// "ã" gives "ễ".
var markKeys = []struct {
	label string
	mark  rune
}{
	{"á", vnkey.MarkSac}, {"à", vnkey.MarkHuyen}, {"ả", vnkey.MarkHoi}, {"ã", vnkey.MarkNga}, {"ạ", vnkey.MarkNang},
	{"â", vnkey.MarkHat}, {"ă", vnkey.MarkTrang}, {"ơ", vnkey.MarkMoc}, {"đ", vnkey.MarkD},
}

// markRow is the mark keys, set beside the space bar: one row less than a
// row of their own, so the keyboard fits 1024x768 with large text.
func (k *keyboard) markRow() fyne.CanvasObject {
	var keys []fyne.CanvasObject
	for _, m := range markKeys {
		keys = append(keys, k.key(m.label, m.mark))
	}
	return container.NewGridWithColumns(len(keys), keys...)
}

// shiftNext makes the next letter a capital (names are typed in capitals
// on the card; addresses are mixed case).
func (k *keyboard) shiftNext() {
	if k.target == nil {
		return
	}
	k.upper = !k.upper
}

func (k *keyboard) digitPad() fyne.CanvasObject {
	var keys []fyne.CanvasObject
	for _, r := range "123456789" {
		keys = append(keys, k.key(string(r), r))
	}
	back := widget.NewButton("⌫", k.backspace)
	done := widget.NewButton(T(k.lang(), "kb.done"), k.detach)
	done.Importance = widget.HighImportance
	keys = append(keys, back, k.key("0", '0'), done)
	pad := container.NewGridWithColumns(3, keys...)
	return container.NewHBox(layout.NewSpacer(), container.NewGridWrap(fyne.NewSize(360, 320), pad), layout.NewSpacer())
}
