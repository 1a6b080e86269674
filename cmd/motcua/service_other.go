//go:build !windows

package main

import (
	"fmt"
	"os"

	"motcua/internal/config"
)

func init() {
	register("service", "the Windows service (on Linux the package installs the systemd unit motcua.service)", func([]string) int {
		fmt.Fprintln(os.Stderr, "motcua: service is the Windows service manager's command; on Linux the .deb installs the systemd unit: systemctl enable --now motcua")
		return 2
	})
}

// runAsService is Windows-only: elsewhere serve runs in the foreground (under
// systemd it reports through internal/sdnotify).
func runAsService(*config.Config, string) (int, bool) { return 0, false }
