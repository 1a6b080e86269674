package main

import (
	"errors"
	"os"
	"os/exec"
)

// execApp runs the app and passes on its exit code (Windows has no exec).
func execApp(bin string, argv []string) int {
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return fail("start %s: %v", bin, err)
	}
	return 0
}
