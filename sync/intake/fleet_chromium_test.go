package intake

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fleet page as headless Chromium builds it: one row per device, the
// devices never heard of first, then the offline ones (longest silence
// first), then online, revoked last; the summary counts match. Skipped when
// chromium is not installed (Debian package chromium).
func TestFleetPageInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (Debian package chromium)")
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	devs := fleetOf(200, now)
	dir := t.TempDir()
	page := filepath.Join(dir, "fleet.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := RenderFleet(f, devs, now, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	rows := regexp.MustCompile(`<tr class="(\w+)" data-device="([^"]+)">`).FindAllStringSubmatch(dom, -1)
	if len(rows) != len(devs) {
		t.Fatalf("%d rows in the DOM, want %d", len(rows), len(devs))
	}
	rank := map[string]int{"never": 0, "offline": 1, "online": 2, "revoked": 3}
	counts := map[string]int{}
	for i, r := range rows {
		counts[r[1]]++
		if i > 0 && rank[r[1]] < rank[rows[i-1][1]] {
			t.Errorf("row %d (%s) after a %s row", i, r[1], rows[i-1][1])
		}
	}
	if rows[0][1] != "never" || counts["offline"] == 0 || counts["revoked"] == 0 {
		t.Errorf("classes: %v", counts)
	}
	if !strings.Contains(dom, `<b id="offline">`+itoa(counts["never"]+counts["offline"])+`</b>`) {
		t.Errorf("summary does not match the rows %v", counts)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
