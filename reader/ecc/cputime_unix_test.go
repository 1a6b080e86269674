//go:build unix

package ecc

import "syscall"

// processCPU returns the CPU time the test process has used (user + system,
// all threads, the garbage collector's included), in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
