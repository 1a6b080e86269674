package capture

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"motcua/sync/outbox"
)

// BenchmarkScanToStored: one 200 dpi grey page from SANE's test device
// (its full 200 x 200 mm bed, grid picture) scanned, normalised, assembled
// into a PDF and sealed into the outbox (fsynced), against scanimage alone
// writing the same scan to a file, alternating op by op in the same run.
//
//	go test -run '^$' -bench ScanToStored -benchtime 20x ./kiosk/capture
func BenchmarkScanToStored(b *testing.B) {
	saneTest(b)
	st, err := outbox.Open(b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	sc := testScanner(Limits{})
	out := filepath.Join(b.TempDir(), "raw.pnm")
	var tScan, tStored time.Duration
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		cmd := exec.Command("scanimage", append(sc.args("", 0), "--output-file="+out)...)
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("scanimage: %v %s", err, o)
		}
		tScan += time.Since(t0)
		os.Remove(out)

		t0 = time.Now()
		pages, err := sc.Scan(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		doc := &Document{Name: "page"}
		doc.Add(pages...)
		if _, err := st.AddWithAttachments(ctx, "1.004222", []byte(`{"a":1}`), []outbox.AttachmentSource{doc.Attachment()}); err != nil {
			b.Fatal(err)
		}
		tStored += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(tScan.Milliseconds())/float64(b.N), "scanimage-ms/page")
	b.ReportMetric(float64(tStored.Milliseconds())/float64(b.N), "stored-ms/page")
	b.ReportMetric(float64(tStored)/float64(tScan), "stored/scanimage")
}
