//go:build windows

package agent

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// errLocked: another process holds the lock.
var errLocked = errors.New("locked")

// lockOffset is where the locked byte range starts: far past the owner
// line, because LockFileEx ranges are mandatory on Windows and a second
// agent must still be able to read who holds the lock.
const lockOffset = 1 << 30

// lockFile takes an exclusive LockFileEx lock without waiting. Windows
// releases it when the process's handle closes, however the process ends.
func lockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: lockOffset}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLocked
	}
	return err
}

func unlockFile(f *os.File) {
	ol := &windows.Overlapped{Offset: lockOffset}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
