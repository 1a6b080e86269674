package config

import (
	"strings"
	"testing"
)

// TestClinicSelfServiceSection: the hospital's lists parse from
// [[clinic.departments]] and [[clinic.reasons]]; a self check-in without
// them, or with queues that would share numbers, is refused at the key.
func TestClinicSelfServiceSection(t *testing.T) {
	doc := `
[kiosk]
mode = "clinic"
printer = "tcp://127.0.0.1:9100"

[clinic]
self_service = true
facility_name = "Bệnh viện Thử"

[[clinic.departments]]
code = "K01"
name = "Phòng khám Nội"
prefix = "A"

[[clinic.departments]]
code = "K02"
name = "Phòng khám Nhi"
name_en = "Paediatrics"
prefix = "B"

[[clinic.reasons]]
code = "KB"
name = "Khám bệnh"
`
	c, err := Parse([]byte(doc), "motcua.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Clinic.Menu()
	if len(m.Departments) != 2 || m.Departments[1].NameEN != "Paediatrics" || m.Reasons[0].Code != "KB" || c.Kiosk.Printer != "tcp://127.0.0.1:9100" {
		t.Fatalf("parsed %+v printer %q", m, c.Kiosk.Printer)
	}
	for name, bad := range map[string]string{
		"no reasons":    strings.Replace(doc, "[[clinic.reasons]]\ncode = \"KB\"\nname = \"Khám bệnh\"\n", "", 1),
		"shared prefix": strings.Replace(doc, `prefix = "B"`, `prefix = "A"`, 1),
		"not clinic":    strings.Replace(doc, `mode = "clinic"`, `mode = "kiosk"`, 1),
	} {
		if _, err := Parse([]byte(bad), "motcua.toml"); err == nil || !strings.Contains(err.Error(), "clinic.") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
