package cccd

import (
	"slices"
	"testing"
	"time"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestExpiryCandidates(t *testing.T) {
	tests := []struct {
		name       string
		dob, issue string
		first      string // the most likely candidate
		also       []string
	}{
		{"REFERENCE example: issued at 28, valid to 40", "1993-01-05", "2021-07-24", "330105", nil},
		{"issued at 23: valid to 25", "2000-03-10", "2023-01-01", "250310", nil},
		{"issued within 2 years of 25: valid to 40", "2000-03-10", "2023-06-01", "400310", nil},
		{"issued at 58 or later: no expiry", "1960-05-05", "2018-06-01", NoExpiry, nil},
		{"issued at 61: no expiry", "1955-05-05", "2016-06-01", NoExpiry, nil},
		{"2023 law, child at 10: valid to 14", "2015-08-20", "2025-01-15", "290820", []string{"400820"}},
		{"window boundary gives both readings", "2000-03-10", "2023-03-10", "400310", []string{"250310"}},
		{"29 February in a common year", "2000-02-29", "2021-01-01", "250228", []string{"250301"}},
		{"missing issue date lists milestones", "1990-06-01", "", "150601", []string{"300601", "500601", "040601", NoExpiry}},
	}
	for _, tt := range tests {
		got := ExpiryCandidates(day(tt.dob), day(tt.issue))
		if len(got) == 0 || got[0] != tt.first {
			t.Errorf("%s: candidates %v, want first %s", tt.name, got, tt.first)
			continue
		}
		for _, a := range append(tt.also, NoExpiry) {
			if !slices.Contains(got, a) {
				t.Errorf("%s: candidates %v lack %s", tt.name, got, a)
			}
		}
		if len(got) > 8 {
			t.Errorf("%s: %d candidates is too many BAC attempts", tt.name, len(got))
		}
	}
}

func TestIDNumber(t *testing.T) {
	if can, err := CAN("001093047064"); err != nil || can != "047064" {
		t.Fatalf("CAN = %q, %v", can, err)
	}
	if doc, _ := BACDocumentNumber("001093047064"); doc != "093047064" {
		t.Fatalf("doc = %q", doc)
	}
	for _, bad := range []string{"", "12345678901", "0010930470645", "00109304706a"} {
		if _, err := CAN(bad); err == nil {
			t.Errorf("CAN(%q) accepted", bad)
		}
	}
	if m := MaskID("001093047064"); m != "001******064" {
		t.Fatalf("MaskID = %q", m)
	}
	if m := MaskID("047064"); m != "******" {
		t.Fatalf("MaskID(CAN) = %q", m)
	}
	if w := CheckIDAgainst("001093047064", "1993-01-05", "Nam"); len(w) != 0 {
		t.Fatalf("consistent ID warned: %v", w)
	}
	if w := CheckIDAgainst("001093047064", "1993-01-05", "Nữ"); len(w) != 1 {
		t.Fatalf("sex mismatch: %v", w)
	}
	if w := CheckIDAgainst("001293047064", "1994-01-05", "Nam"); len(w) != 2 {
		t.Fatalf("century and year mismatch: %v", w)
	}
}
