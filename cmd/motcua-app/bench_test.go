//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAppColdStart starts the real app binary (desk mode, demo on the
// simulated reader, loopback intake) on a private Xvfb display and times it
// from exec to the attract screen on the window ("app ready"), then reads
// its resident memory there. The baseline, measured in the same run, is
// the agent's CLI binary running a command with no window (`motcua forms
// list --json`, which loads the same catalogue) from exec to exit, and its
// peak RSS.
//
//	go test -run '^$' -bench AppColdStart -benchtime 5x ./cmd/motcua-app/
//
// It needs Xvfb (Debian package xvfb, in scripts/packages.txt) and skips
// without it.
func BenchmarkAppColdStart(b *testing.B) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		b.Skip("Xvfb not installed")
	}
	dir := b.TempDir()
	bin, cli := filepath.Join(dir, "motcua-app"), filepath.Join(dir, "motcua")
	if out, err := exec.Command("go", "build", "-o", dir, ".", "../motcua").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	display := startXvfb(b, xvfb)

	b.Run("baseline-no-window", func(b *testing.B) {
		var rss float64
		for range b.N {
			cmd := exec.Command(cli, "forms", "list", "--json")
			cmd.Stdout = &bytes.Buffer{}
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = float64(u.Maxrss) / 1024 // KiB -> MiB
			}
		}
		b.ReportMetric(rss, "peak-rss-MiB")
	})
	b.Run("app-to-attract", func(b *testing.B) {
		var rss float64
		for range b.N {
			cmd, _, err := startAppOn(bin, display, "desk", "--demo", "--window", "--data", b.TempDir())
			b.StopTimer()
			if err == nil {
				rss = residentMiB(cmd.Process.Pid)
			}
			stopApp(cmd)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(rss, "rss-MiB")
	})
}

// startAppOn starts the app binary on display (no configuration file) and
// waits up to 60 s for its "app ready" line, which it returns; stderr is
// drained after it so the app never blocks. An app that exits first gives
// an error with the end of its log. The caller stops it with stopApp.
func startAppOn(bin, display string, args ...string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "MOTCUA_CONFIG=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	type result struct {
		line string
		err  error
	}
	ready := make(chan result, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var tail []string
		for sc.Scan() {
			if strings.Contains(sc.Text(), "motcua: app ready") {
				ready <- result{line: sc.Text()}
				for sc.Scan() { // keep draining
				}
				return
			}
			tail = append(tail, sc.Text())
		}
		ready <- result{err: fmt.Errorf("app exited before it was ready:\n%s", strings.Join(tail, "\n"))}
	}()
	select {
	case r := <-ready:
		return cmd, r.line, r.err
	case <-time.After(60 * time.Second):
		return cmd, "", fmt.Errorf("app not ready within 60s")
	}
}

// stopApp ends an app started by startAppOn, by pid: SIGTERM, then SIGKILL
// after 10 s.
func stopApp(cmd *exec.Cmd) {
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// startXvfb starts a private X server with a 1280x800 screen and returns
// its display; the benchmark's cleanup stops it by pid.
func startXvfb(b testing.TB, xvfb string) string { return startXvfbScreen(b, xvfb, "1280x800") }

// startXvfbScreen is startXvfb with a screen of another size ("WxH").
func startXvfbScreen(b testing.TB, xvfb, screen string) string {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", screen+"x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w.Close()
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if _, err := strconv.Atoi(n); err != nil {
			b.Fatalf("Xvfb gave no display number (%q)", n)
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		b.Fatal("Xvfb did not start within 20s")
	}
	return ""
}

// residentMiB is a process's resident set size from /proc.
func residentMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
