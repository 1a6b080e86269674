package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
)

func pemFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrustImport: a master list is imported only when its signer chains to
// a CSCA already installed, or on the operator's explicit word; an altered
// list never; a document signer certificate is not a CSCA. What was
// imported is listed by country with validity, and a synthetic card then
// verifies against the folder.
func TestTrustImport(t *testing.T) {
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	other, err := simcard.UntrustedIssuer()
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	de, err := simcard.ForeignCSCA("DE", day(2018), day(2033))
	if err != nil {
		t.Fatal(err)
	}
	nlOld, err := simcard.ForeignCSCA("NL", day(2009), day(2021)) // expired today
	if err != nil {
		t.Fatal(err)
	}
	in := t.TempDir()
	store := filepath.Join(t.TempDir(), "csca")
	write := func(name string, b []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := is.MasterList(day(2026), is.CSCA.Raw, de.Raw, nlOld.Raw)
	if err != nil {
		t.Fatal(err)
	}
	goodPath := write("good.ml", good)
	selfish, err := other.MasterList(day(2026), other.CSCA.Raw)
	if err != nil {
		t.Fatal(err)
	}
	selfishPath := write("selfish.ml", selfish)
	altered := []byte(strings.Replace(string(good), "CSCA DE test", "CSCA DE tesX", 1))
	alteredPath := write("altered.ml", altered)
	dsPath := write("ds.der", is.DS.Raw)
	cscaPath := filepath.Join(in, "vn.pem")
	if err := is.WriteCSCA(cscaPath); err != nil {
		t.Fatal(err)
	}

	// 1. Nothing installed yet: the list cannot be verified.
	if code, _ := capture(t, runTrust, "import", "--dir", store, goodPath); code != 1 {
		t.Fatalf("unverified list imported without --accept-unverified (exit %d)", code)
	}
	if n := len(pemFiles(t, store)); n != 0 {
		t.Fatalf("%d files written from a refused list", n)
	}
	// 2. A document signer is not a CSCA.
	if code, _ := capture(t, runTrust, "import", "--dir", store, dsPath); code != 1 {
		t.Fatalf("document signer imported as a CSCA (exit %d)", code)
	}
	// 3. The CSCA file, then (same run, list sorted after) the list it verifies.
	code, out := capture(t, runTrust, "import", "--dir", store, goodPath, cscaPath)
	if code != 0 || !strings.Contains(string(out), "signature verified") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if n := len(pemFiles(t, store)); n != 3 {
		t.Fatalf("%d CSCAs in the store, want 3 (VN, DE, NL)", n)
	}
	// 4. Again: nothing new.
	if code, out := capture(t, runTrust, "import", "--dir", store, goodPath); code != 0 || !strings.Contains(string(out), "0 CSCA certificates added") {
		t.Fatalf("re-import: exit %d: %s", code, out)
	}
	// 5. An altered list is refused even on the operator's word.
	if code, _ := capture(t, runTrust, "import", "--dir", store, "--accept-unverified", alteredPath); code != 1 {
		t.Fatalf("altered list accepted (exit %d)", code)
	}
	// 6. A list whose signer no installed CSCA certifies: refused, then
	// accepted on the operator's word.
	if code, _ := capture(t, runTrust, "import", "--dir", store, selfishPath); code != 1 {
		t.Fatalf("self-certified list imported (exit %d)", code)
	}
	if n := len(pemFiles(t, store)); n != 3 {
		t.Fatalf("%d CSCAs after a refused list, want 3", n)
	}
	if code, _ := capture(t, runTrust, "import", "--dir", store, "--accept-unverified", selfishPath); code != 0 {
		t.Fatalf("--accept-unverified: exit %d", code)
	}
	b, err := os.ReadFile(pemFiles(t, store)[0])
	if err != nil || !strings.Contains(string(b), "Source: ") {
		t.Fatalf("no provenance in the stored PEM: %v", err)
	}

	// The listing, by country, with validity.
	code, out = capture(t, runTrust, "list", "--dir", store, "--json")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	var got struct {
		CSCAs []trustEntry `json:"cscas"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var summary []string
	for _, e := range got.CSCAs {
		summary = append(summary, e.Country+":"+e.Status)
	}
	if s := strings.Join(summary, " "); s != "DE:valid NL:expired VN:valid VN:valid" {
		t.Fatalf("listing %q", s)
	}
	if code, out := capture(t, runTrust, "list", "--dir", store); code != 0 || !strings.Contains(string(out), "NL\n  expired") {
		t.Fatalf("text listing: exit %d\n%s", code, out)
	}

	// A synthetic card verifies against the imported folder.
	code, out = capture(t, runRead, "--sim", "--no-photo", "--trust", store, "--json")
	if code != 0 {
		t.Fatalf("read: exit %d", code)
	}
	var r struct {
		Verification struct {
			Passive string `json:"passive"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Verification.Passive != "verified" {
		t.Fatalf("passive %q (%v)", r.Verification.Passive, err)
	}
}
