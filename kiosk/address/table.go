package address

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Table holds the commune-level data an operator installs: today's commune
// register and the official old→new mapping. Either file alone is useful
// (the mapping names every new commune too); both may be loaded, in which
// case the register's spelling of a new commune wins. A nil *Table is an
// empty table: only provinces are mapped.
//
// Accepted CSV files (UTF-8, header row first, columns found by name, extra
// columns ignored, codes as strings that keep their leading zeros):
//
//	register: province_code,province_name,commune_code,commune_name[,commune_type]
//	mapping:  old_province_code,old_province_name,old_district_code,old_district_name,
//	          old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name
//
// These are the formats of units-2025.csv and old-to-new-2025.csv (and its
// -full variant) published with their provenance next to the project.
type Table struct {
	newCommunes map[string]*newCommune   // commune code → commune
	newIdx      map[string][]string      // province code|folded name → commune codes
	oldIdx      map[string][]*oldCommune // old province code|folded name → old communes
	districts   map[string][]district    // old province code|folded name → districts
	districtNew map[string][]string      // old province code|district code → new codes (island districts)
	oldSeen     map[string]*oldCommune   // dedupe key → old commune
	files       []string
}

type newCommune struct {
	code, name, kind, province string
	registered                 bool // name comes from the register
}

type oldCommune struct {
	province, district, code, name, kind string
	new                                  []string
}

type district struct{ code, kind string }

// TableError is a bad line of a table file.
type TableError struct {
	File   string
	Line   int
	Reason string
}

func (e *TableError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// NewTable returns an empty table to Read files into.
func NewTable() *Table {
	return &Table{newCommunes: map[string]*newCommune{}, newIdx: map[string][]string{}, oldIdx: map[string][]*oldCommune{},
		districts: map[string][]district{}, districtNew: map[string][]string{}, oldSeen: map[string]*oldCommune{}}
}

// LoadTable reads one table file (register or mapping, told apart by its
// header).
func LoadTable(path string) (*Table, error) { return LoadTables(path) }

// LoadTables reads several table files into one table.
func LoadTables(paths ...string) (*Table, error) {
	t := NewTable()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("commune table: %w", err)
		}
		err = t.Read(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// ReadTable reads one table file from r (name is used in errors).
func ReadTable(r io.Reader, name string) (*Table, error) {
	t := NewTable()
	if err := t.Read(r, name); err != nil {
		return nil, err
	}
	return t, nil
}

var (
	registerColumns = []string{"province_code", "province_name", "commune_code", "commune_name"}
	mappingColumns  = []string{"old_province_code", "old_district_code", "old_district_name", "old_commune_code",
		"old_commune_name", "new_province_code", "new_commune_code", "new_commune_name"}
)

// Read adds one file to the table. Every row is checked (codes against
// the built-in province tables and their lengths); the first bad row stops
// the read with its line number, and the table is then not to be used.
func (t *Table) Read(r io.Reader, name string) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return &TableError{File: name, Line: 1, Reason: "no header: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	has := func(cols []string) bool {
		for _, c := range cols {
			if _, ok := col[c]; !ok {
				return false
			}
		}
		return true
	}
	var row func(get func(string) string) string
	switch {
	case has(mappingColumns):
		row = t.mappingRow
	case has(registerColumns):
		row = t.registerRow
	default:
		return &TableError{File: name, Line: 1, Reason: "header is neither a commune register (" + strings.Join(registerColumns, ",") +
			") nor an old→new mapping (" + strings.Join(mappingColumns, ",") + ")"}
	}
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return &TableError{File: name, Line: line, Reason: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return &TableError{File: name, Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))}
		}
		get := func(c string) string { return clean(rec[col[c]]) }
		if reason := row(get); reason != "" {
			return &TableError{File: name, Line: line, Reason: reason}
		}
		rows++
	}
	if rows == 0 {
		return &TableError{File: name, Reason: "no rows"}
	}
	t.files = append(t.files, name)
	return nil
}

func clean(s string) string { return strings.Join(strings.Fields(norm.NFC.String(s)), " ") }

func digits(s string, n int) bool { return len(s) == n && isDigits(s) }

func (t *Table) registerRow(get func(string) string) string {
	pc, cc, cn := get("province_code"), get("commune_code"), get("commune_name")
	if _, ok := newByCode[pc]; !ok {
		return fmt.Sprintf("province code %q is not one of the 34 provinces", pc)
	}
	if !digits(cc, 5) {
		return fmt.Sprintf("commune code %q is not 5 digits", cc)
	}
	if cn == "" {
		return "empty commune name"
	}
	return t.addNew(pc, cc, cn, true)
}

func (t *Table) addNew(pc, cc, cn string, registered bool) string {
	c, ok := t.newCommunes[cc]
	if ok && c.province != pc {
		return fmt.Sprintf("commune %s is in province %s here and %s elsewhere", cc, pc, c.province)
	}
	if !ok {
		c = &newCommune{code: cc, province: pc}
		t.newCommunes[cc] = c
	}
	if !c.registered || registered {
		c.name, c.registered = cn, registered
	}
	kind, key := unitName(cn)
	c.kind = kind
	k := pc + "|" + key
	for _, have := range t.newIdx[k] {
		if have == cc {
			return ""
		}
	}
	t.newIdx[k] = append(t.newIdx[k], cc)
	return ""
}

func (t *Table) mappingRow(get func(string) string) string {
	opc, odc, odn, occ, ocn := get("old_province_code"), get("old_district_code"), get("old_district_name"), get("old_commune_code"), get("old_commune_name")
	npc, ncc, ncn := get("new_province_code"), get("new_commune_code"), get("new_commune_name")
	op, ok := oldByCode[opc]
	if !ok {
		return fmt.Sprintf("old province code %q is not one of the 63 provinces", opc)
	}
	if _, ok := newByCode[npc]; !ok {
		return fmt.Sprintf("new province code %q is not one of the 34 provinces", npc)
	}
	if op.NewCode != npc {
		return fmt.Sprintf("old province %s became %s, not %s (Nghị quyết 202/2025/QH15)", opc, op.NewCode, npc)
	}
	if !digits(odc, 3) || odn == "" {
		return fmt.Sprintf("old district %q %q: need a 3-digit code and a name", odc, odn)
	}
	if occ != "" && !digits(occ, 5) {
		return fmt.Sprintf("old commune code %q is not 5 digits", occ)
	}
	if !digits(ncc, 5) || ncn == "" {
		return fmt.Sprintf("new commune %q %q: need a 5-digit code and a name", ncc, ncn)
	}
	if reason := t.addNew(npc, ncc, ncn, false); reason != "" {
		return reason
	}
	dkind, dkey := unitName(odn)
	dk := opc + "|" + dkey
	known := false
	for _, d := range t.districts[dk] {
		known = known || d.code == odc
	}
	if !known {
		t.districts[dk] = append(t.districts[dk], district{code: odc, kind: dkind})
	}
	if ocn == "" {
		// A district without communes (an island district) became a đặc khu.
		t.districtNew[opc+"|"+odc] = appendNew(t.districtNew[opc+"|"+odc], ncc)
		return ""
	}
	seen := opc + "|" + odc + "|" + occ + "|" + ocn
	oc, ok := t.oldSeen[seen]
	if !ok {
		kind, key := unitName(ocn)
		oc = &oldCommune{province: opc, district: odc, code: occ, name: ocn, kind: kind}
		t.oldSeen[seen] = oc
		t.oldIdx[opc+"|"+key] = append(t.oldIdx[opc+"|"+key], oc)
	}
	oc.new = appendNew(oc.new, ncc)
	return ""
}

func appendNew(list []string, code string) []string {
	for _, c := range list {
		if c == code {
			return list
		}
	}
	return append(list, code)
}

// Len is the number of today's communes the table knows.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.newCommunes)
}

// OldCommunes is the number of pre-2025 communes the table maps.
func (t *Table) OldCommunes() int {
	if t == nil {
		return 0
	}
	return len(t.oldSeen)
}

// Commune returns today's commune with the 5-digit code.
func (t *Table) Commune(code string) (Unit, bool) {
	if t == nil {
		return Unit{}, false
	}
	c, ok := t.newCommunes[code]
	if !ok {
		return Unit{}, false
	}
	return t.unit(c), true
}

func (t *Table) unit(c *newCommune) Unit {
	p := newByCode[c.province]
	return Unit{ProvinceCode: p.Code, ProvinceName: p.Name, CommuneCode: c.code, CommuneName: c.name}
}

// byKind keeps the items whose kind matches when the address names a kind
// and at least one matches; otherwise all of them.
func byKind[T any](items []T, kind string, kindOf func(T) string) []T {
	if kind == "" {
		return items
	}
	var out []T
	for _, it := range items {
		if kindOf(it) == kind || (kind == kindThanhPho && kindOf(it) == kindThiXa) {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return items
	}
	return out
}

// newCandidates lists today's communes of a province with the name.
func (t *Table) newCandidates(province, commune string) []Unit {
	if t == nil || commune == "" {
		return nil
	}
	kind, key := unitName(commune)
	var cs []*newCommune
	for _, code := range t.newIdx[province+"|"+key] {
		cs = append(cs, t.newCommunes[code])
	}
	cs = byKind(cs, kind, func(c *newCommune) string { return c.kind })
	out := make([]Unit, 0, len(cs))
	for _, c := range cs {
		out = append(out, t.unit(c))
	}
	return out
}

// oldDistrict finds a pre-2025 district of the province by name.
func (t *Table) oldDistrict(province, name string) []district {
	if t == nil || name == "" {
		return nil
	}
	kind, key := unitName(name)
	return byKind(t.districts[province+"|"+key], kind, func(d district) string { return d.kind })
}

// oldCommunes finds pre-2025 communes of the province by name, in the
// district when it is named and known.
func (t *Table) oldCommunes(province, districtName, commune string) []*oldCommune {
	if t == nil || commune == "" {
		return nil
	}
	kind, key := unitName(commune)
	cs := byKind(t.oldIdx[province+"|"+key], kind, func(c *oldCommune) string { return c.kind })
	ds := t.oldDistrict(province, districtName)
	if len(ds) == 0 {
		return cs
	}
	var in []*oldCommune
	for _, c := range cs {
		for _, d := range ds {
			if c.district == d.code {
				in = append(in, c)
			}
		}
	}
	return in
}

// oldCandidates lists today's communes an old address may now be in:
// every new commune that received part of the old one.
func (t *Table) oldCandidates(province, districtName, commune string) []Unit {
	if t == nil {
		return nil
	}
	var codes []string
	for _, c := range t.oldCommunes(province, districtName, commune) {
		for _, n := range c.new {
			codes = appendNew(codes, n)
		}
	}
	if len(codes) == 0 {
		for _, d := range t.oldDistrict(province, districtName) {
			for _, n := range t.districtNew[province+"|"+d.code] {
				codes = appendNew(codes, n)
			}
		}
	}
	out := make([]Unit, 0, len(codes))
	for _, c := range codes {
		out = append(out, t.unit(t.newCommunes[c]))
	}
	return out
}

// Communes lists today's communes of the province with the 2-digit code,
// by name without its unit word (the kiosk's commune picker); none
// without a table.
func (t *Table) Communes(provinceCode string) []Unit {
	if t == nil {
		return nil
	}
	var out []Unit
	for _, c := range t.newCommunes {
		if c.province == provinceCode {
			out = append(out, t.unit(c))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		_, a := unitName(out[i].CommuneName)
		_, b := unitName(out[j].CommuneName)
		if a != b {
			return a < b
		}
		return out[i].CommuneCode < out[j].CommuneCode
	})
	return out
}
