package outbox

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkAttachmentWrite: an 8 MiB attachment sealed and stored with its
// record (streamed in 64 KiB AES-256-GCM chunks, file and directory
// fsynced, record committed) against a plain 8 MiB file written and
// fsynced, alternating op by op in the same run.
//
//	go test -run '^$' -bench AttachmentWrite -benchtime 20x ./sync/outbox
func BenchmarkAttachmentWrite(b *testing.B) {
	const size = 8 << 20
	data := fakeScan(size, 1)
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, "store"), Options{AttachmentBudget: 1 << 40, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	plainDir := filepath.Join(dir, "plain")
	os.MkdirAll(plainDir, 0o700)
	var tPlain, tSealed time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		p := filepath.Join(plainDir, "f")
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
		syncDir(plainDir)
		tPlain += time.Since(t0)
		os.Remove(p)

		t0 = time.Now()
		id, err := s.AddWithAttachments(context.Background(), "1.004222", []byte(`{"a":1}`),
			[]AttachmentSource{{Name: "a", Type: "application/pdf", R: bytes.NewReader(data)}})
		if err != nil {
			b.Fatal(err)
		}
		tSealed += time.Since(t0)
		os.RemoveAll(filepath.Join(s.attachRoot(), id)) // keep the disk small
	}
	b.StopTimer()
	mb := float64(size) / (1 << 20) * float64(b.N)
	b.ReportMetric(mb/tPlain.Seconds(), "plain-MiB/s")
	b.ReportMetric(mb/tSealed.Seconds(), "sealed-MiB/s")
	b.ReportMetric(tPlain.Seconds()/tSealed.Seconds(), "sealed/plain-throughput")
}
