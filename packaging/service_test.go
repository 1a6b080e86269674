package packaging

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notifications collects datagrams from a stand-in systemd socket.
type notifications struct {
	l  *net.UnixConn
	ch chan string
}

func listenNotify(t *testing.T, path string) *notifications {
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	n := &notifications{l: l, ch: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := l.Read(buf)
			if err != nil {
				close(n.ch)
				return
			}
			n.ch <- string(buf[:k])
		}
	}()
	t.Cleanup(func() { l.Close() })
	return n
}

// wait returns the first notification containing s.
func (n *notifications) wait(t *testing.T, s string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-n.ch:
			if !ok {
				t.Fatalf("socket closed waiting for %q", s)
			}
			if strings.Contains(m, s) {
				return m
			}
		case <-deadline:
			t.Fatalf("no %q notification", s)
		}
	}
}

// TestServeUnderSystemdProtocol runs the real binary as systemd would (a
// notification socket, WATCHDOG_USEC): READY=1 with the address, watchdog
// pings while healthy, none and an "unhealthy" status once the outbox file
// is damaged, and STOPPING=1 on SIGTERM.
func TestServeUnderSystemdProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds motcua (-short)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "motcua")
	if out, err := exec.Command("go", "build", "-o", bin, "motcua/cmd/motcua").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	n := listenNotify(t, filepath.Join(dir, "notify.sock"))
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "serve", "--sim", "--data", data, "--listen", "127.0.0.1:0", "--set", "trust.csca_dir=",
		"--set", "log.output="+filepath.Join(dir, "motcua.log"))
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+filepath.Join(dir, "notify.sock"),
		"WATCHDOG_USEC=400000", "MOTCUA_CONFIG="+filepath.Join(dir, "absent.toml"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "motcua.log"))
			t.Logf("log:\n%s", b)
		}
	}()

	ready := n.wait(t, "READY=1")
	m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(ready)
	if m == nil || !strings.Contains(ready, "MAINPID=") {
		t.Fatalf("READY message: %q", ready)
	}
	n.wait(t, "WATCHDOG=1")
	resp, err := http.Get(m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}

	// Damage the outbox: the health check fails, the watchdog starves.
	if err := os.WriteFile(filepath.Join(data, "outbox.db"), []byte("this is not a bbolt file"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := n.wait(t, "STATUS=unhealthy")
	if !strings.Contains(st, "outbox") {
		t.Fatalf("unhealthy status does not name the outbox: %q", st)
	}
	// Drain what was in flight, then no WATCHDOG=1 for several intervals.
	time.Sleep(100 * time.Millisecond)
	for len(n.ch) > 0 {
		<-n.ch
	}
	quiet := time.After(1200 * time.Millisecond) // 6 health intervals of 200 ms
	for done := false; !done; {
		select {
		case msg := <-n.ch:
			if strings.Contains(msg, "WATCHDOG=1") {
				t.Fatal("watchdog fed while the outbox is broken")
			}
		case <-quiet:
			done = true
		}
	}
	resp, err = http.Get(m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("healthz with a broken outbox: %d", resp.StatusCode)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	n.wait(t, "STOPPING=1")
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		waited = true
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
