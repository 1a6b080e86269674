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
func BenchmarkDrain(b *testing.B) {
	s, err := outbox.Open(b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	payload := []byte(`{"ChuHoSo":{"HoTen":"Nguyễn Văn Thử"},"pad":"` + string(make([]byte, 0)) + `0123456789abcdef"}`)
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
