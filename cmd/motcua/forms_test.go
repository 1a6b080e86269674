package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestFormsListAndPrefill(t *testing.T) {
	code, out := capture(t, runForms, "list", "--json")
	var list []map[string]any
	if code != 0 || json.Unmarshal(out, &list) != nil || len(list) != 25 {
		t.Fatalf("forms list: exit %d, %d services", code, len(list))
	}
	id := filepath.Join(t.TempDir(), "id.json")
	code, out = capture(t, runRead, "--sim", "--json", "--no-photo")
	if code != 0 {
		t.Fatal("read failed")
	}
	os.WriteFile(id, out, 0o600)
	code, out = capture(t, runForms, "prefill", "--service", "1.000466", "--identity", id, "--json")
	var res struct {
		Values []struct {
			Field, Value, Provenance string
			Locked                   bool
		}
		Ask []string
	}
	if code != 0 || json.Unmarshal(out, &res) != nil {
		t.Fatalf("prefill exit %d: %s", code, out)
	}
	for _, v := range res.Values {
		if v.Field == "so_cmnd" && (v.Value != "123456789" || !v.Locked || v.Provenance != "chip_unverified") {
			t.Fatalf("so_cmnd %+v", v)
		}
	}
	if len(res.Ask) != 3 {
		t.Fatalf("asks %v", res.Ask)
	}
	if code, _ := capture(t, runForms, "prefill", "--service", "9.999999", "--identity", id); code == 0 {
		t.Fatal("unknown service accepted")
	}
}
