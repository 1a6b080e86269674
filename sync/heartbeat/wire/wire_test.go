package wire

import (
	"strings"
	"testing"
)

func TestValidLabel(t *testing.T) {
	for label, want := range map[string]bool{
		"1.004222": true, "chip_verified": true, "not-found": true, "12345678": true,
		"001099012345": false, "a123456789": false, "": false, strings.Repeat("a", 33): false,
		"Nguyễn": false, "two words": false, "a/b": false,
	} {
		if ValidLabel(label) != want {
			t.Errorf("ValidLabel(%q) = %v", label, !want)
		}
	}
}

func TestReportValidate(t *testing.T) {
	ok := Report{Version: "1.2.3", Reader: ReaderOK, Counts: Counts{BHYT: {"found": 1}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(r *Report){
		"no version":      func(r *Report) { r.Version = "" },
		"non-ASCII":       func(r *Report) { r.Version = "1.0 Nguyễn" },
		"reader":          func(r *Report) { r.Reader = "fine" },
		"negative outbox": func(r *Report) { r.Outbox.Pending = -1 },
		"family":          func(r *Report) { r.Counts = Counts{"names": {"a": 1}} },
		"ID label":        func(r *Report) { r.Counts = Counts{BHYT: {"079099012345": 1}} },
		"huge count":      func(r *Report) { r.Counts = Counts{BHYT: {"found": 2_000_000}} },
		"too many labels": func(r *Report) {
			m := map[string]int{}
			for i := range 65 {
				m["l"+strings.Repeat("x", i%20)+string(rune('a'+i%26))+string(rune('a'+i/26))] = 1
			}
			r.Counts = Counts{Procedures: m}
		},
	}
	for name, mut := range bad {
		r := ok
		r.Counts = Counts{BHYT: {"found": 1}}
		mut(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
