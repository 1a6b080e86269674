package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"motcua/kiosk/catalog"
)

func TestFormsListJSON(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, catalog.AliasFile), []byte("[[alias]]\ncode = \"1.002809\"\nnow = \"2.002000\"\n"), 0o644)
	c, err := catalog.Load(dir)
	if err != nil || len(c.Errors) != 0 {
		t.Fatal(err, c.Errors)
	}
	var buf bytes.Buffer
	if err := writeFormsListJSON(&buf, c); err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Code        string
		SubmitCode  string `json:"submit_code"`
		NameVI      string `json:"name_vi"`
		CodeStatus  string `json:"code_status"`
		Essential   bool
		Parties     []struct{ Role string }
		Attachments []struct {
			ID         string
			ReplacedBy *string `json:"replaced_by"`
			ReasonVI   string  `json:"reason_vi"`
		}
		Fees []struct {
			LabelVI   string `json:"label_vi"`
			AmountVND *int64 `json:"amount_vnd"`
		}
		Produces []string
	}
	if err := json.Unmarshal(buf.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 25 {
		t.Fatalf("%d services", len(list))
	}
	replaced, combined := 0, 0
	for _, s := range list {
		if s.Code == "" || s.NameVI == "" || len(s.Parties) == 0 || len(s.Fees) == 0 || !s.Essential || s.CodeStatus == "" {
			t.Errorf("%s: incomplete %+v", s.Code, s)
		}
		for _, a := range s.Attachments {
			if a.ReplacedBy == nil {
				t.Errorf("%s/%s: replaced_by missing (must be present, empty when the citizen provides it)", s.Code, a.ID)
			} else if *a.ReplacedBy != "" {
				replaced++
				if a.ReasonVI == "" {
					t.Errorf("%s/%s: no reason", s.Code, a.ID)
				}
			}
		}
		for _, f := range s.Fees {
			if f.LabelVI == "" || f.AmountVND == nil {
				t.Errorf("%s: fee %+v", s.Code, f)
			}
		}
		if len(s.Produces) > 0 {
			combined++
		}
		if s.Code == "1.002809" && s.SubmitCode != "2.002000" {
			t.Errorf("alias not shown: %+v", s)
		}
	}
	if replaced == 0 || combined != 2 {
		t.Fatalf("%d replaced attachments, %d combined visits", replaced, combined)
	}
}
