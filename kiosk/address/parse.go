package address

import (
	"errors"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Format is how many administrative levels an address uses.
type Format string

// Formats.
const (
	// ThreeLevel is the pre-2025 form: detail, xã, huyện, tỉnh (63 provinces).
	ThreeLevel Format = "three_level"
	// TwoLevel is the form in force from 1 July 2025: detail, xã, tỉnh (34 provinces).
	TwoLevel Format = "two_level"
)

// Address is a card address split into its parts, as written.
type Address struct {
	Raw      string
	Format   Format
	Street   string // house number, street, thôn/ấp/tổ: everything below the commune
	Commune  string
	District string // three-level addresses only
	Province string
	// Sure is false when the format was a guess: no unit words and no table
	// that knows the names (the citizen confirms).
	Sure bool

	old    OldProvince // three-level: the pre-2025 province
	now    NewProvince // today's province
	hasOld bool
}

// OldProvince returns the pre-2025 province of a three-level address.
func (a Address) OldProvince() (OldProvince, bool) { return a.old, a.hasOld }

// NewProvince returns today's province of the address.
func (a Address) NewProvince() NewProvince { return a.now }

// Unit is one of today's units with its official codes
// (Quyết định 19/2025/QĐ-TTg): the MaTinh and MaXa of a provider payload.
type Unit struct {
	ProvinceCode string `json:"province_code"` // 2 digits
	ProvinceName string `json:"province_name"`
	CommuneCode  string `json:"commune_code"` // 5 digits; "" when unknown
	CommuneName  string `json:"commune_name"`
}

// Errors callers branch on.
var (
	ErrEmpty           = errors.New("empty address")
	ErrUnknownProvince = errors.New("the address does not end with a known province")
)

// splitParts cuts an address into its comma-separated parts. The QR and
// some printers also use ";", line breaks or " - " between parts, or no
// separator at all before the unit words; all are accepted.
func splitParts(s string) []string {
	var parts []string
	add := func(p string) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if strings.ContainsAny(s, ",;\n") {
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
			add(p)
		}
		return parts
	}
	if strings.Contains(s, " - ") {
		raw := strings.Split(s, " - ")
		// "Bà Rịa - Vũng Tàu" is one province written with the same dash.
		if n := len(raw); n >= 2 {
			if _, ok := LookupOldProvince(raw[n-2] + " - " + raw[n-1]); ok {
				raw = append(raw[:n-2], raw[n-2]+" - "+raw[n-1])
			}
		}
		for _, p := range raw {
			add(p)
		}
		return parts
	}
	return splitAtUnitWords(s)
}

// unitStarts are the unit words, as printed, that open a part of an
// address written without separators.
var unitStarts = []string{"Xã ", "Phường ", "Thị trấn ", "Đặc khu ", "Quận ", "Huyện ", "Thị xã ", "Thành phố ", "Tỉnh ", "TP. ", "TP "}

func splitAtUnitWords(s string) []string {
	var cuts []int
	for i := range s {
		if i > 0 && s[i-1] != ' ' {
			continue
		}
		for _, w := range unitStarts {
			if strings.HasPrefix(s[i:], w) {
				cuts = append(cuts, i)
				break
			}
		}
	}
	var parts []string
	prev := 0
	for _, c := range cuts {
		if p := strings.TrimSpace(s[prev:c]); p != "" {
			parts = append(parts, p)
		}
		prev = c
	}
	if p := strings.TrimSpace(s[prev:]); p != "" {
		parts = append(parts, p)
	}
	// A province written without a unit word ("... Huyện Duy Tiên Hà Nam")
	// stays glued to the district: try to split its last words off.
	if n := len(parts); n > 0 {
		last := parts[n-1]
		if _, ok := LookupOldProvince(last); !ok {
			words := strings.Fields(last)
			for k := 1; k < len(words); k++ {
				tail := strings.Join(words[len(words)-k:], " ")
				if _, ok := LookupOldProvince(tail); ok {
					parts[n-1] = strings.Join(words[:len(words)-k], " ")
					parts = append(parts, tail)
					break
				}
			}
		}
	}
	return parts
}

// Parse splits a card address and tells its format. t may be nil; with a
// table, names written without unit words are recognised as districts or
// communes, which makes the format sure.
func Parse(s string, t *Table) (Address, error) {
	s = strings.TrimSpace(norm.NFC.String(s))
	a := Address{Raw: s}
	parts := splitParts(s)
	if len(parts) == 0 {
		return a, ErrEmpty
	}
	a.Province = parts[len(parts)-1]
	op, okOld := LookupOldProvince(a.Province)
	np, okNew := LookupNewProvince(a.Province)
	if !okOld && !okNew {
		return a, ErrUnknownProvince
	}
	if okOld {
		a.old, a.hasOld = op, true
	}
	if okNew {
		a.now = np
	} else {
		a.now = *newByCode[op.NewCode]
	}
	rest := parts[:len(parts)-1]
	var last, before string
	if n := len(rest); n > 0 {
		last = rest[n-1]
		if n > 1 {
			before = rest[n-2]
		}
	}
	lastKind, _ := unitName(last)
	beforeKind, _ := unitName(before)
	three := func(sure, withDistrict bool) (Address, error) {
		if !okOld {
			// A two-level-only province name with a district: keep the
			// province of today (no such name exists today, kept for safety).
			return a.two(rest, false), nil
		}
		a.Format, a.Sure = ThreeLevel, sure
		if a.now.Code != op.NewCode {
			a.now = *newByCode[op.NewCode]
		}
		n := len(rest)
		if withDistrict && n > 0 {
			a.District, n = rest[n-1], n-1
		}
		if n > 0 {
			a.Commune, n = rest[n-1], n-1
		}
		a.Street = strings.Join(rest[:n], ", ")
		return a, nil
	}
	switch {
	case !okNew:
		// A province that no longer exists: the address predates the reform.
		return three(true, !isCommuneKind(lastKind))
	case len(rest) == 0:
		a.Format, a.Sure = TwoLevel, false
		return a, nil
	case isDistrictKind(lastKind):
		return three(true, true)
	case lastKind == kindThiTran:
		// Thị trấn were abolished on 1 July 2025; the district is missing.
		return three(true, false)
	case lastKind == kindDacKhu:
		return a.two(rest, true), nil
	case isCommuneKind(lastKind):
		// A commune right before the province: two levels, unless the table
		// knows it only as an old commune of that province (a district left
		// out of an old address).
		if t != nil && okOld && len(t.newCandidates(np.Code, last)) == 0 && len(t.oldCommunes(op.Code, "", last)) > 0 {
			return three(true, false)
		}
		return a.two(rest, true), nil
	}
	// No unit word before the province: ask the table, then the word before.
	if t != nil {
		if okOld && len(t.oldDistrict(op.Code, last)) > 0 {
			return three(true, true)
		}
		if len(t.newCandidates(np.Code, last)) > 0 {
			return a.two(rest, true), nil
		}
		if okOld && len(t.oldCommunes(op.Code, "", last)) > 0 {
			return three(true, false)
		}
	}
	if isCommuneKind(beforeKind) {
		return three(true, true)
	}
	// Unknown: cards printed before the reform are the ones in circulation,
	// so three levels is the guess; the citizen confirms.
	return three(false, true)
}

func (a Address) two(rest []string, sure bool) Address {
	a.Format, a.Sure = TwoLevel, sure
	n := len(rest)
	if n > 0 {
		a.Commune, n = rest[n-1], n-1
	}
	a.Street = strings.Join(rest[:n], ", ")
	return a
}

// Resolve lists the units of today the address may be in. Each candidate
// carries the official codes; when an old commune was split, every new
// commune that received part of it is listed and the citizen picks. Without
// a table (or when the commune is not in it) the one candidate has only the
// province, and the citizen confirms the commune.
func Resolve(a Address, t *Table) []Unit {
	var out []Unit
	switch {
	case a.Format == ThreeLevel && a.hasOld:
		out = t.oldCandidates(a.old.Code, a.District, a.Commune)
	case a.Format == TwoLevel:
		out = t.newCandidates(a.now.Code, a.Commune)
	}
	if len(out) == 0 && a.now.Code != "" {
		out = []Unit{{ProvinceCode: a.now.Code, ProvinceName: a.now.Name}}
	}
	return out
}
