package worker

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

// BenchmarkDrain measures the delivery rate from a filled outbox to a real
// intake (its own fsynced bbolt store) over loopback HTTP, against the
// baseline: the same client posting the same submissions to a second
// intake of the same kind without any outbox, one at a time.
//
// The two are interleaved in rounds of one drain batch (DefaultBatch
// records: one claim commit, the batch delivered with DefaultConcurrency in
// flight, one outcome commit) and as many bare posts, so a shared machine's
// changing load falls on both alike. It reports both rates and their ratio.
//
// The "per-record" case is the former drain, one claim commit and one
// outcome commit per record, one delivery at a time (Batch 1,
// Concurrency 1), measured the same way.
//
//	go test -run '^$' -bench Drain ./sync/worker
func BenchmarkDrain(b *testing.B) {
	b.Run("batched", func(b *testing.B) { benchDrain(b, DefaultBatch, DefaultConcurrency) })
	b.Run("per-record", func(b *testing.B) { benchDrain(b, 1, 1) })
}

func benchDrain(b *testing.B, batch, conc int) {
	ctx := context.Background()
	s, err := outbox.Open(b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for range b.N {
		if _, err := s.Add(ctx, "1.004222", benchDrainPayload); err != nil {
			b.Fatal(err)
		}
	}
	conns := make([]*connector.Intake, 2)
	for i := range conns {
		is, err := intake.OpenStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer is.Close()
		srv, _ := intake.NewServer(is, token, intake.Faults{}, nil)
		srv.SetRateLimit(0, 0) // measure delivery, not the per-device request limit (20/s by default)
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		conns[i], _ = connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: token})
	}
	w, _ := New(Config{Store: s, Conn: conns[0], PassLimit: DefaultBatch, Batch: batch, Concurrency: conc})
	ids := make([]string, b.N)
	for i := range ids {
		ids[i], _ = outbox.NewUUID()
	}
	b.ResetTimer()
	var drain, bare time.Duration
	done, posted := 0, 0
	for done < b.N || posted < b.N {
		t0 := time.Now()
		st, err := w.Drain(ctx)
		drain += time.Since(t0)
		if err != nil || st.Accepted+st.Retried+st.NeedsAttention != min(DefaultBatch, b.N-done) || st.Accepted != min(DefaultBatch, b.N-done) {
			b.Fatalf("drain: %+v %v", st, err)
		}
		done += st.Accepted
		t1 := time.Now()
		for n := 0; n < DefaultBatch && posted < b.N; n++ {
			if _, err := conns[1].Submit(ctx, connector.Submission{UUID: ids[posted], Service: "1.004222", Payload: benchDrainPayload}); err != nil {
				b.Fatal(err)
			}
			posted++
		}
		bare += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/drain.Seconds(), "drain-records/s")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "bare-post-records/s")
	b.ReportMetric(bare.Seconds()/drain.Seconds(), "drain/bare")
}

var benchDrainPayload = []byte(`{"ChuHoSo":{"HoTen":"Nguyễn Văn Thử"},"pad":"0123456789abcdef"}`)
