// Package vnkey composes Vietnamese text from plain keystrokes with the Telex
// and VNI input methods, for the kiosk's on-screen keyboard (Fyne has no IME
// support). It works a word at a time: the keystrokes of the word being typed
// are kept raw and the word is re-rendered from them on every key, so
// backspace, tone changes and undo (typing a modifier twice) stay consistent.
package vnkey

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Method is an input method.
type Method int

// Input methods.
const (
	Telex Method = iota
	VNI
)

// tone marks, as combining characters.
const (
	toneNone  = 0
	toneSac   = '\u0301'
	toneHuyen = '\u0300'
	toneHoi   = '\u0309'
	toneNga   = '\u0303'
	toneNang  = '\u0323'
)

// letter is one base letter of the word being composed.
type letter struct {
	r     rune // lower-case base letter: a ă â e ê i o ô ơ u ư y đ, or a consonant
	upper bool
}

// word is the state built from a word's keystrokes.
type word struct {
	letters []letter
	tone    rune
	literal bool // an undo happened: further modifier keys are plain letters
}

func isVowel(r rune) bool { return strings.ContainsRune("aăâeêioôơuưy", r) }

// Compose renders the keystrokes of one word.
func Compose(m Method, keys string) string {
	var w word
	for _, k := range keys {
		w.key(m, k)
	}
	return w.render()
}

func (w *word) add(k rune) {
	w.letters = append(w.letters, letter{r: unicode.ToLower(k), upper: unicode.IsUpper(k)})
}

// lastVowel returns the index of the last letter that is one of set, or -1.
func (w *word) lastOf(set string) int {
	for i := len(w.letters) - 1; i >= 0; i-- {
		if strings.ContainsRune(set, w.letters[i].r) {
			return i
		}
	}
	return -1
}

func (w *word) hasVowel() bool { return w.lastOf("aăâeêioôơuưy") >= 0 }

// key applies one keystroke.
func (w *word) key(m Method, k rune) {
	if w.mark(k) { // the keyboard's mark keys, the same in every method
		return
	}
	lk := unicode.ToLower(k)
	if w.literal {
		w.add(k)
		return
	}
	if m == Telex {
		if t, ok := map[rune]rune{'s': toneSac, 'f': toneHuyen, 'r': toneHoi, 'x': toneNga, 'j': toneNang}[lk]; ok && w.hasVowel() {
			w.setTone(t, k)
			return
		}
		if lk == 'z' && w.hasVowel() && w.tone != toneNone {
			w.tone = toneNone
			return
		}
		switch lk {
		case 'a', 'e', 'o':
			// aa -> â, ee -> ê, oo -> ô; a third press undoes.
			if i := w.lastOf(string(lk) + string(circumflex(lk))); i >= 0 && i == len(w.letters)-1 || (i >= 0 && w.onlyConsonantsAfter(i)) {
				if w.letters[i].r == lk {
					w.letters[i].r = circumflex(lk)
					return
				}
				w.letters[i].r = lk
				w.literal = true
				w.add(k)
				return
			}
		case 'w':
			if w.applyHorn(k) {
				return
			}
			// A lone w starts ư.
			w.letters = append(w.letters, letter{r: 'ư', upper: unicode.IsUpper(k)})
			return
		case 'd':
			if n := len(w.letters); n > 0 && w.letters[0].r == 'd' && !w.hasVowel() && n == 1 {
				w.letters[0].r = 'đ'
				return
			}
			if n := len(w.letters); n == 1 && w.letters[0].r == 'đ' {
				w.letters[0].r = 'd'
				w.literal = true
				w.add(k)
				return
			}
		}
		w.add(k)
		return
	}
	// VNI
	switch lk {
	case '1', '2', '3', '4', '5':
		if w.hasVowel() {
			w.setTone([]rune{toneSac, toneHuyen, toneHoi, toneNga, toneNang}[lk-'1'], k)
			return
		}
	case '0':
		if w.hasVowel() {
			w.tone = toneNone
			return
		}
	case '6':
		if i := w.lastOf("aeo"); i >= 0 {
			w.letters[i].r = circumflex(w.letters[i].r)
			return
		}
	case '7':
		if w.applyHorn(k) {
			return
		}
	case '8':
		if i := w.lastOf("a"); i >= 0 {
			w.letters[i].r = 'ă'
			return
		}
	case '9':
		if len(w.letters) > 0 && w.letters[0].r == 'd' {
			w.letters[0].r = 'đ'
			return
		}
	}
	w.add(k)
}

// onlyConsonantsAfter reports whether every letter after i is a consonant
// (so "toan" + "a" can still reach back to the a: "toân" is not a word, but
// "caan" -> "cân" is the usual Telex reach-back).
func (w *word) onlyConsonantsAfter(i int) bool {
	for _, l := range w.letters[i+1:] {
		if isVowel(l.r) {
			return false
		}
	}
	return true
}

func circumflex(r rune) rune {
	switch r {
	case 'a', 'ă':
		return 'â'
	case 'e':
		return 'ê'
	case 'o', 'ơ':
		return 'ô'
	}
	return r
}

// applyHorn handles Telex w / VNI 7: uo -> ươ, u -> ư, o -> ơ, a -> ă
// (Telex only for a); pressing again on an already horned letter undoes.
func (w *word) applyHorn(k rune) bool {
	if i := w.lastOf("uo"); i >= 1 && w.letters[i].r == 'o' && w.letters[i-1].r == 'u' {
		w.letters[i-1].r, w.letters[i].r = 'ư', 'ơ'
		return true
	}
	i := w.lastOf("aăuưoơ")
	if i < 0 || !w.onlyConsonantsAfter(i) {
		return false
	}
	switch w.letters[i].r {
	case 'u':
		w.letters[i].r = 'ư'
	case 'o':
		w.letters[i].r = 'ơ'
	case 'a':
		w.letters[i].r = 'ă'
	default: // undo
		w.letters[i].r = map[rune]rune{'ư': 'u', 'ơ': 'o', 'ă': 'a'}[w.letters[i].r]
		w.literal = true
		w.add(k)
	}
	return true
}

// setTone sets a tone; the same tone twice undoes it and types the key.
func (w *word) setTone(t rune, k rune) {
	if w.tone == t {
		w.tone = toneNone
		w.literal = true
		w.add(k)
		return
	}
	w.tone = t
}

// toneIndex places the tone mark by the common (old-style) orthography used
// in names: on a vowel with a diacritic (ơ of ươ); before a final consonant,
// on the last vowel; otherwise on the first of two vowels, the middle of three.
// "gi" and "qu" count their i/u as consonants.
func (w *word) toneIndex() int {
	var vs []int
	for i, l := range w.letters {
		if !isVowel(l.r) {
			continue
		}
		if i == 1 && ((l.r == 'u' && w.letters[0].r == 'q') || (l.r == 'i' && w.letters[0].r == 'g' && i+1 < len(w.letters) && isVowel(w.letters[i+1].r))) {
			continue
		}
		vs = append(vs, i)
	}
	if len(vs) == 0 {
		return -1
	}
	for j := len(vs) - 1; j >= 0; j-- {
		if strings.ContainsRune("ăâêôơư", w.letters[vs[j]].r) {
			if w.letters[vs[j]].r == 'ư' && j+1 < len(vs) && w.letters[vs[j+1]].r == 'ơ' {
				return vs[j+1]
			}
			return vs[j]
		}
	}
	last := vs[len(vs)-1]
	if last < len(w.letters)-1 { // a final consonant follows
		return last
	}
	switch len(vs) {
	case 1:
		return vs[0]
	case 2:
		return vs[0]
	}
	return vs[1]
}

func (w *word) render() string {
	ti := -1
	if w.tone != toneNone {
		ti = w.toneIndex()
	}
	var b strings.Builder
	for i, l := range w.letters {
		r := l.r
		if l.upper {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
		if i == ti {
			b.WriteRune(w.tone)
		}
	}
	return norm.NFC.String(b.String())
}
