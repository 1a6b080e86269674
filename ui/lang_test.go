package ui

import (
	"strings"
	"testing"
	"unicode"

	"motcua/kiosk/engine"
)

// englishWords are common English words that never occur in Vietnamese
// text: one of them on a Vietnamese screen is English leaking through.
var englishWords = map[string]bool{
	"the": true, "and": true, "not": true, "does": true, "with": true, "from": true, "select": true,
	"error": true, "failed": true, "match": true, "its": true, "hash": true, "pending": true,
	"sending": true, "accepted": true, "rejected": true, "needs": true, "attention": true,
	"signature": true, "verified": true, "unknown": true, "please": true, "this": true, "is": true,
	"of": true, "could": true, "be": true, "chip's": true, "probable": true, "clone": true,
	"store": true, "trust": true, "none": true, "yes": true, "cancel": true, "submit": true, "ok": true,
}

// english lists the texts on screen with an English word, leaving out
// what is not the app's to translate: the language button (it names the
// other language), the reader's hardware name and the demo cards' labels.
func (r *rig) english() []string {
	var out []string
	skip := append([]string{"[English]", r.reader.Name()}, r.deck.Cards()...)
	for _, t := range r.texts() {
		ignored := false
		for _, s := range skip {
			ignored = ignored || strings.Contains(t, s)
		}
		if ignored {
			continue
		}
		// Codes (receipt numbers, hex) are no words: "3C8BE4F1" holds "be".
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
			if englishWords[w] {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// TestNoEnglishInVietnamese walks the screens of every mode in Vietnamese,
// with genuine and forged cards, and fails on any English text.
func TestNoEnglishInVietnamese(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every mode")
	}
	check := func(r *rig, what string) {
		t.Helper()
		if e := r.english(); len(e) > 0 {
			t.Errorf("%s (%s) shows English: %q", what, r.app.Screen(), e)
		}
	}
	for _, mode := range []Mode{Kiosk, Desk} {
		r := newRig(t, mode, nil)
		r.wait("attract")
		check(r, "attract")
		for _, card := range []int{cardAltered, cardClone, 4} { // 4: signed by an unknown signer
			r.insert(card)
			r.wait("key")
			check(r, "key")
			r.app.Scanned(r.deck.QR(card))
			r.wait("identity")
			check(r, "identity of "+r.deck.Cards()[card])
			r.deck.Remove()
			r.ui(func() { r.app.eng.Cancel() })
			r.wait("attract")
		}
		v := r.submitService(mustService(t, "1.000894"))
		_ = v
		check(r, "receipt")
		r.deck.Remove()
		r.ui(func() { r.app.eng.Done() })
		r.wait("attract")
		r.readCard(cardGenuine)
		r.tap(w("id.continue"))
		r.wait("services")
		check(r, "services")
		for !r.sees("Đăng ký thường trú") && r.canTap(w("services.more")) {
			r.tap(w("services.more"))
		}
		r.choose("Đăng ký thường trú")
		r.wait("form")
		check(r, "form")
		r.ui(func() { r.app.eng.Review() })
		check(r, "form with problems")
		if mode == Desk {
			r.ui(func() { r.app.showOutbox() })
			r.waitFor(func() bool { return !r.sees("…") })
			check(r, "outbox")
		}
	}
	r := newRig(t, Desk, nil)
	r.wait("attract")
	r.tap(w("admin.title"))
	fs := r.fields()
	r.ui(func() { fs[len(fs)-1].SetText("246813") })
	r.tap(w("admin.open"))
	r.wait("admin")
	check(r, "admin")
	for _, mode := range []Mode{Clinic, Notary} {
		r := newRig(t, mode, func(c *engine.Config) { c.Notary = engine.NotaryConfig{NotaryID: "CCV-0001", Dir: t.TempDir()} })
		want := "identity"
		if mode == Notary {
			want = "notary"
		}
		r.readCardTo(cardGenuine, want)
		check(r, want)
	}
}

// TestEnglishDetector: the check sees a reader's English reason, and
// the desk's details put that reason into Vietnamese.
func TestEnglishDetector(t *testing.T) {
	r := newRig(t, Desk, nil)
	r.wait("attract")
	r.ui(func() { r.app.show("x", para("DG13 does not match its hash")) })
	if len(r.english()) == 0 {
		t.Fatal("an English reason was not seen")
	}
	if got := r.app.reason("DG13 does not match its hash"); englishWords["does"] && strings.Contains(got, "does") {
		t.Fatalf("reason not translated: %q", got)
	}
}
