package address

import (
	"strconv"
	"strings"
)

// Unit words, folded. A unit word before a name says the level: a commune
// (xã, phường, thị trấn, đặc khu), a pre-2025 district (quận, huyện, thị xã,
// thành phố thuộc tỉnh) or a province.
const (
	kindXa       = "xa"
	kindPhuong   = "phuong"
	kindThiTran  = "thi tran"
	kindDacKhu   = "dac khu"
	kindQuan     = "quan"
	kindHuyen    = "huyen"
	kindThiXa    = "thi xa"
	kindThanhPho = "thanh pho"
	kindTinh     = "tinh"
)

// unitWords are the folded unit words, longest first so "thi xa" wins over
// "xa" would-be matches.
var unitWords = []struct{ words, kind string }{
	{"thi tran", kindThiTran}, {"thi xa", kindThiXa}, {"thanh pho", kindThanhPho}, {"dac khu", kindDacKhu},
	{"xa", kindXa}, {"phuong", kindPhuong}, {"quan", kindQuan}, {"huyen", kindHuyen}, {"tinh", kindTinh},
}

// abbreviations are accepted only when the raw text writes them as
// abbreviations ("Q.1", "P. Bến Nghé", "TP.HCM", "Q1"), so that a name
// starting with such letters ("H'Bông") is not cut.
var abbreviations = map[string]string{
	"x": kindXa, "p": kindPhuong, "tt": kindThiTran, "q": kindQuan, "h": kindHuyen,
	"tx": kindThiXa, "tp": kindThanhPho, "t": kindTinh,
}

func isCommuneKind(k string) bool {
	return k == kindXa || k == kindPhuong || k == kindThiTran || k == kindDacKhu
}

func isDistrictKind(k string) bool {
	return k == kindQuan || k == kindHuyen || k == kindThiXa || k == kindThanhPho
}

// unitName splits a unit as written into its kind (folded unit word, "" when
// none) and its folded name. Numbered wards agree however they are written:
// "Phường 04", "Phường IV" and "P.4" all give ("phuong", "4").
func unitName(s string) (kind, name string) {
	f := fold(s)
	if len(f) == 0 {
		return "", ""
	}
	joined := strings.Join(f, " ")
	for _, u := range unitWords {
		if strings.HasPrefix(joined, u.words+" ") {
			kind, f = u.kind, f[len(strings.Fields(u.words)):]
			break
		}
	}
	if kind == "" && len(f) > 1 {
		if k, ok := abbreviations[f[0]]; ok && writtenAsAbbreviation(s, f[0]) {
			kind, f = k, f[1:]
		}
	} else if kind == "" && len(f) == 1 {
		// "Q1", "P12": letters glued to a number.
		for a, k := range abbreviations {
			if rest := strings.TrimPrefix(f[0], a); rest != f[0] && rest != "" && isDigits(rest) && writtenAsAbbreviation(s, a) {
				kind, f = k, []string{rest}
				break
			}
		}
	}
	if len(f) == 1 {
		f[0] = number(f[0])
	}
	return kind, strings.Join(f, " ")
}

// writtenAsAbbreviation reports whether s starts with the abbreviation a
// followed by a dot or a digit (case-insensitive).
func writtenAsAbbreviation(s, a string) bool {
	s = strings.TrimSpace(s)
	if len(s) <= len(a) || !strings.EqualFold(s[:len(a)], a) {
		return false
	}
	c := s[len(a)]
	return c == '.' || (c >= '0' && c <= '9')
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

var romans = map[string]int{"i": 1, "v": 5, "x": 10}

// number writes a ward number without leading zeros and a Roman numeral in
// digits; other names are returned unchanged.
func number(s string) string {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err == nil {
			return strconv.Itoa(n)
		}
		return s
	}
	total, prev := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		v, ok := romans[string(s[i])]
		if !ok {
			return s
		}
		if v < prev {
			total -= v
		} else {
			total += v
			prev = v
		}
	}
	if total == 0 || total > 30 {
		return s
	}
	return strconv.Itoa(total)
}
