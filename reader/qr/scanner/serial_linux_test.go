//go:build linux

package scanner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair through /dev/ptmx and returns the
// master and the slave's path (what a USB-serial scanner's /dev/ttyACM0
// would be).
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		t.Fatalf("ptsname: %v", err)
	}
	return os.NewFile(uintptr(fd), "ptmx"), fmt.Sprintf("/dev/pts/%d", n)
}

// TestSerialHotUnplug runs the scanner on real pseudo-terminals opened with
// go.bug.st/serial: codes are framed, an unplug (the master closing) is
// survived by reopening, a failed open is retried, and the loop gives up
// after MaxReconnects consecutive failures.
func TestSerialHotUnplug(t *testing.T) {
	m1, p1 := openPTY(t)
	m2, p2 := openPTY(t)
	defer m2.Close()

	var mu sync.Mutex
	paths := []string{p1, "", p2} // "" = the scanner is unplugged at that attempt
	open := func() (Port, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(paths) == 0 || paths[0] == "" {
			if len(paths) > 0 {
				paths = paths[1:]
			}
			return nil, fmt.Errorf("open: %w", os.ErrNotExist)
		}
		p := paths[0]
		paths = paths[1:]
		return serial.Open(p, &serial.Mode{BaudRate: 9600})
	}
	events := make(chan Event, 32)
	s := &Serial{Path: "pty", Open: open, ReconnectDelay: 5 * time.Millisecond, MaxReconnects: 3,
		OnEvent: func(e Event) { events <- e }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	codes := make(chan string, 8)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, codes) }()

	waitEvent := func(kind EventKind) Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Kind == kind {
					return e
				}
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %v", kind)
			}
		}
	}
	waitCode := func(want string) {
		t.Helper()
		select {
		case c := <-codes:
			if c != want {
				t.Fatalf("code %q, want %q", c, want)
			}
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %q", want)
		}
	}

	waitEvent(Connected)
	if _, err := m1.Write([]byte("001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021\r\nAB")); err != nil {
		t.Fatal(err)
	}
	waitCode("001093047064||Nguyễn Văn Thử|05011993|Nam|Hà Nội|10042021")
	if _, err := m1.Write([]byte("C\n")); err != nil {
		t.Fatal(err)
	}
	waitCode("ABC")
	if _, err := m1.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	// Let the partial frame reach the reader before the unplug.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		n, _ = unix.IoctlGetInt(int(m1.Fd()), unix.TIOCOUTQ)
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	m1.Close() // unplug
	if e := waitEvent(Disconnected); e.Err == nil {
		t.Error("disconnect without an error")
	}
	waitEvent(OpenFailed) // the "" attempt
	waitEvent(Connected)  // p2
	if _, err := m2.Write([]byte("XYZ\r")); err != nil {
		t.Fatal(err)
	}
	waitCode("XYZ")
	m2.Close()
	waitEvent(Disconnected)
	select {
	case err := <-done:
		if !errors.Is(err, ErrGaveUp) {
			t.Fatalf("Run = %v, want ErrGaveUp", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not give up")
	}
}

// TestSerialCancel stops a connected scanner through its context.
func TestSerialCancel(t *testing.T) {
	m, p := openPTY(t)
	defer m.Close()
	connected := make(chan struct{}, 1)
	s := &Serial{Path: p, IdleFlush: 20 * time.Millisecond, OnEvent: func(e Event) {
		if e.Kind == Connected {
			connected <- struct{}{}
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	codes := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, codes) }()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("not connected")
	}
	// No terminator: IdleFlush ends the frame.
	if _, err := m.Write([]byte("NOSUFFIX")); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-codes:
		if c != "NOSUFFIX" {
			t.Errorf("code %q", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("idle flush did not end the frame")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
