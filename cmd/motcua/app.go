package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"motcua/internal/agent"
)

// The app is its own binary (cmd/motcua-app), so the CLI and the headless
// service never link OpenGL and X11. These commands start it.
func init() {
	register("app", "start the app in the configured mode (kiosk.mode); the demo with --demo or without a configuration file", func(a []string) int { return startAppBinary("app", a) })
	register("kiosk", "start the full-screen kiosk app for citizens", func(a []string) int { return startAppBinary("kiosk", a) })
	register("desk", "start the desk app for an officer (windowed)", func(a []string) int { return startAppBinary("desk", a) })
	register("clinic", "start the clinic check-in app (BHYT look-up with the chip card)", func(a []string) int { return startAppBinary("clinic", a) })
	register("notary", "start the notary identity-verification app", func(a []string) int { return startAppBinary("notary", a) })
}

// appBinary finds motcua-app: next to this executable first (a package
// installs them together), then on PATH.
func appBinary() (string, error) {
	name := "motcua-app"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", errors.New("the app (motcua-app) is not installed next to motcua or on PATH; build it with `go build ./cmd/motcua-app`")
	}
	return p, nil
}

// startAppBinary starts the app with the mode and arguments given. With no
// display it says so in one line (and how to run headless) instead of
// letting the toolkit fail.
func startAppBinary(mode string, args []string) int {
	if !agent.HasDisplay() && !wantsHelp(args) {
		return fail("%s", agent.NoDisplayMessage)
	}
	bin, err := appBinary()
	if err != nil {
		return fail("%v", err)
	}
	return execApp(bin, append([]string{bin, mode}, args...))
}

// wantsHelp reports whether args ask for the usage (which needs no display).
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}
