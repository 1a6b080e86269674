package lds

import "testing"

// The specimen MRZs of ICAO Doc 9303 (parts 4, 5 and 6: the fictitious
// Utopian Anna Maria Eriksson) parse with every check digit, in each format.
func TestMRZSpecimens(t *testing.T) {
	tests := []struct {
		name, mrz, code, doc, dob, exp, sex, primary, secondary string
	}{
		{"TD3 passport (9303-4)",
			"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
			"P", "L898902C3", "740812", "120415", "F", "ERIKSSON", "ANNA MARIA"},
		{"TD2 (9303-6)",
			"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
			"I", "D23145890", "740812", "120415", "F", "ERIKSSON", "ANNA MARIA"},
		{"TD1 (9303-5)",
			"I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
			"I", "D23145890", "740812", "120415", "F", "ERIKSSON", "ANNA MARIA"},
	}
	for _, tt := range tests {
		m, err := ParseMRZ(tt.mrz)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if m.DocumentCode != tt.code || m.DocumentNumber != tt.doc || m.DateOfBirth != tt.dob || m.DateOfExpiry != tt.exp ||
			m.Sex != tt.sex || m.PrimaryName != tt.primary || m.SecondaryName != tt.secondary || m.IssuingState != "UTO" {
			t.Errorf("%s: %+v", tt.name, m)
		}
		// Every single-character change of a checked field is caught.
		flat := []byte(m.Lines[0] + m.Lines[1])
		if len(m.Lines) == 3 {
			flat = append(flat, m.Lines[2]...)
		}
		for i := range flat {
			bad := append([]byte(nil), flat...)
			if bad[i] == '7' {
				bad[i] = '8'
			} else if bad[i] >= '0' && bad[i] <= '9' {
				bad[i] = '7'
			} else {
				continue
			}
			if _, err := ParseMRZ(string(bad)); err == nil {
				t.Errorf("%s: a changed digit at %d passed every check digit", tt.name, i)
			}
		}
	}
	for _, bad := range []string{"", "P<UTO", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<5", "i<utoeriksson<<anna<maria<<<<<<<<<<<d231458907uto7408122f1204159<<<<<<<6"} {
		if _, err := ParseMRZ(bad); err == nil {
			t.Errorf("ParseMRZ(%q) accepted", bad)
		}
	}
}
