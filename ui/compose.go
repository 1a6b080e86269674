package ui

import (
	"strings"

	"fyne.io/fyne/v2"

	"motcua/ui/vnkey"
)

// Physical-keyboard composition: Fyne has no input-method support, so a
// desk officer typing Telex ("Nguyeenx") on the PC's own keyboard would
// get the letters as typed. A field with a composer turns them into
// Vietnamese as the on-screen keyboard does, while the cursor is at the
// end of the text (editing in the middle types plainly).

// TypedRune composes the key when the field has a composer.
func (f *field) TypedRune(r rune) {
	if f.compose == nil || f.digits || f.Password || !f.atEnd() {
		f.Entry.TypedRune(r)
		return
	}
	if f.Text != f.composed { // changed elsewhere (a click, a paste): start again from it
		f.compose.SetText(f.Text)
	}
	f.compose.Type(r)
	f.setComposed()
}

// TypedKey composes Backspace too (it takes back the last keystroke of
// the word being typed, e.g. the tone).
func (f *field) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyBackspace || f.compose == nil || f.digits || f.Password || !f.atEnd() || f.Text != f.composed {
		f.Entry.TypedKey(k)
		return
	}
	f.compose.Backspace()
	f.setComposed()
}

func (f *field) setComposed() {
	t := f.compose.Text()
	f.composed = t
	f.SetText(t)
	lines := strings.Split(t, "\n")
	f.CursorRow = len(lines) - 1
	f.CursorColumn = len([]rune(lines[len(lines)-1]))
	f.Refresh()
}

// atEnd reports whether the cursor is after the last character.
func (f *field) atEnd() bool {
	lines := strings.Split(f.Text, "\n")
	return f.CursorRow == len(lines)-1 && f.CursorColumn == len([]rune(lines[len(lines)-1]))
}

// composer is the physical keyboard's composer for a new field: on by
// default at a desk (Telex, or VNI as the on-screen keyboard's switch
// says), off elsewhere (kiosks have no keyboard).
func (a *App) composer() *vnkey.Editor {
	if a.mode == Kiosk || !a.composeKeys {
		return nil
	}
	return &vnkey.Editor{Method: a.kb.editor.Method}
}

// focus is what happens when a field gets the focus: the on-screen
// keyboard comes up at a kiosk, and at a desk only when asked for.
func (a *App) focus(f *field) {
	if a.public() || a.padOnDesk {
		a.kb.attach(f)
	}
}
