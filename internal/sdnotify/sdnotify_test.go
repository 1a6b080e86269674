package sdnotify

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// listen opens a unixgram socket standing in for systemd.
func listen(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return p, c
}

func recv(t *testing.T, c *net.UnixConn, wait time.Duration) (string, bool) {
	t.Helper()
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(wait))
	n, err := c.Read(buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}

func TestNotify(t *testing.T) {
	p, c := listen(t)
	t.Setenv("NOTIFY_SOCKET", p)
	n, err := FromEnv()
	if err != nil || !n.Enabled() {
		t.Fatalf("FromEnv: %v", err)
	}
	if err := n.Ready("listening on 127.0.0.1:7420\nreader ok"); err != nil {
		t.Fatal(err)
	}
	got, ok := recv(t, c, 5*time.Second)
	want := "READY=1\nSTATUS=listening on 127.0.0.1:7420 reader ok\nMAINPID=" + strconv.Itoa(os.Getpid())
	if !ok || got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	n.Stopping()
	if got, _ := recv(t, c, 5*time.Second); got != "STOPPING=1" {
		t.Fatalf("stopping: %q", got)
	}

	t.Setenv("NOTIFY_SOCKET", "")
	off, err := FromEnv()
	if err != nil || off.Enabled() || off.Ready("x") != nil {
		t.Fatal("without NOTIFY_SOCKET nothing must be sent and nothing fail")
	}
	var nilN *Notifier
	if nilN.Watchdog() != nil {
		t.Fatal("nil notifier")
	}
	if _, err := New("relative"); err == nil {
		t.Fatal("relative socket accepted")
	}
	if a, _ := New("@motcua-test"); a.addr.Name != "\x00motcua-test" {
		t.Fatalf("abstract: %q", a.addr.Name)
	}
}

func TestWatchdogInterval(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if d, ok := WatchdogInterval(); !ok || d != 30*time.Second {
		t.Fatalf("%v %v", d, ok)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if _, ok := WatchdogInterval(); ok {
		t.Fatal("watchdog of another pid accepted")
	}
	t.Setenv("WATCHDOG_PID", "")
	t.Setenv("WATCHDOG_USEC", "junk")
	if _, ok := WatchdogInterval(); ok {
		t.Fatal("junk accepted")
	}
}

// TestWatchdogFedOnlyWhileHealthy: WATCHDOG=1 arrives while the check
// passes, stops (with an unhealthy status) while it fails, and resumes.
func TestWatchdogFedOnlyWhileHealthy(t *testing.T) {
	p, c := listen(t)
	n, _ := New(p)
	var healthy atomic.Bool
	healthy.Store(true)
	results := make(chan error, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunWatchdog(ctx, n, 5*time.Millisecond, func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return errors.New("reader loop stalled")
		}, func(err error) {
			select {
			case results <- err:
			default:
			}
		})
	}()
	defer func() { cancel(); <-done }()

	expect := func(prefix string) {
		t.Helper()
		for range 200 {
			got, ok := recv(t, c, 5*time.Second)
			if !ok {
				t.Fatalf("no datagram waiting for %q", prefix)
			}
			if strings.HasPrefix(got, prefix) {
				return
			}
		}
		t.Fatalf("never got %q", prefix)
	}
	expect("WATCHDOG=1")
	healthy.Store(false)
	expect("STATUS=unhealthy: reader loop stalled")
	// While unhealthy, several checks run and no WATCHDOG=1 is sent.
	for i := 0; i < 5; {
		if err := <-results; err != nil {
			i++
		}
	}
	for {
		got, ok := recv(t, c, 50*time.Millisecond)
		if !ok {
			break
		}
		if got == "WATCHDOG=1" {
			// Only a ping sent before the flip (already queued) is allowed;
			// drain and check again below.
			continue
		}
	}
	for i := 0; i < 3; {
		if err := <-results; err != nil {
			i++
		}
	}
	if got, ok := recv(t, c, 30*time.Millisecond); ok {
		t.Fatalf("sent %q while unhealthy", got)
	}
	healthy.Store(true)
	expect("WATCHDOG=1")
}
