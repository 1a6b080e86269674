package packaging

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildMotcua builds the motcua binary once for a benchmark.
func buildMotcua(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "motcua")
	if out, err := exec.Command("go", "build", "-o", bin, "motcua/cmd/motcua").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkServeStartup measures the agent's start-up as a service: from
// exec of `motcua serve` to READY=1 on the systemd notification socket (a
// unixgram socket of the benchmark standing in for systemd), with the
// simulated reader and an existing data directory (a restart). The baseline
// is the same binary's exec-to-exit for `motcua config default`.
func BenchmarkServeStartup(b *testing.B) {
	bin := buildMotcua(b)
	b.Run("exec-baseline", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(bin, "config", "default")
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serve-to-READY", func(b *testing.B) {
		dir := b.TempDir()
		sock := filepath.Join(dir, "notify.sock")
		l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
		if err != nil {
			b.Skipf("unixgram: %v", err)
		}
		defer l.Close()
		data := filepath.Join(dir, "data")
		start := func() time.Duration {
			cmd := exec.Command(bin, "serve", "--sim", "--data", data, "--listen", "127.0.0.1:0", "--set", "trust.csca_dir=")
			cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "MOTCUA_CONFIG="+filepath.Join(dir, "absent.toml"))
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() {
				cmd.Process.Signal(syscall.SIGTERM)
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					<-done
					b.Fatal("motcua serve did not stop on SIGTERM")
				}
			}()
			buf := make([]byte, 4096)
			for range 50 {
				l.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := l.Read(buf)
				if err != nil {
					b.Fatalf("no READY=1: %v", err)
				}
				if strings.Contains(string(buf[:n]), "READY=1") {
					return time.Since(t0)
				}
			}
			b.Fatal("no READY=1 in 50 notifications")
			return 0
		}
		start() // first start creates the outbox and its key
		var total time.Duration
		for b.Loop() {
			total += start()
			// Drain STOPPING=1 and anything else from the stopped process.
			l.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			for {
				if _, err := l.Read(make([]byte, 4096)); err != nil {
					break
				}
			}
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-to-READY")
	})
}
