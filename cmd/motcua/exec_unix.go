//go:build !windows

package main

import (
	"os"
	"syscall"
)

// execApp replaces this process with the app, so signals (systemd, the
// kiosk session, Ctrl-C) reach it directly.
func execApp(bin string, argv []string) int {
	err := syscall.Exec(bin, argv, os.Environ())
	return fail("start %s: %v", bin, err)
}
