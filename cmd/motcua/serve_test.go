package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"motcua/sync/intake"
	"motcua/sync/outbox"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// motcuaBinary builds cmd/motcua once per test run.
func motcuaBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "motcua-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "motcua")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testIntake runs the reference intake on loopback in the test process, so
// the test can count what it holds.
func testIntake(t *testing.T, token string) (string, *intake.Store) {
	t.Helper()
	store, err := intake.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := intake.NewServer(store, token, intake.Faults{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close(); store.Close() })
	return "http://" + l.Addr().String(), store
}

// runBin runs the binary to completion (bounded) and returns its exit code,
// stdout and stderr.
func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "MOTCUA_CONFIG=/nonexistent/motcua.toml", "MOTCUA_SYNC_TOKEN=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return code, out.String(), errb.String()
}

// pairApp pairs an application named name with the agent of the
// configuration at cfgPath (`motcua serve pair`) and returns its token.
func pairApp(t *testing.T, bin, cfgPath, name string) string {
	t.Helper()
	code, token, stderr := runBin(t, bin, "serve", "pair", "--config", cfgPath, "--name", name)
	token = strings.TrimSpace(token)
	if code != 0 || token == "" {
		t.Fatalf("pair: exit %d: %s", code, stderr)
	}
	return token
}

// The packaged service delivers: `motcua serve` from a configuration file
// with a provider takes a dossier through the local API and the intake ends
// up with it exactly once. A second agent on the same data directory is
// refused with a message naming the one that runs.
func TestServeDeliversAndIsTheOnlyAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := motcuaBinary(t)
	const intakeToken = "intake-token-for-the-test"
	intakeURL, store := testIntake(t, intakeToken)
	data := t.TempDir()
	apiPort := freePort(t)
	cfgPath := filepath.Join(t.TempDir(), "motcua.toml")
	cfg := fmt.Sprintf(`[agent]
data_dir = %q
device = "test-desk"
[trust]
csca_dir = ""
[provider]
kind = "intake"
endpoint = %q
token = %q
[api]
listen = "127.0.0.1:%d"
`, data, intakeURL, intakeToken, apiPort)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	appToken := pairApp(t, bin, cfgPath, "clinic")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--config", cfgPath, "--sim")
	serve.Env = append(os.Environ(), "MOTCUA_SYNC_TOKEN=", "NOTIFY_SOCKET=")
	var serveLog bytes.Buffer
	serve.Stderr = &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		serve.Process.Signal(syscall.SIGTERM)
		serve.Wait()
	}
	defer func() {
		stop()
		if t.Failed() {
			t.Logf("serve log:\n%s", serveLog.String())
		}
	}()

	api := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	ready := false
	for i := 0; i < 300 && !ready; i++ {
		if r, err := http.Get(api + "/healthz"); err == nil {
			r.Body.Close()
			ready = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		t.Fatal("motcua serve did not answer /healthz within 30s")
	}

	// A second agent of any role on the same data directory is refused.
	for _, second := range [][]string{
		{"serve", "--config", cfgPath, "--sim", "--listen", fmt.Sprintf("127.0.0.1:%d", freePort(t))},
		{"sync", "--once", "--config", cfgPath},
	} {
		code, _, stderr := runBin(t, bin, second...)
		want := fmt.Sprintf("motcua serve (pid %d) already runs on the data directory %s", serve.Process.Pid, data)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("second agent %v: exit %d, stderr %q; want it refused naming %q", second, code, stderr, want)
		}
	}

	// The same dossier posted twice with one Idempotency-Key (a double
	// click, a retry after a timeout): one dossier, the same answer.
	body := `{"service":"1.003781","consent_accepted":true,"form":{"dien_thoai":"0900000000","ly_do":"Nhập viện điều trị",` +
		`"tu_ngay":"2026-01-10","den_ngay":"2026-01-12","dia_chi_luu_tru":"Bệnh viện Thử, Hà Nội",` +
		`"guest.ho_ten":"Nguyễn Văn Thử","guest.so_dinh_danh":"001093047064","guest.ngay_sinh":"1993-01-05","guest.gioi_tinh":"Nam"}}`
	var created struct{ UUID string }
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", api+"/v1/dossiers", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+appToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "visit-0001")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /v1/dossiers #%d: %d %s", i+1, resp.StatusCode, b)
		}
		var c struct{ UUID string }
		if err := json.Unmarshal(b, &c); err != nil || c.UUID == "" || (i == 1 && c.UUID != created.UUID) {
			t.Fatalf("answer #%d %s (first %s)", i+1, b, created.UUID)
		}
		created = c
	}

	var got []intake.Dossier
	var err error
	for i := 0; i < 300; i++ {
		if got, err = store.List(); err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(got) != 1 || got[0].IdempotencyKey != created.UUID || got[0].Submissions != 1 {
		t.Fatalf("the intake holds %+v, want the dossier %s once", got, created.UUID)
	}

	// The outbox records the acceptance; `motcua outbox list` reads the one
	// outbox beside the running agent.
	var recs []outbox.Record
	for i := 0; i < 100; i++ {
		code, out, stderr := runBin(t, bin, "outbox", "list", "--json", "--config", cfgPath)
		if code != 0 {
			t.Fatalf("outbox list: exit %d: %s", code, stderr)
		}
		recs = nil
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatalf("outbox list: %v\n%s", err, out)
		}
		if len(recs) == 1 && recs[0].State == outbox.Accepted {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(recs) != 1 || recs[0].UUID != created.UUID || recs[0].State != outbox.Accepted || recs[0].DossierCode != got[0].DossierCode {
		t.Fatalf("outbox %+v", recs)
	}
	stop()
	if got, _ := store.List(); len(got) != 1 || got[0].Submissions != 1 {
		t.Fatalf("after stop the intake holds %+v", got)
	}
	if !strings.Contains(serveLog.String(), "motcua serve ready") {
		t.Fatalf("no ready line in the serve log")
	}
}
