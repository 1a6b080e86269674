package address

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Old is a pre-2025 address as printed on a card: "detail, xã, huyện, tỉnh".
type Old struct {
	Raw      string
	Detail   string // house number, street, hamlet (thôn/ấp/tổ), when present
	Commune  string // xã / phường / thị trấn
	District string // huyện / quận / thị xã / thành phố thuộc tỉnh
	Province string // canonical pre-2025 province name
}

// Today is the same place in today's two-level units.
type Today struct {
	Detail   string
	Commune  string // today's commune; "" until confirmed when no table is installed
	Province string // one of the 34 provinces
	// NeedsConfirmation is true when the commune could not be mapped from
	// the official table: the citizen (or officer) picks it.
	NeedsConfirmation bool
}

// String renders the address the way forms print it.
func (t Today) String() string {
	var parts []string
	for _, p := range []string{t.Detail, t.Commune, t.Province} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// String renders the old address.
func (o Old) String() string {
	var parts []string
	for _, p := range []string{o.Detail, o.Commune, o.District, o.Province} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// ErrUnknownProvince reports an address whose last part is not a province.
var ErrUnknownProvince = errors.New("the address does not end with a known province")

// ParseOld splits a card address. The last comma-separated part is the
// province, then the district, then the commune; anything before is detail.
// Abbreviations (TP., Q., P., H., X., TX.) are tolerated.
func ParseOld(s string) (Old, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	o := Old{Raw: s}
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return o, errors.New("empty address")
	}
	old, _, ok := Province(parts[len(parts)-1])
	if !ok {
		return o, ErrUnknownProvince
	}
	o.Province = old
	parts = parts[:len(parts)-1]
	if n := len(parts); n > 0 {
		o.District = parts[n-1]
		parts = parts[:n-1]
	}
	if n := len(parts); n > 0 {
		o.Commune = parts[n-1]
		parts = parts[:n-1]
	}
	o.Detail = strings.Join(parts, ", ")
	// Two parts only ("Xuân Trường, Nam Định"): the one left is a district
	// or a commune; we cannot tell without the table, so it stays a district.
	return o, nil
}

// Table maps old communes to today's (the official commune-level table).
type Table struct {
	m map[string]entry
}

type entry struct{ province, commune string }

func tableKey(province, district, commune string) string {
	return Key(province) + "|" + Key(district) + "|" + Key(commune)
}

// LoadTable reads the commune table: a UTF-8 CSV file with the header
//
//	old_province,old_district,old_commune,new_province,new_commune
//
// and one row per old commune. Rows are checked; the first bad row is
// reported with its line number.
func LoadTable(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadTable(f, path)
}

// ReadTable reads a commune table from r (name is used in errors).
func ReadTable(r io.Reader, name string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	want := []string{"old_province", "old_district", "old_commune", "new_province", "new_commune"}
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) != want[i] {
			return nil, fmt.Errorf("%s:1: header must be %s", name, strings.Join(want, ","))
		}
	}
	t := &Table{m: map[string]entry{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		oldP, _, ok := Province(rec[0])
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown old province %q", name, line, rec[0])
		}
		newP := ""
		for _, p := range NewProvinces() {
			if Key(p) == Key(rec[3]) {
				newP = p
			}
		}
		if newP == "" {
			return nil, fmt.Errorf("%s:%d: %q is not one of the 34 provinces", name, line, rec[3])
		}
		if strings.TrimSpace(rec[2]) == "" || strings.TrimSpace(rec[4]) == "" {
			return nil, fmt.Errorf("%s:%d: empty commune", name, line)
		}
		t.m[tableKey(oldP, rec[1], rec[2])] = entry{newP, norm.NFC.String(strings.TrimSpace(rec[4]))}
	}
	return t, nil
}

// Len is the number of communes in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.m)
}

// Map converts an old address to today's units. With a table the commune is
// mapped; without one (or when the commune is not in it) the province is
// still mapped and NeedsConfirmation is set.
func Map(o Old, t *Table) Today {
	_, newP, _ := Province(o.Province)
	out := Today{Detail: o.Detail, Province: newP, NeedsConfirmation: true}
	if t != nil {
		if e, ok := t.m[tableKey(o.Province, o.District, o.Commune)]; ok {
			out.Province, out.Commune, out.NeedsConfirmation = e.province, e.commune, false
		}
	}
	return out
}
