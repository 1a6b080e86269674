package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// forms prefill prints an address's official codes (MaTinh, MaXa) and, for
// a split commune, the candidates to pick from; without the commune table
// only the province code.
func TestFormsPrefillPrintsCodes(t *testing.T) {
	id := filepath.Join(t.TempDir(), "id.json")
	code, out := capture(t, runRead, "--sim", "--json", "--no-photo")
	if code != 0 {
		t.Fatal("read failed")
	}
	os.WriteFile(id, out, 0o600)
	type value struct {
		Field        string `json:"field"`
		ProvinceCode string `json:"province_code"`
		CommuneCode  string `json:"commune_code"`
		Candidates   []struct {
			CommuneCode string `json:"commune_code"`
		} `json:"commune_candidates"`
	}
	residence := func(args ...string) value {
		t.Helper()
		code, out := capture(t, runForms, append([]string{"prefill", "--service", "1.004206", "--identity", id, "--json"}, args...)...)
		var res struct{ Values []value }
		if code != 0 || json.Unmarshal(out, &res) != nil {
			t.Fatalf("prefill exit %d: %s", code, out)
		}
		for _, v := range res.Values {
			if v.Field == "noi_thuong_tru" {
				return v
			}
		}
		t.Fatal("no residence value")
		return value{}
	}
	v := residence()
	if v.ProvinceCode != "01" || v.CommuneCode != "" || len(v.Candidates) != 0 {
		t.Errorf("without table: %+v", v)
	}
	v = residence("--communes", "../../kiosk/address/testdata/old-to-new-sample.csv")
	if v.ProvinceCode != "01" || v.CommuneCode != "" || len(v.Candidates) != 2 {
		t.Errorf("split commune: %+v", v)
	}
	code, text := capture(t, runForms, "prefill", "--service", "1.004206", "--identity", id, "--communes", "../../kiosk/address/testdata/old-to-new-sample.csv")
	if code != 0 || !bytes.Contains(text, []byte("MaTinh 01")) || !bytes.Contains(text, []byte("00301")) {
		t.Errorf("text output: %s", text)
	}
}
