package qr

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"motcua/reader/cccd"
)

// How keyboard-wedge scanners and wrong character sets mangle Vietnamese
// letters. ASCII (the digits, '|', "Nam") always survives.
var manglers = []struct {
	name string
	fn   func(string) string
}{
	// The keyboard layout cannot type the letter: the driver sends '?'.
	{"question marks", func(s string) string { return mapNonASCII(s, func(rune) string { return "?" }) }},
	// The letter arrives as an invalid byte, later decoded to U+FFFD.
	{"replacement character", func(s string) string { return mapNonASCII(s, func(rune) string { return "\uFFFD" }) }},
	// The scanner sends UTF-8 bytes, the host decodes them as Windows-1252.
	{"UTF-8 read as Windows-1252", func(s string) string { return decodeBytes(s, charmap.Windows1252) }},
	// ... or as Latin-1, where 0x80..0x9F become C1 control characters.
	{"UTF-8 read as Latin-1", func(s string) string { return decodeBytes(s, charmap.ISO8859_1) }},
	// The host passes raw bytes that are not UTF-8 (a one-byte code page).
	{"invalid UTF-8 bytes", func(s string) string { return mapNonASCII(s, func(rune) string { return "\xe1" }) }},
}

func mapNonASCII(s string, f func(rune) string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			b.WriteString(f(r))
		}
	}
	return b.String()
}

// decodeBytes reads s's UTF-8 bytes as if they were in charset cm.
func decodeBytes(s string, cm *charmap.Charmap) string {
	out, err := cm.NewDecoder().String(s)
	if err != nil {
		panic(err)
	}
	return out
}

// TestParseMangled: for both QR generations, every mangling keeps the ID
// number and the dates (so the chip keys), marks the mangled text fields
// unreliable, and Identity leaves them for the chip.
func TestParseMangled(t *testing.T) {
	gens := []struct {
		name       string
		qr         string
		gen        Generation
		id         string
		dob, issue string
		female     bool
	}{
		{"cccd", cccdQR, GenerationCCCD, synthID, "1993-01-05", "2021-04-10", false},
		{"can cuoc", canCuocQR, GenerationCanCuoc, "001300047065", "2000-02-29", "2024-08-01", true},
	}
	for _, g := range gens {
		for _, m := range manglers {
			t.Run(g.name+"/"+m.name, func(t *testing.T) {
				in := m.fn(g.qr)
				if in == g.qr {
					t.Fatal("the mangler changed nothing")
				}
				p, err := Parse(in)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if p.IDNumber != g.id || p.DateOfBirth != g.dob || p.DateOfIssue != g.issue || p.Generation != g.gen {
					t.Fatalf("keys not intact: %s dob %s issue %s gen %s", p, p.DateOfBirth, p.DateOfIssue, p.Generation)
				}
				want := []string{FieldFullName, FieldResidence}
				if g.female {
					want = []string{FieldFullName, FieldSex, FieldResidence}
				}
				if !slices.Equal(p.Unreliable, want) {
					t.Errorf("unreliable = %v, want %v", p.Unreliable, want)
				}
				if !g.female && p.Sex != "Nam" {
					t.Errorf("ASCII sex lost: %q", p.Sex)
				}
				if g.female && p.Sex != "" {
					t.Errorf("mangled sex guessed: %q", p.Sex)
				}
				id := p.Identity()
				if id.FullName != "" || id.PlaceOfResidence != "" || (g.female && id.Sex != "") {
					t.Errorf("Identity() passes mangled text on: %+v", id)
				}
				if id.IDNumber != g.id || id.DateOfBirth != g.dob || id.DateOfIssue != g.issue {
					t.Errorf("Identity() lost the keys: %+v", id)
				}
				if p.CAN() != g.id[6:] || p.BirthDate().IsZero() || p.IssueDate().IsZero() {
					t.Error("no chip keys from a mangled QR")
				}
				if strings.Contains(p.String(), g.id) {
					t.Errorf("String() leaks the ID: %s", p)
				}
				// The chip supplies the name: no name or sex mismatch.
				chip := cccd.Identity{IDNumber: g.id, FullName: "Nguyễn Văn Thử", DateOfBirth: g.dob, Sex: "Nam"}
				if g.female {
					chip.FullName, chip.Sex = "Trần Thị Mẫu", "Nữ"
				}
				for _, mm := range CrossCheck(p, chip) {
					if mm.Severity == SeverityError {
						t.Errorf("cross-check error on a mangled field: %+v", mm)
					}
				}
			})
		}
	}
}

// TestMangledDigitsStillRefused: the mangling excuse never covers the fields
// the keys come from.
func TestMangledDigitsStillRefused(t *testing.T) {
	good := strings.Split(cccdQR, "|")
	for i, want := range map[int]error{0: ErrIDNumber, 1: ErrOldIDNumber, 3: ErrDate, 6: ErrDate} {
		for _, bad := range []string{"?", "\uFFFD", "\xe1"} {
			f := slices.Clone(good)
			f[i] = f[i][:len(f[i])-1] + bad
			if _, err := Parse(strings.Join(f, "|")); !errors.Is(err, want) {
				t.Errorf("field %d ending in %q: err = %v, want %v", i, bad, err, want)
			}
		}
	}
}

func TestMangled(t *testing.T) {
	for s, want := range map[string]bool{
		"Nguyễn Văn Thử": false, "Trần Thị Mẫu": false, "Số 1 Phố Giả, Phường Thử, Hà Nội": false, "Nam": false,
		"ÃNH":    false, // a real upper-case letter, not followed by a continuation glyph
		"Nguy?n": true, "Nguy\uFFFDn": true, "Nguyá»…n": true, "Máº«u": true, "Th\u0086": true, "": false,
	} {
		if got := Mangled(s); got != want {
			t.Errorf("Mangled(%q) = %v, want %v", s, got, want)
		}
	}
}
