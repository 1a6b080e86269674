package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDataDir returns the agent's data directory: $MOTCUA_DATA if set,
// else $XDG_DATA_HOME/motcua, else ~/.local/share/motcua; on Windows
// %LOCALAPPDATA%\motcua. The directory is not created.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("MOTCUA_DATA"); d != "" {
		return d, nil
	}
	if runtime.GOOS == "windows" {
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "motcua"), nil
		}
		return "", errors.New("data directory: neither MOTCUA_DATA nor LOCALAPPDATA is set")
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "motcua"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("data directory: MOTCUA_DATA, XDG_DATA_HOME and HOME are all unset")
	}
	return filepath.Join(home, ".local", "share", "motcua"), nil
}
