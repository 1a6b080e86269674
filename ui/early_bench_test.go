package ui

import (
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/reader/lds"
)

// BenchmarkAppTapToIdentity and BenchmarkAppTapToVerdict are the engine's
// BenchmarkTapToIdentity/Verdict through the Fyne screens (the test
// driver): the card put on the reader, its QR scanned before, to the
// screen on show: "identity-checking" (the identity while the card is
// checked) or "identity" (the verdict). The baseline, interleaved in the
// same run, is the bare read on a reader of its own: to DG1's arrival, or
// the whole read with its verdict. Both readers sleep the contactless
// link time (simcard.Contactless424) of every exchange.
//
//	go test -run '^$' -bench 'AppTapTo' -benchtime 20x ./ui/
func BenchmarkAppTapToIdentity(b *testing.B) { benchAppTap(b, false) }

// BenchmarkAppTapToVerdict: see BenchmarkAppTapToIdentity.
func BenchmarkAppTapToVerdict(b *testing.B) { benchAppTap(b, true) }

func benchAppTap(b *testing.B, verdict bool) {
	p := simcard.ReferenceProfile()
	build := func() *simcard.Card {
		c, err := p.Card(simcard.CardOptions{Extended: true})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	_, keys, err := engine.KeysFromQR(p.QRPayload())
	if err != nil {
		b.Fatal(err)
	}
	trust := testTrust(b)
	bareReader, bareCard := simcard.NewReader("bare"), build()
	bareReader.SetPace(simcard.Contactless424)
	bare := func() time.Duration {
		bareReader.Insert(bareCard)
		defer bareReader.Remove()
		start := time.Now()
		conn, err := bareReader.Connect()
		if err != nil {
			b.Fatal(err)
		}
		opts := reader.Options{Keys: keys, Trust: trust}
		if verdict {
			res, err := reader.Read(conn, opts)
			took := time.Since(start)
			if err != nil || !res.Verification.Verified() {
				b.Fatalf("bare read: %v", err)
			}
			res.Wipe()
			return took
		}
		var took time.Duration
		opts.OnFile = func(f lds.FileID, _ []byte) {
			if f == lds.DG1 {
				took = time.Since(start)
				bareReader.Remove()
			}
		}
		reader.ReadFiles(conn, opts)
		return took
	}

	r := newRig(b, Kiosk, nil)
	r.reader.SetPace(simcard.Contactless424)
	appCard := build()
	screen := "identity-checking"
	if verdict {
		screen = "identity"
	}
	tap := func() time.Duration {
		r.ui(func() { r.app.Scanned(p.QRPayload()) })
		start := time.Now()
		r.reader.Insert(appCard)
		for r.app.Screen() != screen {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no %s screen; on %s", screen, r.app.Screen())
			}
			time.Sleep(100 * time.Microsecond)
		}
		took := time.Since(start)
		r.reader.Remove()
		r.ui(func() { r.app.eng.Cancel() })
		for v := r.app.eng.View(); v.CardPresent || r.app.Screen() != "attract"; v = r.app.eng.View() {
			time.Sleep(time.Millisecond)
		}
		return took
	}
	var tb, tt time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			tb += bare()
			tt += tap()
		} else {
			tt += tap()
			tb += bare()
		}
		i++
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(i) }
	b.ReportMetric(ms(tb), "bare-ms/op")
	b.ReportMetric(ms(tt), "tap-ms/op")
	b.ReportMetric(float64(tt)/float64(tb), "x-bare")
}
