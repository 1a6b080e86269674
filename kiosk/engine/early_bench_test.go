package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"motcua/hwtest/simcard"
	"motcua/kiosk/catalog"
	"motcua/reader"
	"motcua/reader/lds"
	"motcua/sync/outbox"
)

// BenchmarkTapToIdentity and BenchmarkTapToVerdict time a tap through the
// engine against the bare read, in the same run and interleaved (bare,
// tap, tap, bare, ...), so the load of a shared machine weighs on both
// alike. The contactless model runs for real: every exchange with the
// simulated card sleeps its link time (simcard.Contactless424, 3 ms per
// APDU plus 424 kbit/s), so what runs meanwhile overlaps the link as it
// would at a desk.
//
//   - TapToIdentity: bare-ms is reader.ReadFiles from connect to DG1's
//     arrival (EF.CardAccess, PACE, DG13, DG1); tap-ms is the card put on
//     the reader (its QR scanned before) to the identity in the engine's
//     View (its card_identified event, as a front end gets it).
//   - TapToVerdict: bare-ms is reader.Read (every file, Chip and Passive
//     Authentication); tap-ms is the tap to the verdict in the View
//     (card_read).
//
// x-bare is tap-ms / bare-ms (goals: ≤ 1.2 for the identity, ≤ 1.0 for the
// verdict).
//
//	go test -run '^$' -bench 'TapTo(Identity|Verdict)' -benchtime 20x ./kiosk/engine/
func BenchmarkTapToIdentity(b *testing.B) { benchTap(b, false) }

// BenchmarkTapToVerdict: see BenchmarkTapToIdentity.
func BenchmarkTapToVerdict(b *testing.B) { benchTap(b, true) }

// paced is a simulated reader at the contactless pace with the genuine
// demo card built once (a build is not part of a tap), and the keys its
// QR gives.
func paced(b *testing.B) (*simcard.Reader, *simcard.Card, string, []reader.Key) {
	b.Helper()
	r := simcard.NewReader("sim")
	r.SetPace(simcard.Contactless424)
	p := simcard.ReferenceProfile()
	card, err := p.Card(simcard.CardOptions{Extended: true})
	if err != nil {
		b.Fatal(err)
	}
	text := p.QRPayload()
	_, keys, err := KeysFromQR(text)
	if err != nil {
		b.Fatal(err)
	}
	return r, card, text, keys
}

// bareRead times the bare read: to DG1, or the whole read with its verdict.
func bareRead(b *testing.B, r *simcard.Reader, card *simcard.Card, keys []reader.Key, full bool) time.Duration {
	trust, err := simcard.DefaultTrust()
	if err != nil {
		b.Fatal(err)
	}
	r.Insert(card)
	defer r.Remove()
	start := time.Now()
	conn, err := r.Connect()
	if err != nil {
		b.Fatal(err)
	}
	opts := reader.Options{Keys: keys, Trust: trust}
	if full {
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
			r.Remove() // the rest of the read is not this baseline
		}
	}
	reader.ReadFiles(conn, opts)
	if took == 0 {
		b.Fatal("no DG1")
	}
	return took
}

// tapper is an engine on its own paced reader.
type tapper struct {
	e     *Engine
	r     *simcard.Reader
	card  *simcard.Card
	text  string
	seen  chan View
	unsub func()
}

func newTapper(b *testing.B, verdict bool) *tapper {
	r, card, text, _ := paced(b)
	box, err := outbox.Open(filepath.Join(b.TempDir(), "outbox"), outbox.Options{Device: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { box.Close() })
	cat, err := catalog.Load("")
	if err != nil {
		b.Fatal(err)
	}
	trust, err := simcard.DefaultTrust()
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Config{Mode: Kiosk, Terminal: r, Catalog: cat, Outbox: box, ReadOptions: reader.Options{Trust: trust}})
	if err != nil {
		b.Fatal(err)
	}
	want := CardIdentified
	if verdict {
		want = CardRead
	}
	t := &tapper{e: e, r: r, card: card, text: text, seen: make(chan View, 16)}
	t.unsub = e.Subscribe(func(ev Event) {
		if ev.Kind == want {
			t.seen <- e.View()
		}
	})
	e.Start(context.Background())
	b.Cleanup(func() { e.Stop(); t.unsub() })
	return t
}

// tap puts the card on the reader and times it to the view wanted.
func (t *tapper) tap(b *testing.B, verdict bool) time.Duration {
	t.e.Scanned(t.text)
	start := time.Now()
	t.r.Insert(t.card)
	var v View
	select {
	case v = <-t.seen:
	case <-time.After(10 * time.Second):
		b.Fatal("nothing on the engine's view")
	}
	took := time.Since(start)
	switch {
	case !verdict && (!v.Checking || v.Early == nil):
		b.Fatal("the event came without the early identity in the view")
	case verdict && (v.Person == nil || v.Person.Verification == nil || !v.Person.Verification.Verified()):
		b.Fatal("the verdict is not in the view")
	}
	t.r.Remove()
	t.e.Cancel()
	for v := t.e.View(); v.CardPresent || v.Step != StepAttract; v = t.e.View() { // the loop has seen the removal
		time.Sleep(time.Millisecond)
	}
	for len(t.seen) > 0 {
		<-t.seen
	}
	return took
}

func benchTap(b *testing.B, verdict bool) {
	rb, cardB, _, keys := paced(b)
	t := newTapper(b, verdict)
	var bare, tap time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			bare += bareRead(b, rb, cardB, keys, verdict)
			tap += t.tap(b, verdict)
		} else {
			tap += t.tap(b, verdict)
			bare += bareRead(b, rb, cardB, keys, verdict)
		}
		i++
	}
	reportTap(b, bare, tap, i)
}

func reportTap(b *testing.B, bare, tap time.Duration, n int) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(ms(bare), "bare-ms/op")
	b.ReportMetric(ms(tap), "tap-ms/op")
	b.ReportMetric(float64(tap)/float64(bare), "x-bare")
}
