package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"motcua/kiosk/engine"
)

// TestRenderShots writes every screen of the kiosk and desk walk as PNGs
// (Fyne's software renderer, the same widgets as the app) when
// MOTCUA_SHOTS names a folder: for looking at, at 1280x800 and 1024x768
// with large text. Skipped otherwise.
func TestRenderShots(t *testing.T) {
	dir := os.Getenv("MOTCUA_SHOTS")
	if dir == "" {
		t.Skip("set MOTCUA_SHOTS=folder to write the screens as PNGs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mode := range []Mode{Kiosk, Desk} {
		r := newRig(t, mode, func(c *engine.Config) { c.Table = sampleTable(t) })
		shot := func(name string) {
			for _, v := range []variant{{fyne.NewSize(1280, 800), false, false}, {fyne.NewSize(1024, 768), true, false}} {
				r.ui(func() {
					r.app.setLarge(v.large)
					r.app.win.Resize(v.size)
					target := r.app.kb.target
					r.app.render()
					if target != nil {
						r.app.kb.attach(target)
					}
				})
				var img = r.app.win.Canvas().Capture()
				n++
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%s-%dx%d-large%v.png", mode, name, int(v.size.Width), int(v.size.Height), v.large)))
				if err != nil {
					t.Fatal(err)
				}
				png.Encode(f, img)
				f.Close()
			}
			r.ui(func() { r.app.setLarge(false); r.app.render() })
		}
		r.wait("attract")
		shot("1-attract")
		r.insert(cardGenuine)
		r.wait("key")
		fs := r.fields()
		r.ui(func() { r.app.kb.attach(fs[0]) })
		shot("2-key-pad")
		r.ui(func() { r.app.kb.detach() })
		r.app.Scanned(r.deck.QR(cardGenuine))
		r.wait("identity")
		shot("3-identity")
		r.tap(w("id.continue"))
		r.wait("services")
		shot("4-services")
		r.choose("Đăng ký kết hôn")
		r.wait("form")
		shot("5-form-marriage")
		r.ui(func() { r.app.eng.Cancel() })
		r.wait("attract")
		r.deck.Remove()
		v := r.submitService(mustService(t, "1.000894"))
		_ = v
		shot("7-receipt")
		r.deck.Remove()
		r.see(w("receipt.done"))
		shot("8-receipt-card-left")
		r.ui(func() { r.app.eng.Done() })
		r.wait("attract")
		r.readCard(cardClone)
		shot("9-forged-clone")
		r.deck.Remove()
		r.ui(func() { r.app.eng.Cancel() })
	}
	t.Logf("%d screens written to %s", n, dir)
}
