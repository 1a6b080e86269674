package capture

import (
	"context"
	"image"
	"io"
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

// BenchmarkDigestBeforeStream: what listing an attachment's SHA-256 in the
// dossier before streaming it costs (the desk assembles the PDF twice:
// Digest, then the stream into the outbox), against assembling it once to
// nowhere, for a 10-page attachment of scanned-size pages, alternating op
// by op in the same run.
//
//	go test -run '^$' -bench DigestBeforeStream -benchtime 20x ./kiosk/capture
func BenchmarkDigestBeforeStream(b *testing.B) {
	g := image.NewGray(image.Rect(0, 0, 1650, 2330)) // A4 at 200 dpi
	for i := range g.Pix {
		g.Pix[i] = uint8(255 - (i%1650/40+i/1650/40)%2*200)
	}
	p, err := NewPage(g, 200, "bench", Limits{NoCrop: true, NoDeskew: true})
	if err != nil {
		b.Fatal(err)
	}
	doc := &Document{Name: "to_khai"}
	for range 10 {
		doc.Add(p)
	}
	var tOnce, tTwice time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := doc.WritePDF(io.Discard); err != nil {
			b.Fatal(err)
		}
		tOnce += time.Since(t0)
		t0 = time.Now()
		if _, _, err := doc.Digest(); err != nil {
			b.Fatal(err)
		}
		if err := doc.WritePDF(io.Discard); err != nil {
			b.Fatal(err)
		}
		tTwice += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(tOnce.Microseconds())/float64(b.N)/1000, "once-ms")
	b.ReportMetric(float64(tTwice.Microseconds())/float64(b.N)/1000, "digest+stream-ms")
	b.ReportMetric(float64(tTwice)/float64(tOnce), "ratio")
}
