package dossier

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"motcua/kiosk/address"
	"motcua/kiosk/catalog"
	"motcua/kiosk/prefill"
	"motcua/reader/cccd"
)

var at = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// tamVang prefills a tạm vắng form (applicant's residence from the card)
// and types what the card cannot give.
func tamVang(t *testing.T, residence string, table *address.Table) *prefill.Form {
	t.Helper()
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := c.Service("1.004206")
	if !ok {
		t.Fatal("no service 1.004206")
	}
	id := cccd.Identity{IDNumber: "001093047064", FullName: "Nguyễn Văn Thử", DateOfBirth: "1993-01-05", Sex: "Nam",
		Nationality: "Việt Nam", PlaceOfResidence: residence}
	f, err := prefill.New(svc, map[string][]prefill.Person{"applicant": {prefill.FromQR(id)}}, table, at)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"tu_ngay": "2026-12-01", "den_ngay": "2026-12-31", "ly_do": "Đi công tác", "dia_chi_noi_den": "Số 1 phố Thử, Phường Hà Giang 2, Tuyên Quang"} {
		if err := f.Set("", k, 0, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Set("applicant", "dien_thoai", 0, "0912345678"); err != nil {
		t.Fatal(err)
	}
	return f
}

func sampleTable(t *testing.T) *address.Table {
	t.Helper()
	tb, err := address.LoadTables("../address/testdata/units-sample.csv", "../address/testdata/old-to-new-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

var consent = Consent{Text: "Tôi đồng ý", AcceptedAt: at}

func residenceOf(t *testing.T, d *Dossier) Value {
	t.Helper()
	b, _ := d.JSON()
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Revision != Revision || back.ApplicantRole != "applicant" {
		t.Fatalf("revision %d applicant_role %q", back.Revision, back.ApplicantRole)
	}
	return back.Parties[0].Fields["noi_thuong_tru"]
}

func TestDossierCarriesAddressCodes(t *testing.T) {
	tb := sampleTable(t)
	// A whole-mapped commune: both codes.
	f := tamVang(t, "Số 5 ngõ 12, Phúc Xá, Ba Đình, Hà Nội", tb)
	d, err := FromForm(f, consent, "quay-1", at)
	if err != nil {
		t.Fatal(err)
	}
	v := residenceOf(t, d)
	if v.Address == nil || v.Address.ProvinceCode != "01" || v.Address.CommuneCode != "00097" || v.Address.Detail == "" {
		t.Fatalf("address codes %+v", v.Address)
	}

	// A split commune: the citizen must pick; the dossier is refused until
	// the value is confirmed, and carries the picked code.
	f = tamVang(t, "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội", tb)
	if _, err := FromForm(f, consent, "quay-1", at); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unconfirmed split commune accepted: %v", err)
	}
	if err := f.PickCommune("applicant", "noi_thuong_tru", 0, "99999"); !errors.Is(err, prefill.ErrNotACandidate) {
		t.Fatalf("pick outside the candidates: %v", err)
	}
	if err := f.PickCommune("applicant", "noi_thuong_tru", 0, "00301"); err != nil {
		t.Fatal(err)
	}
	d, err = FromForm(f, consent, "quay-1", at)
	if err != nil {
		t.Fatal(err)
	}
	if v := residenceOf(t, d); v.Address == nil || v.Address.CommuneCode != "00301" || v.Address.ProvinceCode != "01" || v.Value == "" {
		t.Fatalf("picked %+v", v)
	}

	// Without a commune table: the province code only; confirming the text
	// does not invent a commune code.
	f = tamVang(t, "Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội", nil)
	if err := f.Confirm("applicant", "noi_thuong_tru", 0); err != nil {
		t.Fatal(err)
	}
	d, err = FromForm(f, consent, "quay-1", at)
	if err != nil {
		t.Fatal(err)
	}
	if v := residenceOf(t, d); v.Address == nil || v.Address.ProvinceCode != "01" || v.Address.CommuneCode != "" {
		t.Fatalf("no table %+v", v.Address)
	}
	b, _ := d.JSON()
	var raw map[string]any
	json.Unmarshal(b, &raw)
	addr := raw["parties"].([]any)[0].(map[string]any)["fields"].(map[string]any)["noi_thuong_tru"].(map[string]any)["address"].(map[string]any)
	if _, ok := addr["commune_code"]; ok {
		t.Error("an unknown commune code is written (empty) instead of left out")
	}
}

// A revision-1 document (no revision, no codes) still parses.
func TestRevision1StillParses(t *testing.T) {
	d, err := Parse([]byte(`{"schema":"motcua.dossier/v1","service_code":"1.004206","parties":[{"role":"applicant","index":0,"provenance":"qr","fields":{"noi_thuong_tru":{"value":"Hà Nội","provenance":"qr"}}}],"fields":{}}`))
	if err != nil || d.Revision != 0 || d.Parties[0].Fields["noi_thuong_tru"].Address != nil {
		t.Fatalf("%+v %v", d, err)
	}
}
