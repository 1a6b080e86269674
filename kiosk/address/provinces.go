// Package address parses the addresses printed on (and stored in) a CCCD,
// which use the pre-2025 three levels (tỉnh / huyện / xã), and maps them to
// today's two levels (tỉnh / xã) and 34 provinces. The commune-level table is
// official data an operator installs as a file; without it the program still
// maps the province and asks the citizen to confirm the commune.
package address

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// mergers lists today's 34 provinces (from 1 July 2025) with the
// pre-2025 provinces each absorbed. The first old name is the province's own.
var mergers = []struct {
	New string
	Old []string
}{
	{"Hà Nội", []string{"Hà Nội"}},
	{"Huế", []string{"Thừa Thiên Huế"}},
	{"Lai Châu", []string{"Lai Châu"}},
	{"Điện Biên", []string{"Điện Biên"}},
	{"Sơn La", []string{"Sơn La"}},
	{"Lạng Sơn", []string{"Lạng Sơn"}},
	{"Quảng Ninh", []string{"Quảng Ninh"}},
	{"Thanh Hóa", []string{"Thanh Hóa"}},
	{"Nghệ An", []string{"Nghệ An"}},
	{"Hà Tĩnh", []string{"Hà Tĩnh"}},
	{"Cao Bằng", []string{"Cao Bằng"}},
	{"Tuyên Quang", []string{"Tuyên Quang", "Hà Giang"}},
	{"Lào Cai", []string{"Lào Cai", "Yên Bái"}},
	{"Thái Nguyên", []string{"Thái Nguyên", "Bắc Kạn"}},
	{"Phú Thọ", []string{"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"}},
	{"Bắc Ninh", []string{"Bắc Ninh", "Bắc Giang"}},
	{"Hưng Yên", []string{"Hưng Yên", "Thái Bình"}},
	{"Hải Phòng", []string{"Hải Phòng", "Hải Dương"}},
	{"Ninh Bình", []string{"Ninh Bình", "Hà Nam", "Nam Định"}},
	{"Quảng Trị", []string{"Quảng Trị", "Quảng Bình"}},
	{"Đà Nẵng", []string{"Đà Nẵng", "Quảng Nam"}},
	{"Quảng Ngãi", []string{"Quảng Ngãi", "Kon Tum"}},
	{"Gia Lai", []string{"Gia Lai", "Bình Định"}},
	{"Khánh Hòa", []string{"Khánh Hòa", "Ninh Thuận"}},
	{"Lâm Đồng", []string{"Lâm Đồng", "Đắk Nông", "Bình Thuận"}},
	{"Đắk Lắk", []string{"Đắk Lắk", "Phú Yên"}},
	{"TP Hồ Chí Minh", []string{"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}},
	{"Đồng Nai", []string{"Đồng Nai", "Bình Phước"}},
	{"Tây Ninh", []string{"Tây Ninh", "Long An"}},
	{"Cần Thơ", []string{"Cần Thơ", "Sóc Trăng", "Hậu Giang"}},
	{"Vĩnh Long", []string{"Vĩnh Long", "Bến Tre", "Trà Vinh"}},
	{"Đồng Tháp", []string{"Đồng Tháp", "Tiền Giang"}},
	{"Cà Mau", []string{"Cà Mau", "Bạc Liêu"}},
	{"An Giang", []string{"An Giang", "Kiên Giang"}},
}

// aliases are other spellings of old province names seen on cards.
var aliases = map[string]string{
	"tp ho chi minh": "Hồ Chí Minh", "ho chi minh city": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh", "hcm": "Hồ Chí Minh",
	"sai gon": "Hồ Chí Minh", "ba ria vung tau": "Bà Rịa - Vũng Tàu", "brvt": "Bà Rịa - Vũng Tàu",
	"hue": "Thừa Thiên Huế", "tt hue": "Thừa Thiên Huế", "dak lak": "Đắk Lắk", "dac lac": "Đắk Lắk",
	"dak nong": "Đắk Nông", "ha noi": "Hà Nội", "hn": "Hà Nội",
}

// Key folds a place name for comparison: NFC-insensitive, without
// diacritics (so "Hòa" and "Hoà" agree), lower case, đ as d, punctuation
// and administrative prefixes removed, spaces collapsed.
func Key(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	f := strings.Fields(b.String())
	// Strip a leading unit word: "tinh", "thanh pho", "tp", ...
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

var oldIndex = func() map[string]struct{ old, new string } {
	m := map[string]struct{ old, new string }{}
	for _, mg := range mergers {
		for _, o := range mg.Old {
			m[Key(o)] = struct{ old, new string }{o, mg.New}
		}
	}
	for a, o := range aliases {
		m[a] = m[Key(o)]
	}
	return m
}()

// Province resolves a pre-2025 province name (any common spelling) to its
// canonical old name and today's province. ok is false for an unknown name.
func Province(name string) (old, today string, ok bool) {
	e, ok := oldIndex[Key(name)]
	return e.old, e.new, ok
}

// NewProvinces lists today's 34 provinces, sorted.
func NewProvinces() []string {
	out := make([]string, 0, len(mergers))
	for _, m := range mergers {
		out = append(out, m.New)
	}
	sort.Strings(out)
	return out
}

// OldProvinces lists the 63 pre-2025 provinces.
func OldProvinces() []string {
	var out []string
	for _, m := range mergers {
		out = append(out, m.Old...)
	}
	sort.Strings(out)
	return out
}
