package qr

import (
	"reflect"
	"testing"

	"golang.org/x/text/unicode/norm"

	"motcua/reader/cccd"
)

func TestCrossCheck(t *testing.T) {
	q, err := Parse(cccdQR)
	if err != nil {
		t.Fatal(err)
	}
	chip := q.Identity()
	chip.Nationality = "Việt Nam"
	tests := []struct {
		name   string
		change func(c *cccd.Identity)
		want   []string // "field/severity"
	}{
		{"identical", func(c *cccd.Identity) {}, nil},
		{"chip name upper-case NFD, extra spaces", func(c *cccd.Identity) {
			c.FullName = norm.NFD.String(" NGUYỄN  VĂN THỬ ")
		}, nil},
		{"chip sex as M", func(c *cccd.Identity) { c.Sex = "M" }, nil},
		{"chip fields empty are not compared", func(c *cccd.Identity) { *c = cccd.Identity{} }, nil},
		{"ID differs", func(c *cccd.Identity) { c.IDNumber = "001093047099" }, []string{"id_number/error"}},
		{"ID with spaces is the same", func(c *cccd.Identity) { c.IDNumber = "001 093 047 064" }, nil},
		{"name differs", func(c *cccd.Identity) { c.FullName = "Nguyễn Văn Thủ" }, []string{"full_name/error"}},
		{"DOB differs", func(c *cccd.Identity) { c.DateOfBirth = "1993-01-06" }, []string{"date_of_birth/error"}},
		{"sex differs", func(c *cccd.Identity) { c.Sex = "Nữ" }, []string{"sex/error", "id_number/warning"}},
		{"old ID differs", func(c *cccd.Identity) { c.OldIDNumber = "187654399" }, []string{"old_id_number/warning"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := chip
			tc.change(&c)
			got := summarise(CrossCheck(q, c))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for _, m := range CrossCheck(q, c) {
				assertNoPersonalData(t, m.Message)
			}
		})
	}
}

func TestCrossCheckIDDigits(t *testing.T) {
	tests := []struct {
		name string
		qr   string
		want []string
	}{
		// 001 0 93 ...: 1900s male, born 93.
		{"consistent male 1993", cccdQR, nil},
		// 001 1 93: 1900s female.
		{"sex digit says female", "001193047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021", []string{"id_number/warning"}},
		// 001 0 94: birth-year digits 94.
		{"year digits", "001094047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021", []string{"id_number/warning"}},
		// 001 2 93: 2000s male but born 1993: century.
		{"century digit", "001293047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021", []string{"id_number/warning"}},
		// 2000s female, born 2000.
		{"consistent female 2000", canCuocQR, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.qr)
			if err != nil {
				t.Fatal(err)
			}
			got := CrossCheck(q, q.Identity())
			if !reflect.DeepEqual(summarise(dedupeFields(got)), tc.want) {
				t.Errorf("got %+v, want %v", got, tc.want)
			}
			for _, m := range got {
				if m.Severity != SeverityWarning {
					t.Errorf("ID digit check must be a warning: %+v", m)
				}
				assertNoPersonalData(t, m.Message)
			}
		})
	}
}

func summarise(ms []Mismatch) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Field+"/"+m.Severity)
	}
	return out
}

func dedupeFields(ms []Mismatch) []Mismatch {
	var out []Mismatch
	seen := map[string]bool{}
	for _, m := range ms {
		if !seen[m.Field+m.Severity] {
			seen[m.Field+m.Severity] = true
			out = append(out, m)
		}
	}
	return out
}
