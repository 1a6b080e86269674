package prefill

import (
	"errors"
	"strings"
	"testing"
	"time"

	"motcua/kiosk/catalog"
	"motcua/reader/cccd"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func thu() cccd.Identity {
	return cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Sex: "Nam",
		Nationality: "Việt Nam", Ethnicity: "Kinh", PlaceOfOrigin: "Yên Bắc, Duy Tiên, Hà Nam",
		PlaceOfResidence: "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội", FatherName: "Nguyễn Văn Cha", MotherName: "Trần Thị Mẹ",
		OldIDNumber: "123456789"}
}

func verified(id cccd.Identity) Person {
	return FromRead(&cccd.ReadResult{Identity: id, Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthPassed}})
}

func service(t *testing.T, code string) *catalog.Service {
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Service(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	return s
}

func TestPrefillCMNDConfirmation(t *testing.T) {
	f, err := New(service(t, "1.000466"), map[string][]Person{"applicant": {verified(thu())}}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd"} {
		v, err := f.Find("applicant", id, 0)
		if err != nil || v.Text == "" || !v.Locked || v.Provenance != ChipVerified {
			t.Fatalf("%s: %+v %v", id, v, err)
		}
	}
	var asked []string
	for _, v := range f.Ask() {
		asked = append(asked, v.Field.ID)
	}
	if strings.Join(asked, ",") != "dien_thoai,email,ly_do" {
		t.Fatalf("asked %v: only what the card cannot give", asked)
	}
	if err := f.Set("applicant", "ho_ten", 0, "Someone Else"); !errors.Is(err, ErrLocked) {
		t.Fatalf("card value edited without unlock: %v", err)
	}
	if err := f.UnlockField("applicant", "ho_ten", 0, "", "", now); err == nil {
		t.Fatal("unlock without officer and reason")
	}
	if err := f.UnlockField("applicant", "ho_ten", 0, "officer-7", "typo on card", now); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("applicant", "ho_ten", 0, "Nguyễn Văn Thử"); err != nil {
		t.Fatal(err)
	}
	probs := f.Validate()
	if len(probs) != 2 || !strings.Contains(probs[0].VI, "cần điền") || probs[0].EN == "" {
		t.Fatalf("problems %+v", probs)
	}
	f.Set("applicant", "dien_thoai", 0, "0912 345 678")
	f.Set("", "ly_do", 0, "Làm thủ tục ngân hàng")
	f.Set("applicant", "email", 0, "not-an-email")
	if p := f.Validate(); len(p) != 1 || p[0].Field != "email" {
		t.Fatalf("problems %+v", p)
	}
}

func TestProvenanceNeverVerifiedWithoutPA(t *testing.T) {
	unverified := FromRead(&cccd.ReadResult{Identity: thu(), Verification: &cccd.Verification{Passive: cccd.PassiveFailed, ChipAuth: cccd.ChipAuthPassed}})
	clone := FromRead(&cccd.ReadResult{Identity: thu(), Verification: &cccd.Verification{Passive: cccd.PassiveVerified, ChipAuth: cccd.ChipAuthFailed}})
	for _, p := range []Person{unverified, clone, FromQR(thu())} {
		f, _ := New(service(t, "1.000466"), map[string][]Person{"applicant": {p}}, nil, now)
		v, _ := f.Find("applicant", "ho_ten", 0)
		if v.Provenance == ChipVerified {
			t.Fatalf("%+v shown as verified", p.Verification)
		}
	}
}

func TestMarriageTwoCardsAndAddress(t *testing.T) {
	bride := thu()
	bride.IDNumber, bride.FullName, bride.Sex = "001193047065", "Trần Thị Thử", "Nữ"
	f, err := New(service(t, "1.000894"), map[string][]Person{"spouse_1": {verified(bride)}, "spouse_2": {FromQR(thu())}}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.Find("spouse_1", "ho_ten", 0)
	g, _ := f.Find("spouse_2", "ho_ten", 0)
	if b.Text != "Trần Thị Thử" || g.Provenance != QR {
		t.Fatalf("bride %+v groom %+v", b, g)
	}
	addr, _ := f.Find("spouse_1", "noi_cu_tru", 0)
	if !addr.NeedsConfirmation || addr.Old == "" || !strings.HasSuffix(addr.Text, "Hà Nội") {
		t.Fatalf("address %+v: old and new side by side, confirmation asked", addr)
	}
	if _, err := New(service(t, "1.000894"), map[string][]Person{"spouse_1": {verified(bride), verified(thu())}}, nil, now); !errors.Is(err, ErrPartyCount) {
		t.Fatalf("three spouses: %v", err)
	}
}
