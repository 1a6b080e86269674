package hubtest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"motcua/sync/connector"
	"motcua/sync/intake"
)

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("motcua-intake %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func submitN(t *testing.T, url, token string, keys ...string) {
	t.Helper()
	c, err := connector.NewIntake(connector.IntakeConfig{Endpoint: url, Token: token, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := c.Submit(context.Background(), connector.Submission{UUID: k, Service: "1.004222",
			Payload: json.RawMessage(`{"schema":"motcua.dossier/v1","parties":[{"role":"applicant","index":0,"provenance":"chip_verified"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
}

// list, device, report and the status API work while replicas run: on
// PostgreSQL directly, on bbolt through the running server's admin socket.
func TestCommandsWhileServing(t *testing.T) {
	bin := build(t)
	month := time.Now().In(intake.Vietnam).Format("2006-01")
	check := func(t *testing.T, store []string, urls []string) {
		id, tok := enrol(t, bin, store[0], store[1], "Xã Một")
		_, tok2 := enrol(t, bin, store[0], store[1], "Xã Hai")
		submitN(t, urls[0], tok, "11111111-2222-4333-8444-000000000001")
		submitN(t, urls[len(urls)-1], tok2, "11111111-2222-4333-8444-000000000002")
		var ds []intake.Dossier
		if err := json.Unmarshal([]byte(run(t, bin, "list", store[0], store[1], "--json")), &ds); err != nil || len(ds) != 2 {
			t.Fatalf("list while serving: %v %v", ds, err)
		}
		out := filepath.Join(t.TempDir(), "r.xlsx")
		run(t, bin, "report", store[0], store[1], "--month", month, "--format", "xlsx", "--out", out)
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := f.GetCellValue(intake.ReportSheet, "D2"); v != "2" {
			t.Errorf("report total dossiers: %q", v)
		}
		f.Close()
		csv := run(t, bin, "report", store[0], store[1], "--month", month, "--format", "csv", "--out", "-")
		if !strings.Contains(csv, "total,,,2,2,0,0,0,0,1.0000") {
			t.Errorf("csv report:\n%s", csv)
		}
		// Revoke through the CLI while serving: the next request is refused.
		run(t, bin, "device", "revoke", store[0], store[1], id)
		req, _ := http.NewRequest("GET", urls[0]+"/v1/dossiers/11111111-2222-4333-8444-000000000001", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("revoked device: %d", resp.StatusCode)
		}
		if l := run(t, bin, "device", "list", store[0], store[1]); !strings.Contains(l, "revoked") || strings.Contains(l, "token:") {
			t.Errorf("device list:\n%s", l)
		}
	}
	t.Run("postgres two replicas", func(t *testing.T) {
		db := database(t)
		r1 := startReplica(t, bin, "127.0.0.1:0", "--db", db, "--quiet")
		r2 := startReplica(t, bin, "127.0.0.1:0", "--db", db, "--quiet")
		check(t, []string{"--db", db}, []string{r1.url(), r2.url()})
	})
	t.Run("bbolt", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(dir, 0o700)
		r := startReplica(t, bin, "127.0.0.1:0", "--data", dir, "--quiet")
		check(t, []string{"--data", dir}, []string{r.url()})
	})
}
