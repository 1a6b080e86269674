package localapi

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkInsertToEvent measures the time from a card insertion to the
// event on a WebSocket client of the API, against the simulated reader.
//
//   - watch: baseline, insertion to the reader's own presence channel
//     (no API at all);
//   - websocket: insertion to card.inserted on a WebSocket client;
//   - read: insertion (with the key already waiting, as after a QR scan) to
//     card.read with the whole identity on the client: the chip read
//     through PACE and secure messaging plus the API.
//
// Reported: mean and p99 microseconds per event.
func BenchmarkInsertToEvent(b *testing.B) {
	report := func(b *testing.B, d []time.Duration) {
		slices.Sort(d)
		var sum time.Duration
		for _, x := range d {
			sum += x
		}
		b.ReportMetric(float64(sum.Microseconds())/float64(len(d)), "µs/event")
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("watch", func(b *testing.B) {
		e := newEnv(b)
		card := e.card()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := e.sim.Watch(ctx)
		<-ch
		d := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			e.sim.Insert(card)
			for !<-ch {
			}
			d = append(d, time.Since(t0))
			e.sim.Remove()
			for <-ch {
			}
		}
		report(b, d)
	})
	b.Run("websocket", func(b *testing.B) {
		e := newEnv(b)
		c := e.ws(e.plain)
		card := e.card()
		d := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			e.sim.Insert(card)
			c.until(b, "card.inserted")
			d = append(d, time.Since(t0))
			e.sim.Remove()
			c.until(b, "card.removed")
		}
		report(b, d)
	})
	b.Run("read", func(b *testing.B) {
		e := newEnv(b)
		e.srv.Keys().Sticky = true
		e.srv.Keys().Put(mustKeys(b, "001093047064"), nil)
		c := e.ws(e.plain)
		card := e.card()
		d := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			e.sim.Insert(card)
			if ev := c.until(b, "card.read"); ev.Card == nil {
				b.Fatal("no card")
			}
			d = append(d, time.Since(t0))
			e.sim.Remove()
			c.until(b, "card.removed")
		}
		report(b, d)
	})
}
