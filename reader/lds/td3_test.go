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
