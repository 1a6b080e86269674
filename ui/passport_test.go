package ui

import (
	"fmt"
	"strings"
	"testing"

	"motcua/hwtest/simcard"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/reader/pa"
)

// Demo deck indexes added for issue 20.
const (
	cardUntrusted = 4 // signed under a CSCA the store does not hold
	cardPassport  = 6 // the synthetic e-passport (JPEG 2000 face)
)

// typeInto sets a field's text as typing would, then presses Enter.
func (r *rig) typeInto(f *field, text string) {
	r.ui(func() {
		f.SetText(text)
		if f.OnSubmitted != nil {
			f.OnSubmitted(text)
		}
	})
}

// TestPassportKeyScreen: a passport on the reader; "Hộ chiếu" asks for
// the number and the dates (or the MRZ reader's lines into the focused
// field); a misread is explained in Vietnamese, the right data reads the
// passport, whose identity shows its number and nationality with the
// verified badge and the JPEG 2000 face.
func TestPassportKeyScreen(t *testing.T) {
	for _, how := range []string{"data page", "MRZ reader"} {
		t.Run(how, func(t *testing.T) {
			r := newRig(t, Desk, nil)
			r.wait("attract")
			r.insert(cardPassport)
			r.wait("key")
			r.tap(w("key.kind.passport"))
			r.see(w("key.passport.ask"))
			fs := r.fields()
			if len(fs) != 3 || !fs[0].plain || fs[0].digits || !fs[1].digits || !fs[2].digits {
				t.Fatalf("passport fields: %d", len(fs))
			}
			switch how {
			case "data page":
				r.ui(func() { fs[0].SetText("C0123456"); fs[1].SetText("05011993"); fs[2].SetText("01/03/1934") })
				r.tap(w("key.passport.read"))
				r.see(w("key.mrzinvalid")) // expiry before birth: refused before the chip
				if r.app.Screen() != "key" {
					t.Fatalf("on %q", r.app.Screen())
				}
				fs = r.fields() // drawn again with the notice and what was typed
				if fs[0].Text != "C0123456" || fs[1].Text != "05011993" {
					t.Fatalf("what was typed is lost: %q %q", fs[0].Text, fs[1].Text)
				}
				r.ui(func() { fs[2].SetText("01/03/2034") })
				r.tap(w("key.passport.read"))
			case "MRZ reader": // one line per Enter into the focused number field
				mrz, err := simcard.PassportProfile().Passport.MRZLines()
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(mrz, "\n")
				r.typeInto(fs[0], lines[0])
				r.typeInto(fs[0], lines[1])
			}
			r.wait("identity")
			for _, s := range []string{"NGUYEN VAN THU", w("id.passport"), "C0123456", "Việt Nam", w("badge.verified.passport")} {
				r.see(s)
			}
			if v := r.app.eng.View(); v.PhotoState != engine.PhotoShown {
				t.Fatalf("the JPEG 2000 face is not shown: %v", v.PhotoState)
			}
		})
	}
}

// TestNoCSCASaidPlainly: a card signed under a CSCA this machine does not
// hold, or any card with an empty store, says "no certificate of the
// issuing authority installed" on the badge and in the desk details, not
// the generic amber; an altered card never does (it is refused).
func TestNoCSCASaidPlainly(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.wait("attract")
	r.readCard(cardUntrusted)
	r.see(w("badge.nocsca"))
	r.see("Chưa cài chứng thư của cơ quan cấp (quốc gia ")
	if r.sees(w("badge.chain")) {
		t.Fatal("the generic amber is shown too")
	}

	empty := newRig(t, Desk, func(c *engine.Config) { c.ReadOptions = reader.Options{Trust: pa.NewTrustStore()} })
	empty.wait("attract")
	empty.readCard(cardGenuine)
	empty.see(w("badge.nocsca"))
	empty.deck.Remove()
	empty.ui(func() { empty.app.eng.Cancel() })
	empty.wait("attract")
	empty.readCard(cardAltered)
	empty.see(w("badge.failed"))
	if empty.sees(w("badge.nocsca")) {
		t.Fatal("an altered card reads as 'just install a certificate'")
	}
}

// TestTrustStoreOnAdmin: the operator screen lists the store by country
// with validity, as `motcua trust list` does.
func TestTrustStoreOnAdmin(t *testing.T) {
	r := newRig(t, Kiosk, nil)
	r.wait("attract")
	if err := r.app.eng.OpenAdmin("246813"); err != nil {
		t.Fatal(err)
	}
	r.wait("admin")
	info := r.app.eng.Info()
	if len(info.Trust) == 0 {
		t.Fatal("the test store lists nothing")
	}
	c := info.Trust[0]
	r.see(w("admin.trust.demo"))
	r.see(fmt.Sprintf(w("admin.trust.count"), len(info.Trust), 1))
	r.see(fmt.Sprintf(w("admin.trust.country"), c.Country, len(info.Trust), len(info.Trust), c.NotAfter.Format("02/01/2006")))
}

// TestPassportScreensFitAndVietnamese extends the fit and language checks
// (fit_test, lang_test) to the screens of issue 20: the passport key step
// with the letters keyboard on the number and the digits pad on a date,
// its refusal, the passport's identity, the "no certificate of the issuing
// authority" badge with its details, and the operator screen's trust store
// with a country opened; each at 1280x800 and 1024x768, normal and large
// text, and in Vietnamese without English.
func TestPassportScreensFitAndVietnamese(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every screen 8 ways")
	}
	check := func(r *rig, what string) {
		t.Helper()
		r.fits(t, what)
		if e := r.english(); len(e) > 0 {
			t.Errorf("%s (%s) shows English: %q", what, r.app.Screen(), e)
		}
	}
	for _, mode := range []Mode{Kiosk, Desk} {
		t.Run(mode.String(), func(t *testing.T) {
			r := newRig(t, mode, nil)
			r.wait("attract")
			r.insert(cardPassport)
			r.wait("key")
			r.tap(w("key.kind.passport"))
			r.see(w("key.passport.ask"))
			fs := r.fields()
			r.ui(func() { r.app.kb.attach(fs[0]) }) // letters
			check(r, "passport key with the keyboard")
			r.ui(func() { r.app.kb.attach(fs[1]) }) // digits pad
			check(r, "passport key with the digits pad")
			r.ui(func() {
				r.app.kb.detach()
				fs[0].SetText("C0123456")
				fs[1].SetText("1993")
				fs[2].SetText("01/03/2034")
			})
			r.tap(w("key.passport.read"))
			r.see(w("key.mrzinvalid"))
			check(r, "passport key refused")
			r.app.Scanned(r.deck.QR(cardPassport))
			r.wait("identity")
			check(r, "identity of a passport")
			r.tap(w("id.continue"))
			r.wait("services")
			r.choose("Đăng ký khai sinh") // takes ID cards only
			r.see(w("notice.needscard"))
			check(r, "services refusing the passport")
			r.choose("Đăng ký kết hôn")
			r.wait("form")
			r.see("Số hộ chiếu")
			r.see("C0123456")
			check(r, "marriage form of a passport's groom")
			r.deck.Remove()
			r.ui(func() { r.app.eng.Cancel() })
			r.wait("attract")
			r.readCard(cardUntrusted)
			r.see(w("badge.nocsca"))
			check(r, "identity with no certificate of the issuing authority")
			r.deck.Remove()
			r.ui(func() { r.app.eng.Cancel() })
			r.wait("attract")
			if err := r.app.eng.OpenAdmin("246813"); err != nil {
				t.Fatal(err)
			}
			r.wait("admin")
			info := r.app.eng.Info()
			r.tap(fmt.Sprintf(w("admin.trust.country"), info.Trust[0].Country, len(info.Trust), len(info.Trust), info.Trust[0].NotAfter.Format("02/01/2006")))
			r.see(w("admin.trust.valid"))
			check(r, "admin with the trust store opened")
		})
	}
	t.Run("English", func(t *testing.T) {
		r := newRig(t, Desk, nil)
		r.wait("attract")
		r.tap(w("lang"))
		r.insert(cardPassport)
		r.wait("key")
		r.tap(T(English, "key.kind.passport"))
		r.see(T(English, "key.passport.ask"))
		r.see(T(English, "key.passport.number"))
		// Not fitted here: the English desk frame is already 1083 wide at
		// 1024x768 with large text, on every screen (attract included).
	})
}
