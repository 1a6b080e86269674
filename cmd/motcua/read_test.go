package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/reader/cccd"
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

// The issue-12 hostile cards: `motcua read --json` carries each verdict and
// its reason, with the test CSCA trusted so that only the forgery decides.
func TestReadJSONShowsHostileCardVerdicts(t *testing.T) {
	dir := t.TempDir()
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	if err := is.WriteCSCA(filepath.Join(dir, "csca.pem")); err != nil {
		t.Fatal(err)
	}
	type verdict struct {
		Passive        string `json:"passive"`
		PassiveReason  string `json:"passive_reason"`
		ChipAuth       string `json:"chip_auth"`
		ChipAuthReason string `json:"chip_auth_reason"`
	}
	for _, tt := range []struct {
		fault, passive, chip, reason string
	}{
		{"", "verified", "passed", ""},
		{"clone-hides-dg14", "verified", "failed", "EF.SOD signs DG14 but the chip did not give it"},
		{"clone-mute-after-ca", "verified", "failed", "probable clone"},
		{"mute-after-ca", "verified", "passed", ""},
		{"explicit-curve", "failed", "failed", "explicit EC parameters"},
		{"plain-6700", "verified", "passed", ""},
		{"photo-bomb", "verified", "passed", ""},
	} {
		t.Run(tt.fault+"_", func(t *testing.T) {
			code, out := capture(t, runRead, "--sim", "--sim-fault", tt.fault, "--trust", dir, "--json")
			if code != 0 {
				t.Fatalf("exit %d: a readable card must read, the verdict is data", code)
			}
			var res struct {
				Verification verdict `json:"verification"`
				PhotoRefused string  `json:"photo_refused"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			v := res.Verification
			if v.Passive != tt.passive || v.ChipAuth != tt.chip {
				t.Fatalf("verdict %+v, want passive %s chip_auth %s", v, tt.passive, tt.chip)
			}
			if !strings.Contains(v.PassiveReason+" "+v.ChipAuthReason, tt.reason) {
				t.Fatalf("reasons %q / %q do not say %q", v.PassiveReason, v.ChipAuthReason, tt.reason)
			}
			if (tt.fault == "photo-bomb") != strings.Contains(res.PhotoRefused, "could not be shown") {
				t.Fatalf("photo_refused %q", res.PhotoRefused)
			}
		})
	}
	// Asked for the photo of a photo bomb: a clear refusal, no file.
	photo := filepath.Join(dir, "face.jpg")
	if code, _ := capture(t, runRead, "--sim", "--sim-fault", "photo-bomb", "--photo", photo); code == 0 {
		t.Fatal("the photo bomb was written as a photo")
	}
	if _, err := os.Stat(photo); !os.IsNotExist(err) {
		t.Fatalf("photo file: %v", err)
	}
}

// TestReadPassportWithMRZ: `motcua read --mrz` opens the simulated
// e-passport with its scanned MRZ, verifies it against the test CSCA and
// writes its JPEG 2000 face.
func TestReadPassportWithMRZ(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "passport.json")
	p := simcard.PassportProfile()
	if err := p.Save(prof); err != nil {
		t.Fatal(err)
	}
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	trust := filepath.Join(dir, "trust")
	if err := os.Mkdir(trust, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := is.WriteCSCA(filepath.Join(trust, "csca.pem")); err != nil {
		t.Fatal(err)
	}
	mrz, err := p.Passport.MRZLines()
	if err != nil {
		t.Fatal(err)
	}
	face := filepath.Join(dir, "face.jp2")
	code, out := capture(t, runRead, "--sim", "--sim-card", prof, "--mrz", mrz, "--trust", trust, "--json", "--photo", face)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	r, err := cccd.ParseReadResult(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Document != cccd.DocumentPassport || r.DocumentNumber != "C0123456" || r.Verification == nil ||
		!r.Verification.Verified() || r.PhotoMIME != "image/jp2" {
		t.Fatalf("%s", out)
	}
	b, err := os.ReadFile(face)
	if err != nil || !bytes.Equal(b, simcard.PassportFaceJP2()) {
		t.Fatalf("face written: %v", err)
	}
	// Without the MRZ there is no key: a passport has no QR code.
	if code, _ := capture(t, runRead, "--sim", "--sim-card", prof, "--json"); code == 0 {
		t.Fatal("a passport opened without its MRZ")
	}
}
