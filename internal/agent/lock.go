package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the name of the agent lock inside the data directory. It holds
// "PID BINARY" of the agent that runs, so a second one can say which.
const LockFile = "agent.lock"

// RunningError is returned by Lock when another agent holds the data
// directory: one process owns the reader, the outbox and the sync worker.
type RunningError struct {
	Dir    string // the data directory
	PID    int    // the running agent's process id (0 when it could not be read)
	Binary string // the running agent's binary and role, e.g. "motcua serve"
}

func (e *RunningError) Error() string {
	who := "another agent"
	if e.Binary != "" {
		who = e.Binary
	}
	if e.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s already runs on the data directory %s; one agent per machine owns the reader, the outbox and the sync: stop it first, or use it", who, e.Dir)
}

// Lock is a held agent lock. The operating system releases it when the
// process exits, however it exits.
type Lock struct {
	f    *os.File
	path string
}

// AcquireLock takes the agent lock of dir for binary (its name and role,
// e.g. "motcua serve"). It never waits: when another process holds the
// lock it returns a *RunningError naming that process.
func AcquireLock(dir, binary string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("agent lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			re := &RunningError{Dir: dir}
			re.PID, re.Binary = readOwner(path)
			return nil, re
		}
		return nil, fmt.Errorf("agent lock %s: %w", path, err)
	}
	// Who holds it, for the next one's message. The owner line is written
	// only while holding the lock, so a reader never sees a stale owner as
	// current unless the lock is also held.
	line := []byte(strconv.Itoa(os.Getpid()) + " " + binary + "\n")
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(line, 0)
	}
	if err != nil {
		unlockFile(f)
		f.Close()
		return nil, fmt.Errorf("agent lock %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, nil
}

// Release gives the lock up (the owner line stays: it names the last agent,
// which no one holds).
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	unlockFile(l.f)
	l.f.Close()
	l.f = nil
}

// readOwner parses "PID BINARY" from the lock file.
func readOwner(path string) (int, string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, ""
	}
	pid, bin, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	n, _ := strconv.Atoi(pid)
	return n, bin
}

// Holder returns the agent that holds the lock of dir, or nil when none
// does. It writes nothing: it tries the lock for an instant on its own
// handle and gives it back.
func Holder(dir string) *RunningError {
	path := filepath.Join(dir, LockFile)
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		if errors.Is(err, errLocked) {
			re := &RunningError{Dir: dir}
			re.PID, re.Binary = readOwner(path)
			return re
		}
		return nil
	}
	unlockFile(f)
	return nil
}
