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
// intake (its own fsynced bbolt store) over loopback HTTP: per record one
// claim commit, one HTTP round trip, one intake commit, one acceptance
// commit.
//
// The baseline sub-benchmark posts the same submissions with the same
// client to the same kind of intake without any outbox, in the same run.
func BenchmarkDrain(b *testing.B) {
	b.Run("worker.Drain", benchDrain)
	b.Run("bare-intake-post", benchBarePost)
}

func benchBarePost(b *testing.B) {
	is, err := intake.OpenStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer is.Close()
	srv, _ := intake.NewServer(is, token, intake.Faults{}, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	conn, _ := connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: token})
	ids := make([]string, b.N)
	for i := range ids {
		ids[i], _ = outbox.NewUUID()
	}
	ctx := context.Background()
	b.ResetTimer()
	t0 := time.Now()
	for i := range b.N {
		if _, err := conn.Submit(ctx, connector.Submission{UUID: ids[i], Service: "1.004222", Payload: benchDrainPayload}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
}

var benchDrainPayload = []byte(`{"ChuHoSo":{"HoTen":"Nguyễn Văn Thử"},"pad":"0123456789abcdef"}`)

func benchDrain(b *testing.B) {
	s, err := outbox.Open(b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	payload := benchDrainPayload
	ctx := context.Background()
	for range b.N {
		if _, err := s.Add(ctx, "1.004222", payload); err != nil {
			b.Fatal(err)
		}
	}
	is, err := intake.OpenStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer is.Close()
	srv, _ := intake.NewServer(is, token, intake.Faults{}, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	conn, _ := connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: token})
	w, _ := New(Config{Store: s, Conn: conn})
	b.ResetTimer()
	t0 := time.Now()
	st, err := w.Drain(ctx)
	el := time.Since(t0)
	b.StopTimer()
	if err != nil || st.Accepted != b.N {
		b.Fatalf("drain: %+v %v", st, err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
}
