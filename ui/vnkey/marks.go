package vnkey

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Mark keys are the on-screen keyboard's keys for people who know neither
// Telex nor VNI: type the letter, then its mark ("e", then "^", then
// "ngã" gives "ễ"). They act the same in either method, on the word being
// typed (or the word just before the cursor), and never type a character
// of their own: a mark that fits no letter does nothing, and pressing a
// mark again takes it off.
const (
	MarkSac   rune = '\uE001' // sắc  ́
	MarkHuyen rune = '\uE002' // huyền ̀
	MarkHoi   rune = '\uE003' // hỏi  ̉
	MarkNga   rune = '\uE004' // ngã  ̃
	MarkNang  rune = '\uE005' // nặng ̣
	MarkHat   rune = '\uE006' // mũ: â ê ô
	MarkTrang rune = '\uE007' // trăng: ă
	MarkMoc   rune = '\uE008' // móc: ơ ư (ươ)
	MarkD     rune = '\uE009' // gạch: đ
)

// reopened starts the keystrokes of a word taken back from the text: its
// letters are replayed as they are (no Telex or VNI reading of them).
const reopened rune = '\uE000'

// IsMark reports whether r is one of the mark keys.
func IsMark(r rune) bool { return r >= MarkSac && r <= MarkD }

var markTones = map[rune]rune{MarkSac: toneSac, MarkHuyen: toneHuyen, MarkHoi: toneHoi, MarkNga: toneNga, MarkNang: toneNang}

// mark applies a mark key to the word; it reports whether k was one.
func (w *word) mark(k rune) bool {
	if k == reopened {
		w.literal = true
		return true
	}
	if !IsMark(k) {
		return false
	}
	if t, ok := markTones[k]; ok {
		if !w.hasVowel() {
			return true
		}
		if w.tone == t {
			w.tone = toneNone
		} else {
			w.tone = t
		}
		return true
	}
	toggle := func(set string, on func(rune) rune, off map[rune]rune) {
		i := w.lastOf(set)
		if i < 0 {
			return
		}
		r := w.letters[i].r
		if b, ok := off[r]; ok {
			w.letters[i].r = b
			return
		}
		w.letters[i].r = on(r)
	}
	switch k {
	case MarkHat:
		toggle("aăâeêoôơ", circumflex, map[rune]rune{'â': 'a', 'ê': 'e', 'ô': 'o'})
	case MarkTrang:
		toggle("aăâ", func(rune) rune { return 'ă' }, map[rune]rune{'ă': 'a'})
	case MarkMoc:
		if i := w.lastOf("uoươ"); i >= 1 && strings.ContainsRune("oơ", w.letters[i].r) && strings.ContainsRune("uư", w.letters[i-1].r) {
			if w.letters[i].r == 'ơ' && w.letters[i-1].r == 'ư' {
				w.letters[i-1].r, w.letters[i].r = 'u', 'o'
			} else {
				w.letters[i-1].r, w.letters[i].r = 'ư', 'ơ'
			}
			return true
		}
		toggle("uưoôơ", func(r rune) rune { return map[rune]rune{'u': 'ư', 'o': 'ơ', 'ô': 'ơ'}[r] }, map[rune]rune{'ư': 'u', 'ơ': 'o'})
	case MarkD:
		toggle("dđ", func(rune) rune { return 'đ' }, map[rune]rune{'đ': 'd'})
	}
	return true
}

// marksOf are the keys that retype a composed letter's marks.
var marksOf = map[rune]rune{'\u0302': MarkHat, '\u0306': MarkTrang, '\u031B': MarkMoc,
	toneSac: MarkSac, toneHuyen: MarkHuyen, toneHoi: MarkHoi, toneNga: MarkNga, toneNang: MarkNang}

// reopen takes the word at the end of the committed text back into
// keystrokes (letters and mark keys), so a mark key reaches a word that
// was typed before (or set from a field's text).
func (e *Editor) reopen() {
	runes := []rune(e.committed)
	i := len(runes)
	for i > 0 && (unicode.IsLetter(runes[i-1]) || unicode.Is(unicode.Mn, runes[i-1])) {
		i--
	}
	if i == len(runes) {
		return
	}
	var keys, tones []rune
	for _, r := range norm.NFD.String(string(runes[i:])) {
		switch {
		case r == 'đ' || r == 'Đ':
			keys = append(keys, map[rune]rune{'đ': 'd', 'Đ': 'D'}[r], MarkD)
		case marksOf[r] != 0 && markTones[marksOf[r]] != 0:
			tones = append(tones, marksOf[r]) // the tone goes last: it lands where the word puts it
		case marksOf[r] != 0:
			keys = append(keys, marksOf[r])
		case unicode.IsLetter(r):
			keys = append(keys, r)
		default:
			return // a mark the keyboard cannot type: leave the word as it is
		}
	}
	e.committed, e.keys = string(runes[:i]), append(append([]rune{reopened}, keys...), tones...)
}
