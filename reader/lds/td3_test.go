package lds

import "testing"

// TestBuildTD3Specimen: the builder reproduces ICAO 9303-4's specimen
// passport MRZ (Anna Maria Eriksson, Utopia), and the parser reads it back.
func TestBuildTD3Specimen(t *testing.T) {
	const want = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" +
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	got, err := BuildTD3(TD3Fields{
		DocumentCode: "P", IssuingState: "UTO", DocumentNumber: "L898902C3",
		Nationality: "UTO", DateOfBirth: "740812", Sex: "F", DateOfExpiry: "120415",
		PersonalNumber: "ZE184226B", PrimaryName: "ERIKSSON", SecondaryName: "ANNA MARIA",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	m, err := ParseMRZ(got)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsPassport() || m.BirthDate() != "1974-08-12" || m.ExpiryDate() != "2012-04-15" || m.IDNumber() != "" {
		t.Fatalf("%+v birth %s expiry %s", m, m.BirthDate(), m.ExpiryDate())
	}
	if _, err := BuildTD3(TD3Fields{DocumentCode: "P", DocumentNumber: "1234567890", DateOfBirth: "740812", DateOfExpiry: "120415"}); err == nil {
		t.Fatal("a 10-character document number accepted")
	}
}

// TestCOMVersionFields: EF.COM's LDS version is 4 digits and its Unicode
// version 6 (ICAO 9303-10); other lengths are refused.
func TestCOMVersionFields(t *testing.T) {
	for _, tt := range []struct {
		name string
		hex  string
		ok   bool
	}{
		{"LDS 1.7, Unicode 4.0.0, DG1 DG2 DG4 DG16", "60165F0104303130375F36063034303030305C0461757670", true},
		{"unknown data group tag", "60165F0104303130375F36063034303030305C04617576FF", false},
		{"LDS version of 2", "60135F010230375F36063034303030305C03617576", false},
		{"Unicode version of 4", "60135F0104303130375F3604303430305C03617576", false},
		{"LDS version not digits", "60155F0104303130415F36063034303030305C03617576", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCOM(unhex(t, tt.hex))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
