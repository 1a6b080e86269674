//go:build !windows

package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestDeskWindowFitsTheScreen runs the real app in desk mode under Xvfb
// on a 1024x768 screen and on a 1920x1080 one, and asks the X server
// (xwininfo) for the window's size: the desk layout's 1280x800 where the
// screen holds it, the whole screen where it does not, never larger.
func TestDeskWindowFitsTheScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the app")
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb not installed (scripts/packages.txt lists xvfb)")
	}
	xwininfo, err := exec.LookPath("xwininfo")
	if err != nil {
		t.Skip("xwininfo not installed (scripts/packages.txt lists x11-utils)")
	}
	bin := filepath.Join(t.TempDir(), "motcua-app")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, c := range []struct{ screen, want string }{{"1024x768", "1024x768"}, {"1920x1080", "1280x800"}} {
		t.Run(c.screen, func(t *testing.T) {
			display := startXvfbScreen(t, xvfb, c.screen)
			cmd, _, err := startAppOn(bin, display, "desk", "--demo", "--queue-only", "--window", "--data", t.TempDir())
			defer stopApp(cmd)
			if err != nil {
				t.Fatal(err)
			}
			// The root's named child is the app's window: "id "title": (...)  WxH+X+Y".
			child := regexp.MustCompile(`(?m)^\s+0x[0-9a-f]+ "[^"]+": \(.*\)\s+(\d+x\d+)\+`)
			var got string
			for i := 0; i < 150 && got != c.want; i++ { // up to 30 s
				time.Sleep(200 * time.Millisecond)
				out, _ := exec.Command(xwininfo, "-root", "-children", "-display", display).Output()
				if m := child.FindSubmatch(out); m != nil {
					got = string(m[1])
				}
			}
			if got != c.want {
				t.Fatalf("desk window on a %s screen is %q, want %s", c.screen, got, c.want)
			}
		})
	}
}
