package crashtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"motcua/sync/internal/testpki"
)

var (
	buildOnce             sync.Once
	builtAgent, builtIntk string
	buildErr              error
)

// buildCLIs builds motcua-intake and motcua once per test binary run.
// cmd/motcua is built from main.go plus the outbox and sync command files
// (fast, and independent of the other commands' dependencies); only if that
// fails is the whole package built.
func buildCLIs(t *testing.T, _ string) (agent, intakeBin string) {
	t.Helper()
	buildOnce.Do(func() {
		dir := buildDir
		builtIntk = filepath.Join(dir, "motcua-intake")
		if out, err := exec.Command("go", "build", "-o", builtIntk, "motcua/cmd/motcua-intake").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build motcua-intake: %v\n%s", err, out)
			return
		}
		builtAgent = filepath.Join(dir, "motcua")
		src := filepath.Join("..", "..", "cmd", "motcua")
		if out, err := exec.Command("go", "build", "-o", builtAgent, filepath.Join(src, "main.go"),
			filepath.Join(src, "outbox.go"), filepath.Join(src, "attach.go"), filepath.Join(src, "scan.go"),
			filepath.Join(src, "syncing.go")).CombinedOutput(); err != nil {
			if out2, err2 := exec.Command("go", "build", "-o", builtAgent, "motcua/cmd/motcua").CombinedOutput(); err2 != nil {
				buildErr = fmt.Errorf("build motcua: %v\n%s\n%s", err2, out, out2)
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtAgent, builtIntk
}

// startIntakeProc runs motcua-intake serve and returns its URL.
func startIntakeProc(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--quiet"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		waitOrKill(cmd, 10*time.Second)
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("intake: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])
}

type cli struct {
	t   *testing.T
	bin string
	env []string
}

func (c cli) run(stdin string, args ...string) (string, string, int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestCommandLines(t *testing.T) {
	tmp := t.TempDir()
	agentBin, intakeBin := buildCLIs(t, tmp)
	pki, err := testpki.Generate(tmp)
	if err != nil {
		t.Fatal(err)
	}
	intakeDir := filepath.Join(tmp, "intake")
	url := startIntakeProc(t, intakeBin, "--data", intakeDir, "--token", "tk",
		"--tls-cert", pki.ServerCert, "--tls-key", pki.ServerKey, "--tls-client-ca", pki.CA)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("url %s", url)
	}
	// MOTCUA_DATA is the default data directory.
	c := cli{t: t, bin: agentBin, env: []string{"MOTCUA_DATA=" + filepath.Join(tmp, "agent"), "MOTCUA_DEVICE=quay-1"}}
	payload := filepath.Join(tmp, "p.json")
	os.WriteFile(payload, []byte(`{"ChuHoSo":{"SoDinhDanh":"001099012345"}}`), 0o600)

	if out, stderr, code := c.run("", "outbox", "list", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("list before first add: %d %q %s", code, out, stderr)
	}
	id1, stderr, code := c.run("", "outbox", "add", "--service", "1.004222", "--file", payload)
	id1 = strings.TrimSpace(id1)
	if code != 0 || len(id1) != 36 {
		t.Fatalf("add: %q %s %d", id1, stderr, code)
	}
	id2, _, code := c.run(`{"x":1}`, "outbox", "add", "--service", "1.000466", "--file", "-")
	id2 = strings.TrimSpace(id2)
	if code != 0 || len(id2) != 36 || id2 == id1 {
		t.Fatalf("add stdin: %q %d", id2, code)
	}
	if _, stderr, code := c.run(`{bad`, "outbox", "add", "--service", "1.000466", "--file", "-"); code == 0 || strings.Contains(stderr, "bad") && !strings.Contains(stderr, "JSON") {
		t.Errorf("bad JSON accepted: %s", stderr)
	}
	if _, stderr, code := c.run("", "sync", "--once", "--endpoint", "http://192.0.2.1:8080", "--token", "tk"); code == 0 || !strings.Contains(stderr, "loopback") {
		t.Errorf("plain http to a non-loopback address: %d %s", code, stderr)
	}
	// Without a client certificate the handshake fails: nothing is
	// delivered and no attempt is counted.
	out, _, _ := c.run("", "sync", "--once", "--endpoint", url, "--token", "tk", "--ca", pki.CA, "--backoff", "10ms")
	if !strings.Contains(out, "0 accepted") || !strings.Contains(out, "unreachable") {
		t.Errorf("sync without client certificate: %s", out)
	}
	time.Sleep(50 * time.Millisecond)
	out, _, code = c.run("", "sync", "--once", "--endpoint", url, "--ca", pki.CA, "--cert", pki.ClientCert, "--key", pki.ClientKey)
	if code == 0 {
		t.Errorf("sync without token succeeded: %s", out)
	}
	c.env = append(c.env, "MOTCUA_SYNC_TOKEN=tk")
	out, stderr, code = c.run("", "sync", "--once", "--endpoint", url, "--ca", pki.CA, "--cert", pki.ClientCert, "--key", pki.ClientKey)
	if code != 0 || !strings.Contains(out, "2 accepted") {
		t.Fatalf("sync --once: %d %s %s", code, out, stderr)
	}
	out, _, _ = c.run("", "outbox", "list", "--json")
	var recs []struct {
		UUID, State, DossierCode string
		Device                   string `json:"device"`
		Code                     string `json:"dossier_code"`
		StatusName               string `json:"provincial_status_name"`
	}
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 {
		t.Fatalf("list --json: %v %s", err, out)
	}
	for _, r := range recs {
		if r.State != "accepted" || r.Code == "" || r.Device != "quay-1" || r.StatusName != "mới đăng ký" {
			t.Errorf("record %+v", r)
		}
	}
	if out, _, _ := c.run("", "outbox", "audit", "--json"); !strings.Contains(out, id1) || !strings.Contains(out, "quay-1") {
		t.Errorf("audit: %s", out)
	}
	if out, _, code := c.run("", "outbox", "rotate-key"); code != 0 || !strings.Contains(out, "key 2") {
		t.Errorf("rotate-key: %s", out)
	}
	if _, stderr, code := c.run("", "outbox", "retry", id1); code == 0 || !strings.Contains(stderr, "invalid state") {
		t.Errorf("retry of an accepted record: %d %s", code, stderr)
	}

	// --watch holds the outbox only during a pass: a submission added by
	// another process meanwhile is delivered, then SIGTERM stops it cleanly.
	watch := exec.Command(agentBin, "sync", "--watch", "--endpoint", url, "--ca", pki.CA, "--cert", pki.ClientCert, "--key", pki.ClientKey,
		"--backoff", "50ms", "--interval", "100ms")
	watch.Env = append(os.Environ(), c.env...)
	var wout bytes.Buffer
	watch.Stderr = &wout
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer waitOrKill(watch, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	id3, stderr, code := c.run(`{"watch":true}`, "outbox", "add", "--service", "1.004222", "--file", "-")
	id3 = strings.TrimSpace(id3)
	if code != 0 {
		t.Fatalf("add while watching: %s", stderr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, _ := c.run("", "outbox", "list", "--state", "accepted")
		if strings.Contains(out, id3) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("watch did not deliver %s:\n%s\n%s", id3, out, wout.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	watch.Process.Signal(syscall.SIGTERM)
	if err := waitOrKill(watch, 10*time.Second); err != nil {
		t.Errorf("watch exit: %v\n%s", err, wout.String())
	}
	if strings.Contains(wout.String(), "001099012345") {
		t.Errorf("watch log leaks payload data")
	}

	// The intake lists both, submitted once each.
	ic := cli{t: t, bin: intakeBin}
	// The intake process still holds its store; list goes through its
	// admin socket and sees the three dossiers, each submitted once.
	if out, stderr, code := ic.run("", "list", "--data", intakeDir, "--json"); code != 0 || strings.Count(out, `"dossier_code"`) != 3 ||
		strings.Count(out, `"submissions": 1,`) != 3 || !strings.Contains(out, strings.TrimSpace(id3)) {
		t.Errorf("list while serving: %d %s %s", code, out, stderr)
	}
}

func TestIntakeListAfterStop(t *testing.T) {
	tmp := t.TempDir()
	agentBin, intakeBin := buildCLIs(t, tmp)
	intakeDir := filepath.Join(tmp, "intake")
	cmd := exec.Command(intakeBin, "serve", "--addr", "127.0.0.1:0", "--data", intakeDir, "--token", "tk", "--quiet")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	url := strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])
	c := cli{t: t, bin: agentBin, env: []string{"MOTCUA_DATA=" + filepath.Join(tmp, "agent")}}
	id, _, _ := c.run(`{"a":1}`, "outbox", "add", "--service", "1.004222", "--file", "-")
	for range 2 {
		if _, stderr, code := c.run("", "sync", "--once", "--endpoint", url, "--token", "tk"); code != 0 {
			t.Fatalf("sync: %s", stderr)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitOrKill(cmd, 10*time.Second); err != nil {
		t.Fatalf("intake stop: %v", err)
	}
	ic := cli{t: t, bin: intakeBin}
	listOut, stderr, code := ic.run("", "list", "--data", intakeDir, "--json")
	var ds []struct {
		Key         string `json:"idempotency_key"`
		Code        string `json:"dossier_code"`
		Submissions int    `json:"submissions"`
		Payload     any    `json:"payload"`
	}
	if code != 0 || json.Unmarshal([]byte(listOut), &ds) != nil || len(ds) != 1 {
		t.Fatalf("list: %d %s %s", code, listOut, stderr)
	}
	if ds[0].Key != strings.TrimSpace(id) || ds[0].Code == "" || ds[0].Submissions != 1 || ds[0].Payload != nil {
		t.Errorf("dossier %+v", ds[0])
	}
	if out, _, _ := ic.run("", "list", "--data", intakeDir); !strings.Contains(out, ds[0].Code) {
		t.Errorf("table: %s", out)
	}
}
