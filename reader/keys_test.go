package reader

import (
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	if _, err := KeyFromCAN("12345"); err == nil {
		t.Error("5-digit CAN accepted")
	}
	k, err := KeyFromID("001093047064")
	if err != nil || k.CAN != "047064" {
		t.Fatalf("KeyFromID: %+v %v", k, err)
	}
	m, err := KeyFromMRZ("093047064/930105/330105")
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := m.MRZ.Info(); info != "0930470641930105433010521"[:24] {
		t.Fatalf("MRZ info %s", info)
	}
	// A whole MRZ, as a keyboard-wedge MRZ reader types it (ICAO 9303-4
	// specimen passport).
	p, err := KeyFromMRZ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n")
	if err != nil || p.MRZ.DocumentNumber != "L898902C3" || p.MRZ.DateOfBirth != "740812" || p.MRZ.DateOfExpiry != "120415" {
		t.Fatalf("KeyFromMRZ(whole TD3): %+v %v", p.MRZ, err)
	}
	for _, bad := range []string{"", "093047064/9301/330105", "abc/930105/330105", "093047064-930105-330105",
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<11"} {
		if _, err := KeyFromMRZ(bad); err == nil {
			t.Errorf("KeyFromMRZ(%q) accepted", bad)
		}
	}
	dob := time.Date(1993, 1, 5, 0, 0, 0, 0, time.UTC)
	issue := time.Date(2021, 7, 24, 0, 0, 0, 0, time.UTC)
	ks, err := KeysFromCitizen("001093047064", dob, issue)
	if err != nil || ks[0].CAN != "047064" || ks[1].MRZ == nil || ks[1].MRZ.DateOfExpiry != "330105" {
		t.Fatalf("KeysFromCitizen: %+v %v", ks, err)
	}
	if s := ks[0].String() + ks[1].String(); s != "CANMRZ (expiry 33xxxx)" {
		t.Fatalf("key descriptions leak or changed: %q", s)
	}
}
