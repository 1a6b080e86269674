package vnkey

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Editor is a line of text typed through an input method: the committed
// text plus the keystrokes of the word being typed.
type Editor struct {
	Method    Method
	committed string
	keys      []rune
}

// Type applies one key. Letters (and VNI's digits) go to the current word;
// anything else ends the word and is typed as is.
func (e *Editor) Type(r rune) {
	if IsMark(r) { // a mark key acts on the word being typed, or the one before
		if len(e.keys) == 0 {
			e.reopen()
		}
		if len(e.keys) > 0 {
			e.keys = append(e.keys, r)
		}
		return
	}
	if unicode.IsLetter(r) || (e.Method == VNI && r >= '0' && r <= '9' && len(e.keys) > 0) {
		e.keys = append(e.keys, r)
		return
	}
	e.commit()
	e.committed += string(r)
}

// Backspace removes the last keystroke of the current word, or the last
// character of the committed text.
func (e *Editor) Backspace() {
	if len(e.keys) > 0 {
		e.keys = e.keys[:len(e.keys)-1]
		return
	}
	if e.committed == "" {
		return
	}
	_, n := utf8.DecodeLastRuneInString(e.committed)
	e.committed = e.committed[:len(e.committed)-n]
}

// Text returns the text so far, NFC-normalised.
func (e *Editor) Text() string {
	return norm.NFC.String(e.committed + Compose(e.Method, string(e.keys)))
}

// SetText replaces the text (the current word is committed as is).
func (e *Editor) SetText(s string) { e.committed, e.keys = norm.NFC.String(s), nil }

// Clear empties the editor.
func (e *Editor) Clear() { e.committed, e.keys = "", nil }

func (e *Editor) commit() {
	e.committed += Compose(e.Method, string(e.keys))
	e.keys = nil
}
