package packaging

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Windows smoke tests run the cross-compiled Windows binaries under
// Wine (Debian's wine64, REFERENCE.md section 11), each test in a private
// WINEPREFIX with the ProcessPrng shim (packaging/wine) that Go >= 1.22
// needs and Wine 8 lacks. They skip, saying why, where Wine or mingw-w64
// is missing. What Wine cannot show: PC/SC (its winscard.dll is a stub),
// the Event Log's contents (ReportEvent is accepted and dropped) and file
// ACLs (Wine keeps no ACLs: it maps them onto Unix mode bits).

// wineTimeout bounds every Wine command: a cold prefix on a loaded 2-core
// machine takes a minute to boot.
const wineTimeout = 4 * time.Minute

// winePrefix is one test's private Wine installation.
type winePrefix struct {
	t    testing.TB
	dir  string // WINEPREFIX
	wine string // the wine64 loader
	env  []string
}

// wineLoader finds the 64-bit Wine loader, or says why there is none.
func wineLoader() (string, error) {
	for _, c := range []string{"/usr/lib/wine/wine64", "wine64", "wine"} {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("Wine is not installed (Debian package wine64, listed in scripts/packages.txt)")
}

// needWine skips the test where the Windows smoke tests cannot run.
func needWine(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Windows binaries under Wine (-short)")
	}
	w, err := wineLoader()
	if err != nil {
		t.Skip(err.Error())
	}
	if _, err := exec.LookPath("wineserver"); err != nil {
		t.Skip("wineserver not found (Debian package wine64)")
	}
	if _, err := exec.LookPath("x86_64-w64-mingw32-gcc"); err != nil {
		t.Skip("mingw-w64 not installed (Debian package gcc-mingw-w64-x86-64): cannot build the Windows binaries or the ProcessPrng shim")
	}
	return w
}

// newWinePrefix boots a private prefix, installs the ProcessPrng shim into
// its system32 and keeps its wineserver running until the test ends (a
// wineserver that exits takes the prefix's services with it); cleanup
// stops it with wineserver -k.
func newWinePrefix(t testing.TB, display string) *winePrefix {
	t.Helper()
	loader := needWine(t)
	dir := filepath.Join(t.TempDir(), "wineprefix")
	w := &winePrefix{t: t, dir: dir, wine: loader}
	w.env = append(os.Environ(), "WINEPREFIX="+dir, "WINEDEBUG=-all", "WINEARCH=win64",
		// No Mono or Gecko install prompts: nothing here needs them.
		"WINEDLLOVERRIDES=mscoree,mshtml=", "DISPLAY="+display, "LANG=C.UTF-8")
	t.Cleanup(func() {
		cmd := exec.Command("wineserver", "-k")
		cmd.Env = w.env
		cmd.Run()
	})
	boot := w.cmd(wineTimeout, "wineboot", "-i")
	bootOut := w.outFile()
	boot.Stdout, boot.Stderr = bootOut, bootOut
	if err := boot.Run(); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, readBack(bootOut))
	}
	shim := filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	cc := exec.Command("x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-o", shim,
		"wine/bcryptprimitives.c", "wine/bcryptprimitives.def", "-ladvapi32")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("building the ProcessPrng shim: %v\n%s", err, out)
	}
	// Let wineboot's server exit (it lingers a few seconds), then start a
	// persistent one: -p fails while another server runs. No output
	// pipes: the server detaches and would hold them open.
	wait := exec.Command("wineserver", "-w")
	wait.Env = w.env
	wait.Run()
	srv := exec.Command("wineserver", "-p")
	srv.Env = w.env
	if err := srv.Run(); err != nil {
		t.Fatalf("wineserver -p: %v", err)
	}
	// Start the prefix's own services now, on file handles (see run).
	if _, err := w.run("cmd", "/c", "ver"); err != nil {
		t.Fatalf("starting the prefix: %v", err)
	}
	return w
}

// cmd is a Wine command (a Windows program and its arguments) in the prefix.
func (w *winePrefix) cmd(limit time.Duration, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	w.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, w.wine, args...)
	cmd.Env = w.env
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs a Windows program and returns its stdout; stderr is logged.
// Output goes through files, not pipes: Wine starts its own services from
// the first program of a prefix, and they inherit (and hold open) its
// standard handles.
func (w *winePrefix) run(args ...string) (string, error) {
	w.t.Helper()
	cmd := w.cmd(wineTimeout, args...)
	stdout, stderr := w.outFile(), w.outFile()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	out, errOut := readBack(stdout), readBack(stderr)
	if errOut != "" {
		w.t.Logf("%s stderr:\n%s", strings.Join(args, " "), errOut)
	}
	if err != nil {
		return out, fmt.Errorf("wine %s: %w\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out, nil
}

// outFile is a fresh temporary file for a Wine program's output.
func (w *winePrefix) outFile() *os.File {
	f, err := os.CreateTemp(w.t.TempDir(), "out")
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { f.Close() })
	return f
}

// readBack reads what was written to f.
func readBack(f *os.File) string {
	b, _ := os.ReadFile(f.Name())
	return string(b)
}

// must is run that fails the test on error.
func (w *winePrefix) must(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// drive maps a Windows path on C: to the Unix path in the prefix.
func (w *winePrefix) drive(winPath string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(winPath, `C:\`), `c:\`)
	return filepath.Join(w.dir, "drive_c", filepath.FromSlash(strings.ReplaceAll(p, `\`, "/")))
}

// winBuild cross-compiles packages for Windows (as packaging/build.sh does)
// into dir; the build cache makes every build after the first quick.
var winBuildMu sync.Mutex

func winBuild(t testing.TB, dir string, pkgs ...string) {
	t.Helper()
	winBuildMu.Lock()
	defer winBuildMu.Unlock()
	for _, pkg := range pkgs {
		out := filepath.Join(dir, filepath.Base(pkg)+".exe")
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cross-compiling %s: %v\n%s", pkg, err, b)
		}
	}
}

// linuxBuild builds a Linux command into dir.
func linuxBuild(t testing.TB, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
	return out
}

// intakeProc is a Linux motcua-intake on loopback, stopped by pid.
type intakeProc struct {
	cmd  *exec.Cmd
	url  string
	logs chan string // stderr lines
}

// startIntake starts the reference intake on a free loopback port
// (addr "" ) or on addr, with extra flags (faults).
func startIntake(t *testing.T, bin, data, token, addr string, extra ...string) *intakeProc {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	args := append([]string{"serve", "--addr", addr, "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MOTCUA_INTAKE_TOKEN="+token)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &intakeProc{cmd: cmd, logs: make(chan string, 1000)}
	t.Cleanup(p.stop)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case p.logs <- sc.Text():
			default:
			}
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("intake did not start: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	p.url = strings.TrimSpace(strings.TrimPrefix(line, "motcua-intake: listening on "))
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		t.Fatalf("intake: unexpected first line %q", line)
	}
	return p
}

// stop ends the intake (SIGTERM, then SIGKILL) and waits for it.
func (p *intakeProc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// waitLog waits for an intake log line containing s.
func (p *intakeProc) waitLog(t *testing.T, s string, limit time.Duration) string {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case l := <-p.logs:
			if strings.Contains(l, s) {
				return l
			}
		case <-deadline:
			t.Fatalf("intake never logged %q within %s", s, limit)
		}
	}
}

// intakeDossier is what `motcua-intake list --json` reports per dossier.
type intakeDossier struct {
	IdempotencyKey string `json:"idempotency_key"`
	Service        string `json:"service"`
	Submissions    int    `json:"submissions"`
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestWineCLI runs motcua.exe's windowless commands under Wine: the
// service catalogue, config check, outbox add, and sync --once to a Linux
// motcua-intake on loopback, with the Windows process SIGKILLed after the
// intake stored a dossier but before the agent heard the answer. Nothing
// is lost and each dossier is once at the intake.
func TestWineCLI(t *testing.T) {
	w := newWinePrefix(t, "")
	bin := t.TempDir()
	winBuild(t, w.drive(`C:\motcua`), "./cmd/motcua")
	intakeBin := linuxBuild(t, bin, "./cmd/motcua-intake")
	exe := `C:\motcua\motcua.exe`

	out := w.must(exe, "forms", "list")
	for _, code := range []string{"1.004222", "2.000488"} {
		if !strings.Contains(out, code) {
			t.Errorf("forms list lacks %s:\n%s", code, out)
		}
	}
	w.must(exe, "config", "check")

	data := `C:\motcua\data`
	const token = "wine-test-token-0123456789"
	const n = 3
	payloads := w.drive(`C:\motcua\payloads`)
	os.MkdirAll(payloads, 0o755)
	for i := range n {
		f := filepath.Join(payloads, fmt.Sprintf("d%d.json", i))
		body := fmt.Sprintf(`{"applicant":{"full_name":"NGUYEN VAN TEST %d"},"note":"synthetic"}`, i)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		w.must(exe, "outbox", "add", "--data", data, "--service", "1.004222", "--file", fmt.Sprintf(`C:\motcua\payloads\d%d.json`, i))
	}
	if _, err := os.Stat(filepath.Join(w.drive(data), "outbox.db")); err != nil {
		t.Fatalf("the outbox file is not where Windows wrote it: %v", err)
	}

	// The intake stores the first dossier, then drops the connection
	// without answering: the agent cannot know it was accepted. It is
	// SIGKILLed right then, mid-pass.
	idata := filepath.Join(bin, "intake")
	addr := freePort(t)
	in := startIntake(t, intakeBin, idata, token, addr, "--fault-silent-accept", "1", "--fault-seed", "7")
	w.env = append(w.env, "MOTCUA_SYNC_TOKEN="+token)
	sync1 := w.cmd(wineTimeout, exe, "sync", "--once", "--data", data, "--endpoint", in.url, "--backoff", "1ms", "--max-backoff", "1ms")
	sync1.Stdout, sync1.Stderr = w.outFile(), w.outFile()
	if err := sync1.Start(); err != nil {
		t.Fatal(err)
	}
	in.waitLog(t, "silent accept", wineTimeout)
	if err := sync1.Process.Kill(); err != nil { // SIGKILL, by pid
		t.Fatal(err)
	}
	sync1.Wait()
	in.stop()

	// A healthy intake on the same store; the next passes deliver the rest
	// and re-deliver the unanswered one under its idempotency key.
	in = startIntake(t, intakeBin, idata, token, addr)
	for pass := 0; pass < 3; pass++ {
		b, err := w.run(exe, "sync", "--once", "--data", data, "--endpoint", in.url, "--backoff", "1ms", "--max-backoff", "1ms")
		t.Logf("sync --once pass %d: %v\n%s", pass+1, err, b)
		list := w.must(exe, "outbox", "list", "--data", data, "--json")
		if strings.Count(list, `"accepted"`) >= n {
			break
		}
	}
	in.stop()

	var recs []struct {
		ID    string `json:"uuid"`
		State string `json:"state"`
	}
	list := w.must(exe, "outbox", "list", "--data", data, "--json")
	if err := json.Unmarshal([]byte(list), &recs); err != nil {
		t.Fatalf("outbox list --json: %v\n%s", err, list)
	}
	if len(recs) != n {
		t.Fatalf("outbox holds %d records, want %d (nothing lost):\n%s", len(recs), n, list)
	}
	for _, r := range recs {
		if r.State != "accepted" {
			t.Errorf("record %s is %s, want accepted", r.ID, r.State)
		}
	}
	lb, err := exec.Command(intakeBin, "list", "--data", idata, "--json").Output()
	if err != nil {
		t.Fatalf("intake list: %v", err)
	}
	var ds []intakeDossier
	if err := json.Unmarshal(lb, &ds); err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	resubmitted := 0
	for _, d := range ds {
		keys[d.IdempotencyKey]++
		if d.Submissions > 1 {
			resubmitted++
		}
	}
	if len(ds) != n || len(keys) != n {
		t.Fatalf("intake holds %d dossiers under %d keys, want %d each (exactly once):\n%s", len(ds), len(keys), n, lb)
	}
	if resubmitted == 0 {
		t.Errorf("no dossier was delivered twice: the SIGKILL did not land between store and answer:\n%s", lb)
	}
}

// TestWineService registers the agent with `motcua service install` (the
// zip's path) under Wine's service control manager: the service runs
// motcua serve as LocalSystem (/healthz answers on the configured port),
// its Event Log source is registered, the data directory is created and
// given its ACL through the Windows API, a second agent on the same data
// directory is refused while the service holds it, and stop, uninstall
// and cleanup leave the data in place.
func TestWineService(t *testing.T) {
	w := newWinePrefix(t, "")
	winBuild(t, w.drive(`C:\motcua`), "./cmd/motcua")
	exe := `C:\motcua\motcua.exe`
	port := freePort(t)
	cfg := `C:\ProgramData\motcua\motcua.toml`
	os.MkdirAll(w.drive(`C:\ProgramData\motcua`), 0o755)
	def, err := os.ReadFile("../internal/config/motcua.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(def), `listen = "127.0.0.1:7420"`, fmt.Sprintf("listen = %q", port), 1)
	text = strings.Replace(text, `health_interval = "0s"`, `health_interval = "2s"`, 1)
	if err := os.WriteFile(w.drive(cfg), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	out := w.must(exe, "service", "install")
	t.Logf("service install:\n%s", out)
	if st, _ := w.run("sc", "query", "motcua"); !strings.Contains(st, "RUNNING") {
		t.Fatalf("sc query motcua after install:\n%s", st)
	}
	var health string
	for i := 0; i < 120 && health == ""; i++ {
		if resp, err := http.Get("http://" + port + "/healthz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			health = string(b)
		} else {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if !healthOK(health) {
		t.Fatalf("healthz of the service: %q", health)
	}
	status := w.must(exe, "service", "status")
	t.Logf("service status as Wine reports it (Wine keeps no ACLs: the DACL shown is synthesised from Unix mode bits):\n%s", status)
	for _, want := range []string{"state:     running", "account:   LocalSystem", `serve --config`, `acl:       C:\ProgramData\motcua\data D:`} {
		if !strings.Contains(status, want) {
			t.Errorf("service status lacks %q", want)
		}
	}
	if src := w.must("reg", "query", `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\motcua`); !strings.Contains(src, "EventMessageFile") {
		t.Errorf("no Event Log source:\n%s", src)
	}
	// One agent per data directory: the service holds it.
	second, err := w.run(exe, "sync", "--once", "--data", `C:\ProgramData\motcua\data`, "--endpoint", "http://127.0.0.1:9", "--token", "not-used-0123456789")
	if err == nil || !strings.Contains(err.Error(), "motcua serve") {
		t.Errorf("a second agent on the service's data directory was not refused with the holder's name: %v\n%s", err, second)
	}
	log, err := os.ReadFile(w.drive(`C:\ProgramData\motcua\log\motcua.log`))
	if err != nil || !strings.Contains(string(log), "motcua serve ready") {
		t.Errorf("the service's JSON log beside the configuration: %v\n%s", err, log)
	}

	// The SCM's watchdog counterpart: the outbox file goes away, the
	// outbox check fails, and after 30 s of failing checks serve stops
	// with exit code 70 for the recovery actions (Wine's SCM may or may
	// not run them: either it restarts the agent, or it stays stopped
	// with that code).
	pid := scPID(w)
	if err := os.Remove(filepath.Join(w.drive(`C:\ProgramData\motcua\data`), "outbox.db")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		log, _ := os.ReadFile(w.drive(`C:\ProgramData\motcua\log\motcua.log`))
		st, _ := w.run("sc", "query", "motcua")
		stopped70 := strings.Contains(st, "STOPPED") && strings.Contains(st, "SERVICE_EXIT_CODE  : 70")
		restarted := strings.Contains(st, "RUNNING") && scPID(w) != pid
		if strings.Contains(string(log), "unhealthy for too long") && (stopped70 || restarted) {
			t.Logf("after 30 s unhealthy (restarted by the recovery actions: %v):\n%s", restarted, st)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an unhealthy service was not stopped for recovery within 3 min:\n%s\nlog tail:\n%s", st, tail(string(log), 3000))
		}
		time.Sleep(2 * time.Second)
	}

	w.must(exe, "service", "stop")
	w.must(exe, "service", "uninstall")
	if st, _ := w.run("sc", "query", "motcua"); strings.Contains(st, "STATE") {
		t.Errorf("the service still exists after uninstall:\n%s", st)
	}
	w.must(exe, "service", "cleanup")
	if _, err := w.run("reg", "query", `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\motcua`); err == nil {
		t.Errorf("the Event Log source is still registered after cleanup")
	}
	if _, err := os.Stat(filepath.Join(w.drive(`C:\ProgramData\motcua\data`), "outbox.key")); err != nil {
		t.Errorf("uninstall and cleanup removed the data: %v", err)
	}
}

// scPID is the service's process id as `motcua service status` reports it.
func scPID(w *winePrefix) string {
	out, _ := w.run(`C:\motcua\motcua.exe`, "service", "status")
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "state:") {
			if i := strings.Index(l, "(pid "); i >= 0 {
				return strings.TrimSuffix(strings.TrimSpace(l[i+5:]), ")")
			}
		}
	}
	return ""
}

// healthOK reports whether a /healthz answer says ok (whatever its layout).
func healthOK(body string) bool {
	var h struct {
		OK bool `json:"ok"`
	}
	return json.Unmarshal([]byte(body), &h) == nil && h.OK
}
