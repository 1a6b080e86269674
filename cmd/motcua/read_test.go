package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// capture runs a command in-process and returns its exit code and stdout.
func capture(t *testing.T, run func([]string) int, args ...string) (int, []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	code := run(args)
	os.Stdout = old
	w.Close()
	return code, <-done
}

func TestReadJSONOnSimulatedCard(t *testing.T) {
	photo := filepath.Join(t.TempDir(), "face.jpg")
	code, out := capture(t, runRead, "--sim", "--json", "--photo", photo)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity", "religion",
		"place_of_origin", "place_of_residence", "identifying_marks", "date_of_issue", "date_of_expiry", "father_name",
		"mother_name", "spouse_name", "old_id_number", "access", "data_groups", "stats"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["date_of_birth"] != "1993-01-05" || m["access"] != "pace" {
		t.Errorf("date_of_birth %v access %v", m["date_of_birth"], m["access"])
	}
	if _, ok := m["photo"]; ok {
		t.Error("the photo must not be in the JSON")
	}
	b, err := os.ReadFile(photo)
	if err != nil || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		t.Fatalf("photo file: %v", err)
	}
}

func TestReadFailuresExitNonZero(t *testing.T) {
	for _, args := range [][]string{
		{"--sim", "--sim-fault", "pulled"},
		{"--sim", "--sim-fault", "bad-mac"},
		{"--sim", "--sim-fault", "truncated"},
		{"--sim", "--can", "000000"},
		{"--sim", "--id", "12345"},
		{"--sim", "--mrz", "nonsense"},
		{"--sim", "--qr", "https://example.invalid/not-a-card"},
		{"--sim", "--sim-fault", "no-such-fault"},
	} {
		if code, _ := capture(t, runRead, args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
	if code, _ := capture(t, runRead, "--sim", "--sim-fault", "glitch", "--json"); code != 0 {
		t.Error("a lost response must be resumed, not fail the read")
	}
}

func TestReadWithQR(t *testing.T) {
	qr := "001093047064|123456789|Nguyễn Văn Thử|05011993|Nam|Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội|24072021"
	code, out := capture(t, runRead, "--sim", "--json", "--no-photo", "--qr", qr)
	var m map[string]any
	if code != 0 || json.Unmarshal(out, &m) != nil {
		t.Fatalf("exit %d", code)
	}
	if _, warned := m["warnings"]; warned {
		t.Fatalf("matching QR warned: %v", m["warnings"])
	}
	// The same ID with another printed name: the chip opens, the mismatch is reported.
	other := "001093047064|123456789|Nguyễn Văn Khác|05011993|Nam|Kim Ngưu, Vĩnh Tuy, Hai Bà Trưng, Hà Nội|24072021"
	code, out = capture(t, runRead, "--sim", "--json", "--no-photo", "--qr", other)
	if code != 0 || !bytes.Contains(out, []byte("QR vs chip")) {
		t.Fatalf("exit %d, no mismatch reported: %s", code, out)
	}
	// Another person's QR does not open this card.
	stranger := "079203012345||Lê Thị Khách|01022003|Nữ|Quận 1, TP. Hồ Chí Minh|01012022"
	if code, _ := capture(t, runRead, "--sim", "--qr", stranger); code == 0 {
		t.Fatal("a stranger's QR opened the card")
	}
}
