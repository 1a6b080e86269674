package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// TestTapMapFindsNextAction: the tap map names the identity screen's
// "Tiếp tục" where the window shows it, and carries no card data.
func TestTapMapFindsNextAction(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.app.win.Resize(fyne.NewSize(1280, 800))
	r.readCard(cardGenuine)
	path := filepath.Join(t.TempDir(), "map.json")
	r.app.do(func() { r.app.writeTapMap(path) })
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m TapMap
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Screen != "identity" {
		t.Fatalf("screen %q, want identity", m.Screen)
	}
	var found *TapTarget
	for i := range m.Targets {
		if m.Targets[i].Kind == "button" && m.Targets[i].Text == w("id.continue") {
			found = &m.Targets[i]
		}
	}
	if found == nil {
		t.Fatalf("no %q on the map: %s", w("id.continue"), b)
	}
	size := r.app.win.Canvas().Size()
	if !found.InView || found.X <= 0 || found.Y <= 0 || float32(found.X) > size.Width || float32(found.Y) > size.Height || found.W == 0 {
		t.Fatalf("%q at %+v, outside a %v window", found.Text, *found, size)
	}
	id := r.app.eng.View().Person.Identity
	for _, secret := range []string{id.IDNumber, id.FullName} {
		if secret != "" && strings.Contains(string(b), secret) {
			t.Fatalf("the tap map carries card data %q", secret)
		}
	}
}
