package prefill

import (
	"testing"

	"motcua/reader/cccd"
)

// foreigner is a synthetic German groom as his passport's chip gives him:
// the MRZ only (Germany writes its nationality "D").
func foreigner(passive string) Person {
	return FromRead(&cccd.ReadResult{Document: cccd.DocumentPassport, DocumentNumber: "C01X00T47",
		Identity:     cccd.Identity{FullName: "MUSTERMANN ERIKA", DateOfBirth: "1990-08-12", Sex: "Nam", Nationality: "D", DateOfExpiry: "2031-10-31"},
		Verification: &cccd.Verification{Passive: passive, ChipAuth: cccd.ChipAuthPassed}})
}

// TestPassportPartyPrefill: a passport fills its party's passport fields
// from the chip (name, nationality in words, number, birth, sex), is not
// asked an ID number or ethnicity, and is asked what a passport does not
// carry (residence); a spouse still to come gets the ID card's fields. An
// unverified passport's values are never chip_verified.
func TestPassportPartyPrefill(t *testing.T) {
	svc := service(t, "1.000894")
	f, err := New(svc, map[string][]Person{"spouse_2": {foreigner(cccd.PassiveVerified)}}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"ho_ten": "MUSTERMANN ERIKA", "quoc_tich": "Đức", "so_ho_chieu": "C01X00T47",
		"ngay_sinh": "1990-08-12", "gioi_tinh": "Nam"} {
		v, err := f.Find("spouse_2", id, 0)
		if err != nil || v.Text != want || !v.Locked || v.Provenance != ChipVerified {
			t.Errorf("spouse_2 %s: %+v %v, want %q", id, v, err, want)
		}
	}
	for _, id := range []string{"so_dinh_danh", "dan_toc"} {
		if _, err := f.Find("spouse_2", id, 0); err == nil {
			t.Errorf("a passport party is asked %s", id)
		}
		if _, err := f.Find("spouse_1", id, 0); err != nil {
			t.Errorf("the spouse still to come (ID card) is not asked %s", id)
		}
	}
	if _, err := f.Find("spouse_1", "so_ho_chieu", 0); err == nil {
		t.Error("the spouse still to come is asked a passport number")
	}
	if v, _ := f.Find("spouse_2", "noi_cu_tru", 0); v == nil || v.Locked || v.Text != "" {
		t.Errorf("residence (not on a passport): %+v", v)
	}
	g, _ := New(svc, map[string][]Person{"spouse_2": {foreigner(cccd.PassiveChainUnknown)}}, nil, now)
	if v, _ := g.Find("spouse_2", "so_ho_chieu", 0); v.Provenance != ChipUnverified {
		t.Errorf("an unverified passport's number is %s", v.Provenance)
	}
	if NationalityName("VNM") != "Việt Nam" || NationalityName("ZZZ") != "ZZZ" {
		t.Error("nationality names")
	}
}
