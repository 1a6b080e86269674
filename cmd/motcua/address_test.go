package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const (
	testRegister = "../../kiosk/address/testdata/units-sample.csv"
	testMapping  = "../../kiosk/address/testdata/old-to-new-sample.csv"
)

func runAddressJSON(t *testing.T, args ...string) (int, addressJSON, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runAddress(args, &out, &errb)
	var res addressJSON
	if code == 0 {
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out.String())
		}
		var raw map[string]any
		json.Unmarshal(out.Bytes(), &raw)
		for _, k := range []string{"format", "street", "commune", "district", "province", "new"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("key %q missing from %s", k, out.String())
			}
		}
	}
	return code, res, errb.String()
}

func TestAddressParseCLI(t *testing.T) {
	// Three levels, no table: province with its code, commune fields empty.
	code, res, _ := runAddressJSON(t, "parse", "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "--json")
	if code != 0 || res.Format != "three_level" || res.Street != "Số 12 Lê Lợi" || res.Commune != "Phường Bến Nghé" ||
		res.District != "Quận 1" || res.Province != "TP. Hồ Chí Minh" || len(res.New) != 1 ||
		res.New[0].ProvinceCode != "79" || res.New[0].ProvinceName != "Thành phố Hồ Chí Minh" || res.New[0].CommuneCode != "" || res.New[0].CommuneName != "" {
		t.Fatalf("no table: %d %+v", code, res)
	}
	// With the table (flags before the address, repeated): the commune and its code.
	code, res, _ = runAddressJSON(t, "parse", "--communes", testRegister, "--communes", testMapping, "--json", "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
	if code != 0 || len(res.New) != 1 || res.New[0].CommuneCode != "26740" || res.New[0].CommuneName != "Phường Sài Gòn" {
		t.Fatalf("with table: %+v", res)
	}
	// A split commune lists every candidate.
	code, res, _ = runAddressJSON(t, "parse", "Phường Đại Mỗ, Quận Nam Từ Liêm, Hà Nội", "--communes", testMapping, "--json")
	if code != 0 || len(res.New) != 5 {
		t.Fatalf("split: %+v", res)
	}
	for _, u := range res.New {
		if u.ProvinceCode != "01" || len(u.CommuneCode) != 5 || u.CommuneName == "" {
			t.Errorf("candidate %+v", u)
		}
	}
	// Two levels.
	code, res, _ = runAddressJSON(t, "parse", "Tổ 1, Phường Sài Gòn, Thành phố Hồ Chí Minh", "--json", "--communes", testRegister)
	if code != 0 || res.Format != "two_level" || res.District != "" || res.Commune != "Phường Sài Gòn" || res.New[0].CommuneCode != "26740" {
		t.Fatalf("two levels: %+v", res)
	}
	// Human output.
	var out, errb bytes.Buffer
	if code := runAddress([]string{"parse", "Thôn 1, Xã Yên Bắc, Huyện Duy Tiên, Hà Nam"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "three_level") || !strings.Contains(out.String(), "37 Tỉnh Ninh Bình") {
		t.Fatalf("text output %d: %s %s", code, out.String(), errb.String())
	}
}

func TestAddressParseCLIRefuses(t *testing.T) {
	secret := "Số 9 Phố Bí Mật, Atlantis"
	code, _, stderr := runAddressJSON(t, "parse", secret, "--json")
	if code == 0 || strings.Contains(stderr, "Bí Mật") {
		t.Fatalf("unknown province: exit %d, stderr repeats the address: %q", code, stderr)
	}
	for _, args := range [][]string{{}, {"split"}, {"parse"}, {"parse", "a, Hà Nội", "b, Hà Nội"}, {"parse", "x, Hà Nội", "--communes", "/nonexistent.csv"}, {"parse", "", "--json"}} {
		var out, errb bytes.Buffer
		if code := runAddress(args, &out, &errb); code == 0 || errb.Len() == 0 {
			t.Errorf("%q accepted (exit %d)", args, code)
		}
	}
}
