package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"motcua/sync/connector"
	"motcua/sync/intake"
	"motcua/sync/outbox"
)

// BenchmarkUpload20Pages: a dossier with a 20-page scanned PDF (20 x 150
// KiB) delivered by the worker (claim, verify the sealed file, submit,
// upload decrypted on the fly, outcome commit) against a bare HTTP client
// posting the same dossier and uploading the same bytes from memory to a
// second intake of the same kind, alternating op by op in the same run.
// Sealing the attachment into the outbox is outside the timing.
//
//	go test -run '^$' -bench Upload20Pages -benchtime 20x ./sync/worker
func BenchmarkUpload20Pages(b *testing.B) {
	ctx := context.Background()
	s, err := outbox.Open(b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler), AttachmentBudget: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pdf := scanBytes(20*150<<10, 5)
	sum := sha256.Sum256(pdf)
	spec := connector.Attachment{Name: "Giấy tờ 20 trang", Type: "application/pdf", Pages: 20, Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:])}
	urls := make([]string, 2)
	var conn *connector.Intake
	for i := range urls {
		is, err := intake.OpenStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer is.Close()
		srv, _ := intake.NewServer(is, token, intake.Faults{}, nil)
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		urls[i] = hs.URL
		if i == 0 {
			conn, _ = connector.NewIntake(connector.IntakeConfig{Endpoint: hs.URL, Token: token})
		}
	}
	w, _ := New(Config{Store: s, Conn: conn, Logger: slog.New(slog.DiscardHandler)})
	hc := &http.Client{}
	bare := func(id string) error {
		body, _ := json.Marshal(connector.SubmitRequest{Service: "1.004222", Payload: benchDrainPayload, Attachments: []connector.Attachment{spec}})
		req, _ := http.NewRequest(http.MethodPost, urls[1]+"/v1/dossiers", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", id)
		if err := doOK(hc, req); err != nil {
			return err
		}
		req, _ = http.NewRequest(http.MethodPut, urls[1]+"/v1/dossiers/"+id+"/attachments/x", bytes.NewReader(pdf))
		req.URL.Path = "/v1/dossiers/" + id + "/attachments/" + spec.Name
		req.Header.Set("Authorization", "Bearer "+token)
		return doOK(hc, req)
	}
	var tWorker, tBare time.Duration
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := s.AddWithAttachments(ctx, "1.004222", benchDrainPayload, []outbox.AttachmentSource{{Name: spec.Name, Type: spec.Type, Pages: 20, R: bytes.NewReader(pdf)}}); err != nil {
			b.Fatal(err)
		}
		id, _ := outbox.NewUUID()
		b.StartTimer()
		t0 := time.Now()
		st, err := w.Drain(ctx)
		if err != nil || st.Accepted != 1 {
			b.Fatalf("drain: %+v %v", st, err)
		}
		tWorker += time.Since(t0)
		t0 = time.Now()
		if err := bare(id); err != nil {
			b.Fatal(err)
		}
		tBare += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(tWorker.Milliseconds())/float64(b.N), "worker-ms/dossier")
	b.ReportMetric(float64(tBare.Milliseconds())/float64(b.N), "bare-ms/dossier")
	b.ReportMetric(tBare.Seconds()/tWorker.Seconds(), "worker/bare-throughput")
}

func doOK(hc *http.Client, req *http.Request) error {
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return nil
}
