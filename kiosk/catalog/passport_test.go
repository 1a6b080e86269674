package catalog

import (
	"strings"
	"testing"
)

// TestPassportParties: kết hôn takes a foreign spouse's passport on either
// side, with a passport number field in place of the ID number; a file
// that gives passport fields to a party that takes no passport, or names
// another document, is refused with its line.
func TestPassportParties(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Service("1.000894")
	for _, role := range []string{"spouse_1", "spouse_2"} {
		p, _ := s.Party(role)
		if !p.Accepts(DocumentPassport) || !p.Accepts(DocumentIDCard) || !p.Accepts("") {
			t.Errorf("%s does not take both documents", role)
		}
	}
	kinds := map[string]string{}
	for _, f := range s.Fields {
		if f.Party == "spouse_2" {
			kinds[f.ID] = f.Document
		}
	}
	if kinds["so_ho_chieu"] != DocumentPassport || kinds["so_dinh_danh"] != DocumentIDCard || kinds["dan_toc"] != DocumentIDCard || kinds["ho_ten"] != "" {
		t.Fatalf("documents of the groom's fields: %v", kinds)
	}
	khaiSinh, _ := c.Service("1.001193")
	for _, p := range khaiSinh.Parties {
		if p.Accepts(DocumentPassport) {
			t.Errorf("birth registration's %s takes a passport", p.Role)
		}
	}

	b, _ := builtin.ReadFile("services/1.000894-ket-hon.toml")
	for _, tc := range []struct{ name, file, want string }{
		{"passport field, party without passports", strings.Replace(string(b), "passport = true # a foreign bride", "passport = false # ", 1), "does not take one"},
		{"unknown document", strings.Replace(string(b), `document = "passport"`, `document = "visa"`, 1), `document "visa"`},
	} {
		_, err := Parse("bad.toml", []byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !strings.Contains(err.Error(), "bad.toml:76:") { // the line of the field
			t.Errorf("%s: no line in %v", tc.name, err)
		}
	}
}
