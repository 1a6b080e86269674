package main

import (
	"os"
	"path/filepath"
	"testing"

	"motcua/kiosk/office"
)

// TestOfficeKeyCommand: `motcua office key FILE` writes a key the link
// loads (mode 0600) and never overwrites one; bad usage is exit 2.
func TestOfficeKeyCommand(t *testing.T) {
	p := filepath.Join(t.TempDir(), "office.key")
	if code := runOffice([]string{"key", p}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, err := office.LoadKeyFile(p); err != nil {
		t.Fatal(err)
	}
	if code := runOffice([]string{"key", p}); code != 1 {
		t.Fatalf("overwrite: exit %d", code)
	}
	if code := runOffice([]string{"nonsense"}); code != 2 {
		t.Fatalf("bad usage: exit %d", code)
	}
}
