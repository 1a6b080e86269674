package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/kiosk/engine"
	"motcua/kiosk/printer/printertest"
	"motcua/reader"
	"motcua/sync/outbox"
)

// BenchmarkTapToTicket is a clinic self check-in from the card touching the
// reader (its QR already scanned) to the queue ticket: the read, the BHYT
// look-up against the test gateway on loopback, the department and reason,
// the number made durable, the record written and the ticket printed on the
// fake ESC/POS printer on loopback. "read-only" is the baseline in the same
// run (the card loop alone, as in TapToForm); "engine" is kiosk/engine with
// no UI; "app" goes through the Fyne screens with taps. contactless-ms/op
// adds the transfer time a 424 kbit/s contactless reader would add
// (simcard.Contactless424, modelled, not slept).
//
//	go test -run '^$' -bench TapToTicket -benchtime 20x ./ui/
func BenchmarkTapToTicket(b *testing.B) {
	b.Run("read-only", func(b *testing.B) { benchReadOnly(b) })
	b.Run("engine", func(b *testing.B) { benchTicketEngine(b) })
	b.Run("app", func(b *testing.B) { benchTicketApp(b) })
}

func benchPrinter(b *testing.B) *printertest.Printer {
	fp, err := printertest.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fp.Close() })
	return fp
}

func benchTicketEngine(b *testing.B) {
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
	cfg := engine.Config{Mode: engine.Clinic, Terminal: r, Catalog: cat, Outbox: box,
		ReadOptions: reader.Options{Trust: testTrust(b)}}
	clinicTweak(b, true, benchPrinter(b))(&cfg)
	e, err := engine.New(cfg)
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
				if got == engine.StepProblem {
					v := e.View()
					b.Fatalf("problem: %s %s", v.Notice, v.Detail)
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
		e.CheckIn()
		until(engine.StepCheckIn)
		e.ChooseDepartment()
		until(engine.StepDepartment)
		if err := e.TakeTicket("K01", "KB"); err != nil {
			b.Fatal(err)
		}
		until(engine.StepTicket)
		if v := e.View(); v.Ticket == nil || !v.Ticket.Printed {
			b.Fatalf("no printed ticket: %+v", v.Ticket)
		}
		b.StopTimer()
		e.Done()
		deck.Remove()
		until(engine.StepAttract)
		time.Sleep(5 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	reportContactless(b, r)
}

func benchTicketApp(b *testing.B) {
	r := newRig(b, Clinic, clinicTweak(b, true, benchPrinter(b)))
	r.reader.SetLatency(simcard.Contactless424)
	r.wait("attract")
	b.ResetTimer()
	r.reader.Modelled = 0
	for range b.N {
		r.ui(func() { r.app.Scanned(r.deck.QR(cardGenuine)) })
		if err := r.deck.Insert(cardGenuine); err != nil {
			b.Fatal(err)
		}
		r.wait("identity")
		r.tap(w("clinic.check"))
		r.wait("checkin")
		r.tap(w("ticket.choose"))
		r.wait("department")
		r.tap("Phòng khám Nội")
		r.wait("ticket")
		b.StopTimer()
		r.tapFirst(w("ticket.done"))
		r.deck.Remove()
		r.wait("attract")
		time.Sleep(5 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	reportContactless(b, r.reader)
}
