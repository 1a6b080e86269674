package prefill

import (
	"errors"
	"testing"

	"motcua/kiosk/address"
)

// The residence value carries today's unit codes; a split commune offers
// its candidates and is settled only by a pick among them; a typed address
// drops the card's codes (they would describe another place).
func TestResidenceCodes(t *testing.T) {
	tb, err := address.LoadTables("../address/testdata/units-sample.csv", "../address/testdata/old-to-new-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(service(t, "1.004206"), map[string][]Person{"applicant": {verified(thu())}}, tb, now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Find("applicant", "noi_thuong_tru", 0)
	if err != nil || v.Codes == nil {
		t.Fatalf("%+v %v", v, err)
	}
	if v.Codes.ProvinceCode != "01" || v.Codes.CommuneCode != "" || len(v.Codes.Candidates) != 2 || !v.NeedsConfirmation {
		t.Fatalf("split commune: %+v", v.Codes)
	}
	if err := f.PickCommune("applicant", "ho_ten", 0, "00283"); !errors.Is(err, ErrNotACandidate) {
		t.Errorf("pick on a value without codes: %v", err)
	}
	if err := f.PickCommune("applicant", "noi_thuong_tru", 0, "00283"); err != nil {
		t.Fatal(err)
	}
	if v.Codes.CommuneCode != "00283" || v.NeedsConfirmation || v.Text != "Kim Ngưu, Phường Vĩnh Tuy, Thành phố Hà Nội" {
		t.Errorf("after pick: %q %+v", v.Text, v.Codes)
	}
	if err := f.UnlockField("applicant", "noi_thuong_tru", 0, "cb-01", "citizen moved", now); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("applicant", "noi_thuong_tru", 0, "Số 9, Phường Hồng Hà, Hà Nội"); err != nil {
		t.Fatal(err)
	}
	if v.Codes != nil {
		t.Errorf("typed address kept the card's codes: %+v", v.Codes)
	}
}
