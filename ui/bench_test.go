package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/cardloop"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/reader"
	"motcua/sync/outbox"
)

// BenchmarkTapToForm is the time from the card touching the reader (its QR
// already scanned) to the prefilled form. "read-only" is the baseline
// measured in the same run: the card loop alone from insert to the read
// result. "engine" is the same tap through kiosk/engine with no UI: the
// read filed in the visit, Continue, ChooseService, the prefilled form in
// the engine's View. "app" goes through the Fyne screens as well (the
// identity screen, the service tile, the form on screen). Besides wall
// time on the in-process simulated reader, each reports
// contactless-ms/op: the same plus the transfer time a 424 kbit/s
// contactless reader would add (simcard.Contactless424, modelled, not
// slept).
//
//	go test -run '^$' -bench TapToForm -benchtime 20x ./ui/
func BenchmarkTapToForm(b *testing.B) {
	b.Run("read-only", func(b *testing.B) { benchReadOnly(b) })
	b.Run("engine", func(b *testing.B) { benchEngine(b) })
	b.Run("app", func(b *testing.B) { benchApp(b) })
}

// reportContactless adds the modelled contactless transfer time to the
// wall time of the timed loop.
func reportContactless(b *testing.B, r *simcard.Reader) {
	total := b.Elapsed() + r.Modelled
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "contactless-ms/op")
}

func benchReadOnly(b *testing.B) {
	r := simcard.NewReader("sim")
	r.SetLatency(simcard.Contactless424)
	keys := cardloop.NewKeyBox()
	keys.Sticky = true
	p := simcard.ReferenceProfile()
	ks, err := reader.KeysFromCitizen(p.Identity.IDNumber, mustDate(p.Identity.DateOfBirth), mustDate(p.Identity.DateOfIssue))
	if err != nil {
		b.Fatal(err)
	}
	keys.Put(ks, nil)
	read := make(chan struct{}, 1)
	l := &cardloop.Loop{Terminal: r, Keys: keys, Options: reader.Options{Trust: testTrust(b)}, OnEvent: func(e cardloop.Event) {
		if e.Type == cardloop.Read {
			e.Result.Wipe()
			read <- struct{}{}
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deck := simcard.DemoDeck(r)
	b.ResetTimer()
	r.Modelled = 0
	for range b.N {
		if err := deck.Insert(cardGenuine); err != nil {
			b.Fatal(err)
		}
		select {
		case <-read:
		case <-time.After(10 * time.Second):
			b.Fatal("no read")
		}
		b.StopTimer()
		deck.Remove()
		time.Sleep(5 * time.Millisecond) // let the loop see the removal
		b.StartTimer()
	}
	b.StopTimer()
	reportContactless(b, r)
}

func benchEngine(b *testing.B) {
	r := simcard.NewReader("sim")
	r.SetLatency(simcard.Contactless424)
	deck := simcard.DemoDeck(r)
	box, err := outbox.Open(filepath.Join(b.TempDir(), "outbox"), outbox.Options{Device: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer box.Close()
	cat, err := catalog.Load("")
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(engine.Config{Mode: engine.Kiosk, Terminal: r, Catalog: cat, Outbox: box,
		ReadOptions: reader.Options{Trust: testTrust(b)}})
	if err != nil {
		b.Fatal(err)
	}
	steps := make(chan engine.Step, 64)
	unsub := e.Subscribe(func(ev engine.Event) {
		if ev.Kind == engine.StepChanged {
			steps <- ev.Step
		}
	})
	defer unsub()
	e.Start(context.Background())
	defer e.Stop()
	until := func(s engine.Step) {
		for {
			select {
			case got := <-steps:
				if got == s {
					return
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no step %s", s)
			}
		}
	}
	b.ResetTimer()
	r.Modelled = 0
	for range b.N {
		e.Scanned(deck.QR(cardGenuine))
		if err := deck.Insert(cardGenuine); err != nil {
			b.Fatal(err)
		}
		until(engine.StepIdentity)
		e.Continue()
		if err := e.ChooseService("1.000466"); err != nil {
			b.Fatal(err)
		}
		until(engine.StepForm)
		if v := e.View(); len(v.Values) == 0 {
			b.Fatal("no prefilled form")
		}
		b.StopTimer()
		e.Cancel()
		deck.Remove()
		until(engine.StepAttract)
		time.Sleep(5 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	reportContactless(b, r)
}

func benchApp(b *testing.B) {
	r := newRig(b, Kiosk, nil)
	r.reader.SetLatency(simcard.Contactless424)
	b.ResetTimer()
	r.reader.Modelled = 0
	for range b.N {
		r.ui(func() { r.app.Scanned(r.deck.QR(cardGenuine)) }) // the QR first, as at a desk scanner
		if err := r.deck.Insert(cardGenuine); err != nil {
			b.Fatal(err)
		}
		r.wait("identity")
		r.tap(w("id.continue"))
		r.wait("services")
		r.choose("Xác nhận số Chứng minh nhân dân")
		r.wait("form")
		b.StopTimer()
		r.tap(w("cancel"))
		r.deck.Remove()
		r.wait("attract")
		time.Sleep(5 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	reportContactless(b, r.reader)
}

func mustDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// BenchmarkCardToDossier is the citizen's (or officer's) whole visit, from
// the card on the reader to the dossier durable in the outbox and the
// receipt on screen, for the simplest service at a kiosk (xác nhận số
// CMND, 1.000466) and for kết hôn at a desk (two cards): "app" drives the
// Fyne screens as a person does and reports pointer-actions/op (taps,
// one per field typed, two per pick list, one per consent box; card
// placements and QR scans are not pointer actions); "engine" is the
// baseline in the same run: the same visit through the engine's intents
// with no screens. Typing and reading time are not in it: the figure is
// what the machine adds, the pointer count is what the person does.
//
//	go test -run '^$' -bench CardToDossier -benchtime 5x ./ui/
func BenchmarkCardToDossier(b *testing.B) {
	for _, tc := range []struct {
		name string
		mode Mode
		code string
	}{
		{"kiosk-1.000466", Kiosk, "1.000466"},
		{"desk-1.000894", Desk, "1.000894"},
	} {
		b.Run(tc.name+"/engine", func(b *testing.B) { benchEngineVisit(b, tc.mode, tc.code) })
		b.Run(tc.name+"/app", func(b *testing.B) {
			r := newRig(b, tc.mode, nil)
			svc := mustService(b, tc.code)
			actions := 0
			b.ResetTimer()
			for range b.N {
				v := r.submitService(svc)
				actions += v.actions
				b.StopTimer()
				r.deck.Remove()
				r.tapFirst(w("receipt.done"))
				r.wait("attract")
				b.StartTimer()
			}
			b.ReportMetric(float64(actions)/float64(b.N), "pointer-actions/op")
		})
	}
}

// benchEngineVisit is the baseline: the same visit through the engine's
// intents alone (QR, card, service, second card, addresses, typed values,
// review, each consent, submit).
func benchEngineVisit(b *testing.B, mode Mode, code string) {
	r := simcard.NewReader("sim")
	deck := simcard.DemoDeck(r)
	box, err := outbox.Open(filepath.Join(b.TempDir(), "outbox"), outbox.Options{Device: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer box.Close()
	cat, err := catalog.Load("")
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(engine.Config{Mode: mode, Terminal: r, Catalog: cat, Outbox: box,
		ReadOptions: reader.Options{Trust: testTrust(b)}})
	if err != nil {
		b.Fatal(err)
	}
	e.Start(context.Background())
	defer e.Stop()
	until := func(what string, ok func(engine.View) bool) engine.View {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if v := e.View(); ok(v) {
				return v
			}
			time.Sleep(200 * time.Microsecond)
		}
		b.Fatalf("no %s: %+v", what, e.View().Step)
		return engine.View{}
	}
	b.ResetTimer()
	for range b.N {
		e.Scanned(deck.QR(cardGenuine))
		if err := deck.Insert(cardGenuine); err != nil {
			b.Fatal(err)
		}
		until("identity", func(v engine.View) bool { return v.Step == engine.StepIdentity })
		e.Continue()
		if err := e.ChooseService(code); err != nil {
			b.Fatal(err)
		}
		v := until("form", func(v engine.View) bool { return v.Step == engine.StepForm })
		if v.WaitingFor != "" {
			role := v.WaitingFor
			deck.Remove()
			until("card out", func(v engine.View) bool { return !v.CardPresent })
			e.Scanned(deck.QR(cardSecond))
			if err := deck.Insert(cardSecond); err != nil {
				b.Fatal(err)
			}
			until("second card", func(v engine.View) bool { return v.Step == engine.StepForm && v.WaitingFor != role })
		}
		for _, val := range e.View().Values {
			switch {
			case val.Locked && val.NeedsConfirmation && len(val.Choices) > 0:
				e.ChooseAddress(val.Party, val.Field.ID, val.Index, 0)
			case val.Locked && val.NeedsConfirmation:
				e.ConfirmField(val.Party, val.Field.ID, val.Index)
			case !val.Locked && val.Text == "" && val.Field.Required:
				s := sampleFor(val.Field, mode)
				if len(val.Field.Options) > 0 {
					s = val.Field.Options[0]
				}
				e.SetField(val.Party, val.Field.ID, val.Index, s)
			}
		}
		e.Review()
		v = until("review", func(v engine.View) bool { return v.Step == engine.StepReview || len(v.Problems) > 0 })
		if v.Step != engine.StepReview {
			b.Fatalf("review refused: %v", v.Problems)
		}
		e.Submit(v.AllAgree()...)
		until("receipt", func(v engine.View) bool { return v.Step == engine.StepReceipt })
		b.StopTimer()
		deck.Remove()
		until("card out", func(v engine.View) bool { return !v.CardPresent })
		e.Done()
		until("attract", func(v engine.View) bool { return v.Step == engine.StepAttract })
		b.StartTimer()
	}
}
