package agent

import (
	"os"
	"runtime"
)

// NoDisplayMessage is the one line the app's launchers print when there is
// no display to open a window on.
const NoDisplayMessage = "no display: the app needs a desktop session (X11 or Wayland; neither DISPLAY nor WAYLAND_DISPLAY is set). Headless, run the agent service instead: `motcua serve --sim` (simulated reader) or `motcua serve`"

// HasDisplay reports whether a window can be opened: always on Windows and
// macOS; elsewhere when an X11 or Wayland display is named.
func HasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
