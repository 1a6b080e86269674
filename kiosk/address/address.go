package address

import (
	"strings"
)

// Old is a card address split the way forms before the reform wrote it:
// "detail, xã, huyện, tỉnh". A two-level address has no district.
type Old struct {
	Raw      string
	Format   Format
	Detail   string // house number, street, hamlet (thôn/ấp/tổ), when present
	Commune  string // xã / phường / thị trấn / đặc khu
	District string // huyện / quận / thị xã / thành phố thuộc tỉnh; "" for two levels
	Province string // short province name (pre-2025 for three levels)
}

// Today is the same place in today's two-level units.
type Today struct {
	Detail       string
	Commune      string // today's commune; "" until confirmed when it could not be mapped
	CommuneCode  string // 5 digits (MaXa); "" until known
	Province     string // official name of one of the 34 provinces
	ProvinceCode string // 2 digits (MaTinh)
	// Candidates lists every commune of today the address may be in (more
	// than one when an old commune was split); empty without a table.
	Candidates []Unit
	// NeedsConfirmation is true when the commune is not known for sure
	// (no table, not in it, or split): the citizen (or officer) picks it.
	NeedsConfirmation bool
}

// String renders the address the way forms print it.
func (t Today) String() string { return join(t.Detail, t.Commune, t.Province) }

// String renders the old address.
func (o Old) String() string { return join(o.Detail, o.Commune, o.District, o.Province) }

func join(ps ...string) string {
	var parts []string
	for _, p := range ps {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// ParseOld splits a card address without a table. The last part is the
// province; a district is recognised by its unit word or, without one, by
// position (see Parse).
func ParseOld(s string) (Old, error) {
	a, err := Parse(s, nil)
	o := Old{Raw: a.Raw, Format: a.Format, Detail: a.Street, Commune: a.Commune, District: a.District}
	if err != nil {
		return o, err
	}
	if op, ok := a.OldProvince(); ok && a.Format == ThreeLevel {
		o.Province = op.Short
	} else {
		o.Province = a.NewProvince().Short
	}
	return o, nil
}

// Map converts a card address to today's units. With a table the address is
// parsed again with it (names without unit words are then recognised) and
// the commune mapped with its code; it is settled only when exactly one
// commune is possible. Without a table only the province is mapped (with its
// code) and NeedsConfirmation is set.
func Map(o Old, t *Table) Today {
	a, err := Parse(o.Raw, t)
	if err != nil || o.Raw == "" {
		// Built by hand: trust the parts given.
		a = Address{Format: o.Format, Street: o.Detail, Commune: o.Commune, District: o.District, Province: o.Province}
		if a.Format == "" {
			a.Format = ThreeLevel
		}
		if op, ok := LookupOldProvince(o.Province); ok {
			a.old, a.hasOld, a.now = op, true, *newByCode[op.NewCode]
		} else if np, ok := LookupNewProvince(o.Province); ok {
			a.now, a.Format = np, TwoLevel
		}
	}
	cands := Resolve(a, t)
	out := Today{Detail: a.Street, Province: a.now.Name, ProvinceCode: a.now.Code, NeedsConfirmation: true}
	if len(cands) > 0 && cands[0].CommuneCode != "" {
		out.Candidates = cands
		if len(cands) == 1 {
			out.Commune, out.CommuneCode, out.NeedsConfirmation = cands[0].CommuneName, cands[0].CommuneCode, false
		}
	} else if a.Format == TwoLevel {
		// The card already names today's commune; only its code is unknown.
		out.Commune = a.Commune
	}
	return out
}
