//go:build unix

package camera

import (
	"syscall"
	"time"
)

// processCPU is the process's CPU time so far, user plus system, all
// threads; ok is false where the system cannot tell.
func processCPU() (cpu time.Duration, ok bool) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, false
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), true
}
