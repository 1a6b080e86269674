package address

import (
	"strings"
	"testing"
)

func TestEveryOldProvinceMaps(t *testing.T) {
	olds := OldProvinces()
	if len(olds) != 63 {
		t.Fatalf("%d old provinces, want 63", len(olds))
	}
	if n := len(NewProvinces()); n != 34 {
		t.Fatalf("%d new provinces, want 34", n)
	}
	for _, o := range olds {
		for _, spelling := range []string{o, "Tỉnh " + o, strings.ToUpper(o)} {
			if _, today, ok := Province(spelling); !ok || today == "" {
				t.Errorf("%q does not map", spelling)
			}
		}
	}
	tests := map[string]string{
		"TP. Hồ Chí Minh": "TP Hồ Chí Minh", "Bình Dương": "TP Hồ Chí Minh", "Bà Rịa–Vũng Tàu": "TP Hồ Chí Minh",
		"Hoà Bình": "Phú Thọ", "Thừa Thiên Huế": "Huế", "Thành phố Hà Nội": "Hà Nội", "Nam Định": "Ninh Bình",
		"Kon Tum": "Quảng Ngãi", "Bạc Liêu": "Cà Mau", "Kiên Giang": "An Giang", "Hải Dương": "Hải Phòng",
	}
	for in, want := range tests {
		if _, got, ok := Province(in); !ok || got != want {
			t.Errorf("Province(%q) = %q, want %q", in, got, want)
		}
	}
	if _, _, ok := Province("Atlantis"); ok {
		t.Error("unknown province accepted")
	}
}

func TestParseAndMap(t *testing.T) {
	o, err := ParseOld("Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
	if err != nil {
		t.Fatal(err)
	}
	if o.Detail != "Số 12 Lê Lợi" || o.Commune != "Phường Bến Nghé" || o.District != "Quận 1" || o.Province != "Hồ Chí Minh" {
		t.Fatalf("%+v", o)
	}
	today := Map(o, nil)
	if today.Province != "TP Hồ Chí Minh" || !today.NeedsConfirmation || today.Commune != "" {
		t.Fatalf("without table: %+v", today)
	}
	table := "old_province,old_district,old_commune,new_province,new_commune\n" +
		"Hồ Chí Minh,Quận 1,Phường Bến Nghé,TP Hồ Chí Minh,Phường Sài Gòn\n" +
		"Hà Nội,Hai Bà Trưng,Vĩnh Tuy,Hà Nội,Phường Vĩnh Tuy\n"
	tb, err := ReadTable(strings.NewReader(table), "communes.csv")
	if err != nil {
		t.Fatal(err)
	}
	today = Map(o, tb)
	if today.Commune != "Phường Sài Gòn" || today.NeedsConfirmation || today.String() != "Số 12 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh" {
		t.Fatalf("with table: %+v", today)
	}
	o2, _ := ParseOld("Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội")
	if got := Map(o2, tb); got.Commune != "Phường Vĩnh Tuy" || got.Detail != "Kim Ngưu" {
		t.Fatalf("%+v", got)
	}
	if _, err := ParseOld("somewhere, nowhere"); err == nil {
		t.Fatal("address without a province accepted")
	}
}

func TestBadTable(t *testing.T) {
	tests := map[string]string{
		"wrong header":  "a,b,c,d,e\n",
		"bad province":  "old_province,old_district,old_commune,new_province,new_commune\nAtlantis,X,Y,Hà Nội,Z\n",
		"not a new one": "old_province,old_district,old_commune,new_province,new_commune\nHà Nam,X,Y,Hà Nam,Z\n",
		"short row":     "old_province,old_district,old_commune,new_province,new_commune\nHà Nội,X\n",
	}
	for name, csv := range tests {
		_, err := ReadTable(strings.NewReader(csv), "t.csv")
		if err == nil || !strings.Contains(err.Error(), "t.csv:") {
			t.Errorf("%s: err = %v, want a line-numbered error", name, err)
		}
	}
}
