// Package sdnotify speaks systemd's service notification protocol in pure
// Go: READY=1, STATUS=, STOPPING=1 and the watchdog keep-alive, sent as
// datagrams to $NOTIFY_SOCKET. The watchdog is fed only while the
// registered health checks pass, so systemd restarts an agent whose reader
// loop or outbox is stuck even though the process is alive.
package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Notifier sends notifications to systemd. The zero value and a nil
// *Notifier are valid and send nothing (not started by systemd).
type Notifier struct {
	addr *net.UnixAddr
}

// FromEnv returns a Notifier for $NOTIFY_SOCKET ("@name" is an abstract
// socket). Without the variable it returns a Notifier that sends nothing.
func FromEnv() (*Notifier, error) {
	s := os.Getenv("NOTIFY_SOCKET")
	if s == "" {
		return &Notifier{}, nil
	}
	return New(s)
}

// New returns a Notifier for the socket path.
func New(socket string) (*Notifier, error) {
	if socket == "" {
		return nil, errors.New("sdnotify: empty socket path")
	}
	if !strings.HasPrefix(socket, "/") && !strings.HasPrefix(socket, "@") {
		return nil, fmt.Errorf("sdnotify: NOTIFY_SOCKET %q is neither a path nor an abstract socket", socket)
	}
	name := socket
	if name[0] == '@' {
		name = "\x00" + name[1:]
	}
	return &Notifier{addr: &net.UnixAddr{Name: name, Net: "unixgram"}}, nil
}

// Enabled reports whether notifications go anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != nil }

// Send sends one datagram of newline-separated assignments.
func (n *Notifier) Send(assignments ...string) error {
	if !n.Enabled() {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(assignments, "\n"))); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}

// Ready tells systemd start-up is complete (Type=notify units).
func (n *Notifier) Ready(status string) error {
	return n.Send("READY=1", "STATUS="+oneLine(status), "MAINPID="+strconv.Itoa(os.Getpid()))
}

// Status sets the status line shown by systemctl status.
func (n *Notifier) Status(status string) error { return n.Send("STATUS=" + oneLine(status)) }

// Stopping tells systemd the service is shutting down.
func (n *Notifier) Stopping() error { return n.Send("STOPPING=1") }

// Watchdog feeds the watchdog once.
func (n *Notifier) Watchdog() error { return n.Send("WATCHDOG=1") }

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// WatchdogInterval returns systemd's watchdog timeout from $WATCHDOG_USEC
// when it is meant for this process ($WATCHDOG_PID absent or ours).
func WatchdogInterval() (time.Duration, bool) {
	us := os.Getenv("WATCHDOG_USEC")
	if us == "" {
		return 0, false
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, false
	}
	v, err := strconv.ParseUint(us, 10, 63)
	if err != nil || v == 0 {
		return 0, false
	}
	return time.Duration(v) * time.Microsecond, true
}

// HealthFunc reports whether the service is healthy: nil when it is, else
// why not.
type HealthFunc func(ctx context.Context) error

// RunWatchdog checks health every interval until ctx is done and feeds the
// watchdog only after a passing check. A failing check is reported as the
// status line (once per change) and the watchdog is left to expire.
// onResult, when not nil, is called with each check's outcome.
func RunWatchdog(ctx context.Context, n *Notifier, interval time.Duration, health HealthFunc, onResult func(error)) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	wasHealthy, lastMsg := true, ""
	for {
		err := health(ctx)
		if ctx.Err() != nil {
			return
		}
		if onResult != nil {
			onResult(err)
		}
		switch {
		case err == nil:
			n.Watchdog()
			if !wasHealthy {
				n.Status("healthy")
			}
		case err.Error() != lastMsg:
			n.Status("unhealthy: " + err.Error())
		}
		lastMsg = ""
		if err != nil {
			lastMsg = err.Error()
		}
		wasHealthy = err == nil
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
