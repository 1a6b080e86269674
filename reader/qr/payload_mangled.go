package qr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// JSON names of the text fields a mangled scan can leave unreliable.
const (
	FieldFullName  = "full_name"
	FieldSex       = "sex"
	FieldResidence = "place_of_residence"
)

// Mangled reports whether a text field bears the marks of a keyboard-wedge
// scanner (or a wrong character set) mangling Vietnamese letters: a '?' or
// U+FFFD standing for a letter the keyboard layout could not type, or UTF-8
// read as Windows-1252 / Latin-1 ("Nguyá»…n" for "Nguyễn"), whose
// undefined bytes may come out as C1 control characters. Card text never
// holds '?', C1 controls or those character pairs.
func Mangled(s string) bool {
	if strings.ContainsRune(s, '?') || strings.ContainsRune(s, utf8.RuneError) {
		return true
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9F { // C1 controls: Windows-1252's undefined bytes decoded as Latin-1
			return true
		}
	}
	return looksMojibake(s)
}

// looksMojibake spots UTF-8 decoded as Windows-1252 or Latin-1: the lead
// byte of a 2- or 3-byte sequence (Ã Â Ä Å Æ á â ...: U+00C2..U+00EF)
// followed by what a continuation byte (0x80..0xBF) becomes in those
// character sets. Vietnamese text has letters there, never those symbols.
func looksMojibake(s string) bool {
	prev := rune(0)
	for _, r := range s {
		if prev >= 0xC2 && prev <= 0xEF && isContinuationGlyph(r) {
			return true
		}
		prev = r
	}
	return false
}

// isContinuationGlyph: a byte 0x80..0xBF as Latin-1 (U+0080..U+00BF) or as
// Windows-1252, whose 0x80..0x9F are typographic signs.
func isContinuationGlyph(r rune) bool {
	if r >= 0x80 && r <= 0xBF {
		return true
	}
	return strings.ContainsRune("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ", r)
}

// hasLetterOrMark reports whether s has at least one letter: a field that
// is all '?' is not a mangled name but no name at all.
func hasLetterOrMark(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			return true
		}
	}
	return false
}
