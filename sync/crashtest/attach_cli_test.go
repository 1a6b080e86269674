package crashtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestScanAttachSyncCommandLines: motcua scan --device test scans through
// SANE's test backend (a private SANE_CONFIG_DIR enabling only "test") into
// a PDF that poppler reads; outbox add --attach seals it with the dossier;
// outbox list --json lists it with its SHA-256; sync delivers it; and
// motcua-intake list --json shows the same SHA-256, the dossier complete.
func TestScanAttachSyncCommandLines(t *testing.T) {
	for _, b := range []string{"scanimage", "pdfinfo"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (scripts/packages.txt lists sane-utils and poppler-utils)", b)
		}
	}
	tmp := t.TempDir()
	agentBin, intakeBin := buildCLIs(t, tmp)
	sane := filepath.Join(tmp, "sane")
	os.MkdirAll(sane, 0o700)
	os.WriteFile(filepath.Join(sane, "dll.conf"), []byte("test\n"), 0o644)
	c := cli{t: t, bin: agentBin, env: []string{"SANE_CONFIG_DIR=" + sane, "MOTCUA_DATA=" + filepath.Join(tmp, "agent"), "MOTCUA_DEVICE=quay-2"}}

	pdf := filepath.Join(tmp, "khai-sinh.pdf")
	if _, stderr, code := c.run("", "scan", "--device", "test", "--pages", "2", "--out", pdf); code != 0 {
		t.Fatalf("scan: %d %s", code, stderr)
	}
	info, err := exec.Command("pdfinfo", pdf).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Pages:\s+2$`).Match(info) {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	if _, stderr, code := c.run("", "scan", "--device", "no-such-scanner", "--out", filepath.Join(tmp, "x.pdf")); code == 0 || !strings.Contains(stderr, "scanner") {
		t.Errorf("missing device: %d %s", code, stderr)
	}
	raw, _ := os.ReadFile(pdf)
	sum := sha256.Sum256(raw)
	want := hex.EncodeToString(sum[:])

	payload := filepath.Join(tmp, "p.json")
	os.WriteFile(payload, []byte(`{"ChuHoSo":{"SoDinhDanh":"001099012345"}}`), 0o600)
	id, stderr, code := c.run("", "outbox", "add", "--service", "1.001193", "--file", payload, "--attach", "Giấy chứng sinh="+pdf)
	id = strings.TrimSpace(id)
	if code != 0 || len(id) != 36 {
		t.Fatalf("add --attach: %q %s", id, stderr)
	}
	if _, stderr, code := c.run("", "outbox", "add", "--service", "1.001193", "--file", payload, "--attach", "bad"); code == 0 {
		t.Errorf("--attach without =: accepted %s", stderr)
	}
	out, _, _ := c.run("", "outbox", "list", "--json")
	var recs []struct {
		UUID        string `json:"uuid"`
		Attachments []struct {
			Name, Type, SHA256 string
			Size               int64
		} `json:"attachments"`
	}
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 || len(recs[0].Attachments) != 1 {
		t.Fatalf("list --json: %v %s", err, out)
	}
	if a := recs[0].Attachments[0]; a.SHA256 != want || a.Name != "Giấy chứng sinh" || a.Type != "application/pdf" || a.Size != int64(len(raw)) {
		t.Errorf("listed %+v, want sha %s", a, want)
	}

	intakeDir := filepath.Join(tmp, "intake")
	url := startIntakeProc(t, intakeBin, "--data", intakeDir, "--token", "tk")
	if out, stderr, code := c.run("", "sync", "--once", "--endpoint", url, "--token", "tk"); code != 0 {
		t.Fatalf("sync: %d %s %s", code, out, stderr)
	}
	lo, err := exec.Command(intakeBin, "list", "--data", intakeDir, "--json").Output()
	if err != nil {
		t.Fatalf("motcua-intake list: %v", err)
	}
	var ds []struct {
		IdempotencyKey string `json:"idempotency_key"`
		Attachments    []struct {
			Name     string `json:"name"`
			SHA256   string `json:"sha256"`
			Received bool   `json:"received"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(lo, &ds); err != nil || len(ds) != 1 || ds[0].IdempotencyKey != id || len(ds[0].Attachments) != 1 {
		t.Fatalf("intake list --json: %v\n%s", err, lo)
	}
	if a := ds[0].Attachments[0]; !a.Received || a.SHA256 != want || a.Name != "Giấy chứng sinh" {
		t.Errorf("intake lists %+v, want received with sha %s", a, want)
	}
	txt, _ := exec.Command(intakeBin, "list", "--data", intakeDir).Output()
	if !strings.Contains(string(txt), "1/1") {
		t.Errorf("intake list shows no attachment count:\n%s", txt)
	}
}
