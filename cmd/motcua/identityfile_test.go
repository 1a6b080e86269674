package main

import (
	"encoding/json"
	"motcua/reader/cccd"
	"motcua/reader/pa"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/reader"
	"motcua/reader/lds"
	"motcua/reader/qr"
)

// chipRead reads the simulated reference card and returns its `read --json`
// form with the chip files added, as an identity file that can be verified.
func chipRead(t *testing.T, fault simcard.Fault) map[string]any {
	t.Helper()
	p := simcard.ReferenceProfile()
	card, err := p.Card(simcard.CardOptions{Fault: fault, Extended: true})
	if err != nil {
		t.Fatal(err)
	}
	r := simcard.NewReader("test")
	r.Insert(card)
	conn, err := r.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q, err := qr.Parse(p.QRPayload())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := reader.KeysFromCitizen(q.IDNumber, q.BirthDate(), q.IssueDate())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := reader.ReadFiles(conn, reader.Options{Keys: keys, SkipPhoto: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := reader.Assemble(raw, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	var m map[string]any
	json.Unmarshal(b, &m)
	files := map[string][]byte{}
	for id, v := range raw.Files {
		files[lds.FileOf(id).Name] = v
	}
	m[chipFilesKey] = files
	return m
}

func writeJSON(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// trustDir writes the test CSCA that signs the synthetic cards.
func testTrustDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	is, err := simcard.DefaultIssuer()
	if err != nil {
		t.Fatal(err)
	}
	if err := is.WriteCSCA(filepath.Join(dir, "csca.pem")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// prefillProvenance runs forms prefill and returns the provenance of the
// full name.
func prefillProvenance(t *testing.T, idFile string, extra ...string) string {
	t.Helper()
	args := append([]string{"prefill", "--service", "1.000466", "--identity", idFile, "--json"}, extra...)
	code, out := capture(t, runForms, args...)
	if code != 0 {
		t.Fatalf("prefill exit %d: %s", code, out)
	}
	var res struct {
		Values []struct{ Field, Value, Provenance string }
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Values {
		if v.Field == "ho_ten" {
			return v.Provenance
		}
	}
	t.Fatalf("no ho_ten in %s", out)
	return ""
}

func TestPrefillDoesNotTrustAVerdictInAFile(t *testing.T) {
	trust := testTrustDir(t)
	// Forged first: a hand-edited file that claims "verified", with no chip
	// files to prove it.
	m := chipRead(t, "")
	delete(m, chipFilesKey)
	m["verification"] = map[string]any{"passive": "verified", "chip_auth": "passed", "csca": "CN=anything"}
	if got := prefillProvenance(t, writeJSON(t, m), "--trust", trust); got != "chip_unverified" {
		t.Fatalf("a claimed verdict was trusted: %s", got)
	}

	// Genuine chip files, but the name was edited after the read.
	m = chipRead(t, "")
	m["verification"] = map[string]any{"passive": "verified", "chip_auth": "passed"}
	m["full_name"] = "Trần Thị Sửa"
	if got := prefillProvenance(t, writeJSON(t, m), "--trust", trust); got != "chip_unverified" {
		t.Fatalf("an edited identity was verified: %s", got)
	}

	// DG13 replaced by the edited one: the hash in EF.SOD no longer matches.
	m = chipRead(t, "")
	files := m[chipFilesKey].(map[string][]byte)
	files["DG13"] = append([]byte(nil), files["DG13"]...)
	files["DG13"][len(files["DG13"])-1] ^= 1
	if got := prefillProvenance(t, writeJSON(t, m), "--trust", trust); got != "chip_unverified" {
		t.Fatalf("an altered DG13 was verified: %s", got)
	}

	// A card whose chip data was altered before signing checks (the
	// simulator's dg13-altered forgery) fails the same way.
	if got := prefillProvenance(t, writeJSON(t, chipRead(t, "dg13-altered")), "--trust", trust); got != "chip_unverified" {
		t.Fatalf("the dg13-altered forgery was verified: %s", got)
	}

	// Genuine files but no trust store: chain unknown, not verified.
	if got := prefillProvenance(t, writeJSON(t, chipRead(t, "")), "--trust", filepath.Join(t.TempDir(), "none")); got != "chip_unverified" {
		t.Fatalf("verified without a trust store: %s", got)
	}

	// Genuine files that chain to the trust store: Passive Authentication
	// verifies again, but EF.SOD signs DG14 and DG15, so the card owes a
	// clone-detection proof that only the live chip can give: a file is
	// never chip-verified for such a card (reader verdict rules 2, 3, 5).
	if got := prefillProvenance(t, writeJSON(t, chipRead(t, "")), "--trust", trust); got != "chip_unverified" {
		t.Fatalf("a genuine identity file of a card with Chip Authentication: %s", got)
	}
	r, err := loadIdentityFile(mustJSON(t, chipRead(t, "")), mustTrust(t, trust), time.Now())
	if err != nil || r.Verification.Passive != cccd.PassiveVerified || r.Verification.ChipAuth != cccd.ChipAuthNotChecked || !strings.Contains(r.Verification.ChipAuthReason, "clone detection needs the chip") {
		t.Fatalf("genuine file: %v %+v", err, r.Verification)
	}
}

func TestIdentityFileRejectsUnknownChipFiles(t *testing.T) {
	m := chipRead(t, "")
	m[chipFilesKey].(map[string][]byte)["EF.Secret"] = []byte{1}
	b, _ := json.Marshal(m)
	if _, err := loadIdentityFile(b, nil, time.Now()); err == nil || !strings.Contains(err.Error(), "EF.Secret") {
		t.Fatalf("unknown file accepted: %v", err)
	}
}

func mustJSON(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTrust(t *testing.T, dir string) *pa.TrustStore {
	t.Helper()
	ts, err := pa.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
