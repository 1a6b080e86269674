package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"motcua/kiosk/engine"
)

// variant is one way a screen is seen: the window and the two settings a
// citizen or officer can change.
type variant struct {
	size            fyne.Size
	large, contrast bool
}

func (v variant) String() string {
	return fmt.Sprintf("%.0fx%.0f large=%v contrast=%v", v.size.Width, v.size.Height, v.large, v.contrast)
}

var variants = func() []variant {
	var out []variant
	for _, s := range []fyne.Size{fyne.NewSize(1280, 800), fyne.NewSize(1024, 768)} {
		for _, l := range []bool{false, true} {
			for _, c := range []bool{false, true} {
				out = append(out, variant{s, l, c})
			}
		}
	}
	return out
}()

// fits renders the screen on show in every variant and fails each one
// whose minimum size is larger than the window (the window would grow,
// or the bottom of the screen would be cut off). Screens scroll inside.
func (r *rig) fits(t *testing.T, what string) {
	t.Helper()
	if r.app.Screen() == "" {
		t.Fatalf("%s: no screen", what)
	}
	for _, e := range r.overflows(r.app.render) {
		t.Errorf("%s (%s) in %s", what, r.app.Screen(), e)
	}
}

// overflows draws the screen with redraw in every variant and lists the
// variants where it needs more than the window.
func (r *rig) overflows(redraw func()) []string {
	var out []string
	for _, v := range variants {
		var min fyne.Size
		r.ui(func() {
			r.app.setLarge(v.large)
			r.app.setContrast(v.contrast)
			r.app.win.Resize(v.size)
			target := r.app.kb.target
			redraw()
			if target != nil { // the keyboard stays on the field being typed
				r.app.kb.attach(target)
			}
			min = r.app.win.Canvas().Content().MinSize()
		})
		if min.Width > v.size.Width+0.5 || min.Height > v.size.Height+0.5 {
			out = append(out, fmt.Sprintf("%s needs %.0fx%.0f", v, min.Width, min.Height))
		}
	}
	r.ui(func() {
		r.app.setLarge(false)
		r.app.setContrast(false)
		redraw()
	})
	return out
}

// TestEveryScreenFits walks each mode's screens with the demo deck and
// checks every one fits 1280x800 and 1024x768 with normal and large text,
// normal and high contrast, with the on-screen keyboard up where a field
// is being typed.
func TestEveryScreenFits(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every screen 8 ways")
	}
	for _, mode := range []Mode{Kiosk, Desk} {
		t.Run(mode.String(), func(t *testing.T) {
			r := newRig(t, mode, nil)
			r.wait("attract")
			r.fits(t, "attract")
			r.insert(cardGenuine)
			r.wait("key")
			fs := r.fields()
			r.ui(func() { r.app.kb.attach(fs[0]) }) // the digits pad is up
			r.fits(t, "key with the digits pad")
			r.app.Scanned(r.deck.QR(cardGenuine))
			r.wait("identity")
			r.fits(t, "identity")
			r.tap(w("id.continue"))
			r.wait("services")
			r.fits(t, "services")
			r.choose("Đăng ký kết hôn")
			r.wait("form")
			r.fits(t, "form")
			if fs := r.fields(); len(fs) > 0 {
				r.ui(func() { r.app.kb.attach(fs[0]) })
				r.fits(t, "form with the keyboard")
				r.ui(func() { r.app.kb.detach() })
			}
			r.ui(func() { r.app.eng.Review() })
			r.wait("form")
			r.fits(t, "form with problems")
			r.ui(func() { r.app.eng.Cancel() })
			r.wait("attract")
			r.fits(t, "attract after cancel")
			r.deck.Remove()
			r.readCard(cardAltered)
			r.fits(t, "identity of a forged card")
		})
	}
	for _, mode := range []Mode{Clinic, Notary} {
		t.Run(mode.String(), func(t *testing.T) {
			r := newRig(t, mode, func(c *engine.Config) {
				c.Notary = engine.NotaryConfig{NotaryID: "CCV-0001", Dir: t.TempDir()}
			})
			r.wait("attract")
			r.fits(t, "attract")
			want := "identity"
			if mode == Notary {
				want = "notary"
			}
			r.readCardTo(cardGenuine, want)
			r.fits(t, want)
		})
	}
}

// TestFitsCatchesOverflow: the check fails a screen taller than the window.
func TestFitsCatchesOverflow(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	tall := make([]string, 80)
	for i := range tall {
		tall[i] = "dòng"
	}
	// Straight into the window, outside the frame's scrolling.
	got := r.overflows(func() { r.app.win.SetContent(para(strings.Join(tall, "\n"))) })
	r.ui(func() { r.app.win.SetContent(r.app.frame()) })
	if len(got) != len(variants) {
		t.Fatalf("a screen of 80 lines fits in %d of %d variants: %v", len(variants)-len(got), len(variants), got)
	}
}

// TestEnglishFits: the English labels are longer than the Vietnamese ones
// in places (the desk's toolbar, the demo panel); every mode's attract and
// identity screens, and the desk's form, fit in English too.
func TestEnglishFits(t *testing.T) {
	if testing.Short() {
		t.Skip("renders screens 8 ways")
	}
	for _, mode := range []Mode{Kiosk, Desk, Clinic, Notary} {
		t.Run(mode.String(), func(t *testing.T) {
			r := newRig(t, mode, func(c *engine.Config) {
				c.Notary = engine.NotaryConfig{NotaryID: "CCV-0001", Dir: t.TempDir()}
			})
			r.wait("attract")
			r.ui(func() {
				r.app.lang = English
				r.app.win.SetContent(r.app.frame())
				r.app.render()
			})
			r.fits(t, "attract in English")
			want := "identity"
			if mode == Notary {
				want = "notary"
			}
			r.readCardTo(cardGenuine, want)
			r.fits(t, want+" in English")
			if mode == Desk {
				r.tap(T(English, "id.continue"))
				r.wait("services")
				r.fits(t, "services in English")
				r.ui(func() {
					if err := r.app.eng.ChooseService("1.000894"); err != nil {
						t.Error(err)
					}
				})
				r.wait("form")
				r.fits(t, "form in English")
			}
		})
	}
}
