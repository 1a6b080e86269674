package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"motcua/kiosk/engine"
	"motcua/kiosk/printer"
	"motcua/kiosk/printer/printertest"
	"motcua/kiosk/voice"
)

// BenchmarkTapToGuide is the time from the tap on "Nộp hồ sơ" (submit) on
// the review screen to what the citizen notices next, in one run:
//
//	go test -run '^$' -bench TapToGuide -benchtime 20x ./ui/
//
// "screen" is the baseline, the screen change alone: the receipt screen
// on show. "voice" is the first bytes of the receipt's spoken sentence at
// the audio device (a memory device here; espeak-ng's clip from a warm
// cache, as after start-up's Warm). "slip" is the receipt slip printed:
// its last byte at the fake ESC/POS printer on loopback
// (kiosk/printer/printertest) and the job ended; the bench prints on the
// engine's Submitted event through kiosk/printer, as the app's receipt
// wiring does.
func BenchmarkTapToGuide(b *testing.B) {
	b.Run("screen", func(b *testing.B) { benchGuide(b, "screen") })
	b.Run("voice", func(b *testing.B) { benchGuide(b, "voice") })
	b.Run("slip", func(b *testing.B) { benchGuide(b, "slip") })
}

func benchGuide(b *testing.B, what string) {
	synth := needEspeak(b)
	player := newMemPlayer()
	g := voice.New(voice.Config{Enabled: true, Volume: 60, Mode: voice.Kiosk, CacheDir: b.TempDir(), Synth: synth, Player: player})
	defer g.Close(5 * time.Second)
	if err := g.Warm(context.Background()); err != nil {
		b.Fatal(err)
	}
	r := newGuideRig(b, Kiosk, Config{Voice: g}, nil)
	fake, err := printertest.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	pr, err := printer.New(printer.Config{Address: fake.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	printed := make(chan error, 1)
	stop := r.app.eng.Subscribe(func(e engine.Event) {
		if e.Kind != engine.Submitted {
			return
		}
		// No personal data on the slip: the number, the service, dates.
		printed <- pr.Print(context.Background(), printer.Receipt{Office: "UBND phường (bench)", Number: e.UUID[:8],
			Service: e.Service, Filed: time.Now(), Delivery: "Nhận tại bộ phận một cửa", QR: e.UUID})
	})
	defer stop()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		r.toReview(b)
		for len(player.first) > 0 { // the review's own sentence
			<-player.first
		}
		b.StartTimer()
		r.tap(w("review.submit"))
		switch what {
		case "screen":
			r.wait("receipt")
		case "voice":
			select {
			case <-player.first:
			case <-time.After(10 * time.Second):
				b.Fatalf("no spoken word: %+v", g.Status())
			}
		case "slip":
			select {
			case err := <-printed:
				if err != nil {
					b.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				b.Fatal("no slip printed")
			}
		}
		b.StopTimer()
		r.wait("receipt")
		if what != "slip" {
			<-printed
		}
		r.deck.Remove()
		r.ui(func() { r.app.eng.Done() })
		r.wait("attract")
		b.StartTimer()
	}
	b.StopTimer()
	if jobs := fake.Jobs(); what == "slip" && len(jobs) < b.N {
		b.Fatalf("%d slips for %d taps", len(jobs), b.N)
	}
}

// toReview reads the genuine card and takes "Xác nhận số Chứng minh nhân
// dân" to its review with the consent ticked, through the engine (the
// screens follow).
func (r *rig) toReview(b *testing.B) {
	b.Helper()
	r.readCard(cardGenuine)
	r.app.eng.Continue()
	r.wait("services")
	if err := r.app.eng.ChooseService("1.000466"); err != nil {
		b.Fatal(err)
	}
	r.wait("form")
	for _, v := range r.app.eng.View().Values {
		if v.Locked || v.Text != "" || !v.Field.Required {
			continue
		}
		s := sampleFor(v.Field, Kiosk)
		if len(v.Field.Options) > 0 {
			s = v.Field.Options[0]
		}
		if err := r.app.eng.SetField(v.Party, v.Field.ID, v.Index, s); err != nil {
			b.Fatal(err)
		}
	}
	r.app.eng.Review()
	r.wait("review")
	r.ui(func() {
		for _, o := range r.objects() {
			if c, ok := o.(*widget.Check); ok && !c.Checked {
				test.Tap(c)
			}
		}
	})
}
