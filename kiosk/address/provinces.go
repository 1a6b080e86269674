package address

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// aliases are other spellings of province names seen on cards and in QR
// codes, folded with Key, mapped to the old province code.
var aliases = map[string]string{
	"ho chi minh city": "79", "tphcm": "79", "hcm": "79", "hcmc": "79", "sai gon": "79",
	"ba ria vung tau": "77", "brvt": "77", "vung tau": "77",
	"hue": "46", "tt hue": "46", "thua thien hue": "46",
	"dak lak": "66", "dac lac": "66", "daklak": "66", "dak nong": "67", "daknong": "67",
	"ha noi": "01", "hn": "01", "hoa binh": "17", "khanh hoa": "56", "thanh hoa": "38",
}

// fold lowers s, removes diacritics (so "Hòa" and "Hoà", NFC or NFD, agree),
// writes đ as d and turns every other non-letter, non-digit into a space;
// it returns the words.
func fold(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		default:
			b.WriteString(foldRune(r))
		}
	}
	return strings.Fields(b.String())
}

// folded caches foldRune for the Latin letters Vietnamese uses, so the
// common path does no Unicode normalisation.
var folded = func() map[rune]string {
	m := map[rune]string{}
	for _, block := range [][2]rune{{0x00C0, 0x024F}, {0x0300, 0x036F}, {0x1E00, 0x1EFF}} {
		for r := block[0]; r <= block[1]; r++ {
			m[r] = foldRuneSlow(r)
		}
	}
	return m
}()

func foldRune(r rune) string {
	if f, ok := folded[r]; ok {
		return f
	}
	return foldRuneSlow(r)
}

// foldRuneSlow decomposes r, drops its marks and lowers it; a rune that is
// neither letter nor digit becomes a space.
func foldRuneSlow(r rune) string {
	var b strings.Builder
	for _, c := range norm.NFD.String(string(unicode.ToLower(r))) {
		switch {
		case unicode.Is(unicode.Mn, c):
		case c == 'đ':
			b.WriteByte('d')
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(c)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// Key folds a province name for comparison: without diacritics, lower case,
// đ as d, punctuation removed, spaces collapsed and a leading unit word
// ("Tỉnh", "Thành phố", "TP.") removed.
func Key(s string) string {
	f := fold(s)
	for len(f) > 1 {
		switch f[0] {
		case "tinh", "t", "tp":
			f = f[1:]
			continue
		case "thanh":
			if f[1] == "pho" && len(f) > 2 {
				f = f[2:]
				continue
			}
		}
		break
	}
	return strings.Join(f, " ")
}

var (
	oldByCode = map[string]*OldProvince{}
	newByCode = map[string]*NewProvince{}
	oldByKey  = map[string]*OldProvince{}
	newByKey  = map[string]*NewProvince{}
)

func init() {
	for i := range newProvinces {
		p := &newProvinces[i]
		newByCode[p.Code] = p
		newByKey[Key(p.Name)] = p
		newByKey[Key(p.Short)] = p
	}
	for i := range oldProvinces {
		p := &oldProvinces[i]
		oldByCode[p.Code] = p
		oldByKey[Key(p.Name)] = p
		oldByKey[Key(p.Short)] = p
	}
	for a, code := range aliases {
		oldByKey[a] = oldByCode[code]
		if n, ok := newByCode[oldByCode[code].NewCode]; ok && oldByCode[code].NewCode == code {
			// The alias names a province that still exists under the same code.
			newByKey[a] = n
		}
	}
}

// LookupOldProvince finds a pre-2025 province by any common spelling.
func LookupOldProvince(name string) (OldProvince, bool) {
	p, ok := oldByKey[Key(name)]
	if !ok {
		return OldProvince{}, false
	}
	return *p, true
}

// LookupNewProvince finds one of today's 34 provinces by any common spelling.
func LookupNewProvince(name string) (NewProvince, bool) {
	p, ok := newByKey[Key(name)]
	if !ok {
		return NewProvince{}, false
	}
	return *p, true
}

// NewProvinceByCode returns today's province with the 2-digit code.
func NewProvinceByCode(code string) (NewProvince, bool) {
	p, ok := newByCode[code]
	if !ok {
		return NewProvince{}, false
	}
	return *p, true
}

// OldProvinceByCode returns the pre-2025 province with the 2-digit code.
func OldProvinceByCode(code string) (OldProvince, bool) {
	p, ok := oldByCode[code]
	if !ok {
		return OldProvince{}, false
	}
	return *p, true
}

// Province resolves a pre-2025 province name (any common spelling) to its
// short old name and the short name of today's province. ok is false for
// an unknown name.
func Province(name string) (old, today string, ok bool) {
	p, ok := oldByKey[Key(name)]
	if !ok {
		return "", "", false
	}
	return p.Short, newByCode[p.NewCode].Short, true
}

// NewProvinces lists the short names of today's 34 provinces, sorted.
func NewProvinces() []string {
	out := make([]string, 0, len(newProvinces))
	for _, p := range newProvinces {
		out = append(out, p.Short)
	}
	sort.Strings(out)
	return out
}

// OldProvinces lists the short names of the 63 pre-2025 provinces, sorted.
func OldProvinces() []string {
	out := make([]string, 0, len(oldProvinces))
	for _, p := range oldProvinces {
		out = append(out, p.Short)
	}
	sort.Strings(out)
	return out
}

// AllNewProvinces returns today's 34 provinces in code order.
func AllNewProvinces() []NewProvince { return append([]NewProvince(nil), newProvinces...) }

// AllOldProvinces returns the 63 pre-2025 provinces in code order.
func AllOldProvinces() []OldProvince { return append([]OldProvince(nil), oldProvinces...) }
